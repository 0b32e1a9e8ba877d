package api_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// want sends a request, fails the test unless the status is the expected one,
// and returns the body.
func want(t *testing.T, s *apptest.Server, status int, method, path, key string, body any, headers ...string) []byte {
	t.Helper()
	st, b := s.Do(t, method, path, key, body, headers...)
	if st != status {
		t.Fatalf("%s %s: status %d, want %d: %.400s", method, path, st, status, b)
	}
	return b
}

// wantJSON is want for a JSON object response, decoded.
func wantJSON(t *testing.T, s *apptest.Server, status int, method, path, key string, body any, headers ...string) map[string]any {
	t.Helper()
	return apptest.JSON(t, want(t, s, status, method, path, key, body, headers...))
}

// wantError checks an error response's status, code and (if non-empty) field.
func wantError(t *testing.T, s *apptest.Server, status int, field, method, path, key string, body any, headers ...string) {
	t.Helper()
	b := want(t, s, status, method, path, key, body, headers...)
	code, f, _ := errorOf(t, b)
	wantCode := map[int]string{400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
		410: "gone", 429: "rate_limited"}[status]
	if code != wantCode {
		t.Fatalf("%s %s: code %q, want %q: %s", method, path, code, wantCode, b)
	}
	if field != "" && f != field {
		t.Fatalf("%s %s: field %q, want %q: %s", method, path, f, field, b)
	}
}

// signingToken returns the token of a created consent's signing URL.
func signingToken(t *testing.T, c map[string]any) string {
	t.Helper()
	u := c["signing"].(map[string]any)["url"].(string)
	tok, ok := strings.CutPrefix(u, "/sign/")
	if !ok || tok == "" {
		t.Fatalf("signing url %q", u)
	}
	return tok
}

// auditEvents returns a consent's audit events (at most 200).
func auditEvents(t *testing.T, s *apptest.Server, id string) []map[string]any {
	t.Helper()
	m := wantJSON(t, s, 200, "GET", "/v1/consents/"+id+"/audit?limit=200", s.AdminKey, nil)
	var out []map[string]any
	for _, e := range m["data"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

// eventsOfType filters events by type.
func eventsOfType(events []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range events {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// getConsent fetches a consent's JSON.
func getConsent(t *testing.T, s *apptest.Server, id string) map[string]any {
	t.Helper()
	return wantJSON(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
}

// signPatient signs a created consent as the patient through the API.
func signPatient(t *testing.T, s *apptest.Server, c map[string]any) {
	t.Helper()
	want(t, s, 201, "POST", "/v1/consents/"+c["id"].(string)+"/signatures", s.AdminKey,
		apptest.PatientSignature(apptest.Acknowledged(t, c)))
}
