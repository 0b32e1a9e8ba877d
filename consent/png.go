package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/draw"
	"image/png"
)

// MaxPNGDecodedBytes bounds the memory a signature image may take once
// decoded, checked from its header before decoding: as much as the largest
// 8-bit RGBA image the intake accepts (3000×1500). A 16-bit image of that
// size would take twice as much.
const MaxPNGDecodedBytes = MaxPNGWidth * MaxPNGHeight * 4

// pngHeader is the IHDR chunk of a PNG.
type pngHeader struct {
	width, height     int
	depth, colorType  byte
	interlaced        bool
	decodedBytesPerPx int // what Go's decoder allocates per pixel
}

// readPNGHeader reads the IHDR chunk without decoding anything else.
func readPNGHeader(b []byte) (pngHeader, bool) {
	if len(b) < 33 || !bytes.HasPrefix(b, pngMagic) || string(b[12:16]) != "IHDR" {
		return pngHeader{}, false
	}
	h := pngHeader{width: int(binary.BigEndian.Uint32(b[16:])), height: int(binary.BigEndian.Uint32(b[20:])),
		depth: b[24], colorType: b[25], interlaced: b[28] != 0}
	// Go decodes 8-bit RGB, RGBA and grey+alpha to 4 bytes a pixel, 16-bit
	// ones to 8, grey to 1 or 2 and palettes to 1.
	wide := 1
	if h.depth == 16 {
		wide = 2
	}
	switch h.colorType {
	case 0:
		h.decodedBytesPerPx = wide
	case 3:
		h.decodedBytesPerPx = 1
	case 2, 4, 6:
		h.decodedBytesPerPx = 4 * wide
	default:
		return pngHeader{}, false
	}
	return h, true
}

// decodedSize is how many bytes the decoded image takes.
func (h pngHeader) decodedSize() int { return h.width * h.height * h.decodedBytesPerPx }

// PNGSHA256 returns the lowercase hex SHA-256 of a PNG as received, kept in
// the audit trail when the image is normalised.
func PNGSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NormalizePNG re-encodes a PNG signature in the one form the PDF renderer
// embeds: 8 bits a channel, not interlaced, with only the chunks that carry
// the image (IHDR, PLTE, tRNS, IDAT, IEND). A PNG already in that form is
// returned as it is. maxDecoded bounds the decoded size, read from the header
// before decoding; the intake passes MaxPNGDecodedBytes.
func NormalizePNG(b []byte, maxDecoded int) ([]byte, error) {
	h, ok := readPNGHeader(b)
	if !ok {
		return nil, FieldErrorf(EINVALID, "signature.png_base64", "not a valid PNG image.")
	} else if h.decodedSize() > maxDecoded {
		return nil, FieldErrorf(EINVALID, "signature.png_base64",
			"image too large once decoded (%dx%d pixels at %d bits a channel); send an 8-bit PNG of at most %dx%d pixels.",
			h.width, h.height, h.depth, MaxPNGWidth, MaxPNGHeight)
	}
	if RendererReadyPNG(b) {
		return b, nil
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, FieldErrorf(EINVALID, "signature.png_base64", "the PNG image is corrupt.")
	}
	var out bytes.Buffer
	if err := png.Encode(&out, eightBit(img)); err != nil {
		return nil, FieldErrorf(EINVALID, "signature.png_base64", "the PNG image cannot be re-encoded.")
	}
	return out.Bytes(), nil
}

// eightBit converts a decoded image to a type Go's encoder writes with 8 bits
// a channel (it writes 16-bit types as 16-bit PNGs).
func eightBit(img image.Image) image.Image {
	var out draw.Image
	switch img.(type) {
	case *image.Gray, *image.NRGBA, *image.RGBA, *image.Paletted:
		return img
	case *image.Gray16:
		out = image.NewGray(img.Bounds())
	default: // NRGBA64, RGBA64
		out = image.NewNRGBA(img.Bounds())
	}
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// RendererReadyPNG reports whether a PNG is in the form NormalizePNG writes:
// at most 8 bits a channel, not interlaced, and nothing but IHDR, then PLTE,
// tRNS and non-empty IDAT chunks, then IEND. It reads chunk headers only, so
// the renderer can check stored images cheaply and normalise the others.
func RendererReadyPNG(b []byte) bool {
	h, ok := readPNGHeader(b)
	if !ok || h.depth > 8 || h.interlaced {
		return false
	}
	pos, idat := 8, false
	for pos+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[pos:]))
		typ := string(b[pos+4 : pos+8])
		if n < 0 || pos+12+n > len(b) {
			return false
		}
		switch typ {
		case "IHDR":
			if pos != 8 {
				return false
			}
		case "PLTE", "tRNS":
			if idat || n == 0 {
				return false
			}
		case "IDAT":
			if n == 0 {
				return false
			}
			idat = true
		case "IEND":
			return idat && pos+12 == len(b)
		default:
			return false
		}
		pos += 12 + n
	}
	return false
}
