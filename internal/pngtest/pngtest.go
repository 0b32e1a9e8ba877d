// Package pngtest builds PNG signatures of every form a client may send
// (16-bit, interlaced, paletted, grey with alpha...) for tests of the intake
// and the PDF renderer. Go's encoder writes neither interlaced nor most odd
// forms, so Encode writes PNG chunks itself.
package pngtest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Scribble returns a w×h NRGBA image with a dark, signature-like curve on a
// transparent background.
func Scribble(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := w / 20; x < w-w/20; x++ {
		y := h/2 + int(float64(h)/3*math.Sin(float64(x)/float64(w)*12))
		for dy := -1; dy <= 1; dy++ {
			img.Set(x, y+dy, color.NRGBA{R: 20, G: 30, B: 110, A: 255})
		}
	}
	return img
}

// Go encodes img with the standard library encoder.
func Go(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Sixteen returns a 16-bit RGBA PNG of a w×h scribble.
func Sixteen(w, h int) []byte {
	src := Scribble(w, h)
	img := image.NewNRGBA64(src.Bounds())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, src.At(x, y))
		}
	}
	return Go(img)
}

// Gray16 returns a 16-bit greyscale PNG of a w×h scribble.
func Gray16(w, h int) []byte {
	src := Scribble(w, h)
	img := image.NewGray16(src.Bounds())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if src.NRGBAAt(x, y).A != 0 {
				img.SetGray16(x, y, color.Gray16{Y: 0x1000})
			} else {
				img.SetGray16(x, y, color.Gray16{Y: 0xffff})
			}
		}
	}
	return Go(img)
}

// Raw describes a PNG written chunk by chunk: colour type 6 (RGBA) or 0
// (grey), 8 or 16 bits, optionally Adam7-interlaced, with extra chunks
// inserted before the image data.
type Raw struct {
	Gray       bool
	Depth      int // 8 or 16
	Interlaced bool
	Before     [][2]string // extra chunks (type, data) before IDAT
	EmptyIDAT  bool        // write a zero-length IDAT before the real one
}

// Encode writes the scribble as described.
func (r Raw) Encode(w, h int) []byte {
	src := Scribble(w, h)
	ct, channels := byte(6), 4
	if r.Gray {
		ct, channels = 0, 1
	}
	bpc := r.Depth / 8
	pixel := func(x, y int) []byte {
		c := src.NRGBAAt(x, y)
		vals := []uint8{c.R, c.G, c.B, c.A}
		if r.Gray {
			vals = []uint8{255 - c.A + c.A/10}
		}
		out := make([]byte, 0, channels*bpc)
		for _, v := range vals {
			for range bpc {
				out = append(out, v)
			}
		}
		return out
	}
	var raw []byte
	row := func(xs []int, y int) {
		raw = append(raw, 0) // filter: none
		for _, x := range xs {
			raw = append(raw, pixel(x, y)...)
		}
	}
	if r.Interlaced {
		passes := [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
		for _, p := range passes {
			var xs []int
			for x := p[0]; x < w; x += p[2] {
				xs = append(xs, x)
			}
			if len(xs) == 0 {
				continue
			}
			for y := p[1]; y < h; y += p[3] {
				row(xs, y)
			}
		}
	} else {
		xs := make([]int, w)
		for i := range xs {
			xs[i] = i
		}
		for y := 0; y < h; y++ {
			row(xs, y)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(r.Depth), ct
	if r.Interlaced {
		ihdr[12] = 1
	}
	Chunk(&out, "IHDR", ihdr)
	for _, c := range r.Before {
		Chunk(&out, c[0], []byte(c[1]))
	}
	if r.EmptyIDAT {
		Chunk(&out, "IDAT", nil)
	}
	Chunk(&out, "IDAT", z.Bytes())
	Chunk(&out, "IEND", nil)
	return out.Bytes()
}

// Chunk appends one PNG chunk with its length and CRC.
func Chunk(buf *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	buf.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	buf.WriteString(typ)
	buf.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	buf.Write(n[:])
}

// Forms returns one PNG of every form the tests cover, by name.
func Forms() map[string][]byte {
	pal := image.NewPaletted(image.Rect(0, 0, 120, 40), color.Palette{color.Transparent, color.NRGBA{20, 30, 110, 255}})
	src := Scribble(120, 40)
	for y := 0; y < 40; y++ {
		for x := 0; x < 120; x++ {
			if src.NRGBAAt(x, y).A != 0 {
				pal.SetColorIndex(x, y, 1)
			}
		}
	}
	return map[string][]byte{
		"8-bit rgba":             Go(Scribble(240, 80)),
		"16-bit rgba":            Sixteen(240, 80),
		"16-bit grey":            Gray16(240, 80),
		"interlaced rgba":        Raw{Depth: 8, Interlaced: true}.Encode(240, 80),
		"interlaced 16-bit":      Raw{Depth: 16, Interlaced: true}.Encode(240, 80),
		"interlaced grey":        Raw{Gray: true, Depth: 8, Interlaced: true}.Encode(240, 80),
		"paletted":               Go(pal),
		"odd pHYs chunk":         Raw{Depth: 8, Before: [][2]string{{"pHYs", "abc"}}}.Encode(240, 80),
		"empty IDAT first":       Raw{Depth: 8, EmptyIDAT: true}.Encode(240, 80),
		"text chunk before data": Raw{Depth: 8, Before: [][2]string{{"tEXt", "Software\x00tablet"}}}.Encode(240, 80),
	}
}
