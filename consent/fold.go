package consent

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// Defaults of EventFolder.
const (
	DefaultFoldWindow  = time.Minute
	DefaultFoldKeys    = 1000
	maxFoldedReasons   = 8
	foldedReasonsOther = "other"
)

// EventFolder writes repeated audit events of one kind folded per key and
// window, so that a flood of them — bad credentials from rotating addresses,
// a client polling the audit log — adds a bounded number of rows and uses
// bounded memory, while every occurrence is still counted in exactly one
// event. The first event of a key opens a window of Window and is written at
// once, with details.count 1; later ones in the window are counted, and
// written as one event when the window ends (Flush and FlushEnded). The
// folded event is attributed to the window's first event and carries:
//
//   - count: the occurrences after the first
//   - window_start: when the window opened (the first event's time)
//   - first_at, last_at: the times of the first and the last one counted
//   - folded: true
//   - the first event's details named in Carry, e.g. route
//   - with CountBy set, CountBy+"s": how often each value of that detail
//     occurred (at most 8 values; the rest count as "other")
//
// At most MaxKeys windows are open at once; events of further keys fold
// into one overflow window per event type, written with "overflow": true and
// no address, user agent or device (they come from many).
type EventFolder struct {
	Store   AuditAppender
	Window  time.Duration // DefaultFoldWindow when zero
	MaxKeys int           // DefaultFoldKeys when zero
	// Key names what folds together; events with equal keys share windows.
	Key func(ctx context.Context, e *AuditEvent) string
	// Carry lists the details of a window's first event its folded event repeats.
	Carry []string
	// CountBy names a detail whose values the folded event counts.
	CountBy string

	mu       sync.Mutex
	open     map[string]*foldWindow
	overflow map[string]*foldWindow // by event type
	opened   uint64                 // windows opened so far, to write ended ones in order
}

// foldWindow is one key's window: its first event (written) and the count
// of the ones after it (not yet written).
type foldWindow struct {
	first           AuditEvent // attribution and details of the first event, as recorded
	start           time.Time
	count           int
	firstAt, lastAt time.Time
	values          map[string]int // of CountBy
	overflow        bool
	n               uint64 // order of opening
}

func (f *EventFolder) window() time.Duration {
	if f.Window > 0 {
		return f.Window
	}
	return DefaultFoldWindow
}

func (f *EventFolder) maxKeys() int {
	if f.MaxKeys > 0 {
		return f.MaxKeys
	}
	return DefaultFoldKeys
}

// Record logs one event e (its At set): written now, with details.count 1,
// if it opens a window, counted otherwise. A window of its key that has
// ended is written first. The error is the audit write's, an internal one;
// what it did not write is counted, to be written by a later flush.
func (f *EventFolder) Record(ctx context.Context, e *AuditEvent) error {
	key := f.Key(ctx, e)
	f.mu.Lock()
	var events []*AuditEvent
	var ended *foldWindow
	if w := f.open[key]; w != nil && e.At.Sub(w.start) >= f.window() {
		ended = w
		delete(f.open, key)
		if w.count > 0 {
			events = append(events, f.folded(w, e.At))
		}
	}
	if w := f.open[key]; w != nil {
		w.add(e, f.CountBy)
		f.mu.Unlock()
		return nil
	} else if len(f.open) >= f.maxKeys() {
		f.overflowWindow(e).add(e, f.CountBy)
		f.mu.Unlock()
		return f.write(ctx, events, ended, key)
	}
	if f.open == nil {
		f.open = map[string]*foldWindow{}
	}
	first := *e
	first.Details, first.Rows, first.RowsBefore = maps.Clone(e.Details), nil, nil
	f.opened++
	f.open[key] = &foldWindow{first: first, start: e.At, n: f.opened}
	f.mu.Unlock()
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["count"] = 1
	err := f.write(ctx, append(events, e), ended, key)
	if err != nil { // counted in its window instead
		f.mu.Lock()
		if w := f.open[key]; w != nil {
			w.add(e, f.CountBy)
		}
		f.mu.Unlock()
	}
	return err
}

// write appends events; when that fails, the ended window they came from is
// merged back under key, so its count is written by a later flush.
func (f *EventFolder) write(ctx context.Context, events []*AuditEvent, ended *foldWindow, key string) error {
	if len(events) == 0 {
		return nil
	}
	err := f.Store.AppendAuditEvents(ctx, events...)
	if err != nil && ended != nil {
		f.mu.Lock()
		f.keep(key, ended)
		f.mu.Unlock()
	}
	return err
}

// overflowWindow returns the overflow window of e's type, opening it. f.mu is held.
func (f *EventFolder) overflowWindow(e *AuditEvent) *foldWindow {
	if f.overflow == nil {
		f.overflow = map[string]*foldWindow{}
	}
	w := f.overflow[e.Type]
	if w == nil {
		f.opened++
		w = &foldWindow{first: AuditEvent{Type: e.Type, Actor: "anonymous"}, start: e.At, overflow: true, n: f.opened}
		f.overflow[e.Type] = w
	}
	return w
}

