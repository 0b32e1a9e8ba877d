package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

// additionalPDFRow is a sealed PDF made after the signed one (the withdrawal
// copy). Like pdfs, the table is append-only (triggers); it is a table of its
// own, keyed by consent and kind, so the signed PDF's table never changes.
type additionalPDFRow struct {
	ConsentID  string `gorm:"column:consent_id;primaryKey"`
	Kind       string `gorm:"column:kind;primaryKey"`
	SHA256     string `gorm:"column:sha256"`
	Size       int    `gorm:"column:size"`
	CertSHA256 string `gorm:"column:cert_sha256"`
	CreatedMS  int64  `gorm:"column:created_at"`
	Bytes      []byte `gorm:"column:bytes"`
}

func (additionalPDFRow) TableName() string { return "additional_pdfs" }

func (r additionalPDFRow) info() consent.PDFInfo {
	return consent.PDFInfo{SHA256: r.SHA256, Size: r.Size, CreatedAt: fromMS(r.CreatedMS), CertSHA256: r.CertSHA256}
}

// StoreAdditionalPDF stores a sealed PDF of p.Kind, once; ECONFLICT if the
// consent already has one of that kind, ENOTFOUND without the consent.
func (t *tx) StoreAdditionalPDF(ctx context.Context, p *consent.SealedPDF) error {
	row := additionalPDFRow{ConsentID: p.ConsentID, Kind: p.Kind, SHA256: p.Info.SHA256, Size: p.Info.Size,
		CertSHA256: p.Info.CertSHA256, CreatedMS: toMS(p.Info.CreatedAt), Bytes: p.Bytes}
	if row.Bytes == nil {
		row.Bytes = []byte{}
	}
	return translate("store additional pdf", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Consent not found.", conflict: "This consent already has a sealed " + p.Kind + " PDF."})
}

// FindAdditionalPDF returns a consent's sealed PDF of kind with its bytes;
// ENOTFOUND if none.
func (r reader) FindAdditionalPDF(ctx context.Context, consentID, kind string) (*consent.SealedPDF, error) {
	var row additionalPDFRow
	if err := r.q(ctx).Where("consent_id = ? AND kind = ?", consentID, kind).Take(&row).Error; err != nil {
		return nil, translate("find additional pdf", err, msgs{notFound: "PDF not found."})
	}
	return &consent.SealedPDF{ConsentID: row.ConsentID, Kind: row.Kind, Info: row.info(), Bytes: row.Bytes}, nil
}
