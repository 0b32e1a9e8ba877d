package gofpdf

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestTextUTF8SameBytes: the patched Text writes what the original wrote
// ("BT %.2f %.2f Td (%s) Tj ET" with escape(utf8toutf16(s)), colour-wrapped)
// for random text including the escaped bytes and every UTF-8 length.
func TestTextUTF8SameBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []rune("aZ09 ()\\\r\nÀĮ̃ĩ(Ш⟨⟩✓·—中" + string(rune(0x2928)) + string(rune(0x5C5C)) + "\U00020BB7")
	for n := 0; n < 2000; n++ {
		var s []rune
		for k := rng.Intn(12); k > 0; k-- {
			s = append(s, alphabet[rng.Intn(len(alphabet))])
		}
		txt := string(s)
		x, y := rng.Float64()*300-5, rng.Float64()*300
		f := New("P", "mm", "A4", "")
		f.k, f.h, f.state = 72/25.4, 297, 1
		f.colorFlag = n%2 == 0
		f.color.text.str = "0.110 0.110 0.118 rg"
		f.currentFont.usedRunes = map[int]int{}
		before := f.buffer.Len()
		f.textUTF8(x, y, txt)
		want := sprintf("BT %.2f %.2f Td (%s) Tj ET", x*f.k, (f.h-y)*f.k, f.escape(utf8toutf16(txt, false)))
		if f.colorFlag {
			want = sprintf("q %s %s Q", f.color.text.str, want)
		}
		if got := f.buffer.String()[before:]; got != want+"\n" {
			t.Fatalf("%q: got %q, want %q", txt, got, want)
		}
		// Again on the same document: the runes are already known.
		before = f.buffer.Len()
		f.textUTF8(x, y, txt)
		if got := f.buffer.String()[before:]; got != want+"\n" {
			t.Fatalf("%q, second time: got %q, want %q", txt, got, want)
		}
		for _, r := range txt {
			if f.currentFont.usedRunes[int(r)] != int(r) {
				t.Fatalf("%q: rune %U not recorded", txt, r)
			}
		}
		if len(f.currentFont.usedRunes) != len(map[rune]bool(runeSet(txt))) {
			t.Fatalf("%q: usedRunes holds %d runes", txt, len(f.currentFont.usedRunes))
		}
		if !utf8.ValidString(txt) {
			t.Fatal("bad test string")
		}
	}
}

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

// TestReplaceShrinkingSameAsReplace: the in-place alias replacement gives
// what bytes.Replace gives, with aliases at the ends, adjacent and absent.
func TestReplaceShrinkingSameAsReplace(t *testing.T) {
	for _, tc := range []struct{ in, alias, repl string }{
		{"Page 1 of {nb}", "{nb}", "7"}, {"{nb}{nb}x{nb}", "{nb}", "12"}, {"none here", "{nb}", "3"},
		{"{nb}", "{nb}", ""}, {"a{nb}b{nb}", "{nb}", "{nb}"}, {"\x00{\x00n\x00b\x00}", "\x00{\x00n\x00b\x00}", "\x003"},
	} {
		want := strings.Replace(tc.in, tc.alias, tc.repl, -1)
		b := []byte(tc.in)
		if got := string(b[:replaceShrinking(b, tc.alias, tc.repl)]); got != want {
			t.Errorf("%q: got %q, want %q", tc.in, got, want)
		}
	}
}

