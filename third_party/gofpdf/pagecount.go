package gofpdf

import (
	"bytes"
	"strconv"
)

// consentd patch: the page count only where it was asked for (PATCHES.md 10).
//
// AliasNbPages replaces its alias wherever the alias's bytes occur in a
// page, in any text: a patient named "Ana {nb}", or CJK characters whose
// UTF-16 bytes spell "{nb}", were printed with the page count in their place
// (the latter cut in half). TextPageCount records exactly where the count
// goes, and only there is it written.

// pageCountSpot is where a placeholder's bytes lie in a page's content.
type pageCountSpot struct{ off, n int }

// TextPageCount writes txt followed by placeholder at (x, y) as Text does;
// when the document is written, that placeholder, and no other text, is
// replaced by the number of pages. The caller measures the placeholder. It
// needs an open page and a UTF-8 font, drawn left to right without underline
// or strike-out.
func (f *Fpdf) TextPageCount(x, y float64, txt, placeholder string) {
	if f.err != nil {
		return
	}
	if f.state != 2 || !f.isCurrentUTF8 || f.isRTL || f.underline || f.strikeout || placeholder == "" {
		f.SetErrorf("TextPageCount needs an open page and a UTF-8 font, left to right, without underline or strike-out")
		return
	}
	page := f.pages[f.page]
	start := page.Len()
	f.textUTF8(x, y, txt+placeholder)
	// The line ends with the placeholder's escaped UTF-16 bytes, then ") Tj ET".
	enc := appendEscapedUTF16(nil, placeholder)
	i := bytes.LastIndex(page.Bytes()[start:], enc)
	if i < 0 {
		f.SetErrorf("TextPageCount: the placeholder was not written")
		return
	}
	if f.pageCountSpots == nil {
		f.pageCountSpots = map[int][]pageCountSpot{}
	}
	f.pageCountSpots[f.page] = append(f.pageCountSpots[f.page], pageCountSpot{off: start + i, n: len(enc)})
}

// putPageCounts writes the page count nb into the places TextPageCount
// recorded (in page order: pages are only appended to).
func (f *Fpdf) putPageCounts(nb int) {
	count := appendEscapedUTF16(nil, strconv.Itoa(nb))
	for n, spots := range f.pageCountSpots {
		b := f.pages[n].Bytes()
		out := make([]byte, 0, len(b)+len(spots)*len(count))
		prev := 0
		for _, s := range spots {
			out = append(out, b[prev:s.off]...)
			out = append(out, count...)
			prev = s.off + s.n
		}
		out = append(out, b[prev:]...)
		f.pages[n].Reset()
		f.pages[n].Write(out)
	}
}
