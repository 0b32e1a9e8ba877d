package pdf

import (
	"bytes"
	"compress/zlib"
	"image"
	"image/color"
	"image/png"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestCompressStreamsMatchesGofpdf checks that compressing the pages after
// gofpdf gives the file gofpdf writes with its own compression, for the
// shipped template and for the fixture with a PNG signature, twice over so
// that pooled zlib writers are reused: the same objects in the same order,
// byte for byte, except that a compressed stream may hold other deflate
// bytes (compressStreams uses klauspost/compress, gofpdf the standard
// library) as long as it inflates to the same data.
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
				sameObjects(t, got, want)
			}
		})
	}
}

// sameObjects fails unless two gofpdf files hold the same objects in the
// same order with the same bytes, a compressed stream's data compared
// after inflating, and each file's xref table points at its objects.
func sameObjects(t *testing.T, got, want []byte) {
	t.Helper()
	g, gx, err := splitObjects(got)
	if err != nil {
		t.Fatal(err)
	}
	w, wx, err := splitObjects(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != len(w) || gx.count != wx.count || !bytes.Equal(got[:gx.first], want[:wx.first]) {
		t.Fatalf("%d objects, gofpdf %d", len(g), len(w))
	}
	if !bytes.Equal(got[gx.end:bytes.LastIndex(got, []byte("startxref"))], want[wx.end:bytes.LastIndex(want, []byte("startxref"))]) {
		t.Fatal("the trailers differ")
	}
	deflated := 0
	for i := range g {
		if g[i].num != w[i].num {
			t.Fatalf("object %d is %d in gofpdf's file", g[i].num, w[i].num)
		}
		if bytes.Equal(g[i].body, w[i].body) {
			continue
		}
		gd, gok := inflateObject(t, g[i])
		wd, wok := inflateObject(t, w[i])
		if !gok || !wok || !bytes.Equal(gd, wd) {
			t.Fatalf("object %d differs from gofpdf's", g[i].num)
		}
		deflated++
	}
	if deflated == 0 {
		t.Fatal("no compressed stream compared")
	}
}

// inflateObject returns the data of "N 0 obj\n<</Filter /FlateDecode
// /Length L>>\nstream\n…\nendstream\nendobj\n", inflated.
func inflateObject(t *testing.T, o pdfObject) ([]byte, bool) {
	head := strconv.Itoa(o.num) + " 0 obj\n<</Filter /FlateDecode /Length "
	b, ok := bytes.CutPrefix(o.body, []byte(head))
	if !ok {
		return nil, false
	}
	lenText, rest, ok := bytes.Cut(b, []byte(">>\nstream\n"))
	n, err := strconv.Atoi(string(lenText))
	if !ok || err != nil || n > len(rest) || string(rest[n:]) != "\nendstream\nendobj\n" {
		return nil, false
	}
	r, err := zlib.NewReader(bytes.NewReader(rest[:n]))
	if err != nil {
		t.Fatalf("object %d: %v", o.num, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("object %d: %v", o.num, err)
	}
	return data, true
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
