package consent_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/pngtest"
)

func TestNormalizePNG(t *testing.T) {
	for name, b := range pngtest.Forms() {
		t.Run(name, func(t *testing.T) {
			out, err := consent.NormalizePNG(b, consent.MaxPNGDecodedBytes)
			if err != nil {
				t.Fatal(err)
			}
			if !consent.RendererReadyPNG(out) {
				t.Fatal("not in the renderer's form")
			}
			if consent.RendererReadyPNG(b) != bytes.Equal(b, out) {
				t.Error("a PNG already in the renderer's form must be kept as it is, any other re-encoded")
			}
			in, _ := png.Decode(bytes.NewReader(b))
			got, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != in.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), in.Bounds())
			}
			for _, p := range []image.Point{{0, 0}, {60, 40}, {120, 40}, {239, 79}} {
				if p.In(in.Bounds()) && !sameColor(in.At(p.X, p.Y), got.At(p.X, p.Y)) {
					t.Errorf("pixel %v: %v became %v", p, in.At(p.X, p.Y), got.At(p.X, p.Y))
				}
			}
		})
	}
}

// sameColor compares colours at 8 bits a channel.
func sameColor(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1>>8 == r2>>8 && g1>>8 == g2>>8 && b1>>8 == b2>>8 && a1>>8 == a2>>8
}

// withHeader rewrites a PNG's IHDR size and bit depth (image data left as is).
func withHeader(b []byte, w, h int, depth byte) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[16:], uint32(w))
	binary.BigEndian.PutUint32(b[20:], uint32(h))
	b[24] = depth
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestImageDecodedSizeBound: bit depth and decoded size are bounded from the
// header before decoding; a 16-bit 3000×1500 RGBA image (36 MB decoded) is
// refused, an 8-bit one of the same size is not refused for its size.
func TestImageDecodedSizeBound(t *testing.T) {
	rgba := pngtest.Go(pngtest.Scribble(240, 80))
	m := consent.Mark{Type: "image", PNG: withHeader(rgba, 3000, 1500, 16)}
	err := m.Validate(consent.SignatureForms, "x")
	if consent.ErrorCode(err) != consent.EINVALID || !strings.Contains(consent.ErrorMessage(err), "too large once decoded") {
		t.Fatalf("16-bit 3000x1500: %v", err)
	}
	m.PNG = withHeader(rgba, 3000, 1500, 8)
	if err := m.Validate(consent.SignatureForms, "x"); strings.Contains(consent.ErrorMessage(err), "too large") {
		t.Fatalf("8-bit 3000x1500 refused for its size: %v", err)
	}
	if _, err := consent.NormalizePNG(withHeader(rgba, 3000, 1500, 16), consent.MaxPNGDecodedBytes); err == nil {
		t.Fatal("NormalizePNG decoded past its bound")
	}
}
