package doccache

import (
	"fmt"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

func docs(title string) map[string]consent.Document {
	return map[string]consent.Document{"en": {Locale: "en", Title: title}, "es": {Locale: "es", Title: title + " (es)"}}
}

func encoder(calls *int) func(consent.Document) ([]byte, error) {
	return func(d consent.Document) ([]byte, error) {
		*calls++
		return []byte(d.Locale + ":" + d.Title), nil
	}
}

func TestCacheKeepsDecodedAndEncodedDocumentsTogether(t *testing.T) {
	c := New(2)
	c.Add("C1", docs("one"))
	got, ok := c.Documents("C1")
	if !ok || got["en"].Title != "one" {
		t.Fatalf("Documents(C1) = %v, %v", got, ok)
	}
	calls := 0
	for range 3 {
		enc, err := c.Encoded(&consent.Consent{ID: "C1", Documents: got}, encoder(&calls))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(map[string][]byte{"en": []byte("en:one"), "es": []byte("es:one (es)")}, enc); d != "" {
			t.Errorf("Encoded (-want +got):\n%s", d)
		}
	}
	if calls != 2 {
		t.Errorf("encode called %d times for three reads of one consent in two locales, want 2", calls)
	}
	// Adding again keeps the entry and its encoding.
	c.Add("C1", docs("ignored"))
	if got, _ := c.Documents("C1"); got["en"].Title != "one" {
		t.Errorf("a second Add replaced the cached documents: %v", got)
	}
	// A consent read by the API before the store cached it gets an entry.
	if _, err := c.Encoded(&consent.Consent{ID: "C2", Documents: docs("two")}, encoder(&calls)); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Documents("C2"); !ok || got["en"].Title != "two" {
		t.Errorf("Documents(C2) after Encoded = %v, %v", got, ok)
	}
	// The least recently used consent goes first.
	c.Documents("C1")
	c.Add("C3", docs("three"))
	if _, ok := c.Documents("C2"); ok || c.Len() != 2 {
		t.Errorf("after a third consent: C2 cached %v, %d entries; want C2 evicted, 2 entries", ok, c.Len())
	}
}

func TestNilCacheKeepsNothing(t *testing.T) {
	var c *Cache
	c.Add("C1", docs("one"))
	if _, ok := c.Documents("C1"); ok || c.Len() != 0 {
		t.Error("a nil cache kept documents")
	}
	calls := 0
	for range 2 {
		if _, err := c.Encoded(&consent.Consent{ID: "C1", Documents: docs("one")}, encoder(&calls)); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 4 {
		t.Errorf("encode called %d times, want 4: a nil cache encodes every time", calls)
	}
}

func TestEncodeErrorIsNotKept(t *testing.T) {
	c := New(0)
	fail := true
	enc := func(d consent.Document) ([]byte, error) {
		if fail {
			return nil, fmt.Errorf("boom")
		}
		return []byte(d.Title), nil
	}
	cs := &consent.Consent{ID: "C1", Documents: docs("one")}
	if _, err := c.Encoded(cs, enc); err == nil {
		t.Fatal("no error")
	}
	fail = false
	if got, err := c.Encoded(cs, enc); err != nil || string(got["en"]) != "one" {
		t.Errorf("after a failed encoding: %q, %v", got, err)
	}
}

func BenchmarkEncodedHit(b *testing.B) {
	c := New(0)
	cs := &consent.Consent{ID: "C1", Documents: docs("one")}
	calls := 0
	for b.Loop() {
		if _, err := c.Encoded(cs, encoder(&calls)); err != nil {
			b.Fatal(err)
		}
	}
}
