package ratelimit

import (
	"testing"
	"time"
)

func TestKeyedAllowsBurstThenRefuses(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	k := New(1, 3)
	k.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !k.Allow("a") {
			t.Fatalf("request %d refused within burst", i+1)
		}
	}
	if k.Allow("a") {
		t.Fatal("4th request allowed beyond burst")
	}
	if !k.Allow("b") {
		t.Fatal("another key must have its own bucket")
	}
	now = now.Add(time.Second)
	if !k.Allow("a") {
		t.Fatal("bucket did not refill after a second")
	}
}

func TestKeyedForgetsIdleKeys(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	k := New(10, 5)
	k.now = func() time.Time { return now }
	for i := 0; i < 100; i++ {
		k.Allow(string(rune('a'+i%26)) + string(rune(i)))
	}
	now = now.Add(time.Hour)
	k.Allow("z")
	if len(k.buckets) != 1 {
		t.Fatalf("idle keys kept: %d buckets", len(k.buckets))
	}
}

func TestKeyedTakeSaysWhenToRetry(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	k := New(0.5, 1)
	k.now = func() time.Time { return now }
	if ok, d := k.Take("a"); !ok || d != 0 {
		t.Fatalf("first request: %v %v", ok, d)
	}
	ok, d := k.Take("a")
	if ok || d != 2*time.Second {
		t.Fatalf("second request: %v %v, want refused for 2s", ok, d)
	}
	// A refusal takes no token: after the delay the request passes.
	now = now.Add(d)
	if ok, _ := k.Take("a"); !ok {
		t.Fatal("refused after the delay it gave")
	}
}
