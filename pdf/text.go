package pdf

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// style is a text style bit set.
type style uint8

const (
	styleBold style = 1 << iota
	styleItalic
)

// span is a run of text in one style.
type span struct {
	text  string
	style style
}

// word is a piece of a line: a word, or a forced line break when brk is set.
type word struct {
	text  string
	style style
	space bool // a space precedes the word
	brk   bool
	width float64
}

// line is a laid out line of words.
type line struct {
	words []word
}

// setStyle selects the font for a style at a size in points. Bold and italic
// are drawn from the one regular font (see drawWord), so only the size matters.
// The font is selected once after registration, so comparing sizes suffices.
func setStyle(f *gofpdf.Fpdf, _ style, size float64) {
	if cur, _ := f.GetFontSize(); cur != size {
		f.SetFontSize(size)
	}
}

// Synthetic bold: the glyph outlines are filled and stroked with a line
// boldStroke em wide, and every character advances by that much more, which
// is how PDF viewers embolden a font. One embedded font instead of two halves
// the per-document font work in gofpdf (parsing, font ID, subsetting).
const boldStroke = 0.045

// measure returns the width in mm of s in a style, with the current font size.
func measure(f *gofpdf.Fpdf, s string, st style) float64 {
	w := f.GetStringWidth(s)
	if st&styleBold != 0 {
		size, _ := f.GetFontSize()
		w += float64(utf8.RuneCountInString(s)) * boldStroke * size * 25.4 / 72
	}
	return w
}

// drawWord draws s with its baseline at (x, y) in a style, in the current font and text colour.
func drawWord(f *gofpdf.Fpdf, s string, st style, x, y float64) {
	if st == 0 {
		f.Text(x, y, s)
		return
	}
	if st&styleItalic != 0 {
		f.TransformBegin()
		f.TransformSkewX(italicSkew, x, y)
	}
	if st&styleBold != 0 {
		f.RawWriteStr(boldStart(f))
		f.Text(x, y, s)
		f.RawWriteStr("Q\n")
	} else {
		f.Text(x, y, s)
	}
	if st&styleItalic != 0 {
		f.TransformEnd()
	}
}

// boldStart returns the operators that begin synthetic bold text in the
// current font size and text colour: fill and stroke (2 Tr), a stroke boldStroke
// em wide in the text colour, and as much extra advance per character (Tc).
func boldStart(f *gofpdf.Fpdf) string {
	size, _ := f.GetFontSize()
	r, g, b := f.GetTextColor()
	lw := boldStroke * size
	buf := make([]byte, 0, 64)
	buf = append(buf, "q 2 Tr "...)
	buf = strconv.AppendFloat(buf, lw, 'f', 3, 64)
	buf = append(buf, " w "...)
	for _, c := range [3]int{r, g, b} {
		buf = strconv.AppendFloat(buf, float64(c)/255, 'f', 3, 64)
		buf = append(buf, ' ')
	}
	buf = append(buf, "RG "...)
	buf = strconv.AppendFloat(buf, lw, 'f', 3, 64)
	buf = append(buf, " Tc\n"...)
	return string(buf)
}

// clean makes text safe for gofpdf: characters outside the Basic Multilingual
// Plane (emoji) crash its font subsetter, so they become U+FFFD, and control
// characters other than newlines become spaces.
func clean(s string) string {
	for _, r := range s {
		if r > 0xFFFF || (r < 0x20 && r != '\n') || r == 0x7F {
			return strings.Map(func(r rune) rune {
				switch {
				case r > 0xFFFF:
					return '\uFFFD'
				case r == '\n':
					return r
				case r < 0x20 || r == 0x7F:
					return ' '
				}
				return r
			}, s)
		}
	}
	return s
}

