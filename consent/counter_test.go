package consent

import (
	"testing"
	"time"
)

func TestLimitWindows(t *testing.T) {
	l := Limit{Kind: "k", Max: 5, Window: 15 * time.Minute}
	at := time.Date(2026, 12, 1, 9, 29, 59, 999e6, time.UTC)
	k, end := l.key("s", at)
	if want := time.Date(2026, 12, 1, 9, 15, 0, 0, time.UTC); !k.Window.Equal(want) || !end.Equal(want.Add(15*time.Minute)) {
		t.Fatalf("window %v–%v, want the quarter hour from %v", k.Window, end, want)
	}
	// Every process computes the same window; the next millisecond starts the next one.
	if k2, _ := l.key("s", at.Add(time.Millisecond)); !k2.Window.Equal(end) {
		t.Fatalf("next window starts %v, want %v", k2.Window, end)
	}
	if u := l.add("s", at, 1); !u.Expires.Equal(end) || u.Add != 1 || u.Key != k {
		t.Fatalf("add: %+v", u)
	}
	life := Limit{Kind: "link", Max: 5}
	k, end = life.key("l", at)
	if !k.Window.Equal(time.UnixMilli(0)) || !end.IsZero() {
		t.Fatalf("lifetime limit window %v end %v", k.Window, end)
	}
	if u := life.add("l", at, 1); !u.Expires.After(at.Add(MaxLinkTTL)) {
		t.Fatalf("a lifetime count must outlive the longest link: expires %v", u.Expires)
	}
}

func TestLimitsDefaults(t *testing.T) {
	s := &Service{Limits: Limits{PINPerDevice: Limit{Kind: "pin_device", Max: 2, Window: time.Minute}}}
	l := s.limits()
	if l.PINPerDevice.Max != 2 || l.PINPerStaff != DefaultLimits().PINPerStaff || l.BirthDate.Max != 5 {
		t.Fatalf("limits %+v", l)
	}
}
