package api_test

import (
	"strconv"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// auditOfType returns every audit event of a type, following the cursor.
func auditOfType(t *testing.T, s *apptest.Server, typ string) []any {
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
	s := apptest.New(t)
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

// Behind one clinic router every tablet has the same address: failures from an
// enrolled tablet are aggregated for that tablet, apart from the other tablet
// and from an unenrolled client on the same address.
func TestFailedAuthenticationsAggregatedPerEnrolledDevice(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	a, cookieA := enrol(t, s, "Front desk A")
	b, cookieB := enrol(t, s, "Front desk B")
	send := func(n int, prefix string, headers ...string) {
		for i := range n {
			wantError(t, s, 404, "", "POST", "/v1/signing/codes/ZZZZ-"+prefix+guessLetters[i:i+1], "", nil, headers...)
		}
	}
	send(3, "ZZA", "Cookie", cookieA)
	send(4, "ZZB", "Cookie", cookieB)
	send(5, "ZZC")
	s.FlushAuthFailures(t)
	perDevice := map[string][]any{}
	for _, e := range auditOfType(t, s, "auth.failed") {
		dev, _ := e.(map[string]any)["device_id"].(string)
		perDevice[dev] = append(perDevice[dev], e)
	}
	want := map[string]int{"enrolled:" + a["id"].(string): 3, "enrolled:" + b["id"].(string): 4, "": 5}
	if len(perDevice) != len(want) {
		t.Fatalf("auth.failed events per device %v, want the failures of %v", perDevice, want)
	}
	for dev, n := range want {
		if events := perDevice[dev]; len(events) != 2 || failedCount(t, events) != n {
			t.Fatalf("device %q: %d events counting %d failures, want 2 (first, aggregate) counting %d: %v",
				dev, len(events), failedCount(t, events), n, events)
		}
	}
	verifyChain(t, s)
}
