package consent

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
)

// Limits on signature marks; checked before any decoding.
const (
	MaxStrokes         = 100
	MaxPoints          = 10000
	MinPoints          = 10
	MaxCanvas          = 4000
	MinCanvas          = 50
	MaxPNGBytes        = 512 << 10
	MaxPNGWidth        = 3000
	MaxPNGHeight       = 1500
	MaxStrokeMillis    = 10 * 60 * 1000
	minSignatureExtent = 10.0 // pixels of width, height and bend a real signature has
)

// DecodePNGBase64 decodes a base64 PNG, refusing oversized input before decoding it.
func DecodePNGBase64(field, b64 string) ([]byte, error) {
	if base64.StdEncoding.DecodedLen(len(b64)) > MaxPNGBytes+3 {
		return nil, FieldErrorf(ETOOLARGE, field, "image too large (at most %d KiB).", MaxPNGBytes>>10)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, FieldErrorf(EINVALID, field, "not valid base64.")
	}
	return b, nil
}

// Validate checks a signature mark of an allowed form; name is the signer's
// printed name, which a typed signature must match.
func (m *Mark) Validate(allowed []string, name string) error {
	if !slices.Contains(SignatureForms, m.Type) {
		return FieldErrorf(EINVALID, "signature.type", "must be drawn, typed or image.")
	} else if !slices.Contains(allowed, m.Type) {
		return FieldErrorf(EINVALID, "signature.type", "this consent accepts %s signatures.", strings.Join(allowed, ", "))
	} else if err := m.checkOwnFields(); err != nil {
		return err
	}
	switch m.Type {
	case "drawn":
		return m.validateDrawn()
	case "image":
		return m.validateImage()
	default:
		if err := CheckName("signature.text", m.Text, 200); err != nil {
			return err
		} else if !strings.EqualFold(strings.Join(strings.Fields(m.Text), " "), strings.Join(strings.Fields(name), " ")) {
			return FieldErrorf(EINVALID, "signature.text", "a typed signature must be the signer's name: %s.", name)
		}
		return nil
	}
}

func (m *Mark) validateDrawn() error {
	if m.Width < MinCanvas || m.Width > MaxCanvas || m.Height < MinCanvas || m.Height > MaxCanvas {
		return FieldErrorf(EINVALID, "signature.width", "canvas must be between %d and %d pixels in each direction.", MinCanvas, MaxCanvas)
	}
	if len(m.Strokes) == 0 || len(m.Strokes) > MaxStrokes {
		return FieldErrorf(EINVALID, "signature.strokes", "must have 1 to %d strokes.", MaxStrokes)
	}
	total := 0
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var lastT int64 = -1
	for i, st := range m.Strokes {
		if len(st) == 0 {
			return FieldErrorf(EINVALID, fmt.Sprintf("signature.strokes[%d]", i), "is empty.")
		}
		total += len(st)
		if total > MaxPoints {
			return FieldErrorf(EINVALID, "signature.strokes", "too many points (at most %d).", MaxPoints)
		}
		for j, p := range st {
			f := fmt.Sprintf("signature.strokes[%d][%d]", i, j)
			if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.X < 0 || p.Y < 0 || p.X > float64(m.Width) || p.Y > float64(m.Height) {
				return FieldErrorf(EINVALID, f, "point outside the %dx%d canvas.", m.Width, m.Height)
			} else if p.T < lastT || p.T > MaxStrokeMillis {
				return FieldErrorf(EINVALID, f+".t", "times must not go backwards and stay within 10 minutes.")
			}
			lastT = p.T
			minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
			maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
		}
	}
	if total < MinPoints {
		return FieldErrorf(EINVALID, "signature.strokes", "too few points for a signature (at least %d).", MinPoints)
	}
	if maxX-minX < minSignatureExtent && maxY-minY < minSignatureExtent {
		return FieldErrorf(EINVALID, "signature.strokes", "this looks like a dot, not a signature.")
	}
	if bend(m.Strokes) < minSignatureExtent/2 {
		return FieldErrorf(EINVALID, "signature.strokes", "this looks like a straight line, not a signature.")
	}
	return nil
}

// bend returns the largest distance of any point from the line through the two
// points farthest apart in x or y: near zero for a straight line.
func bend(strokes [][]Point) float64 {
	var pts []Point
	for _, s := range strokes {
		pts = append(pts, s...)
	}
	a, b := pts[0], pts[0]
	for _, p := range pts {
		if p.X < a.X || (p.X == a.X && p.Y < a.Y) {
			a = p
		}
		if p.X > b.X || (p.X == b.X && p.Y > b.Y) {
			b = p
		}
	}
	if a.X == b.X { // vertical extent only
		for _, p := range pts {
			if p.Y < a.Y {
				a = p
			}
			if p.Y > b.Y {
				b = p
			}
		}
	}
	dx, dy := b.X-a.X, b.Y-a.Y
	length := math.Hypot(dx, dy)
	if length == 0 {
		return 0
	}
	var best float64
	for _, p := range pts {
		best = math.Max(best, math.Abs(dy*(p.X-a.X)-dx*(p.Y-a.Y))/length)
	}
	return best
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func (m *Mark) validateImage() error {
	if len(m.PNG) == 0 {
		return FieldErrorf(EINVALID, "signature.png_base64", "is required.")
	} else if len(m.PNG) > MaxPNGBytes {
		return FieldErrorf(ETOOLARGE, "signature.png_base64", "image too large (at most %d KiB).", MaxPNGBytes>>10)
	} else if !bytes.HasPrefix(m.PNG, pngMagic) {
		return FieldErrorf(EINVALID, "signature.png_base64", "not a PNG image.")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(m.PNG))
	h, ok := readPNGHeader(m.PNG)
	if err != nil || !ok {
		return FieldErrorf(EINVALID, "signature.png_base64", "not a valid PNG image.")
	} else if cfg.Width > MaxPNGWidth || cfg.Height > MaxPNGHeight || cfg.Width < 20 || cfg.Height < 10 {
		return FieldErrorf(EINVALID, "signature.png_base64", "image must be between 20x10 and %dx%d pixels (it is %dx%d).", MaxPNGWidth, MaxPNGHeight, cfg.Width, cfg.Height)
	} else if h.decodedSize() > MaxPNGDecodedBytes {
		// Bit depth and size are bounded from the header, before decoding.
		return FieldErrorf(EINVALID, "signature.png_base64",
			"image too large once decoded (%dx%d pixels at %d bits a channel); send an 8-bit PNG of at most %dx%d pixels.",
			h.width, h.height, h.depth, MaxPNGWidth, MaxPNGHeight)
	}
	if _, err := png.Decode(bytes.NewReader(m.PNG)); err != nil {
		return FieldErrorf(EINVALID, "signature.png_base64", "the PNG image is corrupt.")
	}
	return nil
}
