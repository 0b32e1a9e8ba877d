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
	// prepared holds the line's drawing runs when it came from the layout
	// cache (measured once for every document that draws it); nil otherwise.
	prepared *preparedRuns
}

// pen draws text in one document: the gofpdf document, the fonts it
// registered, and the font and size last selected (gofpdf writes a font
// change into the page on every SetFont call).
type pen struct {
	f      *gofpdf.Fpdf
	fonts  *fontSet
	font   int
	size   float64
	chosen bool
}

// use selects a font at a size in points.
func (p *pen) use(font int, size float64) {
	if p.chosen && p.font == font && p.size == size {
		return
	}
	p.f.SetFont(familyOf(font), "", size)
	p.font, p.size, p.chosen = font, size, true
}

// Synthetic bold: the glyph outlines are filled and stroked with a line
// boldStroke em wide, and every character advances by that much more, which
// is how PDF viewers embolden a font. One embedded font instead of two halves
// the per-document font work in gofpdf (parsing, font ID, subsetting).
const boldStroke = 0.045

// ptToMM converts points to millimetres.
const ptToMM = 25.4 / 72

// measure returns the width in mm of sanitised text s in a style at a size in
// points, from the same glyph advances gofpdf writes into the PDF.
func (p *pen) measure(s string, st style, size float64) float64 {
	units, n := 0, 0
	fs := p.fonts
	var lt *ttf
	if fs.latinBits != nil {
		lt = latinTTF()
	}
	for _, r := range s {
		n++
		// The common case, a BMP character of the Latin font, without the
		// calls (the same answer as below).
		if lt != nil && r >= 0 && r < 0x10000 && fs.latinBits[r>>6]&(1<<(r&63)) != 0 {
			units += int(lt.widths[r])
			continue
		}
		font := fs.fontOf(r)
		if font == fontNone {
			font = fontLatin
		}
		units += ttfOf(font).width(r)
	}
	w := float64(units) * size * ptToMM / 1000
	if st&styleBold != 0 {
		w += float64(n) * boldStroke * size * ptToMM
	}
	return w
}

// drawWord draws sanitised text s in one font with its baseline at (x, y)
// in a style, in the current text colour.
func (p *pen) drawWord(s string, font int, st style, x, y, size float64) {
	p.use(font, size)
	f := p.f
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

// clean turns control characters other than newlines into spaces.
func clean(s string) string {
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return strings.Map(func(r rune) rune {
				if (r < 0x20 && r != '\n') || r == 0x7F || (r >= 0x80 && r < 0xA0) {
					return ' '
				}
				return r
			}, s)
		}
	}
	return s
}

// splitWords cuts spans into sanitised words; a newline in a span forces a
// line break.
func (p *pen) splitWords(spans []span) []word {
	var words []word
	space := false
	for _, sp := range spans {
		for i, part := range strings.Split(p.sanitize(sp.text), "\n") {
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
func (p *pen) layout(spans []span, w, size float64) []line {
	w = max(w, 1)
	words := p.splitWords(spans)
	var lines []line
	var cur line
	x := 0.0
	var spaceW [4]float64
	for st := range spaceW {
		spaceW[st] = p.measure(" ", style(st), size)
	}
	for _, wd := range words {
		if wd.brk {
			lines = append(lines, cur)
			cur, x = line{}, 0
			continue
		}
		wd.width = p.measure(wd.text, wd.style, size)
		gap := 0.0
		if wd.space && len(cur.words) > 0 {
			gap = spaceW[wd.style&3]
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
			head, rest := p.breakWord(wd.text, wd.style, w, size)
			lines = append(lines, line{words: []word{{text: head, style: wd.style, width: p.measure(head, wd.style, size)}}})
			wd.text = rest
			wd.width = p.measure(rest, wd.style, size)
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
func (p *pen) breakWord(s string, st style, w, size float64) (string, string) {
	width := 0.0
	for i, r := range s {
		cw := p.measure(string(r), st, size)
		if width+cw > w && i > 0 {
			return s[:i], s[i:]
		}
		width += cw
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], s[n:]
}

// drawLine draws one laid out line with its top at y, starting at x. Runs of
// characters in one style and font are drawn with one Text call each, in
// visual order (right-to-left runs reversed, see visual); every run starts
// where the widths layout measured put it.
func (p *pen) drawLine(ln line, x, y, size float64) {
	baseline := y + size*0.3528*0.95 // ascent of DejaVu Sans ≈ 0.93 em
	if pr := ln.prepared; pr != nil && pr.size == size {
		for i, r := range pr.runs {
			p.drawWord(r.text, r.font, r.style, x, baseline, size)
			x += pr.widths[i]
		}
		return
	}
	for _, r := range p.runs(ln) {
		p.drawWord(r.text, r.font, r.style, x, baseline, size)
		x += p.measure(r.text, r.style, size)
	}
}

// textRun is text in one style and one font, in drawing order.
type textRun struct {
	text  string
	style style
	font  int
}

// runs returns a line's text as runs in drawing order.
func (p *pen) runs(ln line) []textRun {
	if out, ok := p.plainRuns(ln); ok {
		return out
	}
	var chars []rune
	var styles []style
	rtl := false
	for i, wd := range ln.words {
		if wd.space && i > 0 {
			chars, styles = append(chars, ' '), append(styles, wd.style)
		}
		for _, r := range wd.text {
			chars, styles = append(chars, r), append(styles, wd.style)
			rtl = rtl || isRTL(r)
		}
	}
	order, levels := identity(len(chars)), []int(nil)
	if rtl {
		order, levels = visual(chars)
	}
	var out []textRun
	var buf []rune
	flush := func(st style, font int) {
		if len(buf) > 0 {
			out = append(out, textRun{text: string(buf), style: st, font: font})
			buf = buf[:0]
		}
	}
	curStyle, curFont := style(0), fontLatin
	for _, i := range order {
		r := chars[i]
		if levels != nil && levels[i]%2 == 1 {
			r = mirror(r)
		}
		font := p.fonts.fontOf(r)
		if font == fontNone {
			font = fontLatin
		}
		if len(buf) > 0 && (styles[i] != curStyle || font != curFont) {
			flush(curStyle, curFont)
		}
		curStyle, curFont = styles[i], font
		buf = append(buf, r)
	}
	flush(curStyle, curFont)
	return out
}

// plainRuns is runs for the common line: left-to-right text drawn with the
// Latin font only, joined word by word without per-character work.
func (p *pen) plainRuns(ln line) ([]textRun, bool) {
	var out []textRun
	var buf strings.Builder
	cur := style(0)
	for i, wd := range ln.words {
		for j := 0; j < len(wd.text); j++ {
			if wd.text[j] >= 0x80 {
				for _, r := range wd.text {
					if isRTL(r) || p.fonts.fontOf(r) != fontLatin {
						return nil, false
					}
				}
				break
			}
		}
		if buf.Len() > 0 && wd.style != cur {
			out = append(out, textRun{text: buf.String(), style: cur})
			buf.Reset()
		}
		if wd.space && i > 0 {
			buf.WriteByte(' ')
		}
		cur = wd.style
		buf.WriteString(wd.text)
	}
	if buf.Len() > 0 {
		out = append(out, textRun{text: buf.String(), style: cur})
	}
	return out, true
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
