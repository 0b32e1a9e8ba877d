package consent

import (
	"context"
	"time"
)

// PDFVerification is the outcome of checking a PDF.
type PDFVerification struct {
	Valid         bool
	Reason        string // when invalid: tampered, unknown issuer, not ours, not a PDF, ...
	ConsentID     string
	ContentSHA256 string
	SignedAt      time.Time
	Signers       []string
	CertSHA256    string
	FileSHA256    string
	// Kind says which of the consent's sealed PDFs the file is: PDFKindSigned
	// or PDFKindWithdrawn (then WithdrawnAt is when).
	Kind        string
	WithdrawnAt time.Time
}

// PDFVerifier checks a PDF's seal: the signature over the signed byte ranges
// and the chain to one of this server's certificates.
type PDFVerifier interface {
	VerifyPDF(b []byte) *PDFVerification
}

// VerifyPDF checks the seal and that the exact file is one this server issued.
func (s *Service) VerifyPDF(ctx context.Context, v PDFVerifier, b []byte) (*PDFVerification, error) {
	res := v.VerifyPDF(b)
	if !res.Valid {
		return res, nil
	}
	kind := PDFKindSigned
	if !res.WithdrawnAt.IsZero() {
		kind = PDFKindWithdrawn
	}
	var p *SealedPDF
	var err error
	if kind == PDFKindSigned {
		p, err = s.Store.FindPDF(ctx, res.ConsentID)
	} else {
		p, err = s.Store.FindAdditionalPDF(ctx, res.ConsentID, kind)
	}
	if ErrorCode(err) == ENOTFOUND {
		res.Valid, res.Reason = false, "not ours: no "+kind+" PDF of consent "+res.ConsentID+" was issued by this server"
		return res, nil
	} else if err != nil {
		return nil, err
	}
	if p.Info.SHA256 != res.FileSHA256 {
		res.Valid, res.Reason = false, "not ours: the file differs from the "+kind+" PDF issued for this consent"
		return res, nil
	}
	res.Kind = kind
	return res, nil
}
