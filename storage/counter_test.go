package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestCounters(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	w := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := consent.CounterKey{Kind: "pin_device", Subject: "C-7|device:1", Window: w}
	b := consent.CounterKey{Kind: "pin_staff", Subject: "C-7", Window: w}
	exp := w.Add(15 * time.Minute)
	step := func(want []int, updates ...consent.CounterUpdate) {
		t.Helper()
		got, err := db.UpdateCounters(ctx, updates...)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("counts %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("counts %v, want %v", got, want)
			}
		}
	}
	if n, err := db.CounterValue(ctx, a); err != nil || n != 0 {
		t.Fatalf("missing counter: %d %v", n, err)
	}
	step([]int{1, 1}, consent.CounterUpdate{Key: b, Add: 1, Expires: exp}, consent.CounterUpdate{Key: a, Add: 1, Expires: exp})
	step([]int{3, 2}, consent.CounterUpdate{Key: a, Add: 2, Expires: exp}, consent.CounterUpdate{Key: b, Add: 1, Expires: exp})
	step([]int{2}, consent.CounterUpdate{Key: a, Add: -1, Expires: exp})
	step([]int{0}, consent.CounterUpdate{Key: a, Add: -5, Expires: exp}) // never below zero
	step([]int{0}, consent.CounterUpdate{Key: consent.CounterKey{Kind: "x", Subject: "new"}, Add: -1, Expires: exp})
	step([]int{1}, consent.CounterUpdate{Key: b, Reset: true, Add: 1, Expires: exp.Add(time.Hour)})
	// Another window of the same subject is another count.
	other := b
	other.Window = w.Add(time.Hour)
	step([]int{1}, consent.CounterUpdate{Key: other, Add: 1, Expires: exp.Add(2 * time.Hour)})
	if n, _ := db.CounterValue(ctx, b); n != 1 {
		t.Fatalf("b = %d, want 1", n)
	}
	// Expired rows go; b's expiry moved to the later time it was given.
	if n, err := db.PurgeCounters(ctx, exp); err != nil || n != 2 {
		t.Fatalf("purge at the first expiry: %d %v, want a and x", n, err)
	}
	if n, _ := db.CounterValue(ctx, b); n != 1 {
		t.Fatalf("b purged before its later expiry: %d", n)
	}
	if n, err := db.PurgeCounters(ctx, exp.Add(3*time.Hour)); err != nil || n != 2 {
		t.Fatalf("purge after every expiry: %d %v", n, err)
	}
}

// TestCountersAcrossProcesses increments one count from two database handles
// (two processes) at once: no increment is lost and every caller sees a
// distinct count, which is what lets a limit reserve attempts.
func TestCountersAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := storage.Config{DataDir: dir}
	dbs := []*storage.DB{storagetest.MustOpenConfig(t, cfg), storagetest.MustOpenConfig(t, cfg)}
	key := consent.CounterKey{Kind: "birth_date", Subject: "link-1"}
	const n = 40
	seen := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := dbs[i%2].UpdateCounters(ctx, consent.CounterUpdate{Key: key, Add: 1, Expires: time.Now().Add(time.Hour)})
			if err != nil {
				t.Error(err)
				return
			}
			seen <- got[0]
		})
	}
	wg.Wait()
	close(seen)
	distinct := map[int]bool{}
	for c := range seen {
		distinct[c] = true
	}
	if len(distinct) != n {
		t.Fatalf("%d distinct counts from %d increments", len(distinct), n)
	}
	if v, _ := dbs[1].CounterValue(ctx, key); v != n {
		t.Fatalf("count %d, want %d", v, n)
	}
}

// BenchmarkUpdateCounters is the database write a wrong staff PIN adds: one
// transaction updating two counts (a right PIN only reads them, twice).
func BenchmarkUpdateCounters(b *testing.B) {
	ctx := context.Background()
	db := storagetest.MustOpen(b)
	w := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ups := []consent.CounterUpdate{
		{Key: consent.CounterKey{Kind: "pin_device", Subject: "C-7|apikey:1", Window: w}, Add: 1, Expires: w.Add(time.Hour)},
		{Key: consent.CounterKey{Kind: "pin_staff", Subject: "C-7", Window: w}, Add: 1, Expires: w.Add(time.Hour)},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.UpdateCounters(ctx, ups...); err != nil {
			b.Fatal(err)
		}
	}
}
