package api_test

import (
	"strconv"
	"testing"

	"github.com/consentd/consentd/testserver"
)

// auditOfType returns every audit event of a type, following the cursor.
func auditOfType(t *testing.T, s *testserver.Server, typ string) []any {
	t.Helper()
	var out []any
	path := "/v1/audit?type=" + typ + "&limit=200"
	for {
		m := wantJSON(t, s, 200, "GET", path, s.AdminKey, nil)
		out = append(out, m["data"].([]any)...)
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return out
		}
		path = "/v1/audit?type=" + typ + "&limit=200&cursor=" + next
	}
}

// A flood of bad API keys adds a bounded number of audit rows that still count
// every failure.
func TestFailedAuthenticationsAreAggregated(t *testing.T) {
	s := testserver.New(t, testserver.Options{})
	for i := 0; i < 2000; i++ {
		if st, b := s.Do(t, "GET", "/v1/consents", "cdk_bad-key-"+strconv.Itoa(i), nil); st != 401 {
			t.Fatalf("bad key %d: status %d: %s", i, st, b)
		}
	}
	s.FlushAuthFailures(t)
	events := auditOfType(t, s, "auth.failed")
	if len(events) > 3 {
		t.Fatalf("%d auth.failed rows for 2000 bad keys from one client, want at most 3", len(events))
	}
	if total := failedCount(t, events); total != 2000 {
		t.Fatalf("auth.failed events count %d failures, want 2000", total)
	}
	verifyChain(t, s)
}
