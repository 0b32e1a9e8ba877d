package pdf

import "strings"

// approvalText holds the template approval's fixed texts in one language.
// The approval's meaning is printed as the approver signed it.
type approvalText struct {
	Banner     string // every page of a PDF sealed while the version's approval is pending
	Heading    string
	Pending    string
	ApprovedBy string
	StaffID    string
	ApprovedAt string
	Meaning    string
}

var approvalTexts = map[string]approvalText{
	"en": {
		Banner:     "Not yet approved for use by the clinic's medical director",
		Heading:    "Template approval",
		Pending:    "Not yet approved for use by the clinic's medical director. When this document was sealed, no template approver had signed this version of the consent text.",
		ApprovedBy: "Approved by",
		StaffID:    "Staff ID",
		ApprovedAt: "Approved",
		Meaning:    "Meaning of the approval",
	},
	"es": {
		Banner:     "Not yet approved for use by the clinic's medical director · Aún no aprobado para su uso por el director médico de la clínica",
		Heading:    "Aprobación de la plantilla",
		Pending:    "Not yet approved for use by the clinic's medical director. Aún no aprobado para su uso por el director médico de la clínica. Cuando se selló este documento, ninguna persona autorizada había aprobado esta versión del texto.",
		ApprovedBy: "Aprobado por",
		StaffID:    "ID de personal",
		ApprovedAt: "Aprobado",
		Meaning:    "Significado de la aprobación",
	},
}

func approvalTextFor(locale string) approvalText {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if t, ok := approvalTexts[lang]; ok {
		return t
	}
	return approvalTexts["en"]
}

var (
	colorPending = [3]int{255, 236, 179} // amber fill, dark text: a notice, not an alarm
	colorPendInk = [3]int{90, 60, 0}
)

// banner is one notice across the top of every page.
type banner struct {
	text      string
	fill, ink [3]int
}

// topBanners draws the notices above the top margin of every page (it is
// called from the footer): a withdrawal copy's, and the pending approval of a
// consent sealed before its version was approved. Two share the space.
func (d *doc) topBanners() {
	var bs []banner
	if w := d.opts.Withdrawal; w != nil {
		bs = append(bs, banner{text: withdrawalBannerText(d.c.Locale, w), fill: colorWithdrawn, ink: [3]int{255, 255, 255}})
	}
	if d.c.Approval == nil {
		bs = append(bs, banner{text: approvalTextFor(d.c.Locale).Banner, fill: colorPending, ink: colorPendInk})
	}
	top, h := 4.5, 8.0
	if len(bs) == 2 {
		top, h = 2.0, 6.5 // 2.0-8.5 and 9.0-15.5, above the 16 mm margin
	}
	for i, b := range bs {
		d.drawBanner(b, top+float64(i)*(h+0.5), h)
	}
}

// drawBanner draws one notice in a filled band, on one line at the largest
// size at which it fits, down to 5 pt (then wrapped).
func (d *doc) drawBanner(b banner, top, h float64) {
	f := d.f
	f.SetFillColor(b.fill[0], b.fill[1], b.fill[2])
	f.Rect(marginLeft, top, contentWidth, h, "F")
	f.SetTextColor(b.ink[0], b.ink[1], b.ink[2])
	size := 8.5
	lines := d.p.layout([]span{{text: b.text, style: styleBold}}, contentWidth-6, size)
	for len(lines) > 1 && size > 5 {
		size -= 0.5
		lines = d.p.layout([]span{{text: b.text, style: styleBold}}, contentWidth-6, size)
	}
	for i, ln := range lines {
		d.p.drawLine(ln, marginLeft+3, top+(h-float64(len(lines))*size*0.3528)/2+float64(i)*size*0.3528, size)
	}
}

// approval draws the template approval on the evidence page: who approved
// the version, when and what it means, or that it was pending when sealed.
func (d *doc) approval() {
	t := approvalTextFor(d.c.Locale)
	d.sectionHeading(t.Heading)
	a := d.c.Approval
	if a == nil {
		d.color(colorPendInk)
		d.write([]span{{text: t.Pending, style: styleBold}}, marginLeft, contentWidth, bodySize, bodyLeading)
		d.space(2)
		return
	}
	const labelW, size, lead = 52.0, 8.5, 4.3
	for _, r := range [][2]string{{t.ApprovedBy, a.Name}, {t.StaffID, a.StaffID}, {t.ApprovedAt, utcTime(a.At)},
		{t.Meaning, a.Meaning}} {
		d.row(r, false, marginLeft, labelW, contentWidth, size, lead)
		d.space(0.8)
	}
	d.space(2)
}
