package consent

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCleanEvidence(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"ascii", "Mozilla/5.0", 300, "Mozilla/5.0"},
		{"invalid bytes", "\xff\xfe", 300, "\uFFFD\uFFFD"},
		{"truncated sequence", "caf\xc3", 300, "caf\uFFFD"},
		{"tab", "a\tb", 300, "a b"},
		{"controls", "a\x00b\x1bc\x7fd\u0085e", 300, "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe"},
		{"cut inside a character", "xé", 2, "x"},
		{"cut on a boundary", "xé", 3, "xé"},
		{"replacement does not overflow", "ab\xff", 4, "ab"},
		{"euro cut", "t€€", 6, "t€"},
		{"zero", "abc", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CleanEvidence(tt.in, tt.max)
			if got != tt.want {
				t.Fatalf("CleanEvidence(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if !utf8.ValidString(got) || len(got) > tt.max {
				t.Fatalf("CleanEvidence(%q, %d) = %q: invalid or too long", tt.in, tt.max, got)
			}
		})
	}
}

// Whatever a client puts in headers or path parameters, the event it causes
// can be hashed.
func FuzzEventFromRequestHashes(f *testing.F) {
	f.Add("\xff\xfe", "\xc3\x28", "\xe2\x82", "st/\xff")
	f.Fuzz(func(t *testing.T, ua, device, clientTime, param string) {
		ctx := WithRequest(context.Background(), Request{Actor: "anonymous", Channel: ChannelAPI, IP: "203.0.113.9",
			UserAgent: ua, DeviceID: device, ClientTime: clientTime})
		s := &Service{Now: func() time.Time { return time.Date(2026, 11, 25, 9, 44, 0, 0, time.UTC) }}
		e := s.event(ctx, EventAuthFailed, "", map[string]any{"reason": param, "ids": []string{param}, "nested": map[string]any{"v": []any{param}}})
		if _, err := e.ComputeHash(); err != nil {
			t.Fatalf("event cannot be hashed: %v", err)
		}
		if ev := RequestFrom(ctx).evidence(); !utf8.ValidString(ev.UserAgent + ev.DeviceID + ev.ClientTime) {
			t.Fatalf("evidence not valid UTF-8: %+v", ev)
		}
	})
}
