package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// waitFor polls cond: the tests wait for goroutines to queue, they assert no timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// oneBatch queues the units in order while the write slot is held, so the
// grouped writer runs them all in one transaction, and returns their errors.
func oneBatch(t *testing.T, db *storage.DB, ctxs []context.Context, units []func(tx consent.Tx) error) []error {
	t.Helper()
	queued := db.GroupStats()
	release := db.HoldWriteSlot()
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	for i, fn := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.UpdateGrouped(ctxs[i], fn)
		}()
		waitFor(t, fmt.Sprintf("unit %d to queue", i), func() bool { return db.GroupWaiting(int(queued.Queued) + i + 1) })
	}
	release()
	wg.Wait()
	return errs
}

// createUnit creates consent id with an event that vouches for it, then runs then.
func createUnit(id string, then func(ctx context.Context, tx consent.Tx) error) func(tx consent.Tx) error {
	return func(tx consent.Tx) error {
		ctx := context.Background()
		c := newConsent(id, "k", t0)
		if err := tx.Consents().CreateConsent(ctx, c); err != nil {
			return err
		}
		if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentCreated, ConsentID: id, Rows: []consent.Row{c}}); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, tx)
		}
		return nil
	}
}

func background(n int) []context.Context {
	out := make([]context.Context, n)
	for i := range out {
		out[i] = context.Background()
	}
	return out
}

// committed reports whether consent id and its events were stored (and
// fails the test if only some of them were).
func committed(t *testing.T, db *storage.DB, id string) (bool, []int64) {
	t.Helper()
	ctx := context.Background()
	_, err := db.FindConsentByID(ctx, id)
	events, lerr := db.ListAuditEvents(ctx, consent.AuditFilter{ConsentID: id})
	if lerr != nil {
		t.Fatal(lerr)
	}
	var seqs []int64
	for _, e := range events {
		seqs = append(seqs, e.Seq)
	}
	if (err == nil) != (len(events) > 0) {
		t.Errorf("consent %s: found %v but %d events: a unit was half committed", id, err == nil, len(events))
	}
	return err == nil, seqs
}

func wantIntact(t *testing.T, db *storage.DB) {
	t.Helper()
	if seq, reason, err := db.VerifyAudit(context.Background()); seq != 0 || err != nil {
		t.Errorf("VerifyAudit = %d %q %v, want an intact chain", seq, reason, err)
	}
}

// TestUpdateGroupedIsolatesFailures runs six units in one shared transaction:
// a conflict, a validation error and a panic, each after writes of its own,
// roll back their own unit only; the others commit in queue order, once.
func TestUpdateGroupedIsolatesFailures(t *testing.T) {
	db, _ := openDir(t)
	seedTemplate(t, db, "k")
	createConsent(t, db, newConsent("SEED", "k", t0))
	before := db.GroupStats()
	errs := oneBatch(t, db, background(6), []func(tx consent.Tx) error{
		createUnit("U0", nil),
		createUnit("U1", func(ctx context.Context, tx consent.Tx) error {
			return tx.Consents().CreateConsent(ctx, newConsent("SEED", "k", t0))
		}),
		createUnit("U2", nil),
		createUnit("U3", func(context.Context, consent.Tx) error {
			return consent.FieldErrorf(consent.EINVALID, "name", "is required.")
		}),
		createUnit("U4", func(context.Context, consent.Tx) error { panic("boom") }),
		createUnit("U5", nil),
	})
	wantCode(t, errs[1], consent.ECONFLICT)
	wantCode(t, errs[3], consent.EINVALID)
	if errs[4] == nil {
		t.Error("the unit that panicked: no error")
	}
	var last int64
	for _, i := range []int{0, 2, 5} {
		if errs[i] != nil {
			t.Errorf("unit %d: %v, want committed", i, errs[i])
		}
		ok, seqs := committed(t, db, fmt.Sprintf("U%d", i))
		if !ok || len(seqs) != 1 || seqs[0] <= last {
			t.Errorf("unit %d: stored %v with events %v, want one event after seq %d (queue order)", i, ok, seqs, last)
		} else {
			last = seqs[0]
		}
	}
	for _, i := range []int{1, 3, 4} {
		if ok, seqs := committed(t, db, fmt.Sprintf("U%d", i)); ok || len(seqs) > 0 {
			t.Errorf("failed unit %d left its consent or events %v", i, seqs)
		}
	}
	after := db.GroupStats()
	if c, u := after.Commits-before.Commits, after.Units-before.Units; c != 1 || u != 3 {
		t.Errorf("%d commits of %d units, want the three good units in one commit", c, u)
	}
	wantIntact(t, db)
}

// TestUpdateGroupedCancelledContexts: a caller that hangs up while its unit
// runs (the first of the batch) or while it waits in the queue never takes
// the shared transaction down with it.
func TestUpdateGroupedCancelledContexts(t *testing.T) {
	db, _ := openDir(t)
	seedTemplate(t, db, "k")
	first, cancelFirst := context.WithCancel(context.Background())
	defer cancelFirst()
	queued, cancelQueued := context.WithCancel(context.Background())
	ctxs := []context.Context{first, queued, context.Background()}
	units := []func(tx consent.Tx) error{
		createUnit("V0", func(ctx context.Context, tx consent.Tx) error {
			cancelFirst() // the client hangs up half-way
			return tx.Audit().AppendAudit(first, &consent.AuditEvent{Type: "test.after_cancel", ConsentID: "V0"})
		}),
		createUnit("V1", nil),
		createUnit("V2", nil),
	}
	release := db.HoldWriteSlot()
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	for i, fn := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.UpdateGrouped(ctxs[i], fn)
		}()
		waitFor(t, "units to queue", func() bool { return db.GroupWaiting(i + 1) })
	}
	cancelQueued()
	release()
	wg.Wait()
	if !errors.Is(errs[1], context.Canceled) {
		t.Errorf("unit cancelled in the queue: %v, want context.Canceled", errs[1])
	}
	if ok, _ := committed(t, db, "V1"); ok {
		t.Error("the unit cancelled before it started was written")
	}
	for _, i := range []int{0, 2} {
		if ok, _ := committed(t, db, fmt.Sprintf("V%d", i)); errs[i] != nil || !ok {
			t.Errorf("unit %d: %v, stored %v; want it committed", i, errs[i], ok)
		}
	}
	wantIntact(t, db)
}

// TestUpdateGroupedClose: Close commits the units already queued, and a
// unit after Close is refused at once with EUNAVAILABLE, never left waiting.
func TestUpdateGroupedClose(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(context.Background(), storage.Config{DataDir: dir, URL: storagetest.URLFor(t, dir),
		AuditKey: storagetest.AuditKey, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	seedTemplate(t, db, "k")
	release := db.HoldWriteSlot()
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.UpdateGrouped(context.Background(), createUnit(fmt.Sprintf("W%d", i), nil))
		}()
		waitFor(t, "units to queue", func() bool { return db.GroupWaiting(i + 1) })
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	release()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("unit %d queued before Close: %v, want committed", i, err)
		}
	}
	err = db.UpdateGrouped(context.Background(), createUnit("late", nil))
	wantCode(t, err, consent.EUNAVAILABLE)

	db = storagetest.MustOpenConfig(t, storage.Config{DataDir: dir, Now: func() time.Time { return t0 }})
	for i := range errs {
		if ok, _ := committed(t, db, fmt.Sprintf("W%d", i)); !ok {
			t.Errorf("unit %d is missing after Close", i)
		}
	}
	wantIntact(t, db)
}
