package pdf

import (
	"bytes"
	"context"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/pngtest"
)

// withWitnessPNG returns the fixture consent with the witness's image replaced.
func withWitnessPNG(tb testing.TB, png []byte) *consent.Consent {
	tb.Helper()
	c := fixtureConsent(tb, "en")
	c.Signatures[2].Mark.PNG = png
	return c
}

// FuzzImageSignatureSeals: any image signature the domain accepts can be
// normalised, and the consent seals both with the normalised image (what the
// intake stores now) and with the bytes as received (what older records
// hold), with the image embedded. Its seed corpus, every PNG form the tests
// know, runs with the ordinary tests.
func FuzzImageSignatureSeals(f *testing.F) {
	for _, b := range pngtest.Forms() {
		f.Add(b)
	}
	s := newTestSealer(f, f.TempDir())
	f.Fuzz(func(t *testing.T, b []byte) {
		m := consent.Mark{Type: "image", PNG: b}
		if m.Validate(consent.SignatureForms, "x") != nil {
			return
		}
		norm, err := consent.NormalizePNG(b, consent.MaxPNGDecodedBytes)
		if err != nil {
			t.Fatalf("accepted but not normalisable: %v", err)
		} else if !consent.RendererReadyPNG(norm) {
			t.Fatal("normalised image is not in the renderer's form")
		}
		for name, png := range map[string][]byte{"normalised": norm, "as received": b} {
			c := withWitnessPNG(t, png)
			p, err := s.SealConsent(context.Background(), c, fixtureEvents(c))
			if err != nil {
				t.Fatalf("%s: seal: %v", name, err)
			}
			if !bytes.Contains(p.Bytes, []byte("/Subtype /Image")) {
				t.Fatalf("%s: no image in the sealed PDF", name)
			}
		}
	})
}

// TestUndrawableStoredImageStillSeals: a stored image that cannot be decoded
// at all is named by its hash instead of failing the seal.
func TestUndrawableStoredImageStillSeals(t *testing.T) {
	pdftotext := requireTool(t, "pdftotext")
	s := newTestSealer(t, t.TempDir())
	broken := pngtest.Sixteen(240, 80)
	broken = broken[:len(broken)-30]
	c := withWitnessPNG(t, broken)
	p, err := s.SealConsent(context.Background(), c, fixtureEvents(c))
	if err != nil {
		t.Fatal(err)
	}
	text := run(t, pdftotext, writeTemp(t, "c.pdf", p.Bytes), "-")
	if !bytes.Contains([]byte(text), []byte("could not be drawn")) {
		t.Errorf("the broken image is not named:\n%s", text)
	}
}
