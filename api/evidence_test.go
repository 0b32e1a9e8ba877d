package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/consentd/consentd/internal/app/apptest"
)

// Header bytes are the client's, not the server's: whatever they are, a failed
// authentication answers 401, is audited with valid UTF-8, and counts.
func TestUnknownKeyWithInvalidUTF8UserAgentIsAudited(t *testing.T) {
	s := apptest.New(t)
	for _, ua := range []string{"\xff\xfe", "Mozilla/5.0 \xc3", "tab\there"} {
		st, b := s.Do(t, "GET", "/v1/consents", "cdk_not-a-real-key", nil, "User-Agent", ua)
		if st != 401 {
			t.Fatalf("User-Agent %q: status %d, want 401: %s", ua, st, b)
		}
		if code, _, msg := errorOf(t, b); code != "unauthorized" || strings.Contains(msg, "json") {
			t.Fatalf("User-Agent %q: %s", ua, b)
		}
	}
	// An unknown signing code with such a header is a counted failure too.
	if st, b := s.Do(t, "POST", "/v1/signing/codes/ABCD-EFGH", "", nil, "User-Agent", "\xff\xfe"); st != 404 {
		t.Fatalf("unknown code with odd User-Agent: status %d, want 404: %s", st, b)
	}
	s.FlushAuthFailures(t)
	events := wantJSON(t, s, 200, "GET", "/v1/audit?type=auth.failed&limit=200", s.AdminKey, nil)["data"].([]any)
	if len(events) == 0 {
		t.Fatal("no auth.failed event recorded")
	}
	first := events[0].(map[string]any)
	if got := first["user_agent"]; got != "\uFFFD\uFFFD" {
		t.Fatalf("recorded user agent %q, want two replacement characters", got)
	}
	if total := failedCount(t, events); total != 4 {
		t.Fatalf("auth.failed events count %d failures, want 4", total)
	}
	verifyChain(t, s)
}

func TestUnknownTokensWithInvalidUTF8HeadersAreLimited(t *testing.T) {
	s := apptest.New(t)
	var statuses []int
	for i := 0; i < 26; i++ {
		st, _ := s.Do(t, "GET", "/v1/signing/not-a-token-"+strconv.Itoa(i), "", nil,
			"User-Agent", "\xff\xfe", "X-Device-ID", "\xc3\x28", "X-Client-Time", "\xe2\x82")
		statuses = append(statuses, st)
	}
	for i, st := range statuses {
		want := 404
		if i >= 20 {
			want = 429
		}
		if st != want {
			t.Fatalf("unknown token %d: status %d, want %d (all: %v)", i, st, want, statuses)
		}
	}
	s.FlushAuthFailures(t)
	events := wantJSON(t, s, 200, "GET", "/v1/audit?type=auth.failed&limit=200", s.AdminKey, nil)["data"].([]any)
	if total := failedCount(t, events); total != 20 {
		t.Fatalf("auth.failed events count %d failures, want 20", total)
	}
}

// Evidence fields are cut at their byte limits on a character boundary, so a
// long header of multi-byte characters is stored as valid UTF-8.
func TestEvidenceHeadersAreCutOnCharacterBoundaries(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	token := signingToken(t, c)
	ua := "x" + strings.Repeat("é", 200)        // 401 bytes: byte 300 is inside an é
	device := "d" + strings.Repeat("ü", 60)     // 121 bytes: byte 100 is inside a ü
	clientTime := "t" + strings.Repeat("€", 20) // 61 bytes: byte 40 is inside a €
	acks := apptest.Acknowledged(t, c)
	acknowledgeAll(t, s, token, c)
	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(acks),
		"User-Agent", ua, "X-Device-ID", device, "X-Client-Time", clientTime)
	sig := getConsent(t, s, c["id"].(string))["signatures"].([]any)[0].(map[string]any)
	ev := sig["evidence"].(map[string]any)
	for _, f := range []struct {
		name, sent string
		max        int
	}{{"user_agent", ua, 300}, {"device_id", device, 100}, {"client_time_claimed", clientTime, 40}} {
		got, _ := ev[f.name].(string)
		if !utf8.ValidString(got) || len(got) > f.max || len(got) < f.max-3 || !strings.HasPrefix(f.sent, got) {
			t.Errorf("%s stored as %q (%d bytes), want a prefix of the header of at most %d bytes on a character boundary",
				f.name, got, len(got), f.max)
		}
	}
	verifyChain(t, s)
}

// failedCount sums the failures auth.failed events stand for: count when
// aggregated, one otherwise.
func failedCount(t *testing.T, events []any) int {
	t.Helper()
	total := 0
	for _, e := range events {
		d := e.(map[string]any)["details"].(map[string]any)
		if n, ok := d["count"].(float64); ok {
			total += int(n)
		} else {
			total++
		}
	}
	return total
}

// verifyChain fails the test unless the whole audit chain verifies.
func verifyChain(t *testing.T, s *apptest.Server) {
	t.Helper()
	if seq, reason, err := s.DB.VerifyAudit(context.Background()); err != nil || reason != "" {
		t.Fatalf("audit chain broken at seq %d: %s %v", seq, reason, err)
	}
}
