package consent_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestIdempotentWritesStoreTheirTypedResult: a write made with an
// Idempotency-Key stores its typed result in its own transaction, sealed; the
// replay is the same value; a write that fails stores nothing.
func TestIdempotentWritesStoreTheirTypedResult(t *testing.T) {
	w := ready(t)
	req := &consent.IdempotencyRequest{Scope: "scope-1", Key: "k-1", RequestHash: "body-1"}
	ctx := consent.WithIdempotency(w.admin, req)
	created := must[*consent.CreatedConsent](t)(w.svc.CreateConsent(ctx, consentInput("tpl")))
	replay := must[*consent.Replay](t)(w.svc.FindReplay(w.admin, "scope-1", "k-1"))
	if replay.RequestHash != "body-1" || replay.LegacyStatus != 0 {
		t.Errorf("replay: %+v", replay)
	}
	got := must[*consent.CreatedConsent](t)(consent.ReplayResult[*consent.CreatedConsent](replay))
	if d := cmp.Diff(created, got); d != "" {
		t.Errorf("replayed result (-first +replay):\n%s", d)
	}
	// Sealed at rest: the signing token, shown once, is not in the record.
	rec := must[*consent.Idempotency](t)(w.store.Idempotency().FindIdempotency(w.admin, "scope-1", "k-1"))
	if bytes.Contains(rec.Result, []byte(created.SigningToken)) || bytes.Contains(rec.Result, []byte("Zoë")) {
		t.Error("the stored result holds the signing token or the patient's name in clear")
	}
	// Another service secret cannot open it.
	other := &consent.Service{Store: w.store, SecretKey: []byte("another-secret-another-secret-00"), Now: w.clock.Now}
	if _, err := other.FindReplay(w.admin, "scope-1", "k-1"); err == nil {
		t.Error("a record opened with another secret")
	}
	// The same key again (the API replays before writing; a race reaches the
	// store): the second write fails whole.
	before := w.head()
	_, err := w.svc.CreateConsent(ctx, consentInput("tpl"))
	wantCode(t, "the same key written twice", err, consent.ECONFLICT, "")
	if n := must[int](t)(w.store.Consents().CountConsents(w.admin, consent.ConsentFilter{})); n != 1 || w.head() != before {
		t.Errorf("%d consents, %d new events after the refused write", n, w.head()-before)
	}
	// A write that fails stores no result.
	ctx2 := consent.WithIdempotency(w.admin, &consent.IdempotencyRequest{Scope: "scope-1", Key: "k-2", RequestHash: "body-2"})
	_, err = w.svc.CreateAPIKey(ctx2, "", nil)
	wantCode(t, "an invalid key", err, consent.EINVALID, "")
	_, err = w.svc.FindReplay(w.admin, "scope-1", "k-2")
	wantCode(t, "replay of a failed write", err, consent.ENOTFOUND, "")
	// Each use case's result type round-trips.
	k := must[*consent.CreatedAPIKey](t)(w.svc.CreateAPIKey(ctx2, "ehr", []string{consent.ScopeAdmin}))
	gotK := must[*consent.CreatedAPIKey](t)(consent.ReplayResult[*consent.CreatedAPIKey](must[*consent.Replay](t)(w.svc.FindReplay(w.admin, "scope-1", "k-2"))))
	if d := cmp.Diff(k, gotK); d != "" {
		t.Errorf("replayed key (-first +replay):\n%s", d)
	}
	ctx3 := consent.WithIdempotency(w.admin, &consent.IdempotencyRequest{Scope: "scope-1", Key: "k-3", RequestHash: "body-3"})
	res := must[*consent.SignResult](t)(w.svc.Sign(ctx3, created.Consent.ID, patientSig()))
	gotS := must[*consent.SignResult](t)(consent.ReplayResult[*consent.SignResult](must[*consent.Replay](t)(w.svc.FindReplay(w.admin, "scope-1", "k-3"))))
	if d := cmp.Diff(res, gotS); d != "" {
		t.Errorf("replayed signature (-first +replay):\n%s", d)
	}
}
