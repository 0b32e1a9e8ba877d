package consent

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Defaults of FailedAuthLog.
const (
	DefaultFailedAuthWindow  = time.Minute
	DefaultFailedAuthSources = 1000
	maxFailedAuthReasons     = 8
)

// FailedAuthLog writes failed authentications to the audit log aggregated per
// source (the enrolled device a request came from, else the client address)
// and window, so a flood of bad credentials adds a
// bounded number of rows: the first failure of a source in a window is written
// at once; later ones are counted and written as one auth.failed event with
// count, first_at, last_at and reasons when the window ends (Flush). At most
// MaxSources sources are tracked per window; failures from further sources
// (rotating addresses) fold into one overflow aggregate, so memory stays
// bounded too. Every failure is counted in exactly one event.
type FailedAuthLog struct {
	Store      AuditAppender
	Window     time.Duration // how often Run flushes; DefaultFailedAuthWindow when zero
	MaxSources int           // DefaultFailedAuthSources when zero

	mu       sync.Mutex
	sources  map[string]*failedAuths
	overflow failedAuths
}

// failedAuths is the failures of one source not yet written.
type failedAuths struct {
	source                  string // see failureSource
	ip, userAgent, deviceID string // evidence of the first failure counted
	count                   int
	first, last             time.Time
	reasons                 map[string]int
}

// merge adds the failures in b to a.
func (a *failedAuths) merge(b *failedAuths) {
	if b.count == 0 {
		return
	}
	if a.count == 0 || b.first.Before(a.first) {
		a.first, a.userAgent, a.deviceID = b.first, b.userAgent, b.deviceID
	}
	if b.last.After(a.last) {
		a.last = b.last
	}
	a.count += b.count
	if a.reasons == nil {
		a.reasons = map[string]int{}
	}
	for r, n := range b.reasons {
		if _, ok := a.reasons[r]; !ok && len(a.reasons) >= maxFailedAuthReasons {
			r = "other"
		}
		a.reasons[r] += n
	}
}

// event is the aggregate as one auth.failed audit event.
func (a *failedAuths) event(now time.Time, overflow bool) *AuditEvent {
	reasons := make(map[string]any, len(a.reasons))
	for r, n := range a.reasons {
		reasons[r] = n
	}
	d := map[string]any{"count": a.count, "first_at": FormatTime(a.first), "last_at": FormatTime(a.last), "reasons": reasons}
	if overflow {
		d["overflow"] = true
	}
	return &AuditEvent{Type: EventAuthFailed, At: now, Actor: "anonymous", IP: a.ip, UserAgent: a.userAgent,
		DeviceID: a.deviceID, Details: d}
}

func (l *FailedAuthLog) maxSources() int {
	if l.MaxSources > 0 {
		return l.MaxSources
	}
	return DefaultFailedAuthSources
}

// add counts agg under its source, or in the overflow once MaxSources sources
// are tracked; it reports whether the source is new in this window. l.mu is held.
func (l *FailedAuthLog) add(agg *failedAuths) (isNew bool) {
	if l.sources == nil {
		l.sources = map[string]*failedAuths{}
	}
	if cur, ok := l.sources[agg.source]; ok {
		cur.merge(agg)
		return false
	} else if len(l.sources) >= l.maxSources() {
		l.overflow.merge(agg)
		return false
	}
	l.sources[agg.source] = &failedAuths{source: agg.source, ip: agg.ip}
	return true
}

// failureSource is who a failure is counted for: the enrolled device the
// request came from (proven by its token, so tablets behind one clinic router
// and other clients on that address are told apart), else the client address.
func failureSource(ctx context.Context, e *AuditEvent) string {
	if d := RequestFrom(ctx).Device; d != "" {
		return "device:" + d
	}
	return "ip:" + e.IP
}

// Record logs one failed authentication e (type auth.failed, details with a
// "reason"): written now if it is its source's first in this window, counted
// otherwise. The error is the audit write's, an internal one.
func (l *FailedAuthLog) Record(ctx context.Context, e *AuditEvent) error {
	reason, _ := e.Details["reason"].(string)
	one := &failedAuths{source: failureSource(ctx, e), ip: e.IP, userAgent: e.UserAgent, deviceID: e.DeviceID, count: 1, first: e.At, last: e.At,
		reasons: map[string]int{reason: 1}}
	l.mu.Lock()
	isNew := l.add(one)
	l.mu.Unlock()
	if !isNew {
		return nil
	}
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["count"] = 1
	err := l.Store.AppendAuditEvents(ctx, e)
	if err != nil { // counted in the next flush instead
		l.mu.Lock()
		if l.add(one) {
			l.sources[one.source].merge(one)
		}
		l.mu.Unlock()
	}
	return err
}

// Flush ends the window: it writes one event per source with failures not yet
// written (and one for the overflow) and starts a new window. When the write
// fails, the counts are kept for the next flush.
func (l *FailedAuthLog) Flush(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	var pending []*failedAuths
	for _, a := range l.sources {
		if a.count > 0 {
			pending = append(pending, a)
		}
	}
	overflow := l.overflow
	l.sources, l.overflow = nil, failedAuths{}
	l.mu.Unlock()
	slices.SortFunc(pending, func(a, b *failedAuths) int { return a.first.Compare(b.first) })
	events := make([]*AuditEvent, 0, len(pending)+1)
	for _, a := range pending {
		events = append(events, a.event(now, false))
	}
	if overflow.count > 0 {
		events = append(events, overflow.event(now, true))
	}
	if len(events) == 0 {
		return nil
	}
	err := l.Store.AppendAuditEvents(ctx, events...)
	if err != nil {
		l.mu.Lock()
		for _, a := range pending {
			if l.add(a) {
				l.sources[a.source].merge(a)
			}
		}
		l.overflow.merge(&overflow)
		l.mu.Unlock()
	}
	return err
}

// Run flushes at the end of every window until ctx ends, then once more, so a
// graceful shutdown loses no count; report receives flush errors.
func (l *FailedAuthLog) Run(ctx context.Context, now func() time.Time, report func(error)) {
	window := l.Window
	if window <= 0 {
		window = DefaultFailedAuthWindow
	}
	t := time.NewTicker(window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := l.Flush(final, Millis(now())); err != nil {
				report(err)
			}
			return
		case <-t.C:
			if err := l.Flush(ctx, Millis(now())); err != nil {
				report(err)
			}
		}
	}
}

// tracked returns how many sources the current window tracks.
func (l *FailedAuthLog) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sources)
}
