package consent

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

// appender records appended events and can be told to fail.
type appender struct {
	mu     sync.Mutex
	events []*AuditEvent
	fail   error
}

func (a *appender) AppendAuditEvents(_ context.Context, events ...*AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	a.events = append(a.events, events...)
	return nil
}

// total sums the failures the appended events stand for.
func (a *appender) total(t *testing.T) int {
	t.Helper()
	n := 0
	for _, e := range a.events {
		if e.Type != EventAuthFailed {
			t.Fatalf("event type %s", e.Type)
		}
		c, ok := e.Details["count"].(int)
		if !ok || c < 1 {
			t.Fatalf("event without a count: %v", e.Details)
		}
		n += c
	}
	return n
}

var authNow = time.Date(2026, 11, 25, 9, 44, 0, 0, time.UTC)

func failure(ip, reason string) *AuditEvent {
	return &AuditEvent{Type: EventAuthFailed, At: authNow, Actor: "anonymous", IP: ip, UserAgent: "curl/8",
		Details: map[string]any{"reason": reason}}
}

func TestFailedAuthLogAggregatesPerSource(t *testing.T) {
	store := &appender{}
	l := &FailedAuthLog{Store: store}
	ctx := context.Background()
	for i := 0; i < 2000; i++ {
		if err := l.Record(ctx, failure("203.0.113.7", "unknown key")); err != nil {
			t.Fatal(err)
		}
	}
	if len(store.events) != 1 {
		t.Fatalf("%d events written during the flood, want 1 (the first, at once)", len(store.events))
	}
	if err := l.Flush(ctx, authNow); err != nil {
		t.Fatal(err)
	}
	if len(store.events) != 2 || store.total(t) != 2000 {
		t.Fatalf("%d events counting %d failures, want 2 events counting 2000", len(store.events), store.total(t))
	}
	agg := store.events[1].Details
	if agg["first_at"] == nil || agg["last_at"] == nil || agg["reasons"].(map[string]any)["unknown key"] != 1999 {
		t.Fatalf("aggregate details %v", agg)
	}
	if _, err := store.events[1].ComputeHash(); err != nil {
		t.Fatalf("aggregate cannot be hashed: %v", err)
	}
	// A new window writes its first failure at once again.
	if err := l.Record(ctx, failure("203.0.113.7", "unknown key")); err != nil || len(store.events) != 3 {
		t.Fatalf("first failure of a new window: %d events, %v", len(store.events), err)
	}
}

// Rotating source addresses cannot grow memory or the log beyond the cap:
// sources past it fold into one overflow aggregate.
func TestFailedAuthLogBoundsRotatingSources(t *testing.T) {
	store := &appender{}
	l := &FailedAuthLog{Store: store, MaxSources: 10}
	ctx := context.Background()
	for i := 0; i < 2000; i++ {
		if err := l.Record(ctx, failure("10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250), "unknown key")); err != nil {
			t.Fatal(err)
		}
		if n := l.tracked(); n > 10 {
			t.Fatalf("%d sources tracked, cap 10", n)
		}
	}
	if err := l.Flush(ctx, authNow); err != nil {
		t.Fatal(err)
	}
	if len(store.events) != 11 || store.total(t) != 2000 {
		t.Fatalf("%d events counting %d failures, want 11 (10 sources + 1 overflow) counting 2000", len(store.events), store.total(t))
	}
	last := store.events[len(store.events)-1]
	if last.IP != "" || last.Details["overflow"] != true || last.Details["count"] != 1990 {
		t.Fatalf("overflow event %+v", last)
	}
}

// Failures from an enrolled device are aggregated per device, not per address:
// tablets behind one clinic router, and another client on that address, each
// get their own aggregate; a device that changes address keeps one.
func TestFailedAuthLogKeysEnrolledDevices(t *testing.T) {
	store := &appender{}
	l := &FailedAuthLog{Store: store}
	const router = "198.51.100.20"
	from := func(device, ip string) context.Context {
		return WithRequest(context.Background(), Request{Actor: "anonymous", Channel: "tablet", IP: ip, Device: device,
			DeviceID: DeviceEvidence(device, "")})
	}
	record := func(ctx context.Context, n int) {
		for i := 0; i < n; i++ {
			r := RequestFrom(ctx)
			e := failure(r.IP, "unknown signing code")
			e.DeviceID = r.DeviceID
			if err := l.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	record(from("DEV-A", router), 3)
	record(from("DEV-B", router), 4)
	record(from("", router), 5)            // unenrolled client behind the same router
	record(from("DEV-A", "192.0.2.44"), 2) // tablet A after its address changed
	if n := l.tracked(); n != 3 {
		t.Fatalf("%d sources tracked, want 3 (two devices and one address)", n)
	}
	if err := l.Flush(context.Background(), authNow); err != nil {
		t.Fatal(err)
	}
	if store.total(t) != 14 {
		t.Fatalf("%d failures recorded, want 14", store.total(t))
	}
	byDevice := map[string]int{}
	for _, e := range store.events {
		byDevice[e.DeviceID] += e.Details["count"].(int)
		if e.IP != router {
			t.Fatalf("event %v: IP %q, want the first failure's %q", e.Details, e.IP, router)
		}
	}
	want := map[string]int{"enrolled:DEV-A": 5, "enrolled:DEV-B": 4, "": 5}
	if len(byDevice) != len(want) {
		t.Fatalf("failures per device %v, want %v", byDevice, want)
	}
	for d, n := range want {
		if byDevice[d] != n {
			t.Fatalf("failures per device %v, want %v", byDevice, want)
		}
	}
}

// A flush the database refuses keeps its counts for the next one.
func TestFailedAuthLogKeepsCountsWhenAFlushFails(t *testing.T) {
	store := &appender{}
	l := &FailedAuthLog{Store: store}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_ = l.Record(ctx, failure("203.0.113.7", "unknown key"))
	}
	store.fail = errors.New("database down")
	if err := l.Flush(ctx, authNow); err == nil {
		t.Fatal("flush reported success while the store failed")
	}
	_ = l.Record(ctx, failure("203.0.113.7", "unknown key")) // counted, the store still fails
	store.fail = nil
	if err := l.Flush(ctx, authNow); err != nil {
		t.Fatal(err)
	}
	if store.total(t) != 6 {
		t.Fatalf("%d failures recorded, want 6", store.total(t))
	}
}

// Run flushes at every window's end and once more when its context ends.
func TestFailedAuthLogRunFlushesOnStop(t *testing.T) {
	store := &appender{}
	l := &FailedAuthLog{Store: store, Window: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx, func() time.Time { return authNow }, func(error) {}); close(done) }()
	for i := 0; i < 3; i++ {
		_ = l.Record(context.Background(), failure("203.0.113.7", "unknown key"))
	}
	cancel()
	<-done
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.total(t) != 3 {
		t.Fatalf("%d failures recorded after stop, want 3", store.total(t))
	}
}

func BenchmarkFailedAuthLogRecord(b *testing.B) {
	l := &FailedAuthLog{Store: &appender{}}
	ctx := context.Background()
	ev := failure("203.0.113.7", "unknown key")
	for b.Loop() {
		_ = l.Record(ctx, ev)
	}
}
