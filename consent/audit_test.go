package consent

import (
	"testing"
	"time"
)

func chain(t *testing.T, key []byte, n int) []*AuditEvent {
	t.Helper()
	var out []*AuditEvent
	prev := ""
	for i := 1; i <= n; i++ {
		e := &AuditEvent{Seq: int64(i), Type: EventConsentViewed, At: time.Date(2026, 11, 25, 9, 0, i, 0, time.UTC),
			Actor: "apikey:k", ConsentID: "c1", IP: "127.0.0.1", Details: map[string]any{"n": i}, PrevHash: prev}
		if err := e.Seal(key); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestAuditChainVerifier(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name   string
		tamper func(evs []*AuditEvent) ([]*AuditEvent, *AuditHead)
		badSeq int64 // seq at which Check fails; 0 = Finish fails; -1 = intact
	}{
		{"intact", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) { return e, head(key, e[4]) }, -1},
		{"changed details", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) { e[2].Details["n"] = 99; return e, nil }, 3},
		{"removed row", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) { return append(e[:2], e[3:]...), nil }, 4},
		{"reordered", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) { e[1], e[2] = e[2], e[1]; return e, nil }, 3},
		{"truncated tail", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) { return e[:3], head(key, e[4]) }, 0},
		{"recomputed without key", func(e []*AuditEvent) ([]*AuditEvent, *AuditHead) {
			e[3].Actor = "someone"
			e[3].Seal([]byte("not the key, not the key, not!!!"))
			return e[:4], nil
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, h := tt.tamper(chain(t, key, 5))
			v := &AuditChainVerifier{Key: key}
			for _, e := range evs {
				if reason := v.Check(e); reason != "" {
					if e.Seq != tt.badSeq && !(tt.badSeq > 0 && v.LastSeq()+1 == tt.badSeq) {
						t.Fatalf("failed at seq %d (%s), want %d", e.Seq, reason, tt.badSeq)
					}
					return
				}
			}
			reason := v.Finish(h)
			if (reason == "") != (tt.badSeq == -1) {
				t.Fatalf("finish: %q, want failure %v", reason, tt.badSeq != -1)
			}
		})
	}
}

func head(key []byte, e *AuditEvent) *AuditHead {
	return &AuditHead{Seq: e.Seq, Hash: e.Hash, MAC: AuditMAC(key, e.Seq, e.Hash)}
}
