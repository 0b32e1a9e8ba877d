package pdf

import (
	"fmt"
	"strconv"
	"strings"

	goqr "github.com/piglig/go-qr"
)

// A sealed consent carries its verification link (see consent.VerifyLinks)
// as a QR code twice: small in the footer of page 1, where a reader of a
// printout looks first, and larger on the evidence page, each with the link
// as text so it can be typed. The codes are vector rectangles in the page's
// content stream: crisp at any print size, and a few hundred bytes.
const (
	qrFooterSide   = 15.0 // mm: 0.4 mm modules for a 37-module code, as phones read at 10 cm
	qrEvidenceSide = 32.0 // mm
	qrQuiet        = 2.0  // mm of white kept around the page-1 code (4 of its modules and more)
	// qrBand is how much higher page 1's text stops, so the footer code fits
	// between it and the footer rule with its quiet zone on both sides.
	qrBand = qrFooterSide + 2*qrQuiet - footerRuleGap
)

// verifyText holds the texts around the QR codes in one language.
type verifyText struct {
	Footer  string // before the link on page 1
	Heading string
	Intro   string
}

var verifyTexts = map[string]verifyText{
	"en": {
		Footer:  "Check this copy:",
		Heading: "Check this copy",
		Intro:   "Scan the code or type the address below to see whether the clinic issued this consent and whether it is still in effect. Compare the consent ID, content hash and signing time shown there with this paper.",
	},
	"es": {
		Footer:  "Verifique esta copia:",
		Heading: "Verifique esta copia",
		Intro:   "Escanee el código o escriba la dirección de abajo para ver si la clínica emitió este consentimiento y si sigue en vigor. Compare el ID del consentimiento, el hash del contenido y la hora de la firma que allí aparecen con este papel.",
	},
}

func verifyTextFor(locale string) verifyText {
	lang, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(locale, "_", "-")), "-")
	if t, ok := verifyTexts[lang]; ok {
		return t
	}
	return verifyTexts["en"]
}

// qrCode is a verification link and its QR code modules (true is dark),
// without the quiet zone: the page around the code is white.
type qrCode struct {
	url     string
	modules [][]bool
}

// newQR encodes url with error correction level M (15 %: a crease or a
// stain on paper), never raised. piglig/go-qr (a port of Nayuki's reference
// encoder) picks the segments and the mask by fixed rules, so the same link
// always gives the same modules (and the PDF the same bytes); it takes about
// a third less CPU than skip2/go-qrcode did and a hundredth of its
// allocations (4,700 per code).
func newQR(url string) (q *qrCode, err error) {
	defer func() { // a library panic on its own internal error is an error here
		if r := recover(); r != nil {
			q, err = nil, fmt.Errorf("QR code of the verification link: %v", r)
		}
	}()
	segs, err := goqr.MakeSegments(url)
	if err != nil {
		return nil, fmt.Errorf("QR code of the verification link: %w", err)
	}
	enc, err := goqr.EncodeSegments(segs, goqr.Medium, goqr.MinVersion, goqr.MaxVersion, -1, false)
	if err != nil {
		return nil, fmt.Errorf("QR code of the verification link: %w", err)
	}
	n := enc.Size()
	modules := make([][]bool, n)
	cells := make([]bool, n*n)
	for y := range modules {
		modules[y] = cells[y*n : (y+1)*n : (y+1)*n]
		for x := range modules[y] {
			modules[y][x] = enc.Module(x, y)
		}
	}
	return &qrCode{url: url, modules: modules}, nil
}

// drawQR fills the dark modules of the document's code with its top-left
// corner at (x, y) mm and a side of side mm. The modules are one path of
// horizontal runs in module units, filled once: no seams between modules,
// no rounding drift, and "q … Q" leaves gofpdf's colour state as it was.
func (d *doc) drawQR(x, y, side float64) {
	m := d.qr.modules
	n := len(m)
	k := d.f.GetConversionRatio()
	_, h := d.f.GetPageSize()
	u := side / float64(n) * k
	b := make([]byte, 0, n*n*3)
	b = fmt.Appendf(b, "q 0 g %s 0 0 %s %s %s cm\n", num(u), num(-u), num(x*k), num((h-y)*k))
	for r, row := range m {
		for c := 0; c < n; {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < n && row[c] {
				c++
			}
			b = strconv.AppendInt(b, int64(start), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(r), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(c-start), 10)
			b = append(b, " 1 re\n"...)
		}
	}
	b = append(b, "f Q"...)
	d.f.RawWriteStr(string(b))
}

// urlLines lays the link out in width w: on one line if it fits, else
// broken after its last "/" (before the consent ID and MAC), so no one has
// to guess whether a line break inside the token is part of it.
func (d *doc) urlLines(w, size float64, st style) []line {
	u := d.qr.url
	if d.p.measure(u, st, size) <= w {
		return d.p.layout([]span{{text: u, style: st}}, w, size)
	}
	i := strings.LastIndexByte(u, '/') + 1
	return d.p.layout([]span{{text: u[:i] + "\n" + u[i:], style: st}}, w, size)
}

// num formats a coordinate in points for the content stream.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// bottom is the lowest y text may reach on the current page: page 1 keeps
// a band free for the footer code.
func (d *doc) bottom() float64 {
	if d.qr != nil && d.f.PageNo() == 1 {
		return pageHeight - marginBottom - qrBand
	}
	return pageHeight - marginBottom
}

// footerQR draws page 1's small code at the right above the footer rule
// (at ruleY), with the link as text to its left.
func (d *doc) footerQR(ruleY float64) {
	if d.qr == nil || d.f.PageNo() != 1 {
		return
	}
	const size, lead = 7.0, 3.2
	x, y := marginLeft+contentWidth-qrFooterSide, ruleY-qrQuiet-qrFooterSide
	d.drawQR(x, y, qrFooterSide)
	w := contentWidth - qrFooterSide - 3
	lines := d.p.layout([]span{{text: verifyTextFor(d.c.Locale).Footer, style: styleBold}}, w, size)
	label := len(lines)
	lines = append(lines, d.urlLines(w, size, 0)...)
	top := y + qrFooterSide - float64(len(lines))*lead
	for i, ln := range lines {
		if i < label {
			d.color(colorMuted)
		} else {
			d.color(colorAccent)
		}
		d.p.drawLine(ln, marginLeft, top+float64(i)*lead, size)
	}
}

// verifyBlock draws the evidence page's code with what it is for and the
// link as text, kept together on one page.
func (d *doc) verifyBlock() {
	if d.qr == nil {
		return
	}
	t := verifyTextFor(d.c.Locale)
	d.ensure(6 + 5.6 + 4 + qrEvidenceSide + 4)
	d.sectionHeading(t.Heading)
	d.space(3)
	top := d.f.GetY()
	d.drawQR(marginLeft, top, qrEvidenceSide)
	x, w := marginLeft+qrEvidenceSide+6, contentWidth-qrEvidenceSide-6
	d.color(colorText)
	d.write([]span{{text: t.Intro}}, x, w, 8.5, 4.3)
	d.space(2)
	d.color(colorAccent)
	for _, ln := range d.urlLines(w, 9.5, styleBold) {
		d.ensure(4.8)
		d.p.drawLine(ln, x, d.f.GetY(), 9.5)
		d.space(4.8)
	}
	d.f.SetY(max(d.f.GetY(), top+qrEvidenceSide) + 4)
}
