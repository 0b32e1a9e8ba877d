package api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

func fhirGet(t *testing.T, s *apptest.Server, path, key string) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, m, resp.Header.Get("Content-Type")
}

func TestFHIREndpoints(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	pending := s.CreateConsent(t, "es")["id"].(string)
	reader := s.Key(t, "consents:read")
	served := map[string]map[string]any{}

	st, m, ct := fhirGet(t, s, "/fhir/r4/metadata", "")
	if st != 200 || m["resourceType"] != "CapabilityStatement" || !strings.HasPrefix(ct, "application/fhir+json") {
		t.Fatalf("metadata: %d %v %s", st, m["resourceType"], ct)
	}
	served["metadata"] = m
	st, m, _ = fhirGet(t, s, "/fhir/r4/Consent/"+id, reader)
	if st != 200 || m["resourceType"] != "Consent" || m["status"] != "active" {
		t.Fatalf("consent: %d %v", st, m)
	}
	if m["sourceReference"].(map[string]any)["reference"] != "DocumentReference/"+id {
		t.Fatalf("sourceReference: %v", m["sourceReference"])
	}
	served["consent-signed"] = m
	st, m, _ = fhirGet(t, s, "/fhir/r4/Consent/"+pending, reader)
	if st != 200 || m["status"] != "proposed" {
		t.Fatalf("pending consent: %d %v", st, m["status"])
	}
	served["consent-pending"] = m
	st, m, _ = fhirGet(t, s, "/fhir/r4/DocumentReference/"+id, reader)
	att := m["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	if st != 200 || att["contentType"] != "application/pdf" || !strings.HasPrefix(att["url"].(string), "https://consent.example.test/") {
		t.Fatalf("document reference: %d %v", st, att)
	}
	_, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if int(att["size"].(float64)) != len(pdf) {
		t.Fatalf("attachment size %v, pdf %d bytes", att["size"], len(pdf))
	}
	served["documentreference"] = m
	st, m, _ = fhirGet(t, s, "/fhir/r4/Consent?patient:identifier=urn:oid:2.16.840.1.113883.4.1|MRN-1001&_count=1", reader)
	if st != 200 || m["type"] != "searchset" || m["total"].(float64) != 2 || len(m["entry"].([]any)) != 1 {
		t.Fatalf("search: %d total=%v", st, m["total"])
	}
	if !strings.Contains(string(mustJSON(m["link"])), "next") {
		t.Fatalf("search has no next link: %v", m["link"])
	}
	served["search"] = m
	st, m, _ = fhirGet(t, s, "/fhir/r4/Consent?patient:identifier=urn:other|MRN-1001", reader)
	if st != 200 || m["total"].(float64) != 0 {
		t.Fatalf("other system: %d %v", st, m["total"])
	}

	for path, want := range map[string]int{"/fhir/r4/Consent/nope": 404, "/fhir/r4/DocumentReference/" + pending: 404, "/fhir/r4/Consent": 400} {
		st, m, ct := fhirGet(t, s, path, reader)
		if st != want || m["resourceType"] != "OperationOutcome" || !strings.HasPrefix(ct, "application/fhir+json") {
			t.Fatalf("%s: %d %v %s", path, st, m["resourceType"], ct)
		}
		served["outcome-"+strings.ReplaceAll(strings.Trim(path, "/"), "/", "-")] = m
	}
	if st, m, _ := fhirGet(t, s, "/fhir/r4/Consent/"+id, ""); st != 401 || m["resourceType"] != "OperationOutcome" {
		t.Fatalf("no key: %d %v", st, m["resourceType"])
	}
	if st, _, _ := fhirGet(t, s, "/fhir/r4/Consent/"+id, s.Key(t, "templates:read")); st != 403 {
		t.Fatalf("wrong scope: %d", st)
	}
	validateFHIR(t, served)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// validateFHIR runs the independent R4 validator (fhir/testdata/validator) on
// the resources as served over HTTP.
func validateFHIR(t *testing.T, resources map[string]map[string]any) {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "fhir", "testdata", "validator"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "fhir")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("FHIR validator not installed in CI (fhir/testdata/install-validator.sh)")
		}
		t.Skip("FHIR validator not installed")
	}
	args := []string{filepath.Join(dir, "validate.js")}
	tmp := t.TempDir()
	for name, r := range resources {
		p := filepath.Join(tmp, name+".json")
		os.WriteFile(p, mustJSON(r), 0o600)
		args = append(args, p)
	}
	out, err := exec.Command("node", args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) || !strings.Contains(string(out), " 0 errors") {
		t.Fatalf("FHIR validator rejected served resources:\n%s", out)
	} else if err != nil {
		t.Fatal(err)
	}
}
