package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestAppendAuditAndList(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	at := t0.Add(1500 * time.Microsecond) // sub-millisecond part is dropped
	first := auditEvent(consent.EventConsentCreated, "C1", 1)
	first.At = at
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Audit().AppendAudit(ctx, first); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentViewed, "C2", 2))
	})
	if first.Seq != 1 || first.PrevHash != "" || first.Hash == "" || first.MAC == "" || !first.At.Equal(consent.Millis(at)) {
		t.Fatalf("first event not chained and sealed: %+v", first)
	}
	later := []*consent.AuditEvent{auditEvent(consent.EventConsentViewed, "C1", 3), auditEvent(consent.EventPDFDownloaded, "", 4)}
	later[1].Details = nil
	if err := db.AppendAuditEvents(ctx, later...); err != nil {
		t.Fatal(err)
	}
	if later[0].Seq != 3 || later[1].PrevHash != later[0].Hash || !later[1].At.Equal(t0) {
		t.Fatalf("AppendAuditEvents did not chain: %+v", later)
	}

	all, err := db.ListAuditEvents(ctx, consent.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(later, all[2:]); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	since := t0.Add(time.Millisecond)
	seqs := func(f consent.AuditFilter) []int64 {
		evs, err := db.ListAuditEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		f    consent.AuditFilter
		want []int64
	}{
		{"all", consent.AuditFilter{}, []int64{1, 2, 3, 4}},
		{"consent", consent.AuditFilter{ConsentID: "C1"}, []int64{1, 3}},
		{"type", consent.AuditFilter{Type: consent.EventConsentViewed}, []int64{2, 3}},
		{"since", consent.AuditFilter{Since: &since}, []int64{1}},
		{"after seq", consent.AuditFilter{AfterSeq: 2}, []int64{3, 4}},
		{"limit", consent.AuditFilter{Limit: 3}, []int64{1, 2, 3}},
		{"after seq and consent", consent.AuditFilter{AfterSeq: 1, ConsentID: "C1"}, []int64{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, seqs(tt.f)); diff != "" {
				t.Errorf("seqs (-want +got):\n%s", diff)
			}
		})
	}

	head, err := db.LastAuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&consent.AuditHead{Seq: 4, Hash: later[1].Hash, MAC: later[1].MAC}, head); diff != "" {
		t.Errorf("head (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Join(dir, "audit-head.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("head file: %v, mode %v; want 0600", err, fi.Mode())
	}
}

func TestAppendAuditEventsRejectsUnhashable(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	bad := auditEvent(consent.EventConsentViewed, "C1", 1)
	bad.Details["ratio"] = 0.5 // canonical JSON takes integers only
	var wg sync.WaitGroup
	var goodErr, badErr error
	wg.Go(func() { badErr = db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C1", 0), bad) })
	wg.Go(func() { goodErr = db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C2", 2)) })
	wg.Wait()
	wantCode(t, badErr, consent.EINTERNAL) // the server's fault, never the client's 400
	if goodErr != nil {
		t.Fatalf("a good caller failed with a bad one: %v", goodErr)
	}
	evs, err := db.ListAuditEvents(ctx, consent.AuditFilter{})
	if err != nil || len(evs) != 1 || evs[0].ConsentID != "C2" || evs[0].Seq != 1 {
		t.Fatalf("stored %+v, %v; want only the good event as seq 1", evs, err)
	}
}

func TestAppendAuditEventsAfterClose(t *testing.T) {
	db, err := storage.Open(context.Background(), storage.Config{DataDir: t.TempDir(), AuditKey: storagetest.AuditKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAuditEvents(context.Background(), auditEvent(consent.EventConsentViewed, "", 1)); err == nil {
		t.Fatal("append after Close succeeded")
	}
}

// TestAppendAuditEventsConcurrent checks that grouped commits keep one gapless,
// valid chain and that every caller's events are stored exactly once.
func TestAppendAuditEventsConcurrent(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	const callers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				errs <- db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C", c*each+i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[float64]bool{}
	for after := int64(0); ; {
		evs, err := db.ListAuditEvents(ctx, consent.AuditFilter{AfterSeq: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			n := e.Details["n"].(float64)
			if seen[n] {
				t.Fatalf("event %v stored twice", n)
			}
			seen[n] = true
		}
		after = evs[len(evs)-1].Seq
	}
	if len(seen) != callers*each {
		t.Fatalf("stored %d distinct events, want %d", len(seen), callers*each)
	}
	if seq, reason, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("VerifyAudit = %d %q %v", seq, reason, err)
	}
}
