package webhook

import (
	"testing"
	"time"
)

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second}
	for i, w := range want {
		if got := DefaultBackoff(i + 1); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if got := DefaultBackoff(30); got != time.Hour {
		t.Errorf("cap: %s", got)
	}
}

func TestWebhookSignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"1"}`)
	h := Sign("whsec_x", now.Unix(), body)
	if err := Verify("whsec_x", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		at             time.Time
	}{
		"wrong secret": {"whsec_y", h, body, now},
		"changed body": {"whsec_x", h, []byte(`{"id":"2"}`), now},
		"too old":      {"whsec_x", h, body, now.Add(6 * time.Minute)},
		"malformed":    {"whsec_x", "v1=abc", body, now},
	} {
		if err := Verify(tc.secret, tc.header, tc.body, tc.at, 5*time.Minute); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
