package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// TestGroupBrokenTransactionRerunsTheOthers: a unit that ends the shared
// transaction itself (here a raw ROLLBACK; in life a failure the savepoint
// cannot undo) takes the work of the units before it down with it. The
// writer answers that unit with the failure and runs the others again in a
// new transaction, so each of them is committed exactly once.
func TestGroupBrokenTransactionRerunsTheOthers(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir(), URL: testURL(t), AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	event := func(id string) func(t *tx) error {
		return func(t *tx) error {
			return t.AppendAudit(ctx, &consent.AuditEvent{Type: "test.grouped", ConsentID: id, Details: map[string]any{"unit": id}})
		}
	}
	units := []func(t *tx) error{
		event("R0"),
		func(t *tx) error {
			if err := event("R1")(t); err != nil {
				return err
			}
			return t.g.Exec("ROLLBACK").Error
		},
		event("R2"),
	}
	_ = db.lockWrite(ctx)
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	for i, fn := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.updateGrouped(ctx, fn)
		}()
		for deadline := time.Now().Add(30 * time.Second); db.group.queued.Load() != int64(i+1) || len(db.group.reqs) != i; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("units did not queue")
			}
		}
	}
	db.unlockWrite()
	wg.Wait()
	if errs[1] == nil {
		t.Error("the unit that broke the transaction: no error")
	}
	for i, id := range []string{"R0", "R1", "R2"} {
		events, err := db.ListAuditEvents(ctx, consent.AuditFilter{ConsentID: id})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if i == 1 {
			want = 0
		} else if errs[i] != nil {
			t.Errorf("unit %d: %v, want it committed in a new transaction", i, errs[i])
		}
		if len(events) != want {
			t.Errorf("unit %s: %d events, want %d", id, len(events), want)
		}
	}
	if seq, reason, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %q %v", seq, reason, err)
	}
}
