package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func contractLinks(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	l := &consent.DownloadLink{ID: "L1", ConsentID: "C1", TokenHash: "lt1", ExpiresAt: T0.Add(time.Hour), RequireBirthDate: true,
		CreatedAt: T0, CreatedBy: "apikey:k1"}
	update(t, st, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, l) })
	for _, tc := range []struct {
		name string
		l    consent.DownloadLink
		code string
	}{
		{"a taken ID", consent.DownloadLink{ID: "L1", ConsentID: "C1", TokenHash: "lt2", ExpiresAt: T0, CreatedAt: T0}, consent.ECONFLICT},
		{"a taken token", consent.DownloadLink{ID: "L2", ConsentID: "C1", TokenHash: "lt1", ExpiresAt: T0, CreatedAt: T0}, consent.ECONFLICT},
		{"a missing consent", consent.DownloadLink{ID: "L3", ConsentID: "C9", TokenHash: "lt3", ExpiresAt: T0, CreatedAt: T0}, consent.ENOTFOUND},
	} {
		err := st.Update(ctx, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, &tc.l) })
		wantCode(t, "CreateDownloadLink with "+tc.name, err, tc.code)
	}
	got := must[*consent.DownloadLink](t, "FindDownloadLinkByHash")(st.Links().FindDownloadLinkByHash(ctx, "lt1"))
	same(t, "link by token", got, l)
	_, err := st.Links().FindDownloadLink(ctx, "C2", "L1")
	wantCode(t, "link of another consent", err, consent.ENOTFOUND)
	_, err = st.Links().FindDownloadLinkByHash(ctx, "nope")
	wantCode(t, "unknown token", err, consent.ENOTFOUND)

	at := T0.Add(time.Minute)
	stamps := []struct {
		name  string
		stamp func(tx consent.Tx) error
		code  string
	}{
		{"lock", func(tx consent.Tx) error { return tx.Links().LockDownloadLink(ctx, "L1", at) }, ""},
		{"lock again", func(tx consent.Tx) error { return tx.Links().LockDownloadLink(ctx, "L1", at.Add(time.Hour)) }, consent.ECONFLICT},
		{"revoke", func(tx consent.Tx) error { return tx.Links().RevokeDownloadLink(ctx, "L1", at) }, ""},
		{"revoke again", func(tx consent.Tx) error { return tx.Links().RevokeDownloadLink(ctx, "L1", at.Add(time.Hour)) }, consent.ECONFLICT},
		{"revoke a missing link", func(tx consent.Tx) error { return tx.Links().RevokeDownloadLink(ctx, "L9", at) }, consent.ENOTFOUND},
		{"lock a missing link", func(tx consent.Tx) error { return tx.Links().LockDownloadLink(ctx, "L9", at) }, consent.ENOTFOUND},
	}
	for _, s := range stamps {
		wantCode(t, s.name, st.Update(ctx, s.stamp), s.code)
	}
	got = must[*consent.DownloadLink](t, "FindDownloadLink")(st.Links().FindDownloadLink(ctx, "C1", "L1"))
	want := *l
	want.LockedAt, want.RevokedAt = &at, &at
	same(t, "link keeps its first stamps", got, &want)

	// A remote signing link keeps its purpose and code hash, and is used once.
	r := &consent.DownloadLink{ID: "R1", ConsentID: "C1", TokenHash: "rt1", ExpiresAt: T0.Add(time.Hour), RequireBirthDate: true,
		CreatedAt: T0, CreatedBy: "apikey:k1", Purpose: consent.LinkPurposeRemote, CodeHash: "ch1"}
	update(t, st, func(tx consent.Tx) error { return tx.Links().CreateDownloadLink(ctx, r) })
	same(t, "remote link by token", must[*consent.DownloadLink](t, "FindDownloadLinkByHash")(st.Links().FindDownloadLinkByHash(ctx, "rt1")), r)
	for _, s := range []struct {
		name string
		id   string
		code string
	}{{"use", "R1", ""}, {"use again", "R1", consent.ECONFLICT}, {"use a missing link", "R9", consent.ENOTFOUND}} {
		wantCode(t, s.name, st.Update(ctx, func(tx consent.Tx) error { return tx.Links().UseDownloadLink(ctx, s.id, at) }), s.code)
	}
	wantR := *r
	wantR.UsedAt = &at
	same(t, "used remote link", must[*consent.DownloadLink](t, "FindDownloadLink")(st.Links().FindDownloadLink(ctx, "C1", "R1")), &wantR)
}

