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

func TestUpdateRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Consents().CreateConsent(ctx, newConsent("C1", "k", t0)); err != nil {
			return err
		}
		if err := tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentCreated, "C1", 1)); err != nil {
			return err
		}
		// Reads inside the transaction see its writes.
		if _, err := tx.Consents().FindConsentByID(ctx, "C1"); err != nil {
			return fmt.Errorf("read own write: %w", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the fn's error", err)
	}
	if _, err := db.FindConsentByID(ctx, "C1"); consent.ErrorCode(err) != consent.ENOTFOUND {
		t.Errorf("consent after rollback: err %v, want not found", err)
	}
	if evs, err := db.ListAuditEvents(ctx, consent.AuditFilter{}); err != nil || len(evs) != 0 {
		t.Errorf("audit after rollback: %d events, err %v", len(evs), err)
	}
	if head, err := db.LastAuditHead(ctx); err != nil || head != nil {
		t.Errorf("audit head after rollback = %+v, %v; want none", head, err)
	}
}

func TestUpdatePanicRollsBack(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	func() {
		defer func() { _ = recover() }()
		_ = db.Update(ctx, func(tx consent.Tx) error {
			_ = tx.Access().CreateStaff(ctx, &consent.Staff{ID: "D1", CreatedAt: t0})
			panic("boom")
		})
	}()
	if _, err := db.FindStaff(ctx, "D1"); consent.ErrorCode(err) != consent.ENOTFOUND {
		t.Errorf("staff after panic: err %v, want not found", err)
	}
	// The write slot was released: the next Update runs.
	update(t, db, func(tx consent.Tx) error {
		return tx.Access().CreateStaff(ctx, &consent.Staff{ID: "D2", CreatedAt: t0})
	})
}

// TestConcurrentWriters runs writers that each read, then write, then append
// to the audit chain: they must queue, never fail with "database is locked",
// and the chain must come out intact.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("C%d-%d", w, i)
				errs <- db.Update(ctx, func(tx consent.Tx) error {
					if _, err := tx.Consents().FindConsentByID(ctx, "none"); consent.ErrorCode(err) != consent.ENOTFOUND {
						return err
					}
					if err := tx.Consents().CreateConsent(ctx, newConsent(id, "k", t0.Add(time.Duration(i)*time.Second))); err != nil {
						return err
					}
					return tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentCreated, id, i))
				})
				errs <- db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, id, i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	_, next, err := db.ListConsents(ctx, consent.ConsentFilter{Limit: writers*each - 1})
	if err != nil || next == "" {
		t.Fatalf("ListConsents: next %q, err %v; want one more page", next, err)
	}
	if seq, reason, err := db.VerifyAudit(ctx); err != nil || seq != 0 {
		t.Fatalf("VerifyAudit = %d %q %v", seq, reason, err)
	}
	head, err := db.LastAuditHead(ctx)
	if err != nil || head == nil || head.Seq != writers*each*2 {
		t.Fatalf("head = %+v, %v; want seq %d", head, err, writers*each*2)
	}
}

func TestUpdateHonoursContext(t *testing.T) {
	db := storagetest.MustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Update(ctx, func(tx consent.Tx) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update with a cancelled context = %v", err)
	}
}

// TestConcurrentProcesses writes through two handles on one file, as the
// server and a CLI command would: their writers meet in SQLite, where
// BEGIN IMMEDIATE and the busy timeout make them queue instead of failing.
func TestConcurrentProcesses(t *testing.T) {
	ctx := context.Background()
	a, dir := openDir(t)
	b := storagetest.MustOpenConfig(t, storage.Config{DataDir: dir})
	seedTemplate(t, a, "k")
	var wg sync.WaitGroup
	errs := make(chan error, 8*10)
	for w := range 8 {
		db := []*storage.DB{a, b}[w%2]
		wg.Go(func() {
			for i := range 10 {
				errs <- db.Update(ctx, func(tx consent.Tx) error {
					id := fmt.Sprintf("C%d-%d", w, i)
					// Read first: a deferred transaction would fail to upgrade its lock here.
					if _, err := tx.Consents().FindConsentByID(ctx, "none"); consent.ErrorCode(err) != consent.ENOTFOUND {
						return err
					}
					if err := tx.Consents().CreateConsent(ctx, newConsent(id, "k", t0)); err != nil {
						return err
					}
					return tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentCreated, id, i))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if seq, reason, err := a.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("VerifyAudit = %d %q %v", seq, reason, err)
	}
}
