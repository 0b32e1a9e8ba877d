package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func contractAuditChain(t *testing.T, st consent.Store) {
	ctx := context.Background()
	a := st.Audit()
	if h := must[*consent.AuditHead](t, "LastAuditHead")(a.LastAuditHead(ctx)); h != nil {
		t.Errorf("an empty log has an authenticated head: %+v", h)
	}
	tpl := &consent.Template{Slug: "tpl", Title: "T", CreatedAt: T0}
	first := &consent.AuditEvent{Type: consent.EventTemplateCreated, At: T0, Actor: "apikey:k1", IP: "10.0.0.1",
		Details: map[string]any{"slug": "tpl", "count": 3, "nested": map[string]any{"list": []any{"x", 1}}}, Rows: []consent.Row{tpl}}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, tpl); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, first)
	})
	grouped := []*consent.AuditEvent{
		{Type: consent.EventConsentViewed, At: T0.Add(time.Second), Actor: "apikey:k1", ConsentID: "C1"},
		{Type: consent.EventAuditRead, Actor: "apikey:k1"}, // no time: the store stamps one
	}
	if err := a.AppendAuditEvents(ctx, grouped...); err != nil {
		t.Fatal(err)
	}
	if err := a.AppendAuditEvents(ctx); err != nil {
		t.Errorf("appending no events: %v", err)
	}

	// Each append assigned its position, chained to the one before, sealed
	// with the store's key, and recorded the digest of the rows it vouches for.
	events := must[[]*consent.AuditEvent](t, "ListAuditEvents")(a.ListAuditEvents(ctx, consent.AuditFilter{}))
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	prev := ""
	for i, e := range events {
		if e.Seq != int64(i+1) || e.PrevHash != prev {
			t.Errorf("event %d: seq %d prev_hash %q, want seq %d prev_hash %q", i, e.Seq, e.PrevHash, i+1, prev)
		}
		if h, err := e.ComputeHash(); err != nil || h != e.Hash {
			t.Errorf("event %d: stored hash %s, recomputed %s (%v)", i, e.Hash, h, err)
		}
		if e.MAC == "" || e.At.IsZero() || !e.At.Equal(consent.Millis(e.At)) {
			t.Errorf("event %d: MAC %q, at %v: want a MAC and a millisecond time", i, e.MAC, e.At)
		}
		prev = e.Hash
	}
	same(t, "the caller's event has its position", []any{first.Seq, grouped[0].Seq, grouped[1].Seq}, []any{int64(1), int64(2), int64(3)})
	// Details come back as JSON values (numbers as float64), with the row digests.
	digests, ok := events[0].RowDigests()
	want, _ := consent.RowDigest(consent.RowDigestKey(AuditKey), tpl)
	if !ok || len(digests) != 1 || digests[consent.RowRef{Table: consent.TableTemplates, ID: "tpl"}].Digest != want {
		t.Errorf("row digests %+v (ok %v), want templates tpl → %s (the store seals with consenttest.AuditKey)", digests, ok, want)
	}
	same(t, "details as JSON values", []any{events[0].Details["slug"], events[0].Details["count"], events[0].Details["nested"]},
		[]any{"tpl", float64(3), map[string]any{"list": []any{"x", float64(1)}}})
	same(t, "the caller's time is kept", events[1].At, T0.Add(time.Second))

	head := must[consent.AuditHead](t, "AuditChainHead")(a.AuditChainHead(ctx))
	same(t, "chain head", []any{head.Seq, head.Hash}, []any{int64(3), events[2].Hash})
	authed := must[*consent.AuditHead](t, "LastAuditHead")(a.LastAuditHead(ctx))
	if authed == nil || authed.Seq != 3 || authed.Hash != events[2].Hash || authed.MAC != consent.AuditMAC(AuditKey, 3, events[2].Hash) {
		t.Errorf("authenticated head %+v, want seq 3 with the last hash and its MAC", authed)
	}

	// Appends are all or none, and a rolled-back transaction appends nothing.
	bad := &consent.AuditEvent{Type: "test.bad", Details: map[string]any{"x": func() {}}}
	if err := a.AppendAuditEvents(ctx, &consent.AuditEvent{Type: "test.ok"}, bad); err == nil {
		t.Error("an event that cannot be encoded was appended")
	}
	_ = st.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: "test.rolled_back"}); err != nil {
			return err
		}
		return consent.Errorf(consent.ECONFLICT, "no")
	})
	head = must[consent.AuditHead](t, "AuditChainHead")(a.AuditChainHead(ctx))
	same(t, "chain head after failed appends", head.Seq, int64(3))

	// Events read back are copies: changing one changes nothing stored.
	events[0].Details["slug"] = "edited"
	again := must[[]*consent.AuditEvent](t, "ListAuditEvents")(a.ListAuditEvents(ctx, consent.AuditFilter{Limit: 1}))
	same(t, "stored details after a caller's edit", again[0].Details["slug"], "tpl")
}

