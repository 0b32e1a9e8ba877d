package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

type pdfRow struct {
	ConsentID  string `gorm:"column:consent_id;primaryKey"`
	SHA256     string `gorm:"column:sha256"`
	Size       int    `gorm:"column:size"`
	CertSHA256 string `gorm:"column:cert_sha256"`
	CreatedMS  int64  `gorm:"column:created_at"`
	Bytes      []byte `gorm:"column:bytes"`
}

func (pdfRow) TableName() string { return "pdfs" }

func (r pdfRow) info() consent.PDFInfo {
	return consent.PDFInfo{SHA256: r.SHA256, Size: r.Size, CreatedAt: fromMS(r.CreatedMS), CertSHA256: r.CertSHA256}
}

// pdfInfoColumns leaves the bytes out when only the description is wanted.
var pdfInfoColumns = []string{"consent_id", "sha256", "size", "cert_sha256", "created_at"}

// StorePDF stores a consent's sealed PDF, once; ECONFLICT if it already has one.
func (t *tx) StorePDF(ctx context.Context, p *consent.SealedPDF) error {
	row := pdfRow{ConsentID: p.ConsentID, SHA256: p.Info.SHA256, Size: p.Info.Size, CertSHA256: p.Info.CertSHA256,
		CreatedMS: toMS(p.Info.CreatedAt), Bytes: p.Bytes}
	if row.Bytes == nil {
		row.Bytes = []byte{}
	}
	return translate("store pdf", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Consent not found.", conflict: "This consent already has a sealed PDF."})
}

// FindPDF returns a consent's sealed PDF with its bytes; ENOTFOUND if none.
func (r reader) FindPDF(ctx context.Context, consentID string) (*consent.SealedPDF, error) {
	var row pdfRow
	if err := r.q(ctx).Where("consent_id = ?", consentID).Take(&row).Error; err != nil {
		return nil, translate("find pdf", err, msgs{notFound: "PDF not found."})
	}
	return &consent.SealedPDF{ConsentID: row.ConsentID, Info: row.info(), Bytes: row.Bytes}, nil
}
