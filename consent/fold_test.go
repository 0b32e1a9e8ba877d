package consent_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// recorder is an AuditAppender that keeps what it is given and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []consent.AuditEvent
	fail   error
}

func (r *recorder) AppendAuditEvents(_ context.Context, events ...*consent.AuditEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	for _, e := range events {
		r.events = append(r.events, *e)
	}
	return nil
}

func (r *recorder) take() []consent.AuditEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// sum is the occurrences the events stand for.
func sum(events []consent.AuditEvent) int {
	n := 0
	for _, e := range events {
		n += e.Details["count"].(int)
	}
	return n
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func failure(sec int, ip, reason string) *consent.AuditEvent {
	return &consent.AuditEvent{Type: consent.EventAuthFailed, At: at(sec), Actor: "signing-code", IP: ip, UserAgent: "curl/8 " + ip,
		DeviceID: "declared:" + ip, Details: map[string]any{"reason": reason}}
}

func byIP(_ context.Context, e *consent.AuditEvent) string { return e.IP }

func folded(e consent.AuditEvent, count int, start, first, last time.Time, extra map[string]any) consent.AuditEvent {
	d := map[string]any{"count": count, "window_start": consent.FormatTime(start), "first_at": consent.FormatTime(first),
		"last_at": consent.FormatTime(last), "folded": true}
	for k, v := range extra {
		d[k] = v
	}
	e.Details = d
	return e
}

func TestEventFolderFoldsPerKeyAndWindow(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	f := &consent.EventFolder{Store: rec, Key: byIP, CountBy: "reason"}
	occurrences := []*consent.AuditEvent{
		failure(0, "10.0.0.1", "unknown key"), failure(1, "10.0.0.2", "unknown key"), failure(2, "10.0.0.1", "unknown key"),
		failure(30, "10.0.0.1", "revoked key K1"), failure(59, "10.0.0.1", "unknown key"),
		failure(60, "10.0.0.1", "unknown key"), // the window of 10.0.0.1 ended: a new one
	}
	for _, e := range occurrences {
		if err := f.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	first := func(e *consent.AuditEvent) consent.AuditEvent {
		c := *e
		c.Details = map[string]any{"reason": e.Details["reason"], "count": 1}
		return c
	}
	endedAt60 := folded(consent.AuditEvent{Type: consent.EventAuthFailed, At: at(60), Actor: "signing-code", IP: "10.0.0.1",
		UserAgent: "curl/8 10.0.0.1", DeviceID: "declared:10.0.0.1"}, 3, at(0), at(2), at(59),
		map[string]any{"reasons": map[string]any{"unknown key": 2, "revoked key K1": 1}})
	want := []consent.AuditEvent{first(occurrences[0]), first(occurrences[1]), endedAt60, first(occurrences[5])}
	if d := cmp.Diff(want, rec.take()); d != "" {
		t.Fatalf("written while recording (-want +got):\n%s", d)
	}

	// FlushEnded writes 10.0.0.2's window (it has nothing to fold) and
	// leaves the new one of 10.0.0.1 open.
	if err := f.FlushEnded(ctx, at(90)); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 0 || f.Open() != 1 {
		t.Errorf("FlushEnded at +90s wrote %v and left %d windows; want nothing written (no repeats) and 1 open", got, f.Open())
	}
	f.Record(ctx, failure(100, "10.0.0.1", "unknown key"))
	if err := f.Flush(ctx, at(110)); err != nil {
		t.Fatal(err)
	}
	want = []consent.AuditEvent{folded(consent.AuditEvent{Type: consent.EventAuthFailed, At: at(110), Actor: "signing-code",
		IP: "10.0.0.1", UserAgent: "curl/8 10.0.0.1", DeviceID: "declared:10.0.0.1"}, 1, at(60), at(100), at(100),
		map[string]any{"reasons": map[string]any{"unknown key": 1}})}
	if d := cmp.Diff(want, rec.take()); d != "" {
		t.Errorf("Flush (-want +got):\n%s", d)
	}
	if f.Open() != 0 {
		t.Errorf("%d windows open after Flush", f.Open())
	}
}

func TestEventFolderCarriesDetailsOfTheFirst(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	f := &consent.EventFolder{Store: rec, Key: func(_ context.Context, e *consent.AuditEvent) string { return e.Actor },
		Carry: []string{"route", "scope"}}
	for i := range 3 {
		e := &consent.AuditEvent{Type: consent.EventScopeDenied, At: at(i), Actor: "apikey:K1", ConsentID: "C1", IP: "10.0.0.9",
			Details: map[string]any{"route": "GET /v1/audit", "scope": "audit:read", "returned": i}}
		if err := f.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	f.Flush(ctx, at(10))
	got := rec.take()
	want := folded(consent.AuditEvent{Type: consent.EventScopeDenied, At: at(10), Actor: "apikey:K1", ConsentID: "C1", IP: "10.0.0.9"},
		2, at(0), at(1), at(2), map[string]any{"route": "GET /v1/audit", "scope": "audit:read"})
	if len(got) != 2 || got[0].Details["returned"] != 0 {
		t.Fatalf("got %v", got)
	}
	if d := cmp.Diff(want, got[1]); d != "" {
		t.Errorf("folded event (-want +got):\n%s", d)
	}
}

func TestEventFolderBoundsKeys(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	f := &consent.EventFolder{Store: rec, Key: byIP, CountBy: "reason", MaxKeys: 3}
	// 3 sources open windows; 97 more rotate addresses; one of the first
	// three repeats; the reasons outgrow the 8 named ones.
	for i := range 100 {
		if err := f.Record(ctx, failure(i/10, fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("reason %d", i%10))); err != nil {
			t.Fatal(err)
		}
		if f.Open() > 4 {
			t.Fatalf("%d windows open, want at most 3 and the overflow", f.Open())
		}
	}
	f.Record(ctx, failure(20, "203.0.113.0", "unknown key"))
	f.Flush(ctx, at(30))
	events := rec.take()
	if sum(events) != 101 {
		t.Errorf("the events count %d failures, want 101", sum(events))
	}
	var over consent.AuditEvent
	for _, e := range events {
		if e.Details["overflow"] == true {
			over = e
		}
	}
	wantOver := folded(consent.AuditEvent{Type: consent.EventAuthFailed, At: at(30), Actor: "anonymous"}, 97, at(0), at(0), at(9),
		map[string]any{"overflow": true, "reasons": map[string]any{"reason 3": 10, "reason 4": 10, "reason 5": 10, "reason 6": 10,
			"reason 7": 10, "reason 8": 10, "reason 9": 10, "reason 0": 9, "other": 18}})
	if d := cmp.Diff(wantOver, over); d != "" {
		t.Errorf("overflow event (-want +got):\n%s", d)
	}
}

func TestEventFolderCountsWhatItCouldNotWrite(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("database down")
	rec := &recorder{fail: boom}
	f := &consent.EventFolder{Store: rec, Key: byIP, CountBy: "reason"}
	if err := f.Record(ctx, failure(0, "10.0.0.1", "unknown key")); !errors.Is(err, boom) {
		t.Fatalf("Record returned %v, want the write's error", err)
	}
	f.Record(ctx, failure(1, "10.0.0.1", "unknown key"))
	if err := f.Flush(ctx, at(70)); !errors.Is(err, boom) {
		t.Fatalf("Flush returned %v, want the write's error", err)
	}
	// The database is back: a repeat after the window, and a flush.
	rec.fail = nil
	f.Record(ctx, failure(80, "10.0.0.1", "unknown key"))
	f.Flush(ctx, at(90))
	events := rec.take()
	if sum(events) != 3 {
		t.Errorf("events %v count %d failures, want 3: every failure counted once", events, sum(events))
	}
}

func TestEventFolderRunFlushesOnStop(t *testing.T) {
	rec := &recorder{}
	f := &consent.EventFolder{Store: rec, Key: byIP, Window: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.Run(ctx, func() time.Time { return at(5) }, func(err error) { t.Error(err) })
		close(done)
	}()
	f.Record(context.Background(), failure(0, "10.0.0.1", "unknown key"))
	f.Record(context.Background(), failure(1, "10.0.0.1", "unknown key"))
	cancel()
	<-done
	if got := rec.take(); sum(got) != 2 || len(got) != 2 {
		t.Errorf("after stop: %v, want the first and one folded event", got)
	}
}

func TestEventFolderConcurrent(t *testing.T) {
	rec := &recorder{}
	f := &consent.EventFolder{Store: rec, Key: byIP, CountBy: "reason", MaxKeys: 5}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				f.Record(context.Background(), failure(i%120, fmt.Sprintf("10.0.%d.%d", g, i%7), "unknown key"))
			}
		})
	}
	wg.Wait()
	f.Flush(context.Background(), at(200))
	if n := sum(rec.take()); n != 1600 {
		t.Errorf("counted %d failures, want 1600", n)
	}
}

func BenchmarkEventFolderRecord(b *testing.B) {
	f := &consent.EventFolder{Store: &recorder{}, Key: byIP, CountBy: "reason"}
	e := failure(0, "10.0.0.1", "unknown key")
	f.Record(context.Background(), e)
	for b.Loop() {
		f.Record(context.Background(), failure(1, "10.0.0.1", "unknown key"))
	}
}
