package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// Every response under /fhir/r4 speaks FHIR: unknown types, bad IDs, wrong
// methods, missing or bad keys, refused encodings are OperationOutcomes with
// application/fhir+json, and pass the R4 validator.
func TestFHIRErrorsAreOperationOutcomes(t *testing.T) {
	s := apptest.New(t)
	reader := s.Key(t, "consents:read")
	tests := []struct {
		name, method, path, key string
		headers                 []string
		status                  int
	}{
		{"unknown type", "GET", "/fhir/r4/Patient/1", reader, nil, 404},
		{"unknown type without key", "GET", "/fhir/r4/Patient", "", nil, 404},
		{"escaped slash in id", "GET", "/fhir/r4/Consent/a%2Fb", reader, nil, 404},
		{"extra path segment", "GET", "/fhir/r4/Consent/a/b", reader, nil, 404},
		{"base without resource", "GET", "/fhir/r4", reader, nil, 404},
		{"invalid UTF-8 id", "GET", "/fhir/r4/Consent/%ff%fe", reader, nil, 404},
		{"overlong id", "GET", "/fhir/r4/DocumentReference/" + strings.Repeat("x", 5000), reader, nil, 404},
		{"wrong method on resource", "DELETE", "/fhir/r4/Consent/abc", reader, nil, 405},
		{"wrong method on search", "POST", "/fhir/r4/Consent", reader, nil, 405},
		{"wrong method on metadata", "PUT", "/fhir/r4/metadata", "", nil, 405},
		{"no key", "GET", "/fhir/r4/Consent/abc", "", nil, 401},
		{"bad key with odd user agent", "GET", "/fhir/r4/Consent/abc", "cdk_nope", []string{"User-Agent", "\xff\xfe"}, 401},
		{"wrong scope", "GET", "/fhir/r4/Consent/abc", s.Key(t, "templates:read"), nil, 403},
		{"compressed body", "GET", "/fhir/r4/metadata", "", []string{"Content-Encoding", "gzip"}, 415},
		{"bad search", "GET", "/fhir/r4/Consent?_count=0&patient:identifier=x", reader, nil, 400},
	}
	served := map[string]map[string]any{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.key != "" {
				req.Header.Set("Authorization", "Bearer "+tt.key)
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var m map[string]any
			if resp.StatusCode != tt.status || json.Unmarshal(b, &m) != nil || m["resourceType"] != "OperationOutcome" {
				t.Fatalf("status %d, want %d with an OperationOutcome: %.300s", resp.StatusCode, tt.status, b)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
				t.Fatalf("Content-Type %q, want application/fhir+json", ct)
			}
			if tt.status == 405 && resp.Header.Get("Allow") == "" {
				t.Fatal("405 without an Allow header")
			}
			served["outcome-"+strings.ReplaceAll(tt.name, " ", "-")] = m
		})
	}
	validateFHIR(t, served)
}

// The REST API says a wrong method is 405 too, with the methods allowed.
func TestWrongMethodIs405(t *testing.T) {
	s := apptest.New(t)
	st, b := s.Do(t, "PUT", "/v1/consents", s.AdminKey, nil)
	if code, _, _ := errorOf(t, b); st != 405 || code != "method_not_allowed" {
		t.Fatalf("PUT /v1/consents: %d %s", st, b)
	}
}
