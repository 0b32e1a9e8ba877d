package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// TestConsentSummaryListMatchesTheFullLoad checks the summary list's lean
// load (ListConsentSummaries) answers, byte for byte and page by page, what
// listing the fully loaded consents and summarising them answers, under
// each filter, on every kind of consent: pending, signed in either locale,
// withdrawn with its withdrawal copy, re-consented and its re-consent on an
// approved newer version, teach-back answers, another patient's; now and
// 400 days on, when pending consents have expired and signed ones may be
// due for renewal.
func TestConsentSummaryListMatchesTheFullLoad(t *testing.T) {
	s := apptest.New(t)
	s.CreateConsent(t, "en")
	s.SignedConsent(t, "es")
	withdrawn := s.SignedConsent(t, "en")
	wantJSON(t, s, 200, "POST", "/v1/consents/"+withdrawn+"/withdraw", s.AdminKey, map[string]any{"reason": "Patient changed their mind"})
	s.SignedConsent(t, "en")
	reconsented := s.SignedConsent(t, "en")
	tb := s.CreateConsent(t, "en")
	wantJSON(t, s, 201, "POST", "/v1/signing/"+signingToken(t, tb)+"/answers", "",
		map[string]any{"section": "aftercare", "question": "escort", "choice": 0})
	other := apptest.ConsentRequest("en")
	other["patient"] = map[string]any{"id": "MRN-2002", "given_name": "Ana", "family_name": "Ruiz", "birth_date": "1975-01-30"}
	wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, other)
	publishCopy(t, s, apptest.Publish("required"))
	wantJSON(t, s, 201, "POST", "/v1/consents/"+reconsented+"/reconsent", s.AdminKey, map[string]any{})

	ctx := consent.WithRequest(context.Background(), consent.Request{Actor: "system", Channel: "system"})
	filters := []struct {
		query string
		f     consent.ConsentFilter
	}{
		{"", consent.ConsentFilter{}},
		{"patient_id=MRN-1001", consent.ConsentFilter{PatientID: "MRN-1001"}},
		{"patient_id=MRN-2002", consent.ConsentFilter{PatientID: "MRN-2002"}},
		{"status=signed", consent.ConsentFilter{Status: consent.StatusSigned}},
		{"status=pending", consent.ConsentFilter{Status: consent.StatusPending}},
		{"status=expired", consent.ConsentFilter{Status: consent.StatusExpired}},
		{"template=ketamine-iv&status=withdrawn", consent.ConsentFilter{TemplateSlug: "ketamine-iv", Status: consent.StatusWithdrawn}},
		{"reconsent_due=true", consent.ConsentFilter{ReconsentDue: true}},
		{"renewal_due=true", consent.ConsentFilter{RenewalDue: true}},
	}
	compare := func(when string) {
		t.Helper()
		for _, tc := range filters {
			for _, limit := range []int{50, 2} {
				f, cursor := tc.f, ""
				f.Limit = limit
				for page := 0; page < 10; page++ {
					q := url.Values{"view": {"summary"}, "limit": {itoa(limit)}}
					if cursor != "" {
						q.Set("cursor", cursor)
					}
					got := want(t, s, 200, "GET", "/v1/consents?"+q.Encode()+"&"+tc.query, s.AdminKey, nil)
					f.Cursor = cursor
					old, err := s.API.SummaryListOfFullLoad(ctx, f)
					if err != nil {
						t.Fatalf("%s, %q: %v", when, tc.query, err)
					}
					if !bytes.Equal(got, old) {
						t.Errorf("%s, %q, limit %d, page %d: the summary list differs from the full load's\n got %s\nwant %s",
							when, tc.query, limit, page, got, old)
					}
					var l struct {
						Data       []json.RawMessage `json:"data"`
						NextCursor string            `json:"next_cursor"`
					}
					if err := json.Unmarshal(got, &l); err != nil {
						t.Fatal(err)
					}
					if cursor = l.NextCursor; cursor == "" {
						break
					}
				}
			}
		}
	}
	compare("now")
	s.Clock.Advance(400 * 24 * time.Hour)
	compare("a year on")
}