func contractAuditLists(t *testing.T, st consent.Store) {
	ctx := context.Background()
	var events []*consent.AuditEvent
	for i := range 6 {
		e := &consent.AuditEvent{Type: consent.EventConsentViewed, At: T0.Add(time.Duration(i) * time.Minute), Actor: "apikey:k1", ConsentID: "C1"}
		if i%2 == 1 {
			e.ConsentID, e.Type = "C2", consent.EventPDFDownloaded
		}
		events = append(events, e)
	}
	if err := st.Audit().AppendAuditEvents(ctx, events...); err != nil {
		t.Fatal(err)
	}
	since := T0.Add(2 * time.Minute)
	seqs := func(list []*consent.AuditEvent) []int64 {
		out := []int64{}
		for _, e := range list {
			out = append(out, e.Seq)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    consent.AuditFilter
		want []int64
	}{
		{"all, oldest first", consent.AuditFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"by consent", consent.AuditFilter{ConsentID: "C2"}, []int64{2, 4, 6}},
		{"by type", consent.AuditFilter{Type: consent.EventConsentViewed}, []int64{1, 3, 5}},
		{"since (inclusive)", consent.AuditFilter{Since: &since}, []int64{3, 4, 5, 6}},
		{"after a seq", consent.AuditFilter{AfterSeq: 4}, []int64{5, 6}},
		{"limit", consent.AuditFilter{Limit: 2, AfterSeq: 1}, []int64{2, 3}},
		{"combined", consent.AuditFilter{ConsentID: "C1", Since: &since, Limit: 1}, []int64{3}},
	} {
		list := must[[]*consent.AuditEvent](t, tc.name)(st.Audit().ListAuditEvents(ctx, tc.f))
		same(t, tc.name, seqs(list), tc.want)
	}
}

// contractAuditVerify: a log written through the store verifies, rows
// included, and its ranges verify link by link.
func contractAuditVerify(t *testing.T, st consent.Store) {
	ctx := context.Background()
	a := st.Audit()
	report := must[*consent.IntegrityReport](t, "VerifyIntegrity")(a.VerifyIntegrity(ctx, nil))
	if !report.Intact() || report.Events != 0 {
		t.Errorf("empty store: %+v, want intact with no events", report)
	}
	v := newVersion("tpl", 1, consent.VersionPublished)
	tpl := &consent.Template{Slug: "tpl", Title: "T", CreatedAt: T0}
	c := newConsent("C1", "tpl", T0)
	k := &consent.APIKey{ID: "K1", Name: "k", Scopes: []string{"admin"}, Hash: "h", Prefix: "cdk_xx", CreatedAt: T0}
	update(t, st, func(tx consent.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.Templates().CreateTemplate(ctx, tpl) },
			func() error { return tx.Templates().CreateVersion(ctx, v) },
			func() error { return tx.Consents().CreateConsent(ctx, c) },
			func() error { return tx.Access().CreateAPIKey(ctx, k) },
			func() error {
				return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: "test.created", At: T0, Rows: []consent.Row{tpl, v, c, k}})
			},
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	// A change vouches for the row as it is after, and as it was before.
	at := T0.Add(time.Hour)
	update(t, st, func(tx consent.Tx) error {
		before, err := tx.Access().FindAPIKey(ctx, "K1")
		if err != nil {
			return err
		}
		if err := tx.Access().RevokeAPIKey(ctx, "K1", at); err != nil {
			return err
		}
		after := *before
		after.RevokedAt = &at
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventAPIKeyRevoked, At: at, Rows: []consent.Row{&after},
			RowsBefore: []consent.Row{before}})
	})
	if err := a.AppendAuditEvents(ctx, &consent.AuditEvent{Type: consent.EventConsentViewed, At: at, ConsentID: "C1"}); err != nil {
		t.Fatal(err)
	}
	report = must[*consent.IntegrityReport](t, "VerifyIntegrity")(a.VerifyIntegrity(ctx, nil))
	if !report.Intact() || report.Events != 3 || report.Rows != 4 {
		t.Errorf("VerifyIntegrity: %+v (faults %v), want intact, 3 events, 4 rows", report, report.Faults)
	}
	if f := must[*consent.IntegrityFault](t, "VerifyAuditRange")(a.VerifyAuditRange(ctx, consent.AuditHead{}, 3)); f != nil {
		t.Errorf("VerifyAuditRange(0, 3): %v", f)
	}
	events := must[[]*consent.AuditEvent](t, "ListAuditEvents")(a.ListAuditEvents(ctx, consent.AuditFilter{}))
	if f := must[*consent.IntegrityFault](t, "VerifyAuditRange")(a.VerifyAuditRange(ctx, consent.AuditHead{Seq: 1, Hash: events[0].Hash}, 3)); f != nil {
		t.Errorf("VerifyAuditRange(1, 3): %v", f)
	}
	if f := must[*consent.IntegrityFault](t, "VerifyAuditRange")(a.VerifyAuditRange(ctx, consent.AuditHead{Seq: 1, Hash: "wrong"}, 3)); f == nil || f.Seq != 2 {
		t.Errorf("VerifyAuditRange from a wrong hash: %v, want a fault at seq 2", f)
	}
	if f := must[*consent.IntegrityFault](t, "VerifyAuditRange")(a.VerifyAuditRange(ctx, consent.AuditHead{}, 5)); f == nil || f.Seq != 4 {
		t.Errorf("VerifyAuditRange past the end: %v, want a fault at seq 4", f)
	}
}

