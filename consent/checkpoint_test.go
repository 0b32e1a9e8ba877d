package consent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCheckpointSignedBytes(t *testing.T) {
	cp := &AuditCheckpoint{Seq: 1200, Hash: "9f", At: time.Date(2026, 11, 25, 9, 44, 0, 123e6, time.UTC)}
	want := `{"at":"2026-11-25T09:44:00.123Z","format":"consentd-audit-checkpoint/1","hash":"9f","seq":1200}`
	if got := string(cp.SignedBytes()); got != want {
		t.Fatalf("signed bytes %s, want %s", got, want)
	}
}

// TestReadCheckpoints reads every shape the docs promise: a checkpoint, a
// page of the endpoint, a webhook body (other event types skipped), arrays,
// and several values one after another (JSON Lines).
func TestReadCheckpoints(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 44, 0, 123e6, time.UTC)
	one := func(seq int64) string {
		b, err := json.Marshal(AuditCheckpoint{Seq: seq, Hash: "h", At: at,
			Signature: CheckpointSignature{Algorithm: "ecdsa-sha256", CertSHA256: "c", Value: []byte{1, 2}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	hook := func(seq int64) string {
		return `{"id":"E1","type":"audit.checkpoint","created_at":"2026-11-25T09:44:00.123Z","data":` + one(seq) + `}`
	}
	for _, tt := range []struct {
		name, in string
		seqs     []int64
	}{
		{"one checkpoint", one(1), []int64{1}},
		{"a page", `{"data":[` + one(1) + `,` + one(2) + `],"next_cursor":"2"}`, []int64{1, 2}},
		{"pages one after another", `{"data":[` + one(1) + `]} {"data":[` + one(2) + `]}`, []int64{1, 2}},
		{"a webhook body", hook(3), []int64{3}},
		{"a log of webhook bodies", hook(3) + "\n" + `{"id":"E2","type":"consent.signed","data":{"consent_id":"C1"}}` + "\n" + hook(4) + "\n",
			[]int64{3, 4}},
		{"an array of bodies", `[` + hook(5) + `,` + one(6) + `]`, []int64{5, 6}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCheckpoints(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, cp := range got {
				seqs = append(seqs, cp.Seq)
				if cp.Hash != "h" || !cp.At.Equal(at) || cp.Signature.Algorithm != "ecdsa-sha256" || len(cp.Signature.Value) != 2 {
					t.Errorf("checkpoint %+v", cp)
				}
			}
			if len(seqs) != len(tt.seqs) || (len(seqs) > 0 && seqs[len(seqs)-1] != tt.seqs[len(tt.seqs)-1]) {
				t.Fatalf("seqs %v, want %v", seqs, tt.seqs)
			}
		})
	}
	for _, bad := range []string{"", `{"data":[]}`, `{"format":"other/1","seq":1}`, `{"format":"consentd-audit-checkpoint/1","seq":1,"hash":"h","at":"yesterday","signature":"AQI="}`,
		`{"format":"consentd-audit-checkpoint/1","seq":0,"hash":"h","at":"2026-11-25T09:44:00.123Z","signature":"AQI="}`,
		`{"hello":1}`, `[[[[[[` + one(1) + `]]]]]]`, `{"data":` + one(1)} {
		if got, err := ReadCheckpoints(strings.NewReader(bad)); err == nil {
			t.Errorf("%q read as %v", bad, got)
		}
	}
}
