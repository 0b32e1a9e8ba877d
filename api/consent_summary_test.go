package api_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// TestConsentSummaryMatchesTheFullLoad checks the summary view's lean load
// answers, byte for byte, what summarising the fully loaded consent answers,
// on consents with every part the summary shows or leaves out: signatures
// (drawn and typed), a withdrawal copy, re-consent flags and successors,
// teach-back answers, an approved version, and expiry as the clock moves.
func TestConsentSummaryMatchesTheFullLoad(t *testing.T) {
	s := apptest.New(t)
	ids := map[string]string{"pending": s.CreateConsent(t, "en")["id"].(string)}
	ids["signed (es)"] = s.SignedConsent(t, "es")
	ids["withdrawn"] = s.SignedConsent(t, "en")
	wantJSON(t, s, 200, "POST", "/v1/consents/"+ids["withdrawn"]+"/withdraw", s.AdminKey, map[string]any{"reason": "Patient changed their mind"})
	ids["re-consent due"] = s.SignedConsent(t, "en")
	ids["re-consented"] = s.SignedConsent(t, "en")
	tb := s.CreateConsent(t, "en")
	ids["teach-back answered wrong"] = tb["id"].(string)
	wantJSON(t, s, 201, "POST", "/v1/signing/"+signingToken(t, tb)+"/answers", "",
		map[string]any{"section": "aftercare", "question": "escort", "choice": 0})

	// A new version asks for re-consent; one consent gets it, and the
	// re-consent is signed on the newer (approved) version.
	publishCopy(t, s, apptest.Publish("required"))
	re := wantJSON(t, s, 201, "POST", "/v1/consents/"+ids["re-consented"]+"/reconsent", s.AdminKey, map[string]any{})
	ids["re-consent (pending)"] = re["id"].(string)

	ctx := consent.WithRequest(context.Background(), consent.Request{Actor: "system", Channel: "system"})
	compare := func(when string) {
		t.Helper()
		for name, id := range ids {
			got := want(t, s, 200, "GET", "/v1/consents/"+id+"?view=summary", s.AdminKey, nil)
			old, err := s.API.SummaryOfFullLoad(ctx, id)
			if err != nil {
				t.Fatalf("%s, %s: %v", when, name, err)
			}
			if !bytes.Equal(got, old) {
				t.Errorf("%s, %s: the summary differs from the full load's\n got %s\nwant %s", when, name, got, old)
			}
		}
	}
	compare("now")
	// A year on: pending consents have expired, signed ones may be due for renewal.
	s.Clock.Advance(400 * 24 * time.Hour)
	compare("a year on")
}