// TestPathOperatorsSameBytes: Line, LineTo, MoveTo and SetFont write what
// the original fmt formats wrote, for random coordinates (negative, tiny,
// large, near rounding ties), and rgbColorValue's memo returns what the
// original computed.
func TestPathOperatorsSameBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	vals := []float64{0, -0.004, -0.005, 0.005, 0.015, 0.125, 1.005, 2.675, -2.675, 1e9 + 0.125, 841.885, -1e-12}
	for n := 0; n < 3000; n++ {
		v := func() float64 {
			if rng.Intn(3) == 0 {
				return vals[rng.Intn(len(vals))]
			}
			return rng.Float64()*2000 - 500
		}
		x1, y1, x2, y2 := v(), v(), v(), v()
		f := New("P", "mm", "A4", "")
		f.state = 1
		check := func(what, want string, draw func()) {
			before := f.buffer.Len()
			draw()
			if got := f.buffer.String()[before:]; got != want+"\n" {
				t.Fatalf("%s: got %q, want %q", what, got, want)
			}
		}
		check("Line", sprintf("%.2f %.2f m %.2f %.2f l S", x1*f.k, (f.h-y1)*f.k, x2*f.k, (f.h-y2)*f.k), func() { f.Line(x1, y1, x2, y2) })
		check("LineTo", sprintf("%.2f %.2f l", x1*f.k, (f.h-y1)*f.k), func() { f.LineTo(x1, y1) })
		check("MoveTo", sprintf("%.2f %.2f m", x2*f.k, (f.h-y2)*f.k), func() { f.MoveTo(x2, y2) })
		f.currentFont.i = "0a1b2c"
		f.fontSizePt = x1
		check("font size", sprintf("BT /F%s %.2f Tf ET", f.currentFont.i, f.fontSizePt), f.outFontSize)

		r, g, b := rng.Intn(300)-20, rng.Intn(300)-20, rng.Intn(300)-20
		if n%3 == 0 {
			g, b = r, r
		}
		for _, strs := range [][2]string{{"g", "rg"}, {"G", "RG"}, {"", ""}} {
			var want colorType
			want.ir, want.r = colorComp(r)
			want.ig, want.g = colorComp(g)
			want.ib, want.b = colorComp(b)
			want.mode = colorModeRGB
			want.gray = want.ir == want.ig && want.r == want.b
			if len(strs[0]) > 0 {
				if want.gray {
					want.str = sprintf("%.3f %s", want.r, strs[0])
				} else {
					want.str = sprintf("%.3f %.3f %.3f %s", want.r, want.g, want.b, strs[1])
				}
			} else {
				want.str = sprintf("%.3f %.3f %.3f", want.r, want.g, want.b)
			}
			for range [2]int{} {
				if got := rgbColorValue(r, g, b, strs[0], strs[1]); got != want {
					t.Fatalf("rgbColorValue(%d, %d, %d, %q, %q) = %+v, want %+v", r, g, b, strs[0], strs[1], got, want)
				}
			}
		}
	}
}

// TestOutputBytesSameAsOutput: OutputBytes gives the bytes Output writes,
// with a destination too small, large enough, or nil.
func TestOutputBytesSameAsOutput(t *testing.T) {
	doc := func() *Fpdf {
		f := New("P", "mm", "A4", "")
		f.SetCatalogSort(true)
		f.SetCreationDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		f.SetFont("Helvetica", "", 12)
		f.AddPage()
		f.Text(20, 20, "Page one (of two)")
		f.AddPage()
		f.Line(10, 10, 100, 100)
		return f
	}
	var want bytes.Buffer
	if err := doc().Output(&want); err != nil {
		t.Fatal(err)
	}
	for _, dst := range [][]byte{nil, make([]byte, 10), make([]byte, 0, 1<<20)} {
		got, err := doc().OutputBytes(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("OutputBytes (dst cap %d) differs from Output", cap(dst))
		}
	}
}

// TestChecksumLeavesCallerBytes: padding a table to four bytes for its
// checksum must not write into the bytes after it (a table is a slice of
// the caller's font file, which documents now share).
func TestChecksumLeavesCallerBytes(t *testing.T) {
	file := []byte{1, 2, 3, 4, 5, 0xEE, 0xEE, 0xEE}
	var utf utf8FontFile
	got := utf.generateChecksum(file[:5])
	if want := utf.generateChecksum([]byte{1, 2, 3, 4, 5, 0, 0, 0}); got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("checksum %v, want %v", got, want)
	}
	if file[5] != 0xEE || file[6] != 0xEE || file[7] != 0xEE {
		t.Fatalf("generateChecksum wrote into the bytes after the table: %v", file)
	}
}