func contractAccess(t *testing.T, st consent.Store) {
	ctx := context.Background()
	k2 := &consent.APIKey{ID: "K2", Name: "EHR", Scopes: []string{consent.ScopeConsentsRead}, Hash: "h2", Prefix: "cdk_ab", CreatedAt: T0}
	k1 := &consent.APIKey{ID: "K1", Name: "Admin", Scopes: []string{consent.ScopeAdmin}, Hash: "h1", Prefix: "cdk_cd", CreatedAt: T0.Add(time.Second)}
	s2 := &consent.Staff{ID: "st2", Name: "Dr. B", Role: consent.RoleClinician, PINHash: "p2", TemplateApprover: true, CreatedAt: T0}
	s1 := &consent.Staff{ID: "st1", Name: "Nurse A", Role: consent.RoleWitness, PINHash: "p1", CreatedAt: T0.Add(time.Second)}
	d2 := &consent.Device{ID: "D2", Name: "Front desk", TokenHash: "dt2", CreatedAt: T0, CreatedBy: "apikey:K1"}
	d1 := &consent.Device{ID: "D1", Name: "Room 2", TokenHash: "dt1", CreatedAt: T0.Add(time.Second), CreatedBy: "apikey:K1"}
	update(t, st, func(tx consent.Tx) error {
		for _, fn := range []func() error{
			func() error { return tx.Access().CreateAPIKey(ctx, k2) }, func() error { return tx.Access().CreateAPIKey(ctx, k1) },
			func() error { return tx.Access().CreateStaff(ctx, s2) }, func() error { return tx.Access().CreateStaff(ctx, s1) },
			func() error { return tx.Access().CreateDevice(ctx, d2) }, func() error { return tx.Access().CreateDevice(ctx, d1) },
		} {
			if err := fn(); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		name   string
		create func(tx consent.Tx) error
	}{
		{"key with a taken ID", func(tx consent.Tx) error {
			return tx.Access().CreateAPIKey(ctx, &consent.APIKey{ID: "K1", Name: "x", Scopes: []string{"admin"}, Hash: "h9", CreatedAt: T0})
		}},
		{"key with a taken hash", func(tx consent.Tx) error {
			return tx.Access().CreateAPIKey(ctx, &consent.APIKey{ID: "K9", Name: "x", Scopes: []string{"admin"}, Hash: "h1", CreatedAt: T0})
		}},
		{"staff with a taken ID", func(tx consent.Tx) error {
			return tx.Access().CreateStaff(ctx, &consent.Staff{ID: "st1", Name: "x", Role: consent.RoleWitness, PINHash: "p", CreatedAt: T0})
		}},
		{"device with a taken ID", func(tx consent.Tx) error {
			return tx.Access().CreateDevice(ctx, &consent.Device{ID: "D1", Name: "x", TokenHash: "dt9", CreatedAt: T0})
		}},
		{"device with a taken token", func(tx consent.Tx) error {
			return tx.Access().CreateDevice(ctx, &consent.Device{ID: "D9", Name: "x", TokenHash: "dt1", CreatedAt: T0})
		}},
	} {
		wantCode(t, tc.name, st.Update(ctx, tc.create), consent.ECONFLICT)
	}

	a := st.Access()
	same(t, "ListAPIKeys (oldest first)", must[[]*consent.APIKey](t, "ListAPIKeys")(a.ListAPIKeys(ctx)), []*consent.APIKey{k2, k1})
	same(t, "ListStaff (by ID)", must[[]*consent.Staff](t, "ListStaff")(a.ListStaff(ctx)), []*consent.Staff{s1, s2})
	same(t, "ListDevices (oldest first)", must[[]*consent.Device](t, "ListDevices")(a.ListDevices(ctx)), []*consent.Device{d2, d1})
	same(t, "key by hash", must[*consent.APIKey](t, "FindAPIKeyByHash")(a.FindAPIKeyByHash(ctx, "h1")), k1)
	same(t, "device by token", must[*consent.Device](t, "FindDeviceByHash")(a.FindDeviceByHash(ctx, "dt2")), d2)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"unknown key hash", second(a.FindAPIKeyByHash(ctx, "nope"))},
		{"unknown key", second(a.FindAPIKey(ctx, "K9"))},
		{"unknown staff", second(a.FindStaff(ctx, "st9"))},
		{"unknown device token", second(a.FindDeviceByHash(ctx, "nope"))},
		{"unknown device", second(a.FindDevice(ctx, "D9"))},
	} {
		wantCode(t, tc.name, tc.err, consent.ENOTFOUND)
	}

	at := T0.Add(time.Hour)
	for _, s := range []struct {
		name  string
		stamp func(tx consent.Tx) error
		code  string
	}{
		{"revoke a key", func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "K2", at) }, ""},
		{"revoke it again", func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "K2", at.Add(time.Hour)) }, consent.ECONFLICT},
		{"revoke a missing key", func(tx consent.Tx) error { return tx.Access().RevokeAPIKey(ctx, "K9", at) }, consent.ENOTFOUND},
		{"deactivate staff", func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "st2", at) }, ""},
		{"deactivate again", func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "st2", at.Add(time.Hour)) }, consent.ECONFLICT},
		{"deactivate a stranger", func(tx consent.Tx) error { return tx.Access().DeactivateStaff(ctx, "st9", at) }, consent.ENOTFOUND},
		{"revoke a device", func(tx consent.Tx) error { return tx.Access().RevokeDevice(ctx, "D1", at) }, ""},
		{"revoke it again", func(tx consent.Tx) error { return tx.Access().RevokeDevice(ctx, "D1", at.Add(time.Hour)) }, consent.ECONFLICT},
		{"revoke a missing device", func(tx consent.Tx) error { return tx.Access().RevokeDevice(ctx, "D9", at) }, consent.ENOTFOUND},
	} {
		wantCode(t, s.name, st.Update(ctx, s.stamp), s.code)
	}
	wantK := *k2
	wantK.RevokedAt = &at
	same(t, "revoked key", must[*consent.APIKey](t, "FindAPIKey")(a.FindAPIKey(ctx, "K2")), &wantK)
	wantS := *s2
	wantS.DeactivatedAt = &at
	same(t, "deactivated staff", must[*consent.Staff](t, "FindStaff")(a.FindStaff(ctx, "st2")), &wantS)
	wantD := *d1
	wantD.RevokedAt = &at
	same(t, "revoked device", must[*consent.Device](t, "FindDevice")(a.FindDevice(ctx, "D1")), &wantD)
}

