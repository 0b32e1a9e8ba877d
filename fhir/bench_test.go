package fhir

import (
	"encoding/json"
	"testing"

	"github.com/consentd/consentd/consent"
)

// BenchmarkSearchBundle measures a full page of 50 consents mapped and
// marshalled, the work of one FHIR search response.
func BenchmarkSearchBundle(b *testing.B) {
	o := testOptions()
	page := make([]*consent.Consent, 50)
	for i := range page {
		page[i] = testConsent(consent.Statuses[i%len(consent.Statuses)])
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(SearchBundle(page, 500, "/fhir/r4/Consent?patient:identifier=MRN-1001", "/fhir/r4/Consent?_cursor=x", o)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDocumentReference measures one DocumentReference read.
func BenchmarkDocumentReference(b *testing.B) {
	o, c, h := testOptions(), testConsent(consent.StatusSigned), pdfSHA1()
	b.ReportAllocs()
	for b.Loop() {
		d, err := DocumentReference(c, h, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(d); err != nil {
			b.Fatal(err)
		}
	}
}
