package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// readView parses ?view= (full when absent); an unknown view is 400, so a
// typo never silently returns the 170 KB full consent.
func readView(c *gin.Context) (string, error) {
	v, ok := c.GetQuery("view")
	if !ok {
		return consent.ViewFull, nil
	}
	if !slices.Contains(consent.Views, v) {
		return "", consent.FieldErrorf(consent.EINVALID, "view", "must be full or summary.")
	}
	return v, nil
}

// patientRefJSON is the patient as the summary names it: the clinic's
// identifier only.
type patientRefJSON struct {
	ID string `json:"id"`
}

// documentRefJSON names one frozen document: its hash, and where to read it.
type documentRefJSON struct {
	ContentSHA256 string `json:"content_sha256"`
	URL           string `json:"url"`
}

// consentSummaryJSON is the lean view of a consent (?view=summary): what an
// integration needs to know whether and how it was signed, without the
// frozen text (read it by locale from documents[locale].url).
type consentSummaryJSON struct {
	ID             string                     `json:"id"`
	Status         string                     `json:"status"`
	Template       string                     `json:"template"`
	Version        int                        `json:"version"`
	TemplateSHA256 string                     `json:"template_content_sha256"`
	Locale         string                     `json:"locale"`
	Patient        patientRefJSON             `json:"patient"`
	ContentSHA256  string                     `json:"content_sha256"`
	Documents      map[string]documentRefJSON `json:"documents"`
	CreatedAt      string                     `json:"created_at"`
	ExpiresAt      string                     `json:"expires_at"`
	Signing        *signingJSON               `json:"signing,omitempty"`
	Signatures     []signatureJSON            `json:"signatures"`
	statusTimesJSON
	PDF           *pdfJSON      `json:"pdf"`
	WithdrawalPDF *pdfJSON      `json:"withdrawal_pdf,omitempty"`
	Approval      *approvalJSON `json:"approval"`
	reconsentJSON
	URL string `json:"url"`
}

// consentSummaryBytes encodes the summary view of a consent. Signatures keep
// every field but the drawing itself (strokes or image; the type stays):
// the drawing is in the full view and on the sealed PDF.
func (s *Server) consentSummaryBytes(ctx context.Context, c *consent.Consent, signing *signingJSON) (json.RawMessage, error) {
	a, err := s.Service.ApprovalOf(ctx, c.TemplateSlug, c.TemplateVersion)
	if err != nil {
		return nil, err
	}
	lean := *c
	lean.Signatures = make([]consent.Signature, len(c.Signatures))
	for i, sig := range c.Signatures {
		sig.Mark = consent.Mark{Type: sig.Mark.Type}
		lean.Signatures[i] = sig
	}
	j := s.toConsentJSON(&lean)
	self := "/v1/consents/" + url.PathEscape(c.ID)
	out := consentSummaryJSON{ID: j.ID, Status: j.Status, Template: j.Template, Version: j.Version,
		TemplateSHA256: j.TemplateSHA256, Locale: j.Locale, Patient: patientRefJSON{ID: j.Patient.ID},
		ContentSHA256: j.ContentSHA256, Documents: make(map[string]documentRefJSON, len(c.Documents)),
		CreatedAt: j.CreatedAt, ExpiresAt: j.ExpiresAt, Signing: signing, Signatures: j.Signatures,
		statusTimesJSON: j.statusTimesJSON, PDF: j.PDF, WithdrawalPDF: j.WithdrawalPDF,
		Approval: toApprovalJSON(a), reconsentJSON: j.reconsentJSON, URL: self}
	for l, d := range c.Documents {
		out.Documents[l] = documentRefJSON{ContentSHA256: d.ContentSHA256, URL: self + "/documents/" + url.PathEscape(l)}
	}
	return json.Marshal(out)
}

// viewEncoder returns the encoder of view for a key allowed to read consents.
func (s *Server) viewEncoder(ctx context.Context, view string) func(*consent.Consent, *signingJSON) (json.RawMessage, error) {
	if view == consent.ViewSummary {
		return func(c *consent.Consent, signing *signingJSON) (json.RawMessage, error) {
			return s.consentSummaryBytes(ctx, c, signing)
		}
	}
	return func(c *consent.Consent, signing *signingJSON) (json.RawMessage, error) {
		return s.consentBytes(ctx, c, signing)
	}
}

// getConsentDocument answers one frozen document of a consent, by locale,
// as it appears in the full view's documents.
func (s *Server) getConsentDocument(c *gin.Context) {
	cs, _, err := s.Service.ReadConsentDocument(c.Request.Context(), c.Param("id"), c.Param("locale"))
	if err != nil {
		s.fail(c, err)
		return
	}
	docs, err := s.Documents.Encoded(cs, encodeDocument)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, docs[c.Param("locale")])
}
