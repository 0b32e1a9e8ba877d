package consent

import (
	"context"
	"time"
)

// CounterKey names one count: what is counted (Kind), for whom (Subject: a
// staff member, a device, an IP, a download link) and in which fixed window
// (Window, its start; the zero time for a count that never rolls over).
type CounterKey struct {
	Kind    string
	Subject string
	Window  time.Time
}

// CounterUpdate changes one count.
type CounterUpdate struct {
	Key   CounterKey
	Reset bool // the count starts again from zero before Add
	Add   int  // may be negative (a released reservation); the count never drops below zero
	// Expires is when the row may be purged; a later update keeps the later time.
	Expires time.Time
}

// Counters keeps counts in the database, so that a limit holds across every
// process sharing it (several servers on one PostgreSQL) and across restarts.
type Counters interface {
	// UpdateCounters applies the updates in one transaction, atomically per
	// count, and returns the new counts in order.
	UpdateCounters(ctx context.Context, updates ...CounterUpdate) ([]int, error)
	// CounterValue returns a count, 0 when there is none.
	CounterValue(ctx context.Context, key CounterKey) (int, error)
	// PurgeCounters deletes counts that expired at or before now and returns how many.
	PurgeCounters(ctx context.Context, now time.Time) (int64, error)
}

// Limit is a number of failures allowed per subject in a fixed window.
// Windows are aligned to multiples of Window since the Unix epoch, so every
// process agrees on them; a burst at a window's end and the next one's start
// can reach twice Max (documented with the numbers in the README).
type Limit struct {
	Kind   string
	Max    int
	Window time.Duration // 0: one window for the subject's whole life
}

// key returns the counter of subject in the window containing now and that
// window's end (zero when the limit has no window).
func (l Limit) key(subject string, now time.Time) (CounterKey, time.Time) {
	if l.Window <= 0 {
		return CounterKey{Kind: l.Kind, Subject: subject, Window: time.UnixMilli(0).UTC()}, time.Time{}
	}
	w := l.Window.Milliseconds()
	start := time.UnixMilli(now.UnixMilli() / w * w).UTC()
	return CounterKey{Kind: l.Kind, Subject: subject, Window: start}, start.Add(l.Window)
}

// add returns an update adding n to subject's count in the window of now.
func (l Limit) add(subject string, now time.Time, n int) CounterUpdate {
	k, end := l.key(subject, now)
	if end.IsZero() {
		end = now.Add(MaxLinkTTL + 24*time.Hour)
	}
	return CounterUpdate{Key: k, Add: n, Expires: end}
}

// Limits are the failure limits the service enforces, counted in the database.
type Limits struct {
	// PINPerDevice bounds wrong PINs for one staff member from one place: an
	// enrolled device, an API key, or (unenrolled tablets) one signing session.
	PINPerDevice Limit
	// PINPerStaff is the ceiling on one staff member's wrong PINs from
	// everywhere. Reaching it alerts (audit event and webhook); beyond it only
	// enrolled devices and API keys may try that staff member's PIN until the
	// window ends, each still within PINPerDevice.
	PINPerStaff Limit
	// SigningGuesses bounds unknown signing codes, unknown signing tokens and
	// unknown device tokens per enrolled device, or per IP for other clients.
	SigningGuesses Limit
	// BirthDate is the number of wrong birth dates that locks a download link.
	BirthDate Limit
}

// DefaultLimits are the limits consentd ships with (see the README's security section).
func DefaultLimits() Limits {
	return Limits{
		PINPerDevice:   Limit{Kind: "pin_device", Max: 5, Window: 15 * time.Minute},
		PINPerStaff:    Limit{Kind: "pin_staff", Max: 25, Window: time.Hour},
		SigningGuesses: Limit{Kind: "signing_guess", Max: 20, Window: 10 * time.Minute},
		BirthDate:      Limit{Kind: "birth_date", Max: 5},
	}
}

// limits returns the configured limits, with defaults for any left zero.
func (s *Service) limits() Limits {
	l, d := s.Limits, DefaultLimits()
	for _, p := range []struct{ got, def *Limit }{
		{&l.PINPerDevice, &d.PINPerDevice}, {&l.PINPerStaff, &d.PINPerStaff},
		{&l.SigningGuesses, &d.SigningGuesses}, {&l.BirthDate, &d.BirthDate},
	} {
		if p.got.Max <= 0 {
			*p.got = *p.def
		}
	}
	return l
}

// PurgeCounters forgets counts whose windows have ended. It runs periodically.
func (s *Service) PurgeCounters(ctx context.Context) (int64, error) {
	return s.Store.Counters().PurgeCounters(ctx, s.now())
}