func second[T any](_ T, err error) error { return err }

func contractIdempotency(t *testing.T, st consent.Store) {
	ctx := context.Background()
	r := &consent.Idempotency{Scope: "scope-a", Key: "key-1", RequestHash: "rh", Result: []byte{0, 1, 2, 255}, CreatedAt: T0}
	update(t, st, func(tx consent.Tx) error { return tx.Idempotency().SaveIdempotency(ctx, r) })
	got := must[*consent.Idempotency](t, "FindIdempotency")(st.Idempotency().FindIdempotency(ctx, "scope-a", "key-1"))
	same(t, "stored response", got, r)
	dup := *r
	dup.RequestHash, dup.Result = "other", []byte("other")
	err := st.Update(ctx, func(tx consent.Tx) error { return tx.Idempotency().SaveIdempotency(ctx, &dup) })
	wantCode(t, "the same scope and key again", err, consent.ECONFLICT)
	got = must[*consent.Idempotency](t, "FindIdempotency")(st.Idempotency().FindIdempotency(ctx, "scope-a", "key-1"))
	same(t, "the first response stays", got, r)
	// The same key in another scope is another record; one written before
	// results were typed keeps its status.
	other := *r
	other.Scope, other.LegacyStatus = "scope-b", 201
	update(t, st, func(tx consent.Tx) error { return tx.Idempotency().SaveIdempotency(ctx, &other) })
	got = must[*consent.Idempotency](t, "FindIdempotency")(st.Idempotency().FindIdempotency(ctx, "scope-b", "key-1"))
	same(t, "a legacy record", got, &other)
	_, err = st.Idempotency().FindIdempotency(ctx, "scope-a", "key-2")
	wantCode(t, "unknown key", err, consent.ENOTFOUND)
}

