package pdf

import (
	"testing"

	"github.com/consentd/consentd/consent"
	"golang.org/x/text/unicode/norm"
)

// TestPrintableRunesHaveGlyphs proves the domain's rule and the embedded
// fonts agree: every rune consent.Printable accepts has a real glyph (not
// .notdef) in DejaVu or Droid, so does what NFC composes it to, and every
// presentation form the Arabic shaping draws is in DejaVu. If someone widens
// the rule or regenerates the fonts with less, this fails.
func TestPrintableRunesHaveGlyphs(t *testing.T) {
	lt, ct := latinTTF(), cjkTTF()
	n := 0
	for r := rune(0); r <= 0x10FFFF; r++ {
		if !consent.Printable(r) {
			continue
		}
		n++
		if !lt.has(r) && !ct.has(r) {
			t.Errorf("U+%04X is printable but no embedded font has a glyph for it", r)
		}
		for _, c := range norm.NFC.String(string(r)) {
			if !lt.has(c) && !ct.has(c) {
				t.Errorf("U+%04X composes (NFC) to U+%04X, which has no glyph", r, c)
			}
		}
	}
	if n < 30000 {
		t.Errorf("only %d printable runes", n)
	}
	for base, forms := range arabicForms {
		for _, f := range forms {
			if f != 0 && !lt.has(f) {
				t.Errorf("presentation form U+%04X of U+%04X has no glyph", f, base)
			}
		}
		if !consent.Printable(base) {
			t.Errorf("U+%04X is shaped but not printable", base)
		}
	}
	for _, l := range lamAlef {
		if !lt.has(l[0]) || !lt.has(l[1]) {
			t.Errorf("lam-alef ligature %U has no glyph", l)
		}
	}
	for r := range baseRunes() {
		if !lt.has(r) {
			t.Errorf("the renderer draws U+%04X itself but DejaVu has no glyph", r)
		}
	}
	for _, r := range []rune{0x0928, 0x1200, 0x0E01, 0x20BB7, 0x202E, 0x2067, 0x200F, 0x064E, 0x05B8} {
		if consent.Printable(r) {
			t.Errorf("U+%04X must not be printable", r)
		}
	}
}
