package consent

import (
	"context"
	"sync"
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
	// Unprocessable marks a file refused before parsing: it does not have a
	// sealed consent's shape. Detail says which check failed.
	Unprocessable bool
	Detail        string
}

// PDFVerifier checks a PDF's seal: the signature over the signed byte ranges
// and the chain to one of this server's certificates. It takes no context:
// the PDF library cannot be interrupted.
type PDFVerifier interface {
	VerifyPDF(b []byte) *PDFVerification
}

// verifyGate holds the slots that bound concurrent verifications.
type verifyGate struct {
	once  sync.Once
	slots chan struct{}
}

func (s *Service) verifySlots() chan struct{} {
	s.verifyGate.once.Do(func() {
		n := s.VerifySlots
		if n <= 0 {
			n = 2
		}
		s.verifyGate.slots = make(chan struct{}, n)
	})
	return s.verifyGate.slots
}

// VerifyPDF checks the seal and that the exact file is one this server issued.
// The verifier runs in a goroutine holding one of VerifySlots slots: the
// caller waits at most VerifyTimeout (EUNAVAILABLE after), and the slot is
// freed only when the verifier really ends, so a flood of slow files cannot
// pile up work. Errors: ETOOLARGE, EUNPROCESSABLE (not shaped like a sealed
// consent), EUNAVAILABLE.
func (s *Service) VerifyPDF(ctx context.Context, v PDFVerifier, b []byte) (*PDFVerification, error) {
	if len(b) > MaxSealedPDFBytes {
		return nil, Errorf(ETOOLARGE, "A sealed consent is at most %d bytes; this file is %d.", MaxSealedPDFBytes, len(b))
	}
	timeout := s.VerifyTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	slots := s.verifySlots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, Errorf(EUNAVAILABLE, "Every verification slot is busy; try again in a few seconds.")
	}
	done := make(chan *PDFVerification, 1)
	go func() {
		defer func() { <-slots }()
		done <- v.VerifyPDF(b)
	}()
	var res *PDFVerification
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, Errorf(EUNAVAILABLE, "Verifying this file took too long; try again later.")
	}
	if res.Unprocessable {
		return nil, Errorf(EUNPROCESSABLE, "Not a sealed consent PDF (%s): %s.", res.Reason, res.Detail)
	}
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
		p, err = s.Store.Consents().FindPDF(ctx, res.ConsentID)
	} else {
		p, err = s.Store.Consents().FindAdditionalPDF(ctx, res.ConsentID, kind)
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
