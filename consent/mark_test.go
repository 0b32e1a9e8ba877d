package consent

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func wave(n int, w, h float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		x := 10 + float64(i)*(w-20)/float64(n)
		y := h/2 + float64((i%4)-2)*h/10
		pts[i] = Point{X: x, Y: y, T: int64(i * 15)}
	}
	return pts
}

func TestMarkValidate(t *testing.T) {
	var pngBuf, jpgBuf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 200, 60))
	img.Set(5, 5, color.Gray{Y: 200})
	png.Encode(&pngBuf, img)
	jpeg.Encode(&jpgBuf, img, nil)
	line := make([]Point, 20)
	for i := range line {
		line[i] = Point{X: float64(10 + i*20), Y: float64(10 + i*5), T: int64(i)}
	}
	dot := make([]Point, 20)
	for i := range dot {
		dot[i] = Point{X: 100 + float64(i%3), Y: 50, T: int64(i)}
	}
	backwards := wave(20, 600, 200)
	backwards[5].T = 0
	tests := []struct {
		name  string
		mark  Mark
		forms []string
		field string // "" = valid
	}{
		{"drawn ok", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{wave(30, 600, 200)}}, SignatureForms, ""},
		{"form not allowed", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{wave(30, 600, 200)}}, []string{"typed"}, "signature.type"},
		{"unknown type", Mark{Type: "stamp"}, SignatureForms, "signature.type"},
		{"canvas too small", Mark{Type: "drawn", Width: 10, Height: 200, Strokes: [][]Point{wave(30, 600, 200)}}, SignatureForms, "signature.width"},
		{"no strokes", Mark{Type: "drawn", Width: 600, Height: 200}, SignatureForms, "signature.strokes"},
		{"empty stroke", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{{}}}, SignatureForms, "signature.strokes[0]"},
		{"outside canvas", Mark{Type: "drawn", Width: 100, Height: 100, Strokes: [][]Point{wave(30, 600, 200)}}, SignatureForms, "signature.strokes[0][3]"},
		{"time backwards", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{backwards}}, SignatureForms, "signature.strokes[0][5].t"},
		{"too few points", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{wave(5, 600, 200)}}, SignatureForms, "signature.strokes"},
		{"a dot", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{dot}}, SignatureForms, "signature.strokes"},
		{"a straight line", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]Point{line}}, SignatureForms, "signature.strokes"},
		{"too many strokes", Mark{Type: "drawn", Width: 600, Height: 200, Strokes: make([][]Point, MaxStrokes+1)}, SignatureForms, "signature.strokes"},
		{"png ok", Mark{Type: "image", PNG: pngBuf.Bytes()}, SignatureForms, ""},
		{"jpeg", Mark{Type: "image", PNG: jpgBuf.Bytes()}, SignatureForms, "signature.png_base64"},
		{"truncated png", Mark{Type: "image", PNG: pngBuf.Bytes()[:40]}, SignatureForms, "signature.png_base64"},
		{"no image", Mark{Type: "image"}, SignatureForms, "signature.png_base64"},
		{"typed ok", Mark{Type: "typed", Text: "zoë  müller"}, SignatureForms, ""},
		{"typed other name", Mark{Type: "typed", Text: "Someone"}, SignatureForms, "signature.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.mark.Validate(tt.forms, "Zoë Müller")
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if ErrorField(err) != tt.field || (ErrorCode(err) != EINVALID && ErrorCode(err) != ETOOLARGE) {
				t.Fatalf("got %v (field %q), want field %q", err, ErrorField(err), tt.field)
			}
		})
	}
}

func TestDecodePNGBase64RefusesLargeInputBeforeDecoding(t *testing.T) {
	big := make([]byte, (MaxPNGBytes+1024)*4/3)
	for i := range big {
		big[i] = 'A'
	}
	if _, err := DecodePNGBase64("f", string(big)); ErrorCode(err) != ETOOLARGE {
		t.Fatalf("got %v", err)
	}
	if _, err := DecodePNGBase64("f", "***"); ErrorCode(err) != EINVALID {
		t.Fatalf("got %v", err)
	}
}

func FuzzMarkValidate(f *testing.F) {
	f.Add(600, 200, 10.0, 20.0, int64(5), 30)
	f.Add(50, 50, -1.0, 5.0, int64(-3), 0)
	f.Fuzz(func(t *testing.T, w, h int, x, y float64, dt int64, n int) {
		if n < 0 || n > 2000 {
			return
		}
		pts := make([]Point, n)
		for i := range pts {
			pts[i] = Point{X: x + float64(i%7)*3, Y: y + float64(i%5)*4, T: int64(i) * dt}
		}
		m := Mark{Type: "drawn", Width: w, Height: h, Strokes: [][]Point{pts}}
		if err := m.Validate(SignatureForms, "x"); err != nil && ErrorCode(err) != EINVALID && ErrorCode(err) != ETOOLARGE {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