func contractCounters(t *testing.T, st consent.Store) {
	ctx := context.Background()
	c := st.Counters()
	w1, w2 := T0.Truncate(time.Minute), T0.Truncate(time.Minute).Add(time.Minute)
	k := func(subject string, w time.Time) consent.CounterKey {
		return consent.CounterKey{Kind: "pin", Subject: subject, Window: w}
	}
	for _, tc := range []struct {
		name    string
		updates []consent.CounterUpdate
		want    []int
	}{
		{"first count", []consent.CounterUpdate{{Key: k("a", w1), Add: 1, Expires: w2}}, []int{1}},
		{"two counts at once, in order", []consent.CounterUpdate{{Key: k("a", w1), Add: 2, Expires: w2}, {Key: k("b", w1), Add: 1, Expires: w2}}, []int{3, 1}},
		{"one key twice in a call", []consent.CounterUpdate{{Key: k("b", w1), Add: 1, Expires: w2}, {Key: k("b", w1), Add: 1, Expires: w2}}, []int{2, 3}},
		{"a release never goes below zero", []consent.CounterUpdate{{Key: k("b", w1), Add: -5, Expires: w2}}, []int{0}},
		{"a new window starts at zero", []consent.CounterUpdate{{Key: k("a", w2), Add: 1, Expires: w2.Add(time.Minute)}}, []int{1}},
		{"reset then add", []consent.CounterUpdate{{Key: k("a", w1), Reset: true, Add: 1, Expires: w2}}, []int{1}},
		{"a negative first count is zero", []consent.CounterUpdate{{Key: k("c", w1), Add: -1, Expires: w2}}, []int{0}},
	} {
		got, err := c.UpdateCounters(ctx, tc.updates...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		same(t, tc.name, got, tc.want)
	}
	for _, tc := range []struct {
		key  consent.CounterKey
		want int
	}{{k("a", w1), 1}, {k("a", w2), 1}, {k("b", w1), 0}, {k("zz", w1), 0}, {consent.CounterKey{Kind: "other", Subject: "a", Window: w1}, 0}} {
		same(t, "CounterValue "+tc.key.Subject, must[int](t, "CounterValue")(c.CounterValue(ctx, tc.key)), tc.want)
	}

	// A later expiry is kept; purging removes what expired at or before now.
	must[[]int](t, "UpdateCounters")(c.UpdateCounters(ctx, consent.CounterUpdate{Key: k("a", w1), Add: 1, Expires: w2.Add(time.Hour)}))
	must[[]int](t, "UpdateCounters")(c.UpdateCounters(ctx, consent.CounterUpdate{Key: k("a", w1), Add: 1, Expires: w1}))
	n := must[int64](t, "PurgeCounters")(c.PurgeCounters(ctx, w2))
	same(t, "purged (b, c at w1)", n, int64(2))
	same(t, "a count whose later expiry was kept", must[int](t, "CounterValue")(c.CounterValue(ctx, k("a", w1))), 3)
	same(t, "a purged count", must[int](t, "CounterValue")(c.CounterValue(ctx, k("b", w1))), 0)
}
