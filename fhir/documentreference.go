package fhir

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"

	"github.com/consentd/consentd/consent"
)

// AttachmentHash returns what R4 Attachment.hash holds for the bytes: the
// base64 of their SHA-1 (pass it to DocumentReference).
func AttachmentHash(b []byte) string {
	sum := sha1.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// DocumentReference maps a signed consent's sealed PDF to an R4
// DocumentReference with the same id as the consent. pdfSHA1Base64 is the
// base64 SHA-1 of the PDF bytes (R4 Attachment.hash is SHA-1); the caller
// computes it from the stored bytes. It returns ENOTFOUND when the consent has
// no PDF yet, and EINTERNAL when the hashes are malformed.
func DocumentReference(c *consent.Consent, pdfSHA1Base64 string, o Options) (map[string]any, error) {
	if c.PDF == nil {
		return nil, consent.Errorf(consent.ENOTFOUND, "DocumentReference not found: the consent has no sealed PDF.")
	}
	if h, err := base64.StdEncoding.DecodeString(pdfSHA1Base64); err != nil || len(h) != 20 {
		return nil, consent.Errorf(consent.EINTERNAL, "PDF SHA-1 is not 20 bytes of base64.")
	}
	sum, err := hex.DecodeString(c.PDF.SHA256)
	if err != nil || len(sum) != 32 {
		return nil, consent.Errorf(consent.EINTERNAL, "PDF SHA-256 is not 64 hex digits.")
	}
	if c.PDF.Size < 0 {
		return nil, consent.Errorf(consent.EINTERNAL, "PDF size is negative.")
	}

	status := "current"
	if c.Status == consent.StatusVoided {
		status = "entered-in-error"
	}
	date := c.PDF.CreatedAt
	if c.SignedAt != nil {
		date = *c.SignedAt
	}
	attachment := map[string]any{
		"contentType": "application/pdf",
		"url":         fmt.Sprintf("%s/v1/consents/%s/pdf", o.base(), c.ID),
		"size":        c.PDF.Size,
		"hash":        pdfSHA1Base64,
		"creation":    instant(c.PDF.CreatedAt),
	}
	putString(attachment, "language", c.Locale)
	putString(attachment, "title", c.Document().Title)

	r := map[string]any{
		"resourceType": "DocumentReference",
		"id":           c.ID,
		"meta":         map[string]any{"lastUpdated": instant(lastUpdated(c))},
		"text":         documentNarrative(c),
		// RFC 6920 named-information URI of the exact sealed bytes: the
		// version-specific identifier a receiver can check the download against.
		"masterIdentifier": map[string]any{
			"system": SystemURI,
			"value":  "ni:///sha-256;" + base64.RawURLEncoding.EncodeToString(sum),
		},
		"status":    status,
		"docStatus": "final",
		"type":      coding(SystemLOINC, CodePatientConsent, "Patient Consent"),
		"subject":   patientRef(c.Patient, o),
		"date":      instant(date),
		"content":   []any{map[string]any{"attachment": attachment}},
		"context": map[string]any{
			"related": []any{map[string]any{"reference": "Consent/" + c.ID, "type": "Consent"}},
		},
	}
	putString(r, "description", c.Document().Title)
	if o.OrganizationName != "" {
		r["custodian"] = map[string]any{"type": "Organization", "display": o.OrganizationName}
	}
	return r, nil
}

// documentNarrative is a short generated XHTML summary (dom-6 asks for one).
func documentNarrative(c *consent.Consent) map[string]any {
	div := fmt.Sprintf(`<div xmlns="http://www.w3.org/1999/xhtml"><p>Sealed PDF of consent %s (%d bytes, SHA-256 %s).</p></div>`,
		html.EscapeString(c.ID), c.PDF.Size, html.EscapeString(c.PDF.SHA256))
	return map[string]any{"status": "generated", "div": div}
}
