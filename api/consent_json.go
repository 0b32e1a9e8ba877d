package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/consentd/consentd/consent"
)

func ts(t time.Time) string { return consent.FormatTime(t) }

func tsp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

type patientJSON struct {
	ID         string `json:"id"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"`
}

type signingJSON struct {
	URL       string `json:"url"`
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
}

type markJSON struct {
	Type      string        `json:"type"`
	Width     int           `json:"width,omitempty"`
	Height    int           `json:"height,omitempty"`
	Strokes   [][]pointJSON `json:"strokes,omitempty"`
	PNGBase64 string        `json:"png_base64,omitempty"`
	Text      string        `json:"text,omitempty"`
}

type pointJSON struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	T int64   `json:"t"`
}

type evidenceJSON struct {
	Channel    string `json:"channel"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	DeviceID   string `json:"device_id,omitempty"`
	Actor      string `json:"actor"`
	ClientTime string `json:"client_time_claimed,omitempty"`
}

type signatureJSON struct {
	ID                         string       `json:"id"`
	Role                       string       `json:"role"`
	Name                       string       `json:"name"`
	Relationship               string       `json:"relationship,omitempty"`
	Locale                     string       `json:"locale"`
	SignedAt                   string       `json:"signed_at"`
	Meaning                    string       `json:"meaning"`
	StaffID                    string       `json:"staff_id,omitempty"`
	IdentityVerified           bool         `json:"identity_verified"`
	AcknowledgedSections       []string     `json:"acknowledged_sections"`
	DiscussedSections          []string     `json:"discussed_sections,omitempty"`
	ElectronicRecordsConsentAt *string      `json:"electronic_records_consent_at"`
	Signature                  markJSON     `json:"signature"`
	Evidence                   evidenceJSON `json:"evidence"`
}

type ackJSON struct {
	Section string `json:"section"`
	Locale  string `json:"locale"`
	At      string `json:"at"`
	Channel string `json:"channel"`
}

type pdfJSON struct {
	SHA256     string `json:"sha256"`
	Size       int    `json:"size"`
	CertSHA256 string `json:"cert_sha256"`
	URL        string `json:"url"`
}

// statusTimesJSON is when and why a consent reached its status; the full
// consent and the state-only view (consentStatusJSON) both show it.
type statusTimesJSON struct {
	SignedAt        *string `json:"signed_at"`
	StatusChangedAt *string `json:"status_changed_at"`
	StatusReason    string  `json:"status_reason,omitempty"`
	DeclinedAt      *string `json:"declined_at,omitempty"`
	CancelledAt     *string `json:"cancelled_at,omitempty"`
	ExpiredAt       *string `json:"expired_at,omitempty"`
	WithdrawnAt     *string `json:"withdrawn_at,omitempty"`
	VoidedAt        *string `json:"voided_at,omitempty"`
}

type consentJSON struct {
	ID              string            `json:"id"`
	Status          string            `json:"status"`
	Template        string            `json:"template"`
	Version         int               `json:"version"`
	TemplateSHA256  string            `json:"template_content_sha256"`
	Locale          string            `json:"locale"`
	Patient         patientJSON       `json:"patient"`
	Variables       map[string]string `json:"variables"`
	ContentSHA256   string            `json:"content_sha256"`
	CreatedAt       string            `json:"created_at"`
	ExpiresAt       string            `json:"expires_at"`
	Signing         *signingJSON      `json:"signing,omitempty"`
	Signatures      []signatureJSON   `json:"signatures"`
	Acknowledgments []ackJSON         `json:"acknowledgments"`
	// AnswerAttempts are every teach-back answer, in recording order;
	// FlaggedSections the sections to discuss with the clinician.
	AnswerAttempts  []answerJSON `json:"answer_attempts"`
	FlaggedSections []string     `json:"flagged_sections"`
	statusTimesJSON
	PDF *pdfJSON `json:"pdf"`
	// WithdrawalPDF is the sealed withdrawal copy (withdrawn consents).
	WithdrawalPDF *pdfJSON `json:"withdrawal_pdf,omitempty"`
	// Approval is its template version's approval as it stands now (derived;
	// the sealed PDF prints the state at sealing).
	Approval *approvalJSON `json:"approval"`
	reconsentJSON
}

// reconsentJSON links a consent to its re-consents and shows the derived
// flags (null when not due).
type reconsentJSON struct {
	Supersedes   *string               `json:"supersedes"`
	SupersededBy *string               `json:"superseded_by"`
	ReconsentDue *consent.ReconsentDue `json:"reconsent_due"`
	RenewalDue   *renewalDueJSON       `json:"renewal_due"`
}

type renewalDueJSON struct {
	Reason       string `json:"reason"`
	ValidForDays int    `json:"valid_for_days"`
	DueAt        string `json:"due_at"`
}

func toReconsentJSON(c *consent.Consent) reconsentJSON {
	out := reconsentJSON{Supersedes: optional(c.Supersedes), SupersededBy: optional(c.SupersededBy), ReconsentDue: c.ReconsentDue}
	if r := c.RenewalDue; r != nil {
		out.RenewalDue = &renewalDueJSON{Reason: r.Reason, ValidForDays: r.ValidForDays, DueAt: ts(r.DueAt)}
	}
	return out
}

// optional is nil for "", so the field shows null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// documentJSON is a frozen document in its wire form, whose sections are
// never null.
func documentJSON(d consent.Document) consent.Document {
	if d.Sections == nil {
		d.Sections = []consent.DocumentSection{}
	}
	return d
}

func toMarkJSON(m consent.Mark) markJSON {
	out := markJSON{Type: m.Type, Width: m.Width, Height: m.Height, Text: m.Text}
	if len(m.PNG) > 0 {
		out.PNGBase64 = base64.StdEncoding.EncodeToString(m.PNG)
	}
	for _, st := range m.Strokes {
		var ps []pointJSON
		for _, p := range st {
			ps = append(ps, pointJSON{X: p.X, Y: p.Y, T: p.T})
		}
		out.Strokes = append(out.Strokes, ps)
	}
	return out
}

func toSignatureJSON(s *consent.Signature) signatureJSON {
	e := s.Evidence
	acked := s.Acknowledged
	if acked == nil {
		acked = []string{}
	}
	return signatureJSON{ID: s.ID, Role: s.Role, Name: s.Name, Relationship: s.Relationship, Locale: s.Locale,
		SignedAt: ts(s.SignedAt), Meaning: s.Meaning, StaffID: s.StaffID, IdentityVerified: s.IdentityVerified,
		AcknowledgedSections: acked, DiscussedSections: s.DiscussedSections, ElectronicRecordsConsentAt: tsp(s.ElectronicRecordsConsentAt),
		Signature: toMarkJSON(s.Mark), Evidence: evidenceJSON{Channel: e.Channel, IP: e.IP, UserAgent: e.UserAgent,
			DeviceID: e.DeviceID, Actor: e.Actor, ClientTime: e.ClientTime}}
}

// consentBytes encodes a consent as the API's JSON object. The frozen
// documents' encoding comes from the frozen-document cache; everything else
// is encoded afresh.
func (s *Server) consentBytes(ctx context.Context, c *consent.Consent, signing *signingJSON) (json.RawMessage, error) {
	a, err := s.Service.ApprovalOf(ctx, c.TemplateSlug, c.TemplateVersion)
	if err != nil {
		return nil, err
	}
	j := s.toConsentJSON(c)
	j.Signing, j.Approval = signing, toApprovalJSON(a)
	rest, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	docs, err := s.Documents.Encoded(c, encodeDocument)
	if err != nil {
		return nil, err
	}
	n := len(rest)
	for _, d := range docs {
		n += 2 * len(d)
	}
	b := make([]byte, 0, n+64)
	b = append(b, '{')
	b = appendDocuments(b, docs, c.Locale)
	return append(b, rest[1:]...), nil
}

// toConsentJSON maps the consent's changing part; documents are added by consentBytes.
func (s *Server) toConsentJSON(c *consent.Consent) consentJSON {
	doc := c.Document()
	out := consentJSON{ID: c.ID, Status: c.Status, Template: c.TemplateSlug, Version: c.TemplateVersion,
		TemplateSHA256: c.TemplateSHA256, Locale: c.Locale, Variables: c.Variables,
		Patient:       patientJSON{ID: c.Patient.ID, GivenName: c.Patient.GivenName, FamilyName: c.Patient.FamilyName, BirthDate: c.Patient.BirthDate},
		ContentSHA256: doc.ContentSHA256,
		CreatedAt:     ts(c.CreatedAt), ExpiresAt: ts(c.ExpiresAt), Signatures: []signatureJSON{}, Acknowledgments: []ackJSON{},
		statusTimesJSON: statusTimesJSON{SignedAt: tsp(c.SignedAt), StatusChangedAt: tsp(c.StatusChangedAt), StatusReason: c.StatusReason},
		reconsentJSON:   toReconsentJSON(c)}
	for i := range c.Signatures {
		out.Signatures = append(out.Signatures, toSignatureJSON(&c.Signatures[i]))
	}
	for _, a := range c.Acknowledgments {
		out.Acknowledgments = append(out.Acknowledgments, ackJSON{Section: a.SectionKey, Locale: a.Locale, At: ts(a.At), Channel: a.Evidence.Channel})
	}
	out.AnswerAttempts, out.FlaggedSections = answersJSON(c), c.FlaggedSections()
	changed := tsp(c.StatusChangedAt)
	switch c.Status {
	case consent.StatusDeclined:
		out.DeclinedAt = changed
	case consent.StatusCancelled:
		out.CancelledAt = changed
	case consent.StatusExpired:
		// A consent expires at expires_at, whether or not the background job has
		// recorded it yet (its run time is in the audit event and status_changed_at).
		out.ExpiredAt = tsp(&c.ExpiresAt)
	case consent.StatusWithdrawn:
		out.WithdrawnAt = changed
	case consent.StatusVoided:
		out.VoidedAt = changed
	}
	if c.PDF != nil {
		out.PDF = &pdfJSON{SHA256: c.PDF.SHA256, Size: c.PDF.Size, CertSHA256: c.PDF.CertSHA256, URL: "/v1/consents/" + c.ID + "/pdf"}
	}
	if w := c.WithdrawalPDF; w != nil {
		out.WithdrawalPDF = &pdfJSON{SHA256: w.SHA256, Size: w.Size, CertSHA256: w.CertSHA256, URL: "/v1/consents/" + c.ID + "/pdf/withdrawn"}
	}
	return out
}
