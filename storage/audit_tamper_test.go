package storage_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// seedChain appends n events and returns them as stored.
func seedChain(t *testing.T, db *storage.DB, n int) []*consent.AuditEvent {
	t.Helper()
	evs := make([]*consent.AuditEvent, n)
	for i := range evs {
		evs[i] = auditEvent(consent.EventConsentViewed, "C1", i+1)
	}
	if err := db.AppendAuditEvents(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	return evs
}

// unlock drops the append-only triggers, as someone with the SQLite file, or
// a PostgreSQL superuser (the table owner), could.
func unlock(t *testing.T, raw *sql.DB) {
	t.Helper()
	drop := "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete"
	if storagetest.Postgres() {
		drop = "DROP TRIGGER audit_events_no_update ON audit_events; DROP TRIGGER audit_events_no_delete ON audit_events"
	}
	if _, err := raw.Exec(drop); err != nil {
		t.Fatal(err)
	}
}

// rehash rewrites event e in place with a recomputed hash but its old MAC:
// what an attacker without the key can do.
func rehash(t *testing.T, raw *sql.DB, e *consent.AuditEvent) {
	t.Helper()
	h, err := e.ComputeHash()
	if err != nil {
		t.Fatal(err)
	}
	e.Hash = h
	details, _ := json.Marshal(e.Details)
	if _, err := raw.Exec(rebind("UPDATE audit_events SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?"),
		string(details), e.PrevHash, e.Hash, e.Seq); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	const n = 6
	tests := []struct {
		name    string
		tamper  func(t *testing.T, raw *sql.DB, dir string, evs []*consent.AuditEvent)
		badSeq  int64
		because string
	}{
		{"intact", func(*testing.T, *sql.DB, string, []*consent.AuditEvent) {}, 0, ""},
		{"changed details", func(t *testing.T, raw *sql.DB, _ string, _ []*consent.AuditEvent) {
			exec(t, raw, `UPDATE audit_events SET details = '{"n":3,"note":"nothing to see"}' WHERE seq = 3`)
		}, 3, "hash does not match"},
		{"changed time", func(t *testing.T, raw *sql.DB, _ string, _ []*consent.AuditEvent) {
			exec(t, raw, `UPDATE audit_events SET at = at + 1 WHERE seq = 2`)
		}, 2, "hash does not match"},
		{"deleted middle row", func(t *testing.T, raw *sql.DB, _ string, _ []*consent.AuditEvent) {
			exec(t, raw, `DELETE FROM audit_events WHERE seq = 3`)
		}, 3, "sequence gap"},
		{"reordered rows", func(t *testing.T, raw *sql.DB, _ string, _ []*consent.AuditEvent) {
			exec(t, raw, `UPDATE audit_events SET seq = -3 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4;
				UPDATE audit_events SET seq = 4 WHERE seq = -3`)
		}, 3, "prev_hash"},
		{"deleted tail", func(t *testing.T, raw *sql.DB, _ string, _ []*consent.AuditEvent) {
			exec(t, raw, `DELETE FROM audit_events WHERE seq >= 5`)
		}, 5, "truncated"},
		{"hashes recomputed without the key", func(t *testing.T, raw *sql.DB, _ string, evs []*consent.AuditEvent) {
			evs[2].Details["note"] = "rewritten"
			rehash(t, raw, evs[2])
			for i := 3; i < len(evs); i++ {
				evs[i].PrevHash = evs[i-1].Hash
				rehash(t, raw, evs[i])
			}
		}, 3, "MAC invalid"},
		{"forged row appended", func(t *testing.T, raw *sql.DB, _ string, evs []*consent.AuditEvent) {
			last := evs[len(evs)-1]
			f := &consent.AuditEvent{Seq: last.Seq + 1, Type: consent.EventConsentWithdrawn, At: last.At, ConsentID: "C1",
				PrevHash: last.Hash}
			if err := f.Seal([]byte("not the server's key, but long enough")); err != nil {
				t.Fatal(err)
			}
			exec(t, raw, `INSERT INTO audit_events (seq, type, at, actor, consent_id, ip, user_agent, device_id, details,
				prev_hash, hash, mac) VALUES (?, ?, ?, '', 'C1', '', '', '', '{}', ?, ?, ?)`,
				f.Seq, f.Type, f.At.UnixMilli(), f.PrevHash, f.Hash, f.MAC)
		}, n + 1, "MAC invalid"},
		{"forged head file", func(t *testing.T, _ *sql.DB, dir string, evs []*consent.AuditEvent) {
			b, _ := json.Marshal(map[string]any{"seq": 9, "hash": "ab", "mac": "cd"})
			if err := os.WriteFile(filepath.Join(dir, "audit-head.json"), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, 9, "not authentic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, dir := openDir(t)
			evs := seedChain(t, db, n)
			raw := rawDB(t, dir)
			unlock(t, raw)
			tt.tamper(t, raw, dir, evs)
			seq, reason, err := db.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if seq != tt.badSeq || !strings.Contains(reason, tt.because) {
				t.Fatalf("VerifyAudit = %d %q, want %d and a reason containing %q", seq, reason, tt.badSeq, tt.because)
			}
		})
	}
}

// TestVerifyAuditPages makes the chain longer than one verification page and
// breaks it on the second page.
func TestVerifyAuditPages(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	seedChain(t, db, 2500)
	if seq, reason, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("intact chain: VerifyAudit = %d %q %v", seq, reason, err)
	}
	raw := rawDB(t, dir)
	unlock(t, raw)
	exec(t, raw, `UPDATE audit_events SET actor = 'someone else' WHERE seq = 2100`)
	if seq, reason, err := db.VerifyAudit(ctx); seq != 2100 || err != nil {
		t.Fatalf("VerifyAudit = %d %q %v, want 2100", seq, reason, err)
	}
}

func exec(t *testing.T, raw *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
