package pdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/consentd/consentd/consent"
	"github.com/jung-kurt/gofpdf"
)

// Signature block geometry in millimetres.
const (
	markBoxW  = 74.0
	markBoxH  = 30.0
	detailX   = marginLeft + markBoxW + 6
	detailW   = contentWidth - markBoxW - 6
	detailLab = 34.0
)

// signatures draws one block per signer, in signing order.
func (d *doc) signatures() {
	if len(d.c.Signatures) == 0 {
		return
	}
	// Keep the heading with the first block.
	d.ensure(12 + markBoxH + 20)
	d.sectionHeading(d.l.Signatures)
	for i := range d.c.Signatures {
		d.signatureBlock(&d.c.Signatures[i])
	}
}

// details returns the label/value rows printed beside a signature mark.
func (d *doc) details(s *consent.Signature) [][2]string {
	rows := [][2]string{{d.l.Name, s.Name}}
	if s.Relationship != "" {
		rows = append(rows, [2]string{d.l.Relationship, s.Relationship})
	}
	if s.StaffID != "" {
		rows = append(rows, [2]string{d.l.StaffID, s.StaffID})
	}
	if s.IdentityVerified {
		rows = append(rows, [2]string{d.l.IdentityVerified, d.l.Yes})
	}
	rows = append(rows, [2]string{d.l.SignedAt, utcTime(s.SignedAt)})
	if d.opts.TimeZone != nil && d.opts.TimeZone.String() != "UTC" {
		rows = append(rows, [2]string{d.l.ClinicTime, zoneTime(s.SignedAt, d.opts.TimeZone)})
	}
	return rows
}

// signatureBlock draws a signer's role, meaning statement, mark and details,
// all on one page.
func (d *doc) signatureBlock(s *consent.Signature) {
	const lead, size = 4.4, 8.5
	meaning := []span{{text: "“" + s.Meaning + "”", style: styleItalic}}
	rows := d.details(s)
	detailsH := 0.0
	for _, r := range rows {
		detailsH += d.rowHeight(r, detailLab, detailW, size, lead)
	}
	h := 6 + d.height(meaning, contentWidth, size, lead) + 2 + max(markBoxH, detailsH) + 7
	d.ensure(h)

	d.color(colorAccent)
	d.write([]span{{text: d.l.role(s.Role), style: styleBold}}, marginLeft, contentWidth, 10, 5.2)
	if s.Meaning != "" {
		d.color(colorMuted)
		d.write(meaning, marginLeft, contentWidth, size, lead)
	}
	d.space(2)

	top := d.f.GetY()
	d.markBox(s, marginLeft, top)
	d.f.SetY(top)
	for i, r := range rows {
		d.row(r, i == 0, detailX, detailLab, detailW, size, lead)
	}
	d.f.SetY(max(top+markBoxH, d.f.GetY()) + 4)
	d.rule()
	d.space(3)
}

// markBox draws the visible signature into a framed box at (x, y).
func (d *doc) markBox(s *consent.Signature, x, y float64) {
	f := d.f
	f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
	f.SetLineWidth(0.2)
	f.Rect(x, y, markBoxW, markBoxH, "D")
	const pad = 2.0
	bx, by, bw, bh := x+pad, y+pad, markBoxW-2*pad, markBoxH-2*pad
	m := s.Mark
	switch {
	case m.Type == "drawn" && len(m.Strokes) > 0 && m.Width > 0 && m.Height > 0:
		drawStrokes(f, m, bx, by, bw, bh)
	case m.Type == "image" && len(m.PNG) > 0:
		d.drawPNG(m.PNG, bx, by, bw, bh)
	default:
		text := m.Text
		if text == "" {
			text = s.Name
		}
		d.drawTyped(text, bx, by, bw, bh)
	}
}

// drawStrokes draws a drawn signature as vector paths, scaled uniformly from
// its canvas into the box and centred.
func drawStrokes(f *gofpdf.Fpdf, m consent.Mark, x, y, w, h float64) {
	scale := min(w/float64(m.Width), h/float64(m.Height))
	ox := x + (w-float64(m.Width)*scale)/2
	oy := y + (h-float64(m.Height)*scale)/2
	f.SetDrawColor(colorInk[0], colorInk[1], colorInk[2])
	f.SetFillColor(colorInk[0], colorInk[1], colorInk[2])
	f.SetLineWidth(0.45)
	f.SetLineCapStyle("round")
	f.SetLineJoinStyle("round")
	for _, st := range m.Strokes {
		switch len(st) {
		case 0:
			continue
		case 1:
			f.Circle(ox+st[0].X*scale, oy+st[0].Y*scale, 0.25, "F")
			continue
		}
		f.MoveTo(ox+st[0].X*scale, oy+st[0].Y*scale)
		for _, p := range st[1:] {
			f.LineTo(ox+p.X*scale, oy+p.Y*scale)
		}
		f.DrawPath("D")
	}
	f.SetLineCapStyle("butt")
	f.SetLineJoinStyle("miter")
}

// maxStoredPNGDecoded bounds the decoded size of a stored image signature
// at render time: images accepted before the intake normalised them could be
// 16-bit, twice the intake's bound, and must still seal.
const maxStoredPNGDecoded = 2 * consent.MaxPNGDecodedBytes

// drawPNG places a PNG signature, registered once per document under its hash,
// scaled to fit the box. An image not in the form gofpdf embeds (16-bit,
// interlaced, odd chunks: stored before the intake normalised images) is
// normalised here; one that still cannot be drawn is named by its hash
// instead, so the consent always seals.
func (d *doc) drawPNG(png []byte, x, y, w, h float64) {
	f := d.f
	sum := sha256.Sum256(png)
	name := "sig-" + hex.EncodeToString(sum[:8])
	opt := gofpdf.ImageOptions{ImageType: "PNG"}
	info := f.GetImageInfo(name)
	if info == nil {
		if norm, err := consent.NormalizePNG(png, maxStoredPNGDecoded); err == nil {
			info = f.RegisterImageOptionsReader(name, opt, bytes.NewReader(norm))
		}
	}
	if f.Err() {
		f.ClearError()
		info = nil
	}
	if info == nil || info.Width() <= 0 || info.Height() <= 0 {
		d.drawTyped(d.l.ImageUnreadable+" SHA-256 "+hex.EncodeToString(sum[:]), x, y, w, h)
		return
	}
	scale := min(w/info.Width(), h/info.Height())
	iw, ih := info.Width()*scale, info.Height()*scale
	f.ImageOptions(name, x+(w-iw)/2, y+(h-ih)/2, iw, ih, false, opt, 0, "")
}

// drawTyped draws a typed signature in a large slanted style, shrunk to fit.
func (d *doc) drawTyped(text string, x, y, w, h float64) {
	size := 22.0
	clean := d.p.sanitize(text)
	for size > 9 && d.p.measure(clean, styleItalic, size) > w-4 {
		size--
	}
	lines := d.p.layout([]span{{text: text, style: styleItalic}}, w-4, size)
	lead := size * 0.3528 * 1.2
	top := y + (h-float64(len(lines))*lead)/2
	d.color(colorInk)
	for i, ln := range lines {
		lw := 0.0
		for _, wd := range ln.words {
			lw += wd.width
		}
		d.p.drawLine(ln, x+(w-lw)/2, top+float64(i)*lead, size)
	}
}
