package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestCompressStreamsMatchesGofpdf checks that compressing the pages after
// gofpdf gives exactly the file gofpdf writes with its own compression, for
// the shipped template and for the fixture with a PNG signature, twice over
// so that pooled zlib writers are reused.
func TestCompressStreamsMatchesGofpdf(t *testing.T) {
	type input struct {
		name   string
		c      *consent.Consent
		events []*consent.AuditEvent
	}
	var tests []input
	for _, l := range []string{"en", "es"} {
		k := ketamineConsent(t, l)
		fc := fixtureConsent(t, l)
		tests = append(tests, input{"ketamine-" + l, k, ketamineEvents(k)}, input{"fixture-" + l, fc, fixtureEvents(fc)})
	}
	// A paletted PNG signature: gofpdf compresses its palette too.
	pal := fixtureConsent(t, "en")
	pal.Signatures[2].Mark.PNG = palettedPNG(t)
	tests = append(tests, input{"paletted PNG", pal, nil})
	opts := ketamineOptions(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := render(tt.c, tt.events, opts, true)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := render(tt.c, tt.events, opts, false)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(plain, want) {
				t.Fatal("gofpdf wrote the same file with and without compression")
			}
			if tt.c == pal && !bytes.Contains(want, []byte("/Indexed /DeviceRGB")) {
				t.Fatal("the paletted PNG is not drawn with an indexed colour space")
			}
			for range 2 {
				got, err := compressStreams(plain)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("compressStreams gave %d bytes, gofpdf %d; first difference at %d", len(got), len(want), firstDiff(got, want))
				}
			}
		})
	}
}

// palettedPNG returns a small PNG with a colour palette.
func palettedPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 120, 40), color.Palette{color.White, color.RGBA{20, 30, 110, 255}})
	for x := 5; x < 115; x++ {
		img.SetColorIndex(x, 20+x%7, 1)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestCompressStreamsRejectsOtherFiles(t *testing.T) {
	c := fixtureConsent(t, "en")
	plain, err := render(c, fixtureEvents(c), RenderOptions{}, false)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.LastIndex(plain, []byte("\nxref\n")) + 1
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"no startxref", bytes.ReplaceAll(plain, []byte("startxref"), []byte("startxrex"))},
		{"startxref past the table", bytes.Replace(plain, []byte("startxref\n"+itoa(start)), []byte("startxref\n"+itoa(start+1)), 1)},
		{"object moved", append([]byte("%PDF-1.3\n% "), plain[len("%PDF-1.3\n"):]...)},
		{"page stream with another length", bytes.Replace(plain, []byte("4 0 obj\n<</Length "), []byte("4 0 obj\n<</Length 1"), 1)},
		{"truncated", plain[:len(plain)-40]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "empty" && bytes.Equal(tt.in, plain) {
				t.Fatal("the test case did not change the file")
			}
			if _, err := compressStreams(tt.in); err == nil || !strings.Contains(err.Error(), "compress streams") {
				t.Errorf("err = %v, want a compress streams error", err)
			}
		})
	}
}
