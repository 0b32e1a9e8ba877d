package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// countingAccess counts API-key lookups that reach the store.
type countingAccess struct {
	consent.AccessReader
	lookups int
	// during runs inside the next lookup, after the row was read.
	during func()
}

func (c *countingAccess) FindAPIKeyByHash(ctx context.Context, hash string) (*consent.APIKey, error) {
	c.lookups++
	k, err := c.AccessReader.FindAPIKeyByHash(ctx, hash)
	if f := c.during; f != nil {
		c.during = nil
		f()
	}
	return k, err
}

type countingStore struct {
	consent.Store
	access *countingAccess
}

func (s countingStore) Access() consent.AccessReader { return s.access }

// TestAPIKeyCacheRevocation: a live key is read once per KeyCacheTTL; revoking
// it through the same Service ends it at once, through another Service on the
// same database (another replica, or the CLI) within KeyCacheTTL, and a
// lookup that read the key before a revocation never caches it.
func TestAPIKeyCacheRevocation(t *testing.T) {
	w := newWorld(t)
	counted := &countingAccess{AccessReader: w.store.Access()}
	w.svc.Store = countingStore{Store: w.store, access: counted}
	other := newWorld(t).svc // a second replica on the same store and clock
	other.Store, other.Now = w.store, w.clock.Now
	k := must[*consent.CreatedAPIKey](t)(w.svc.CreateAPIKey(w.admin, "ehr", []string{consent.ScopeConsentsRead}))
	for range 5 {
		must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k.Secret))
	}
	if counted.lookups != 1 {
		t.Fatalf("5 authentications within the TTL read the key %d times, want 1", counted.lookups)
	}
	w.clock.Add(consent.KeyCacheTTL)
	must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k.Secret))
	if counted.lookups != 2 {
		t.Fatalf("after the TTL the key was read %d times in all, want 2", counted.lookups)
	}

	// Revoked on another replica: still accepted here until the TTL ends.
	must[*consent.APIKey](t)(other.Authenticate(w.admin, k.Secret))
	must[*consent.APIKey](t)(other.RevokeAPIKey(w.admin, k.Key.ID))
	if _, err := other.Authenticate(w.admin, k.Secret); consent.ErrorCode(err) != consent.EUNAUTHORIZED {
		t.Fatalf("the revoking replica accepted the revoked key: %v", err)
	}
	w.clock.Add(consent.KeyCacheTTL - time.Millisecond)
	must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k.Secret))
	w.clock.Add(time.Millisecond)
	if _, err := w.svc.Authenticate(w.admin, k.Secret); consent.ErrorCode(err) != consent.EUNAUTHORIZED {
		t.Fatalf("another replica accepted the key %v after its revocation: %v", consent.KeyCacheTTL, err)
	}

	// A lookup that read the key, then saw it revoked here before caching it.
	k2 := must[*consent.CreatedAPIKey](t)(w.svc.CreateAPIKey(w.admin, "ehr2", []string{consent.ScopeConsentsRead}))
	counted.during = func() { must[*consent.APIKey](t)(w.svc.RevokeAPIKey(w.admin, k2.Key.ID)) }
	must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k2.Secret)) // read before the revocation
	if _, err := w.svc.Authenticate(w.admin, k2.Secret); consent.ErrorCode(err) != consent.EUNAUTHORIZED {
		t.Fatalf("a lookup straddling the revocation cached the key: %v", err)
	}

	// The clock set back: an entry read "later" is not trusted.
	k3 := must[*consent.CreatedAPIKey](t)(w.svc.CreateAPIKey(w.admin, "ehr3", []string{consent.ScopeConsentsRead}))
	must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k3.Secret))
	before := counted.lookups
	w.clock.Add(-time.Hour)
	must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k3.Secret))
	if counted.lookups != before+1 {
		t.Errorf("after the clock was set back the cached key was trusted")
	}

	// Unknown secrets are never cached: each one is looked up (and audited).
	before = counted.lookups
	for range 3 {
		_, err := w.svc.Authenticate(w.admin, "cdk_unknown")
		wantCode(t, "unknown key", err, consent.EUNAUTHORIZED, "")
	}
	if counted.lookups != before+3 {
		t.Errorf("3 unknown secrets made %d lookups, want 3", counted.lookups-before)
	}
}
