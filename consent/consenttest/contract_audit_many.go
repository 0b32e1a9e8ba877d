package consenttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractAuditAppendMany: one AppendAudit call with many events (a
// signature's acknowledgments) chains them in order, as many calls would,
// past any batch size a store writes them in; and it is all or none.
func contractAuditAppendMany(t *testing.T, st consent.Store) {
	ctx := context.Background()
	a := st.Audit()
	if err := a.AppendAuditEvents(ctx, &consent.AuditEvent{Type: consent.EventAuditRead, At: T0, Actor: "apikey:k1"}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	many := make([]*consent.AuditEvent, n)
	for i := range many {
		many[i] = &consent.AuditEvent{Type: consent.EventAcknowledged, At: T0.Add(time.Duration(i) * time.Millisecond),
			Actor: "patient", ConsentID: "C1", IP: "10.0.0.2", Details: map[string]any{"section": fmt.Sprintf("s%03d", i)}}
	}
	update(t, st, func(tx consent.Tx) error { return tx.Audit().AppendAudit(ctx, many...) })
	update(t, st, func(tx consent.Tx) error { return tx.Audit().AppendAudit(ctx) }) // none: a no-op
	last := &consent.AuditEvent{Type: consent.EventConsentSigned, At: T0.Add(time.Second), Actor: "patient", ConsentID: "C1"}
	update(t, st, func(tx consent.Tx) error { return tx.Audit().AppendAudit(ctx, last) })

	// All or none: an event that cannot be encoded fails the whole call, and
	// the transaction appends nothing.
	bad := []*consent.AuditEvent{{Type: "test.ok", ConsentID: "C1"}, {Type: "test.bad", Details: map[string]any{"x": func() {}}}}
	if err := st.Update(ctx, func(tx consent.Tx) error { return tx.Audit().AppendAudit(ctx, bad...) }); err == nil {
		t.Error("a batch with an event that cannot be encoded was appended")
	}

	events := must[[]*consent.AuditEvent](t, "ListAuditEvents")(a.ListAuditEvents(ctx, consent.AuditFilter{Limit: consent.MaxAuditPageSize}))
	if len(events) != n+2 {
		t.Fatalf("%d events, want %d", len(events), n+2)
	}
	prev := events[0].Hash
	for i, e := range events[1:] {
		if e.Seq != int64(i+2) || e.PrevHash != prev {
			t.Fatalf("event %d: seq %d prev_hash %q, want seq %d after %q", i+1, e.Seq, e.PrevHash, i+2, prev)
		}
		if h, err := e.ComputeHash(); err != nil || h != e.Hash {
			t.Fatalf("event seq %d: stored hash %s, recomputed %s (%v)", e.Seq, e.Hash, h, err)
		}
		prev = e.Hash
		if i < n && (e.Details["section"] != fmt.Sprintf("s%03d", i) || e.Seq != many[i].Seq || e.Hash != many[i].Hash) {
			t.Fatalf("event seq %d: section %v (caller's seq %d), want s%03d in order", e.Seq, e.Details["section"], many[i].Seq, i)
		}
	}
	same(t, "the single event after the batch", []any{events[n+1].Type, last.Seq}, []any{consent.EventConsentSigned, int64(n + 2)})
	head := must[consent.AuditHead](t, "AuditChainHead")(a.AuditChainHead(ctx))
	same(t, "chain head", []any{head.Seq, head.Hash}, []any{int64(n + 2), last.Hash})
	report := must[*consent.IntegrityReport](t, "VerifyIntegrity")(a.VerifyIntegrity(ctx, nil))
	if !report.Intact() || report.Events != n+2 {
		t.Errorf("VerifyIntegrity: %+v (faults %v), want intact with %d events", report, report.Faults, n+2)
	}
}