// add counts one event in the window.
func (w *foldWindow) add(e *AuditEvent, countBy string) {
	if w.count == 0 || e.At.Before(w.firstAt) {
		w.firstAt = e.At
	}
	if e.At.After(w.lastAt) {
		w.lastAt = e.At
	}
	w.count++
	if countBy != "" {
		v, _ := e.Details[countBy].(string)
		w.countValue(v, 1)
	}
}

// countValue counts n occurrences of a value, at most maxFoldedReasons of them by name.
func (w *foldWindow) countValue(v string, n int) {
	if w.values == nil {
		w.values = map[string]int{}
	}
	if _, ok := w.values[v]; !ok && len(w.values) >= maxFoldedReasons {
		v = foldedReasonsOther
	}
	w.values[v] += n
}

// merge adds the counts of o, an earlier window of the same key, to w.
func (w *foldWindow) merge(o *foldWindow) {
	if o.count == 0 {
		return
	}
	if w.count == 0 || o.firstAt.Before(w.firstAt) {
		w.firstAt = o.firstAt
	}
	if o.lastAt.After(w.lastAt) {
		w.lastAt = o.lastAt
	}
	w.count += o.count
	for v, n := range o.values {
		w.countValue(v, n)
	}
}

// keep puts back a window whose folded event could not be written: as the
// key's window if it has none (it has ended, so the next flush writes it),
// else into the key's current one. f.mu is held.
func (f *EventFolder) keep(key string, w *foldWindow) {
	switch {
	case w.overflow:
		cur := f.overflow[w.first.Type]
		if cur == nil {
			f.overflow[w.first.Type] = w
		} else {
			cur.merge(w)
		}
	case f.open[key] != nil:
		f.open[key].merge(w)
	case len(f.open) < f.maxKeys():
		if f.open == nil {
			f.open = map[string]*foldWindow{}
		}
		f.open[key] = w
	default:
		f.overflowWindow(&w.first).merge(w)
	}
}

// folded is the event that writes a window's count, at now. f.mu is held.
func (f *EventFolder) folded(w *foldWindow, now time.Time) *AuditEvent {
	d := map[string]any{"count": w.count, "window_start": FormatTime(w.start), "first_at": FormatTime(w.firstAt),
		"last_at": FormatTime(w.lastAt), "folded": true}
	for _, k := range f.Carry {
		if v, ok := w.first.Details[k]; ok {
			d[k] = v
		}
	}
	if f.CountBy != "" {
		values := make(map[string]any, len(w.values))
		for v, n := range w.values {
			values[v] = n
		}
		d[f.CountBy+"s"] = values
	}
	e := &AuditEvent{Type: w.first.Type, At: now, Actor: w.first.Actor, ConsentID: w.first.ConsentID, Details: d}
	if w.overflow {
		d["overflow"] = true
	} else {
		e.IP, e.UserAgent, e.DeviceID = w.first.IP, w.first.UserAgent, w.first.DeviceID
	}
	return e
}

// Flush ends every window now: it writes one event per window with
// occurrences not yet written and forgets the windows. When the write fails,
// the counts are kept for the next flush.
func (f *EventFolder) Flush(ctx context.Context, now time.Time) error {
	return f.flush(ctx, now, true)
}

// FlushEnded writes and forgets the windows that have ended by now.
func (f *EventFolder) FlushEnded(ctx context.Context, now time.Time) error {
	return f.flush(ctx, now, false)
}

func (f *EventFolder) flush(ctx context.Context, now time.Time, all bool) error {
	type ended struct {
		key string
		w   *foldWindow
	}
	var done []ended
	f.mu.Lock()
	for _, m := range []map[string]*foldWindow{f.open, f.overflow} {
		for key, w := range m {
			if all || now.Sub(w.start) >= f.window() {
				delete(m, key)
				if w.count > 0 {
					done = append(done, ended{key, w})
				}
			}
		}
	}
	slices.SortFunc(done, func(a, b ended) int { return cmp.Or(a.w.start.Compare(b.w.start), cmp.Compare(a.w.n, b.w.n)) })
	events := make([]*AuditEvent, 0, len(done))
	for _, d := range done {
		events = append(events, f.folded(d.w, now))
	}
	f.mu.Unlock()
	if len(events) == 0 {
		return nil
	}
	err := f.Store.AppendAuditEvents(ctx, events...)
	if err != nil {
		f.mu.Lock()
		for _, d := range done {
			f.keep(d.key, d.w)
		}
		f.mu.Unlock()
	}
	return err
}

// Run writes ended windows every Window until ctx ends, then ends every
// window, so a graceful shutdown loses no count; report receives write errors.
func (f *EventFolder) Run(ctx context.Context, now func() time.Time, report func(error)) {
	t := time.NewTicker(f.window())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := f.Flush(final, Millis(now())); err != nil {
				report(err)
			}
			return
		case <-t.C:
			if err := f.FlushEnded(ctx, Millis(now())); err != nil {
				report(err)
			}
		}
	}
}

// Open returns how many windows are open (overflow ones included).
func (f *EventFolder) Open() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.open) + len(f.overflow)
}
