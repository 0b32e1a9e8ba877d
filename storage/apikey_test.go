package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	k1 := &consent.APIKey{ID: "K1", Name: "EHR", Scopes: []string{consent.ScopeConsentsRead, consent.ScopeConsentsWrite},
		Hash: consent.HashSecret("secret-1"), Prefix: "cd_abc", CreatedAt: t0}
	k2 := &consent.APIKey{ID: "K2", Name: "admin", Scopes: []string{consent.ScopeAdmin}, Hash: consent.HashSecret("secret-2"),
		Prefix: "cd_def", CreatedAt: t0.Add(time.Second)}
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Access().CreateAPIKey(ctx, k1); err != nil {
			return err
		}
		return tx.Access().CreateAPIKey(ctx, k2)
	})
	revoked := t0.Add(time.Hour)
	update(t, db, func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "K1", revoked) })
	k1.RevokedAt = &revoked

	got, err := db.FindAPIKeyByHash(ctx, consent.HashSecret("secret-1"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k1, got); diff != "" {
		t.Errorf("FindAPIKeyByHash (-want +got):\n%s", diff)
	}
	if got, err = db.FindAPIKey(ctx, "K2"); err != nil || !cmp.Equal(k2, got) {
		t.Errorf("FindAPIKey = %+v, %v", got, err)
	}
	list, err := db.ListAPIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*consent.APIKey{k1, k2}, list); diff != "" {
		t.Errorf("ListAPIKeys (-want +got):\n%s", diff)
	}

	dup := *k2
	dup.ID = "K3"
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().CreateAPIKey(ctx, &dup) }), consent.ECONFLICT)
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "K1", t0) }), consent.ECONFLICT)
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "nope", t0) }), consent.ENOTFOUND)
	_, err = db.FindAPIKeyByHash(ctx, "nope")
	wantCode(t, err, consent.ENOTFOUND)
}

func TestStaff(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	s := &consent.Staff{ID: "DR-1", Name: "Dr. Ada", Role: consent.RoleClinician, PINHash: "$argon2id$...", CreatedAt: t0}
	update(t, db, func(tx consent.Tx) error { return tx.Access().CreateStaff(ctx, s) })
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().CreateStaff(ctx, s) }), consent.ECONFLICT)
	off := t0.Add(time.Hour)
	update(t, db, func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "DR-1", off) })
	s.DeactivatedAt = &off
	got, err := db.FindStaff(ctx, "DR-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("FindStaff (-want +got):\n%s", diff)
	}
	list, err := db.ListStaff(ctx)
	if err != nil || !cmp.Equal([]*consent.Staff{s}, list) {
		t.Errorf("ListStaff = %+v, %v", list, err)
	}
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "DR-1", off) }), consent.ECONFLICT)
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "nope", off) }), consent.ENOTFOUND)
	_, err = db.FindStaff(ctx, "nope")
	wantCode(t, err, consent.ENOTFOUND)
}

func TestDownloadLinks(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	createConsent(t, db, newConsent("C1", "k", t0))
	l := &consent.DownloadLink{ID: "L1", ConsentID: "C1", TokenHash: consent.HashSecret("dl"), ExpiresAt: t0.Add(24 * time.Hour),
		RequireBirthDate: true, CreatedAt: t0, CreatedBy: "apikey:K1"}
	update(t, db, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, l) })
	revoked := t0.Add(time.Minute)
	update(t, db, func(tx consent.Tx) error { return tx.Links().RevokeDownloadLink(ctx, "L1", revoked) })
	l.RevokedAt = &revoked
	for name, find := range map[string]func() (*consent.DownloadLink, error){
		"ByHash": func() (*consent.DownloadLink, error) { return db.FindDownloadLinkByHash(ctx, consent.HashSecret("dl")) },
		"ByID":   func() (*consent.DownloadLink, error) { return db.FindDownloadLink(ctx, "C1", "L1") },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := find()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(l, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	_, err := db.FindDownloadLink(ctx, "C2", "L1")
	wantCode(t, err, consent.ENOTFOUND)
	other := *l
	other.ID = "L2"
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, &other) }), consent.ECONFLICT)
	other.ConsentID, other.TokenHash = "nope", "x"
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, &other) }), consent.ENOTFOUND)
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Links().RevokeDownloadLink(ctx, "L1", t0) }), consent.ECONFLICT)
}

func TestIdempotency(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	// A record written before results were typed (status and body), and a typed one.
	old := &consent.Idempotency{Scope: "apikey:K1 POST /v1/consents", Key: "k-1", RequestHash: "rh", LegacyStatus: 201,
		Result: []byte(`{"id":"C1"}`), CreatedAt: t0}
	fresh := &consent.Idempotency{Scope: old.Scope, Key: "k-2", RequestHash: "rh2", Result: []byte(`sealed`),
		CreatedAt: t0.Add(25 * time.Hour)}
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Idempotency().SaveIdempotency(ctx, old); err != nil {
			return err
		}
		return tx.Idempotency().SaveIdempotency(ctx, fresh)
	})
	got, err := db.FindIdempotency(ctx, old.Scope, "k-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(old, got); diff != "" {
		t.Errorf("FindIdempotency (-want +got):\n%s", diff)
	}
	wantCode(t, db.Update(ctx, func(tx consent.Tx) error { return tx.Idempotency().SaveIdempotency(ctx, old) }), consent.ECONFLICT)

	n, err := db.PurgeIdempotency(ctx, t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeIdempotency = %d, %v; want 1", n, err)
	}
	_, err = db.FindIdempotency(ctx, old.Scope, "k-1")
	wantCode(t, err, consent.ENOTFOUND)
	if _, err := db.FindIdempotency(ctx, old.Scope, "k-2"); err != nil {
		t.Errorf("the fresh response was purged: %v", err)
	}
}
