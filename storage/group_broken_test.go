package storage

import (
	"context"
	"errors"
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
	db := openForGroup(t)
	event := groupEvent
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
	errs := runOneGroup(t, db, units)
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

// openForGroup opens a fresh database for the grouped writer's white-box tests.
func openForGroup(t *testing.T) *DB {
	db, err := Open(context.Background(), Config{DataDir: t.TempDir(), URL: testURL(t), AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// groupEvent is a unit of work that appends one audit event for consent id.
func groupEvent(id string) func(t *tx) error {
	return func(t *tx) error {
		return t.AppendAudit(context.Background(), &consent.AuditEvent{Type: "test.grouped", ConsentID: id, Details: map[string]any{"unit": id}})
	}
}

// runOneGroup queues units while the write slot is held, so they form one
// batch in that order, and returns each unit's answer.
func runOneGroup(t *testing.T, db *DB, units []func(t *tx) error) []error {
	_ = db.lockWrite(context.Background())
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	for i, fn := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.updateGrouped(context.Background(), fn)
		}()
		for deadline := time.Now().Add(30 * time.Second); db.group.queued.Load() != int64(i+1) || len(db.group.reqs) != i; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("units did not queue")
			}
		}
	}
	db.unlockWrite()
	wg.Wait()
	return errs
}

// TestGroupBrokenTransactionRerunsFailedUnits: a unit that failed because
// of an earlier unit's write (here a conflict with R0's event) must not be
// answered with that failure once the transaction broke and R0's write is
// gone: it runs again, and here it succeeds, although R0's second run fails.
func TestGroupBrokenTransactionRerunsFailedUnits(t *testing.T) {
	ctx := context.Background()
	db := openForGroup(t)
	r0Runs := 0
	units := []func(t *tx) error{
		func(t *tx) error {
			if r0Runs++; r0Runs > 1 {
				return errors.New("R0 fails on its second run (say, the disk is full)")
			}
			return groupEvent("K")(t)
		},
		func(t *tx) error {
			var n int64
			if err := t.g.Table("audit_events").Where("consent_id = ?", "K").Count(&n).Error; err != nil {
				return err
			} else if n > 0 {
				return consent.Errorf(consent.ECONFLICT, "K exists")
			}
			return groupEvent("R1")(t)
		},
		func(t *tx) error { return t.g.Exec("ROLLBACK").Error },
	}
	errs := runOneGroup(t, db, units)
	if errs[0] == nil || errs[2] == nil {
		t.Errorf("R0 and the culprit: %v, %v; want both to fail", errs[0], errs[2])
	}
	if errs[1] != nil {
		t.Errorf("R1 answered %v, although the write it conflicted with was rolled back", errs[1])
	}
	for id, want := range map[string]int{"K": 0, "R1": 1} {
		if events, err := db.ListAuditEvents(ctx, consent.AuditFilter{ConsentID: id}); err != nil {
			t.Fatal(err)
		} else if len(events) != want {
			t.Errorf("%s: %d events, want %d", id, len(events), want)
		}
	}
}
