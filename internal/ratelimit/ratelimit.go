// Package ratelimit limits requests per key (an API key ID or a client IP) with
// token buckets from golang.org/x/time/rate.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed holds one token bucket per key and forgets keys idle for longer than
// the time it takes their bucket to refill, so memory stays bounded.
type Keyed struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter allowing perSecond requests per key with the given burst.
func New(perSecond float64, burst int) *Keyed {
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}, now: time.Now}
}

// Allow reports whether one more request for key may proceed now.
func (k *Keyed) Allow(key string) bool {
	ok, _ := k.Take(key)
	return ok
}

// Take reports whether one more request for key may proceed now and, when it
// may not, how long until it would (for a Retry-After header).
func (k *Keyed) Take(key string) (bool, time.Duration) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.sweep) > time.Minute {
		k.forgetIdle(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() { // a burst of 0 never admits anything
		return false, time.Hour
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request takes no token
		return false, d
	}
	return true, 0
}

func (k *Keyed) forgetIdle(now time.Time) {
	refill := time.Duration(float64(k.burst)/float64(k.limit)*float64(time.Second)) + time.Minute
	for key, b := range k.buckets {
		if now.Sub(b.seen) > refill {
			delete(k.buckets, key)
		}
	}
	k.sweep = now
}
