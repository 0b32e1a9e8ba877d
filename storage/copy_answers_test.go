package storage_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// readAll sends every read a clinic's integrations make, for every consent
// and for the clinic's other records, and returns each answer (status,
// content type and body) by path; the whole audit log in auditPages pages.
func readAll(t *testing.T, s *apptest.Server, key string, ids []string, auditPages int) map[string]string {
	t.Helper()
	paths := []string{"/v1/consents?limit=100", "/v1/consents?patient_id=MRN-1001&limit=100",
		"/fhir/r4/Consent?patient:identifier=" + url.QueryEscape("urn:oid:2.16.840.1.113883.4.1|MRN-1001"),
		"/v1/templates", "/v1/templates/ketamine-iv/versions", "/v1/templates/minor-procedure/versions",
		"/v1/staff", "/v1/devices", "/v1/webhooks", "/v1/api-keys", "/v1/audit/checkpoints?limit=1000"}
	for _, id := range ids {
		paths = append(paths, "/v1/consents/"+id, "/v1/consents/"+id+"/pdf", "/v1/consents/"+id+"/pdf/withdrawn",
			"/fhir/r4/Consent/"+id, "/fhir/r4/DocumentReference/"+id)
	}
	_, hooks := s.Do(t, "GET", "/v1/webhooks", key, nil)
	for _, h := range apptest.JSON(t, hooks)["data"].([]any) {
		paths = append(paths, "/v1/webhooks/"+h.(map[string]any)["id"].(string)+"/deliveries")
	}
	// Audit trails last, after the reads above have appended their events.
	for _, id := range ids {
		paths = append(paths, "/v1/consents/"+id+"/audit?limit=200")
	}
	for p := range auditPages {
		paths = append(paths, fmt.Sprintf("/v1/audit?limit=200&cursor=%d", p*200))
	}
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		out[p] = get(t, s, p, key)
	}
	return out
}

// sameAnswers compares the answers read before and after the move. Audit
// lists after it also hold the events of the reads made on the target, and
// the API key list the key the new test server made: those are compared up
// to the last event, and for the keys, the answer before listed.
func sameAnswers(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(after) != len(before) {
		t.Errorf("%d answers before, %d after", len(before), len(after))
	}
	for path, was := range before {
		now := after[path]
		base := strings.SplitN(path, "?", 2)[0]
		isAudit := strings.HasSuffix(base, "/audit")
		if isAudit || base == "/v1/api-keys" {
			was, now = listData(t, was), listData(t, now)
			now = cutTo(t, was, now, isAudit)
		}
		if was != now {
			t.Errorf("GET %s differs after the move:\n    SQLite: %.400s\nPostgreSQL: %.400s", path, was, now)
		}
	}
}

// listData reduces a 200 list answer to its re-encoded data array.
func listData(t *testing.T, answer string) string {
	t.Helper()
	parts := strings.SplitN(answer, "\n", 3)
	if len(parts) < 3 || parts[0] != "200" {
		return answer
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(parts[2]), &m); err != nil {
		t.Fatalf("%.200s: %v", answer, err)
	}
	b, _ := json.Marshal(m["data"])
	return string(b)
}

// cutTo keeps of the list now the audit events up to the last one was shows
// (audit lists are ordered by seq), or the entries with the IDs was shows.
func cutTo(t *testing.T, was, now string, bySeq bool) string {
	t.Helper()
	var a, b []map[string]any
	if json.Unmarshal([]byte(was), &a) != nil || json.Unmarshal([]byte(now), &b) != nil {
		return now
	}
	var lastSeq float64
	var ids []any
	for _, e := range a {
		lastSeq = max(lastSeq, num(e["seq"]))
		ids = append(ids, e["id"])
	}
	kept := []map[string]any{}
	for _, e := range b {
		if bySeq && num(e["seq"]) <= lastSeq || !bySeq && slices.Contains(ids, e["id"]) {
			kept = append(kept, e)
		}
	}
	out, _ := json.Marshal(kept)
	return string(out)
}

// get reads path with the API key and returns "status content-type body".
func get(t *testing.T, s *apptest.Server, path, key string) string {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d\n%s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
