package consent_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestReadConsentRecordsTheView checks each read is on record with what it
// showed, and a document the consent does not have is refused unrecorded.
func TestReadConsentRecordsTheView(t *testing.T) {
	w := ready(t)
	id := w.create().Consent.ID
	before := w.head()
	if _, err := w.svc.ReadConsent(w.admin, id, consent.ViewSummary); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ReadConsent(w.admin, id, consent.ViewFull); err != nil {
		t.Fatal(err)
	}
	c, d, err := w.svc.ReadConsentDocument(w.admin, id, "es")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != id || d.Locale != "es" || d.Title != "Tratamiento" {
		t.Errorf("ReadConsentDocument(es) = %s, %s %q", c.ID, d.Locale, d.Title)
	}
	var got []map[string]any
	for _, e := range w.events(id) {
		if e.Seq > before {
			if e.Type != consent.EventConsentViewed {
				t.Errorf("event %s after reads", e.Type)
			}
			got = append(got, e.Details)
		}
	}
	if d := cmp.Diff([]map[string]any{{"view": "summary"}, nil, {"document": "es"}}, got); d != "" {
		t.Errorf("read events' details (-want +got):\n%s", d)
	}
	head := w.head()
	_, _, err = w.svc.ReadConsentDocument(w.admin, id, "fr")
	wantCode(t, "ReadConsentDocument(fr)", err, consent.ENOTFOUND, "locale")
	_, _, err = w.svc.ReadConsentDocument(w.admin, "NOPE", "en")
	wantCode(t, "ReadConsentDocument(unknown consent)", err, consent.ENOTFOUND, "")
	if w.head() != head {
		t.Errorf("refused document reads wrote %d audit events", w.head()-head)
	}
}
