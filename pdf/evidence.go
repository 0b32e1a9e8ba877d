package pdf

import (
	"strings"

	"github.com/consentd/consentd/consent"
)

// eventCell names a cell of the audit table as laid out: its column (and
// so its width), its style and its text.
type eventCell struct {
	col  int
	st   style
	text string
}

// evidenceColumns are the audit table's column widths in millimetres; they add up to contentWidth.
var evidenceColumns = [6]float64{27, 38, 30, 21, 40, 18}

// evidence draws the final page: the hashes that identify the document and
// its seal, and the consent's audit trail.
func (d *doc) evidence(events []*consent.AuditEvent) {
	d.addPage()
	d.sectionHeading(d.l.Evidence)
	d.color(colorText)
	d.write([]span{{text: d.l.EvidenceIntro}}, marginLeft, contentWidth, bodySize, bodyLeading)
	d.space(3)

	rows := [][2]string{
		{d.l.ConsentID, d.c.ID},
		{d.l.Template, d.c.TemplateSlug + " · " + d.l.Version + " " + itoa(d.c.TemplateVersion) + " · " + d.l.Locale + " " + d.c.Locale},
		{d.l.ContentSHA256, d.d.ContentSHA256},
		{d.l.TemplateSHA256, d.c.TemplateSHA256},
		{d.l.Created, utcTime(d.c.CreatedAt)},
		{d.l.ConsentSignedAt, utcTime(signedAt(d.c))},
		{d.l.CertSHA256, d.opts.CertSHA256},
		{d.l.Channels, d.channels()},
	}
	const labelW, size, lead = 52.0, 8.5, 4.3
	for _, r := range rows {
		if r[1] != "" {
			d.row(r, false, marginLeft, labelW, contentWidth, size, lead)
			d.space(0.8)
		}
	}
	d.space(2)
	d.verifyBlock()
	d.withdrawal()
	d.approval()
	d.teachBack()
	d.sectionHeading(d.l.AuditTrail)
	if len(events) == 0 {
		d.color(colorMuted)
		d.write([]span{{text: d.l.NoEvents}}, marginLeft, contentWidth, size, lead)
		return
	}
	d.eventRow([6]string{d.l.Time, d.l.Event, d.l.Actor, d.l.IP, d.l.UserAgent, d.l.Device}, true)
	for _, e := range events {
		if d.err != nil {
			return
		}
		d.eventRow([6]string{utcTime(e.At), e.Type, e.Actor, e.IP, e.UserAgent, e.DeviceID}, false)
	}
}

// channels says through which channel each signer signed, e.g. "Patient:
// remote (...) · Clinician: api (...)"; a channel without a description
// prints as recorded.
func (d *doc) channels() string {
	var parts []string
	for _, s := range d.c.Signatures {
		ch := s.Evidence.Channel
		if name, ok := d.l.ChannelNames[ch]; ok {
			ch = name
		}
		if ch != "" {
			parts = append(parts, d.l.role(s.Role)+": "+ch)
		}
	}
	return strings.Join(parts, " · ")
}

// eventRow draws one row of the audit table, wrapping every cell; a row that
// does not fit starts a new page, which repeats the header.
func (d *doc) eventRow(cells [6]string, header bool) {
	const size, lead, pad = 7.0, 3.2, 1.0
	f := d.f
	st := style(0)
	if header {
		st = styleBold
	}
	laid := [6][]line{}
	n := 1
	for i, c := range cells {
		// Most cells repeat from row to row (the event type, the actor, the
		// user agent, which breaks character by character), so each is laid
		// out once per document; the memo is the document's own.
		key := eventCell{col: i, st: st, text: c}
		ls, ok := d.eventCells[key]
		if !ok {
			ls = d.p.layout([]span{{text: c, style: st}}, evidenceColumns[i]-2*pad, size)
			if d.eventCells == nil {
				d.eventCells = map[eventCell][]line{}
			}
			d.eventCells[key] = ls
		}
		laid[i] = ls
		n = max(n, len(laid[i]))
	}
	if !d.countLines(n) {
		return
	}
	h := float64(n)*lead + 2*pad
	if !header && f.GetY()+h > d.bottom() {
		d.addPage()
		d.eventRow([6]string{d.l.Time, d.l.Event, d.l.Actor, d.l.IP, d.l.UserAgent, d.l.Device}, true)
	}
	y := f.GetY()
	if header {
		f.SetFillColor(colorFill[0], colorFill[1], colorFill[2])
		f.Rect(marginLeft, y, contentWidth, h, "F")
		d.color(colorAccent)
	} else {
		d.color(colorText)
	}
	x := marginLeft
	for i, ls := range laid {
		for j, ln := range ls {
			d.p.drawLine(ln, x+pad, y+pad+float64(j)*lead, size)
		}
		x += evidenceColumns[i]
	}
	f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
	f.SetLineWidth(0.15)
	f.Line(marginLeft, y+h, marginLeft+contentWidth, y+h)
	f.SetY(y + h)
}
