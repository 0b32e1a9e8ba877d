package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// openProcesses opens n handles on one fresh PostgreSQL database, each with
// its own data directory (and audit head file), as n consentd processes on
// different machines would. They start together, so their migrations race.
func openProcesses(t *testing.T, n int) []*storage.DB {
	t.Helper()
	dbs, _ := openProcessesAt(t, n)
	return dbs
}

// openProcessesAt is openProcesses that also returns the database's URL.
func openProcessesAt(t *testing.T, n int) ([]*storage.DB, string) {
	t.Helper()
	url := storagetest.NewPostgresDatabase(t)
	dbs := make([]*storage.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() {
			dbs[i], errs[i] = storage.Open(context.Background(), storage.Config{DataDir: t.TempDir(), URL: url,
				AuditKey: storagetest.AuditKey, Now: func() time.Time { return t0 }})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: open: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	return dbs, url
}

// TestPostgresProcessesSignOnce races signatures through two processes:
// each role is stored once, and the "read, add my signature, complete if
// everyone signed" step of every consent runs as if alone, so each consent
// ends signed with both signatures (not pending because each writer saw only
// its own).
func TestPostgresProcessesSignOnce(t *testing.T) {
	ctx := context.Background()
	procs := openProcesses(t, 2)
	seedTemplate(t, procs[0], "k")
	const consents, racers = 10, 4
	for c := range consents {
		createConsent(t, procs[c%2], newConsent(fmt.Sprintf("C%d", c), "k", t0))
	}
	type result struct {
		role string
		err  error
	}
	results := make(chan result, consents*racers*2)
	var wg sync.WaitGroup
	for c := range consents {
		id := fmt.Sprintf("C%d", c)
		for r := range racers * 2 {
			// Half the racers sign as patient (or representative, the same
			// side), half as clinician; each side may succeed once.
			role := []string{consent.RolePatient, consent.RoleClinician, consent.RoleRepresentative, consent.RoleClinician}[r%4]
			db := procs[r%2]
			wg.Go(func() {
				err := db.Update(ctx, func(tx consent.Tx) error {
					cur, err := tx.Consents().FindConsentByID(ctx, id)
					if err != nil {
						return err
					} else if cur.Status != consent.StatusPending {
						return consent.Errorf(consent.ECONFLICT, "already signed")
					}
					if err := tx.Consents().CreateSignature(ctx, newSignature(fmt.Sprintf("%s-S%d", id, r), id, role)); err != nil {
						return err
					}
					if len(cur.Signatures)+1 == 2 {
						return tx.Consents().TransitionConsent(ctx, id, consent.StatusPending, consent.StatusSigned, t0, "")
					}
					return nil
				})
				results <- result{role, err}
			})
		}
	}
	wg.Wait()
	close(results)
	ok := 0
	for r := range results {
		switch consent.ErrorCode(r.err) {
		case "":
			ok++
		case consent.ECONFLICT:
		default:
			t.Fatalf("%s: %v", r.role, r.err)
		}
	}
	if ok != consents*2 {
		t.Errorf("%d signatures succeeded, want %d (one per side and consent)", ok, consents*2)
	}
	for c := range consents {
		got, err := procs[1].FindConsentByID(ctx, fmt.Sprintf("C%d", c))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != consent.StatusSigned || len(got.Signatures) != 2 {
			t.Errorf("%s: status %s with %d signatures, want signed with 2", got.ID, got.Status, len(got.Signatures))
		}
	}
}

// TestPostgresProcessesOneAuditChain appends from two processes at once,
// through transactions and through the grouped writer: the result is one
// gapless chain that both processes verify against their own head files.
func TestPostgresProcessesOneAuditChain(t *testing.T) {
	ctx := context.Background()
	procs := openProcesses(t, 2)
	const workers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		db := procs[w%2]
		wg.Go(func() {
			for i := range each {
				if w%3 == 0 {
					errs <- db.Update(ctx, func(tx consent.Tx) error {
						return tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentCreated, "C1", i))
					})
				} else {
					errs <- db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C1", i),
						auditEvent(consent.EventConsentViewed, "C2", i))
				}
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
	want := int64(workers/3*each + (workers-workers/3)*each*2)
	for i, db := range procs {
		if seq, reason, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
			t.Fatalf("process %d: VerifyAudit = %d %q %v", i, seq, reason, err)
		}
		if head, err := db.LastAuditHead(ctx); err != nil || head == nil || head.Seq > want {
			t.Fatalf("process %d: head %+v, %v", i, head, err)
		}
	}
	var n int64
	for after := int64(0); ; {
		evs, err := procs[0].ListAuditEvents(ctx, consent.AuditFilter{AfterSeq: after, Limit: storage.MaxAuditLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		n += int64(len(evs))
		after = evs[len(evs)-1].Seq
	}
	if n != want {
		t.Fatalf("chain holds %d events, want %d", n, want)
	}
}

// TestPostgresProcessesClaimEachDeliveryOnce has several claimers in two
// processes drain one outbox: every delivery is claimed by exactly one.
func TestPostgresProcessesClaimEachDeliveryOnce(t *testing.T) {
	ctx := context.Background()
	procs := openProcesses(t, 2)
	const events = 60
	update(t, procs[0], func(tx consent.Tx) error {
		for _, id := range []string{"W1", "W2"} {
			if err := tx.Webhooks().CreateWebhook(ctx, &consent.Webhook{ID: id, URL: "https://ehr.example/hook", Secret: "s",
				Events: []string{consent.EventConsentSigned}, CreatedAt: t0}); err != nil {
				return err
			}
		}
		for i := range events {
			if _, err := tx.Webhooks().EnqueueWebhookEvent(ctx, &consent.WebhookEvent{ID: fmt.Sprintf("E%02d", i),
				Type: consent.EventConsentSigned, CreatedAt: t0, Payload: []byte(`{"id":"x"}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	claims := map[string]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		db := procs[w%2]
		wg.Go(func() {
			for {
				got, err := db.ClaimDueDeliveries(ctx, t0.Add(time.Second), time.Hour, consent.DeliveryClaim{Limit: 3, PerEndpoint: 2})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					claims[d.ID]++
					if len(d.Payload) == 0 || d.URL == "" || d.Secret == "" {
						t.Errorf("claimed %s without what sending needs: %+v", d.ID, d)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claims) != events*2 {
		t.Errorf("%d deliveries claimed, want %d", len(claims), events*2)
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times", id, n)
		}
	}
	// Leases end: a delivery that was not completed is due again, once.
	again, err := procs[1].ClaimDueDeliveries(ctx, t0.Add(2*time.Hour), time.Hour, consent.DeliveryClaim{Limit: 1000})
	if err != nil || len(again) != events*2 {
		t.Fatalf("after the leases ended: claimed %d, %v; want %d", len(again), err, events*2)
	}
}
