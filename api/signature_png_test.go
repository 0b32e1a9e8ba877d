package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/internal/pngtest"
)

// TestImageSignatureFormsSeal: every PNG form the intake accepts can be
// countersigned and sealed (issue 9 item 2). Before the fix a 16-bit or an
// interlaced PNG was accepted (201), then the clinician's countersignature
// failed with 500 ("16-bit depth not supported") and the consent could never
// be completed.
func TestImageSignatureFormsSeal(t *testing.T) {
	s := apptest.New(t)
	for name, img := range pngtest.Forms() {
		t.Run(name, func(t *testing.T) {
			c := s.CreateConsent(t, "en")
			id := c["id"].(string)
			body := apptest.PatientSignature(apptest.Acknowledged(t, c))
			body["signature"] = map[string]any{"type": "image", "png_base64": base64.StdEncoding.EncodeToString(img)}
			st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body)
			if st != 201 {
				t.Fatalf("patient image signature: %d %s", st, b)
			}
			if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature()); st != 201 {
				t.Fatalf("countersignature: %d %s", st, b)
			}
			st, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
			if st != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("pdf: %d %.100s", st, pdf)
			}
			// The audit trail keeps the SHA-256 of the bytes the client sent.
			sum := sha256.Sum256(img)
			found := false
			for _, e := range auditEvents(t, s, id) {
				d, _ := e["details"].(map[string]any)
				if e["type"] == "consent.signature_recorded" && d["png_received_sha256"] == hex.EncodeToString(sum[:]) {
					found = true
				}
			}
			if !found {
				t.Errorf("no signature event records png_received_sha256 %x", sum)
			}
		})
	}
}
