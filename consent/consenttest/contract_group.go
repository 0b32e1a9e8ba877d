package consenttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/consentd/consentd/consent"
)

// groupUnit is one caller's unit of work in contractGroupedUpdates.
type groupUnit struct {
	id, key string
	fail    func(ctx context.Context, tx consent.Tx) error // runs after the unit's own writes
	ctx     context.Context
	mid     func() // runs between the unit's writes
}

// contractGroupedUpdates: units of work from concurrent callers, which a store
// may commit in one shared transaction, still commit or roll back each on its
// own. Every unit creates a consent, appends two audit events and stores an
// idempotency record; some then fail (a conflicting row, a conflicting
// Idempotency-Key, a validation error) after those writes, one was cancelled
// before it started and one cancels its context half-way. The failures leave
// no row and no event, every other unit is committed with its events next to
// each other, and the chain verifies.
func contractGroupedUpdates(t *testing.T, st consent.Store) {
	ctx := context.Background()
	tpl, v, cx := &consent.Template{Slug: "tpl", Title: "T", CreatedAt: T0}, newVersion("tpl", 1, consent.VersionPublished), newConsent("CX", "tpl", T0)
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, tpl); err != nil {
			return err
		} else if err := tx.Templates().CreateVersion(ctx, v); err != nil {
			return err
		} else if err := tx.Consents().CreateConsent(ctx, cx); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: "test.seeded", At: T0, Rows: []consent.Row{tpl, v, cx}})
	})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	halfway, cancelHalfway := context.WithCancel(ctx)
	defer cancelHalfway()

	const n = 16
	units := make([]groupUnit, n)
	for i := range units {
		units[i] = groupUnit{id: fmt.Sprintf("G%02d", i), key: fmt.Sprintf("key-%02d", i), ctx: ctx}
	}
	units[5].key = units[4].key // one of 4 and 5 loses the key
	units[9].fail = func(ctx context.Context, tx consent.Tx) error {
		return tx.Consents().CreateConsent(ctx, newConsent("CX", "tpl", T0)) // ECONFLICT
	}
	units[12].fail = func(context.Context, consent.Tx) error {
		return consent.FieldErrorf(consent.EINVALID, "name", "is required.")
	}
	units[14].ctx = cancelled
	units[15].ctx, units[15].mid = halfway, cancelHalfway

	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = st.UpdateGrouped(u.ctx, func(tx consent.Tx) error { return u.run(tx) })
		}()
	}
	close(start)
	wg.Wait()

	loser := 5
	switch {
	case errs[4] == nil && consent.ErrorCode(errs[5]) == consent.ECONFLICT:
	case errs[5] == nil && consent.ErrorCode(errs[4]) == consent.ECONFLICT:
		loser = 4
	default:
		t.Errorf("units 4 and 5 share an Idempotency-Key: errors %v and %v, want one nil and one conflict", errs[4], errs[5])
	}
	wantCode(t, "unit 9 (conflicting row)", errs[9], consent.ECONFLICT)
	wantCode(t, "unit 12 (validation)", errs[12], consent.EINVALID)
	if errs[14] == nil {
		t.Errorf("unit 14 (cancelled before it started): no error")
	}
	failed := map[int]bool{loser: true, 9: true, 12: true, 14: true}
	if errs[15] != nil {
		failed[15] = true // a store may refuse the unit that was cancelled half-way, but whole
	}
	for i, u := range units {
		if !failed[i] && errs[i] != nil {
			t.Errorf("unit %d: %v, want it committed whatever the others did", i, errs[i])
		}
		events := must[[]*consent.AuditEvent](t, "ListAuditEvents")(st.Audit().ListAuditEvents(ctx, consent.AuditFilter{ConsentID: u.id}))
		_, findErr := st.Consents().FindConsentByID(ctx, u.id)
		rec, keyErr := st.Idempotency().FindIdempotency(ctx, "group", u.key)
		if failed[i] {
			if findErr == nil || len(events) != 0 {
				t.Errorf("failed unit %d left its consent (find: %v) or %d audit events", i, findErr, len(events))
			}
			if keyErr == nil && rec.RequestHash == u.id {
				t.Errorf("failed unit %d left its idempotency record", i)
			}
			continue
		}
		if findErr != nil {
			t.Errorf("unit %d: its consent: %v", i, findErr)
		}
		if len(events) != 2 || events[1].Seq != events[0].Seq+1 {
			t.Errorf("unit %d: %d events, want its two events next to each other", i, len(events))
		}
		if keyErr != nil || rec.RequestHash != u.id {
			t.Errorf("unit %d: idempotency record %+v, %v, want its own", i, rec, keyErr)
		}
	}
	report := must[*consent.IntegrityReport](t, "VerifyIntegrity")(st.Audit().VerifyIntegrity(ctx, nil))
	if want := int64(1 + 2*(n-len(failed))); !report.Intact() || report.Events != want {
		t.Errorf("VerifyIntegrity: %+v (faults %v), want intact with %d events", report, report.Faults, want)
	}
}

// run is the unit's work: its consent, two events that vouch for it, its
// idempotency record, and then its failure, if any.
func (u groupUnit) run(tx consent.Tx) error {
	ctx := u.ctx
	c := newConsent(u.id, "tpl", T0)
	if err := tx.Consents().CreateConsent(ctx, c); err != nil {
		return err
	}
	if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentCreated, At: T0, ConsentID: u.id,
		Rows: []consent.Row{c}}); err != nil {
		return err
	}
	if u.mid != nil {
		u.mid() // e.g. the client hangs up in the middle of the work
	}
	if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: "test.grouped", At: T0, ConsentID: u.id}); err != nil {
		return err
	}
	if err := tx.Idempotency().SaveIdempotency(ctx, &consent.Idempotency{Scope: "group", Key: u.key, RequestHash: u.id,
		Result: []byte(u.id), CreatedAt: T0}); err != nil {
		return err
	}
	if u.fail != nil {
		return u.fail(ctx, tx)
	}
	return nil
}
