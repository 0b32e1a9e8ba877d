package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// checkRetryAfter fails unless resp is a 429 with a Retry-After of a whole
// number of seconds between 1 and max.
func checkRetryAfter(t *testing.T, what string, resp *http.Response, b []byte, max int) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429: %.300s", what, resp.StatusCode, b)
	}
	h := resp.Header.Get("Retry-After")
	n, err := strconv.Atoi(h)
	if err != nil || n < 1 || n > max {
		t.Fatalf("%s: Retry-After %q, want whole seconds in [1, %d]", what, h, max)
	}
}

// TestEvery429HasRetryAfter drives each limit to its 429 and checks the
// answer says when to come back.
func TestEvery429HasRetryAfter(t *testing.T) {
	t.Run("API key rate", func(t *testing.T) {
		s := apptest.New(t, func(c *app.Config) { c.KeyLimit = app.Limit{PerSecond: 0.01, Burst: 3} })
		var resp *http.Response
		var b []byte
		for range 4 {
			resp, b = fetch(t, s, "GET", "/v1/templates", s.AdminKey, "", nil)
		}
		checkRetryAfter(t, "4th request at 0.01/s burst 3", resp, b, 100)
		resp, b = fetch(t, s, "GET", "/fhir/r4/Consent?patient:identifier=MRN-1", s.AdminKey, "", nil)
		checkRetryAfter(t, "FHIR request at the limit", resp, b, 100)
	})
	t.Run("signing codes", func(t *testing.T) {
		s := apptest.New(t, func(c *app.Config) { c.CodeLimit = app.Limit{PerSecond: 0.01, Burst: 3} })
		var resp *http.Response
		var b []byte
		for range 4 {
			resp, b = fetch(t, s, "POST", "/v1/signing/codes/ZZZZ-ZZZZ", "", "", nil)
		}
		checkRetryAfter(t, "4th code at 0.01/s burst 3", resp, b, 100)
	})
	t.Run("download links", func(t *testing.T) {
		s := apptest.New(t, func(c *app.Config) { c.LinkLimit = app.Limit{PerSecond: 0.01, Burst: 3} })
		var resp *http.Response
		var b []byte
		for range 4 {
			resp, b = fetch(t, s, "GET", "/d/unknown", "", "", nil)
		}
		checkRetryAfter(t, "4th link at 0.01/s burst 3", resp, b, 100)
	})
	t.Run("unknown signing tokens", func(t *testing.T) {
		s := apptest.New(t)
		apptest.FreshWindows(s)
		var resp *http.Response
		var b []byte
		for i := range 21 {
			resp, b = fetch(t, s, "GET", "/v1/signing/no-such-token-"+strconv.Itoa(i), "", "", nil)
		}
		checkRetryAfter(t, "21st unknown token", resp, b, 600)
	})
	t.Run("staff PIN", func(t *testing.T) {
		s := apptest.New(t)
		apptest.FreshWindows(s)
		c := s.CreateConsent(t, "en")
		id := c["id"].(string)
		signPatient(t, s, c)
		wrong := apptest.ClinicianSignature()
		wrong["staff"] = map[string]any{"id": apptest.StaffID, "pin": "000000"}
		for range 5 {
			want(t, s, 400, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, wrong)
		}
		resp, b := fetch(t, s, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, "application/json",
			strings.NewReader(`{"role":"clinician","staff":{"id":"C-7","pin":"246810"},"identity_verified":true,"signature":{"type":"typed","text":"x"}}`))
		checkRetryAfter(t, "PIN after 5 failures", resp, b, 15*60)
	})
}
