// Package pinhash hashes staff PINs with bcrypt and remembers recent successful
// checks, so a clinician countersigning consent after consent pays for one
// bcrypt comparison per TTL instead of one per signature.
package pinhash

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Hasher implements consent.PasswordHasher.
type Hasher struct {
	Cost int           // bcrypt cost; bcrypt.DefaultCost if 0
	TTL  time.Duration // how long a verified PIN is remembered; 0 disables the cache
	Now  func() time.Time

	once sync.Once
	key  []byte // per-process key; the cache holds HMACs, never PINs
	mu   sync.Mutex
	seen map[string]verified // bcrypt hash → last successful check
}

type verified struct {
	mac []byte
	at  time.Time
}

func (h *Hasher) init() {
	h.once.Do(func() {
		h.key = make([]byte, 32)
		if _, err := rand.Read(h.key); err != nil {
			panic("pinhash: crypto/rand failed: " + err.Error())
		}
		h.seen = map[string]verified{}
		if h.Now == nil {
			h.Now = time.Now
		}
	})
}

// Hash returns the bcrypt hash of pin.
func (h *Hasher) Hash(pin string) (string, error) {
	cost := h.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pin), cost)
	return string(b), err
}

// Compare reports whether pin matches hash. A match is remembered for TTL (as
// an HMAC under a per-process key); a miss always goes through bcrypt, so
// wrong PINs stay slow.
func (h *Hasher) Compare(hash, pin string) bool {
	h.init()
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(hash + "\x00" + pin))
	mac := m.Sum(nil)
	now := h.Now()
	if h.TTL > 0 {
		h.mu.Lock()
		v, ok := h.seen[hash]
		h.mu.Unlock()
		if ok && now.Sub(v.at) < h.TTL && hmac.Equal(v.mac, mac) {
			return true
		}
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin)) != nil {
		return false
	}
	if h.TTL > 0 {
		h.mu.Lock()
		for k, v := range h.seen { // few staff: a sweep on insert keeps the map small
			if now.Sub(v.at) >= h.TTL {
				delete(h.seen, k)
			}
		}
		h.seen[hash] = verified{mac: mac, at: now}
		h.mu.Unlock()
	}
	return true
}
