package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type staffCredentials struct {
	ID  string `json:"id"`
	PIN string `json:"pin"`
}

// markRequest is a signature mark as sent; pointers tell a field sent empty
// from one not sent, since each form accepts exactly its own fields.
type markRequest struct {
	Type      string        `json:"type"`
	Width     *int          `json:"width"`
	Height    *int          `json:"height"`
	Strokes   [][]pointJSON `json:"strokes"` // nil when not sent (or null)
	PNGBase64 *string       `json:"png_base64"`
	Text      *string       `json:"text"`
}

// checkFields refuses a field the mark's form does not have, even sent empty.
func (m *markRequest) checkFields() error {
	for _, f := range []struct {
		name string
		sent bool
	}{{"width", m.Width != nil}, {"height", m.Height != nil}, {"strokes", m.Strokes != nil},
		{"png_base64", m.PNGBase64 != nil}, {"text", m.Text != nil}} {
		if f.sent && slices.Contains(consent.SignatureForms, m.Type) && !consent.MarkFieldAllowed(m.Type, f.name) {
			return consent.FieldErrorf(consent.EINVALID, "signature."+f.name, "not part of a %s signature; send only its own fields.", m.Type)
		}
	}
	return nil
}

type signRequest struct {
	Role                     string            `json:"role"`
	Name                     string            `json:"name"`
	Relationship             string            `json:"relationship"`
	Locale                   string            `json:"locale"`
	AcknowledgedSections     []string          `json:"acknowledged_sections"`
	ElectronicRecordsConsent bool              `json:"electronic_records_consent"`
	Staff                    *staffCredentials `json:"staff"`
	IdentityVerified         bool              `json:"identity_verified"`
	Signature                *markRequest      `json:"signature"`
}

func (r *signRequest) input() (consent.SignInput, error) {
	in := consent.SignInput{Role: r.Role, Name: r.Name, Relationship: r.Relationship, Locale: r.Locale,
		AcknowledgedSections: r.AcknowledgedSections, ElectronicRecordsConsent: r.ElectronicRecordsConsent,
		IdentityVerified: r.IdentityVerified}
	if r.Staff != nil {
		in.StaffID, in.StaffPIN = r.Staff.ID, r.Staff.PIN
	}
	if r.Signature == nil {
		return in, consent.FieldErrorf(consent.EINVALID, "signature", "is required.")
	}
	m := r.Signature
	if err := m.checkFields(); err != nil {
		return in, err
	}
	in.Mark = consent.Mark{Type: m.Type, Width: deref0(m.Width), Height: deref0(m.Height), Text: deref0(m.Text)}
	if len(m.Strokes) > consent.MaxStrokes {
		return in, consent.FieldErrorf(consent.EINVALID, "signature.strokes", "too many strokes.")
	}
	for _, st := range m.Strokes {
		pts := make([]consent.Point, 0, len(st))
		for _, p := range st {
			pts = append(pts, consent.Point{X: p.X, Y: p.Y, T: p.T})
		}
		in.Mark.Strokes = append(in.Mark.Strokes, pts)
	}
	if m.PNGBase64 != nil && *m.PNGBase64 != "" {
		b, err := consent.DecodePNGBase64("signature.png_base64", *m.PNGBase64)
		if err != nil {
			return in, err
		}
		in.Mark.PNG = b
	}
	return in, nil
}

type signResponse struct {
	signatureJSON
	ConsentID     string `json:"consent_id"`
	ConsentStatus string `json:"consent_status"`
}

func toSignResponse(res *consent.SignResult) signResponse {
	return signResponse{signatureJSON: toSignatureJSON(res.Signature), ConsentID: res.Consent.ID, ConsentStatus: res.Consent.Status}
}

// sign decodes a signature request and runs it through do, which is the API-key
// or the signing-token path; an Idempotency-Key stores the response in the
// signing transaction.
func (s *Server) sign(c *gin.Context, do func(ctx context.Context, in consent.SignInput) (*consent.SignResult, error)) {
	var req signRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, err := req.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.SignResult, error) { return do(ctx, in) }, view(toSignResponse))
}

func (s *Server) signConsent(c *gin.Context) {
	s.sign(c, func(ctx context.Context, in consent.SignInput) (*consent.SignResult, error) {
		return s.Service.Sign(ctx, c.Param("id"), in)
	})
}

// deref0 returns *p, or the zero value when p is nil.
func deref0[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
