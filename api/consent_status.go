package api

import (
	"encoding/json"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// consentStatusJSON is what a key without consents:read sees of a consent it
// changed: the state and its times, never the patient, the variables, the
// document text or the signatures.
type consentStatusJSON struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Template      string `json:"template"`
	Version       int    `json:"version"`
	Locale        string `json:"locale"`
	ContentSHA256 string `json:"content_sha256"`
	CreatedAt     string `json:"created_at"`
	ExpiresAt     string `json:"expires_at"`
	statusTimesJSON
	PDF *pdfJSON `json:"pdf"`
}

// consentStatusBytes encodes a consent's state without patient data.
func (s *Server) consentStatusBytes(c *consent.Consent) (json.RawMessage, error) {
	j := s.toConsentJSON(c)
	return json.Marshal(consentStatusJSON{ID: j.ID, Status: j.Status, Template: j.Template, Version: j.Version,
		Locale: j.Locale, ContentSHA256: j.ContentSHA256, CreatedAt: j.CreatedAt, ExpiresAt: j.ExpiresAt,
		statusTimesJSON: j.statusTimesJSON, PDF: j.PDF})
}

// consentEncoder picks the consent representation the request's key may read:
// the consent in the view asked for (?view=) with consents:read, its state
// only without.
func (s *Server) consentEncoder(c *gin.Context) (func(*consent.Consent) (json.RawMessage, error), error) {
	view, err := readView(c)
	if err != nil {
		return nil, err
	}
	if keyAllows(c, consent.ScopeConsentsRead) {
		encode := s.viewEncoder(c.Request.Context(), view)
		return func(cs *consent.Consent) (json.RawMessage, error) { return encode(cs, nil) }, nil
	}
	return s.consentStatusBytes, nil
}
