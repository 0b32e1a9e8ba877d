package consent

import (
	"sync"
	"time"
)

// KeyCacheTTL is how long a successful API-key lookup is reused before the
// key is read from the database again. Revoking a key through this Service
// takes effect at once; a key revoked elsewhere (another replica, or the
// `consentd apikey revoke` command while the server runs) stops working here
// within this time.
const KeyCacheTTL = time.Second

// keyCacheMax bounds the cache. Only live keys are cached (an unknown or
// revoked secret is always looked up, and audited), so it is bounded by the
// keys an administrator created; past the bound it starts over.
const keyCacheMax = 4096

// keyCache remembers live API keys by secret hash for KeyCacheTTL, so a busy
// integration does not read its key row on every request.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]keyCacheEntry
	// gen counts revocations: a lookup that began before one is not cached,
	// since it may have read the key before it was revoked.
	gen uint64
}

type keyCacheEntry struct {
	key *APIKey
	at  time.Time // when it was read
}

// get returns the cached live key for hash at time now, and the generation
// to hand to put after a database lookup. An entry read "in the future" (the
// clock was set back) counts as expired.
func (c *keyCache) get(hash string, now time.Time) (*APIKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		if !now.Before(e.at) && now.Before(e.at.Add(KeyCacheTTL)) {
			return e.key, c.gen
		}
		delete(c.entries, hash)
	}
	return nil, c.gen
}

// put caches a live key read from the database at time now, unless a key was
// revoked since the lookup began (gen).
func (c *keyCache) put(hash string, k *APIKey, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= keyCacheMax {
		c.entries = make(map[string]keyCacheEntry)
	}
	c.entries[hash] = keyCacheEntry{key: k, at: now}
}

// forget drops key id from the cache and stops lookups in flight from
// caching what they read.
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.entries {
		if e.key.ID == id {
			delete(c.entries, h)
		}
	}
}
