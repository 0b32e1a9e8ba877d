package fhir

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/consentd/consentd/consent"
)

func TestDocumentReferenceRules(t *testing.T) {
	o := testOptions()
	tests := []struct {
		status, want string
	}{
		{consent.StatusSigned, "current"},
		{consent.StatusWithdrawn, "current"},
		{consent.StatusVoided, "entered-in-error"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			c := testConsent(tt.status)
			d, err := DocumentReference(c, pdfSHA1(), o)
			if err != nil {
				t.Fatal(err)
			}
			r := decode(t, d)
			if str(r["resourceType"]) != "DocumentReference" || str(r["id"]) != c.ID || !reID.MatchString(str(r["id"])) {
				t.Errorf("resourceType/id = %v/%v", r["resourceType"], r["id"])
			}
			// status 1..1 (DocumentReferenceStatus), docStatus final.
			if got := str(r["status"]); got != tt.want {
				t.Errorf("status = %q, want %q", got, tt.want)
			}
			if got := str(r["docStatus"]); got != "final" {
				t.Errorf("docStatus = %q", got)
			}
			if !hasCoding(r["type"], SystemLOINC, "59284-0") {
				t.Errorf("type = %v", r["type"])
			}
			checkLogicalRef(t, "subject", r["subject"], "Patient")
			if got := str(at(r, "subject", "identifier", "value")); got != c.Patient.ID {
				t.Errorf("subject identifier = %q", got)
			}
			// date is an instant: signed_at.
			if got := str(r["date"]); got != consent.FormatTime(*c.SignedAt) || !reInstant.MatchString(got) {
				t.Errorf("date = %q", got)
			}
			// content 1..*, attachment.
			if n := len(list(r["content"])); n != 1 {
				t.Fatalf("content has %d entries", n)
			}
			a := at(r, "content", "0", "attachment")
			if got := str(at(a, "contentType")); got != "application/pdf" || !reCode.MatchString(got) {
				t.Errorf("contentType = %q", got)
			}
			if got, want := str(at(a, "url")), "https://consent.example.org/v1/consents/"+c.ID+"/pdf"; got != want {
				t.Errorf("url = %q, want %q", got, want)
			}
			// size: unsignedInt, a JSON integer 0..2^31-1.
			n, ok := at(a, "size").(json.Number)
			size, err := n.Int64()
			if !ok || err != nil || size < 0 || size > 1<<31-1 || size != int64(len(testPDF)) {
				t.Errorf("size = %#v, want the integer %d", at(a, "size"), len(testPDF))
			}
			// hash: base64 of the 20-byte SHA-1 of the bytes.
			h := str(at(a, "hash"))
			raw, err := base64.StdEncoding.DecodeString(h)
			sum := sha1.Sum(testPDF)
			if err != nil || !reBase64.MatchString(h) || len(raw) != 20 || string(raw) != string(sum[:]) {
				t.Errorf("hash = %q is not base64 of the SHA-1", h)
			}
			if got := str(at(a, "creation")); got != consent.FormatTime(c.PDF.CreatedAt) || !reDateTime.MatchString(got) {
				t.Errorf("creation = %q", got)
			}
			if str(at(a, "title")) == "" || str(at(a, "language")) != "en" {
				t.Errorf("title/language = %v/%v", at(a, "title"), at(a, "language"))
			}
			// masterIdentifier: RFC 6920 ni URI of the SHA-256.
			s256 := sha256.Sum256(testPDF)
			want := "ni:///sha-256;" + base64.RawURLEncoding.EncodeToString(s256[:])
			if got := str(at(r, "masterIdentifier", "value")); got != want || str(at(r, "masterIdentifier", "system")) != SystemURI {
				t.Errorf("masterIdentifier = %v, want value %q", r["masterIdentifier"], want)
			}
			checkLogicalRef(t, "context.related", at(r, "context", "related", "0"), "Consent")
			if got := str(at(r, "context", "related", "0", "reference")); got != "Consent/"+c.ID {
				t.Errorf("context.related = %q", got)
			}
			if got := str(at(r, "custodian", "display")); got != o.OrganizationName {
				t.Errorf("custodian = %q", got)
			}
		})
	}
}

func TestDocumentReferenceErrors(t *testing.T) {
	o := testOptions()
	sum256 := sha256.Sum256(testPDF)
	tests := []struct {
		name  string
		c     *consent.Consent
		sha1  string
		code  string
		setup func(c *consent.Consent)
	}{
		{"pending has no PDF", testConsent(consent.StatusPending), pdfSHA1(), consent.ENOTFOUND, nil},
		{"declined has no PDF", testConsent(consent.StatusDeclined), pdfSHA1(), consent.ENOTFOUND, nil},
		{"cancelled has no PDF", testConsent(consent.StatusCancelled), pdfSHA1(), consent.ENOTFOUND, nil},
		{"expired has no PDF", testConsent(consent.StatusExpired), pdfSHA1(), consent.ENOTFOUND, nil},
		{"hash not base64", testConsent(consent.StatusSigned), "not base64!", consent.EINTERNAL, nil},
		{"hash is SHA-256", testConsent(consent.StatusSigned), base64.StdEncoding.EncodeToString(sum256[:]), consent.EINTERNAL, nil},
		{"hash empty", testConsent(consent.StatusSigned), "", consent.EINTERNAL, nil},
		{"bad SHA-256 hex", testConsent(consent.StatusSigned), pdfSHA1(), consent.EINTERNAL,
			func(c *consent.Consent) { c.PDF.SHA256 = "zz" }},
		{"negative size", testConsent(consent.StatusSigned), pdfSHA1(), consent.EINTERNAL,
			func(c *consent.Consent) { c.PDF.Size = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(tt.c)
			}
			d, err := DocumentReference(tt.c, tt.sha1, o)
			if got := consent.ErrorCode(err); got != tt.code || d != nil {
				t.Fatalf("DocumentReference = %v, %v; want code %q and no resource", d, err, tt.code)
			}
		})
	}
}
