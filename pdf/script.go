package pdf

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/consentd/consentd/consent"
	"golang.org/x/text/unicode/norm"
)

// sanitize prepares text for layout: control characters become spaces,
// combining accents are composed (NFC), every character the domain does not
// accept as printable or this document's fonts cannot draw becomes visible
// as ⟨U+XXXX⟩ (records stored before the intake refused it: never a box, a
// bidi override or a crash), and Arabic letters take their joined forms.
func (p *pen) sanitize(s string) string {
	s = clean(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	arabic := false
	for _, r := range s {
		shaped := false
		if r >= 0x0621 && r <= 0x06D0 { // arabicForms' letters
			_, shaped = arabicForms[r]
		}
		if r == '\n' || (printable(r) && (shaped || p.fonts.fontOf(r) != fontNone)) {
			b.WriteRune(r)
			arabic = arabic || (r >= 0x0600 && r <= 0x06FF)
			continue
		}
		fmt.Fprintf(&b, "⟨U+%04X⟩", r)
	}
	if !arabic {
		return b.String()
	}
	// The joined forms are drawn, not the letters: a form this document's
	// font lacks (text collectRunes did not see) is shown as its letter's
	// code point too.
	out := shapeArabic(b.String())
	for _, r := range out {
		if r != '\n' && p.fonts.fontOf(r) == fontNone {
			var c strings.Builder
			for _, r := range out {
				if r == '\n' || p.fonts.fontOf(r) != fontNone {
					c.WriteRune(r)
				} else {
					fmt.Fprintf(&c, "⟨U+%04X⟩", unshaped(r))
				}
			}
			return c.String()
		}
	}
	return out
}

// unshaped returns the letter a presentation form was made from.
func unshaped(form rune) rune {
	for base, forms := range arabicForms {
		for _, f := range forms {
			if f == form {
				return base
			}
		}
	}
	return form
}

// Joining behaviour of tatweel and zero width joiner: they join on both
// sides but have no forms of their own.
const (
	tatweel = '\u0640'
	zwj     = '\u200d'
	lam     = '\u0644'
)

// joinsBefore reports whether r connects to the letter before it (it has a
// final form); joinsAfter whether it connects to the letter after it.
func joinsBefore(r rune) bool {
	f, ok := arabicForms[r]
	return r == tatweel || r == zwj || (ok && f[1] != 0)
}

func joinsAfter(r rune) bool {
	f, ok := arabicForms[r]
	return r == tatweel || r == zwj || (ok && f[2] != 0)
}

// shapeArabic replaces Arabic letters by the presentation forms their
// neighbours call for (isolated, final, initial, medial) and lam + alef by
// their ligature, in logical order: gofpdf draws glyphs one by one, and the
// presentation forms DejaVu carries are drawn joined. Combining marks are
// transparent to joining.
func shapeArabic(s string) string {
	in := []rune(s)
	out := make([]rune, 0, len(in))
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(in); j += step {
			if !unicode.Is(unicode.Mn, in[j]) {
				return in[j]
			}
		}
		return 0
	}
	prevJoins := func(i int) bool { return joinsAfter(neighbour(i, -1)) }
	for i := 0; i < len(in); i++ {
		r := in[i]
		forms, ok := arabicForms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		before := prevJoins(i) && joinsBefore(r)
		if r == lam {
			if next := neighbour(i, 1); next != 0 {
				if lig, ok := lamAlef[next]; ok {
					if before {
						out = append(out, lig[1])
					} else {
						out = append(out, lig[0])
					}
					// Skip to the alef (marks between lam and alef are dropped with it).
					for i++; in[i] != next; i++ {
					}
					continue
				}
			}
		}
		after := joinsAfter(r) && joinsBefore(neighbour(i, 1))
		var form rune
		switch {
		case before && after:
			form = forms[3]
		case before:
			form = forms[1]
		case after:
			form = forms[2]
		default:
			form = forms[0]
		}
		if form == 0 {
			form = r
		}
		out = append(out, form)
	}
	return string(out)
}

// printableBMP holds consent.Printable for the whole BMP as a bit set:
// sanitize asks for every character of every non-ASCII string, and
// unicode.Is searches a range table each time. Built once (a few ms).
var printableBMP = sync.OnceValue(func() []uint64 {
	bits := make([]uint64, 0x10000/64)
	for r := rune(0); r < 0x10000; r++ {
		if consent.Printable(r) {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return bits
})

// printable is consent.Printable, from printableBMP in the BMP.
func printable(r rune) bool {
	if r >= 0 && r < 0x10000 {
		return printableBMP()[r>>6]&(1<<(r&63)) != 0
	}
	return consent.Printable(r)
}