func contractCheckpoints(t *testing.T, st consent.Store) {
	ctx := context.Background()
	a := st.Audit()
	if cp := must[*consent.AuditCheckpoint](t, "LastAuditCheckpoint")(a.LastAuditCheckpoint(ctx)); cp != nil {
		t.Errorf("no checkpoint yet, got %+v", cp)
	}
	cps := []*consent.AuditCheckpoint{
		{Seq: 10, Hash: "h10", At: T0, Signature: consent.CheckpointSignature{Algorithm: "ed25519", CertSHA256: "c", Value: []byte{1, 2}}},
		{Seq: 20, Hash: "h20", At: T0.Add(time.Minute), Signature: consent.CheckpointSignature{Algorithm: "ed25519", CertSHA256: "c", Value: []byte{3}}},
		{Seq: 30, Hash: "h30", At: T0.Add(2 * time.Minute), Signature: consent.CheckpointSignature{Algorithm: "ed25519", CertSHA256: "c", Value: []byte{4}}},
	}
	for _, i := range []int{1, 0, 2} { // stored out of order, listed by seq
		update(t, st, func(tx consent.Tx) error { return tx.Audit().CreateAuditCheckpoint(ctx, cps[i]) })
	}
	err := st.Update(ctx, func(tx consent.Tx) error { return tx.Audit().CreateAuditCheckpoint(ctx, cps[1]) })
	wantCode(t, "a checkpoint for a seq that has one", err, consent.ECONFLICT)
	same(t, "LastAuditCheckpoint", must[*consent.AuditCheckpoint](t, "LastAuditCheckpoint")(a.LastAuditCheckpoint(ctx)), cps[2])
	same(t, "ListAuditCheckpoints after 10", must[[]*consent.AuditCheckpoint](t, "ListAuditCheckpoints")(a.ListAuditCheckpoints(ctx, 10, 1)),
		[]*consent.AuditCheckpoint{cps[1]})
	same(t, "ListAuditCheckpoints all", must[[]*consent.AuditCheckpoint](t, "ListAuditCheckpoints")(a.ListAuditCheckpoints(ctx, 0, 0)), cps)
	var inTx *consent.AuditCheckpoint
	update(t, st, func(tx consent.Tx) error {
		var err error
		inTx, err = tx.Audit().LastAuditCheckpoint(ctx)
		return err
	})
	same(t, "LastAuditCheckpoint inside a transaction", inTx, cps[2])
}
