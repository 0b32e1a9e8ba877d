package consent

import (
	"sync"
	"time"
)

// FailureLimiter counts failures per key in a sliding window and refuses further
// attempts once a key reaches Max failures (e.g. wrong staff PINs).
type FailureLimiter struct {
	Max    int
	Window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time
}

// NewFailureLimiter returns a limiter allowing max failures per window.
func NewFailureLimiter(max int, window time.Duration) *FailureLimiter {
	return &FailureLimiter{Max: max, Window: window, fails: map[string][]time.Time{}}
}

// Blocked reports whether key has used up its failures at now.
func (l *FailureLimiter) Blocked(key string, now time.Time) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key, now)) >= l.Max
}

// RetryAfter returns how long until key is no longer blocked at now: until its
// oldest counted failure leaves the window.
func (l *FailureLimiter) RetryAfter(key string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.prune(key, now)
	if len(f) < l.Max {
		return 0
	}
	return f[len(f)-l.Max].Add(l.Window).Sub(now)
}

// Fail records a failure for key at now.
func (l *FailureLimiter) Fail(key string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.prune(key, now), now)
}

// Reset forgets the failures of key, after a success.
func (l *FailureLimiter) Reset(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

func (l *FailureLimiter) prune(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.Window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = f
	return f
}
