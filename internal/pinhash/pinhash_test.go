package pinhash

import (
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestCompare(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	h := &Hasher{Cost: bcrypt.MinCost, TTL: 10 * time.Minute, Now: func() time.Time { return now }}
	hash, err := h.Hash("246810")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Compare(hash, "246810") {
		t.Fatal("right PIN refused")
	}
	if h.Compare(hash, "246811") {
		t.Fatal("wrong PIN accepted")
	}
	if !h.Compare(hash, "246810") {
		t.Fatal("right PIN refused from the cache")
	}
	if h.Compare(hash, "000000") {
		t.Fatal("wrong PIN accepted while the right one is cached")
	}
	other, _ := h.Hash("246810")
	if !h.Compare(other, "246810") || h.Compare(other, "1") {
		t.Fatal("cache mixed up hashes")
	}
	now = now.Add(11 * time.Minute)
	if !h.Compare(hash, "246810") {
		t.Fatal("right PIN refused after the TTL")
	}
	for _, v := range h.seen {
		if string(v.mac) == "246810" {
			t.Fatal("PIN stored in the clear")
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	for _, ttl := range []time.Duration{0, time.Minute} {
		h := &Hasher{TTL: ttl}
		hash, _ := h.Hash("246810")
		b.Run("ttl="+ttl.String(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !h.Compare(hash, "246810") {
					b.Fatal("refused")
				}
			}
		})
	}
}