// splitWords cuts spans into words; a newline in a span forces a line break.
func splitWords(spans []span) []word {
	var words []word
	space := false
	for _, sp := range spans {
		for i, part := range strings.Split(clean(sp.text), "\n") {
			if i > 0 {
				words = append(words, word{brk: true})
				space = false
			}
			start := -1
			for j, r := range part {
				if r == ' ' || r == '\t' {
					if start >= 0 {
						words = append(words, word{text: part[start:j], style: sp.style, space: space})
						start = -1
					}
					space = true
					continue
				}
				if start < 0 {
					start = j
				}
			}
			if start >= 0 {
				words = append(words, word{text: part[start:], style: sp.style, space: space})
				space = false
			}
		}
	}
	// A word directly after the previous one in another style (e.g. "**bold**,")
	// joins without a space; the first word never has one.
	if len(words) > 0 {
		words[0].space = false
	}
	return words
}

// layout breaks spans into lines no wider than w (mm) at a font size in points.
// Words longer than a line are broken between characters, so hashes and user
// agents never overflow. Every line holds at least one character or ends at a
// forced break, so the number of lines is bounded by the length of the text,
// however narrow the column (it is never narrower than a character).
func layout(f *gofpdf.Fpdf, spans []span, w, size float64) []line {
	w = max(w, 1)
	words := splitWords(spans)
	var lines []line
	var cur line
	x := 0.0
	spaceW := map[style]float64{}
	for _, wd := range words {
		if wd.brk {
			lines = append(lines, cur)
			cur, x = line{}, 0
			continue
		}
		setStyle(f, wd.style, size)
		sw, ok := spaceW[wd.style]
		if !ok {
			sw = measure(f, " ", wd.style)
			spaceW[wd.style] = sw
		}
		wd.width = measure(f, wd.text, wd.style)
		gap := 0.0
		if wd.space && len(cur.words) > 0 {
			gap = sw
		}
		if x+gap+wd.width <= w {
			cur.words = append(cur.words, wd)
			x += gap + wd.width
			continue
		}
		if len(cur.words) > 0 {
			lines = append(lines, cur)
			cur, x = line{}, 0
		}
		for wd.width > w && wd.text != "" {
			head, rest := breakWord(f, wd.text, wd.style, w)
			lines = append(lines, line{words: []word{{text: head, style: wd.style, width: measure(f, head, wd.style)}}})
			wd.text = rest
			wd.width = measure(f, rest, wd.style)
		}
		wd.space = false
		cur.words = append(cur.words, wd)
		x = wd.width
	}
	if len(cur.words) > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// breakWord returns the longest prefix of s (at least one character) that fits in w, and the rest.
func breakWord(f *gofpdf.Fpdf, s string, st style, w float64) (string, string) {
	width := 0.0
	for i, r := range s {
		cw := measure(f, string(r), st)
		if width+cw > w && i > 0 {
			return s[:i], s[i:]
		}
		width += cw
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], s[n:]
}

// drawLine draws one laid out line with its top at y, starting at x. Each
// run of words in one style is drawn with a single Text call, the words
// joined by spaces: the font's space advance is the width layout measured
// (GetStringWidth sums the same glyph widths the viewer uses), so every word
// lands where a call per word would have put it.
func drawLine(f *gofpdf.Fpdf, ln line, x, y, size float64) {
	baseline := y + size*0.3528*0.95 // ascent of DejaVu Sans ≈ 0.93 em
	var buf []byte
	for i := 0; i < len(ln.words); {
		st := ln.words[i].style
		setStyle(f, st, size)
		sw := measure(f, " ", st)
		if ln.words[i].space && i > 0 {
			x += sw
		}
		start := x
		buf = append(buf[:0], ln.words[i].text...)
		x += ln.words[i].width
		j := i + 1
		for ; j < len(ln.words) && ln.words[j].style == st; j++ {
			if ln.words[j].space {
				buf = append(buf, ' ')
				x += sw
			}
			buf = append(buf, ln.words[j].text...)
			x += ln.words[j].width
		}
		drawWord(f, string(buf), st, start, baseline)
		i = j
	}
}
