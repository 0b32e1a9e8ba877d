package pdf

import (
	"context"
	"testing"
)

// FuzzVerify feeds arbitrary bytes (seeded with a real sealed consent and
// broken variants of it) to Verify: it must never panic, and only an intact
// seal of ours may come out valid.
func FuzzVerify(f *testing.F) {
	s := newTestSealer(f, f.TempDir())
	c := fixtureConsent(f, "en")
	sealed, err := s.SealConsent(context.Background(), c, fixtureEvents(c))
	if err != nil {
		f.Fatal(err)
	}
	good := sealed.Bytes
	f.Add(good)
	f.Add(good[:len(good)/2])
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/3] ^= 1
	f.Add(flipped)
	f.Add([]byte("%PDF-1.7\n%%EOF"))
	f.Add([]byte("not a pdf"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := s.Verify(b)
		if v.Valid && string(b) != string(good) {
			t.Fatalf("a modified file verified as valid (%d bytes)", len(b))
		}
		if !v.Valid && v.Reason == "" {
			t.Fatal("invalid without a reason")
		}
	})
}
