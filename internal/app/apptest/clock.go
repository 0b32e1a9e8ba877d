package apptest

import (
	"bytes"
	"sync"
	"time"
)

// SyncBuffer is a bytes.Buffer that a server's goroutines may write while a
// test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Clock is a settable clock; it starts at the real time and moves with it
// unless Advance is called.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the current (possibly advanced) time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// AdvanceTo moves the clock forward to t (it never moves back).
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := time.Until(t) - c.offset; d > 0 {
		c.offset += d
	}
}

// FreshWindows moves the clocks of servers (sharing a database) to the start
// of the next hour, so limits counted in fixed windows of up to an hour start
// at zero and no window ends during the test.
func FreshWindows(servers ...*Server) {
	var latest time.Time
	for _, s := range servers {
		if now := s.Clock.Now(); now.After(latest) {
			latest = now
		}
	}
	start := latest.Truncate(time.Hour).Add(time.Hour)
	for _, s := range servers {
		s.Clock.AdvanceTo(start)
	}
}
