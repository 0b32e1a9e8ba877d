package pdf

import (
	"fmt"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/jung-kurt/gofpdf"
)

// RenderOptions are the document settings that do not come from the consent.
type RenderOptions struct {
	ClinicName string
	TimeZone   *time.Location // clinic's zone; times are printed in UTC and in this zone (UTC when nil)
	CertSHA256 string         // fingerprint of the sealing certificate, printed on the evidence page
	Withdrawal *Withdrawal    // set for a withdrawn consent's withdrawal copy (see withdrawn.go)
	// VerifyURL is the consent's verification link, drawn as a QR code and
	// printed as text on page 1 and the evidence page; "" draws none.
	VerifyURL string

	noLayoutCache bool // lay out the document's text afresh (tests compare the bytes)
	noFontCache   bool // cut the fonts afresh, and parse and cut them afresh in gofpdf (tests compare the bytes)
}

// Page geometry in millimetres (A4 portrait).
const (
	marginLeft   = 18.0
	marginTop    = 16.0
	marginBottom = 20.0
	pageWidth    = 210.0
	pageHeight   = 297.0
	contentWidth = pageWidth - 2*marginLeft
	bodySize     = 9.5 // points
	bodyLeading  = 4.6 // mm per line of body text
	// footerRuleGap is how far below the text's bottom margin the footer rule is.
	footerRuleGap = 6.0
)

var (
	colorText   = [3]int{28, 28, 30}
	colorMuted  = [3]int{95, 99, 104}
	colorAccent = [3]int{22, 64, 110}
	colorRule   = [3]int{190, 195, 200}
	colorFill   = [3]int{240, 243, 246}
	colorOK     = [3]int{0, 122, 61}
	colorInk    = [3]int{15, 35, 95}
)

// doc is one document being drawn.
type doc struct {
	f    *gofpdf.Fpdf
	p    *pen
	l    *labels
	c    *consent.Consent
	d    consent.Document
	opts RenderOptions
	meta sealMetadata
	qr   *qrCode // the verification link's code; nil draws none
	// layouts keeps the document text's laid-out lines across documents; nil lays out afresh.
	layouts *layoutCache

	colored bool       // color has set the text colour once
	md      *parsedDoc // the Markdown being drawn (see markdown)
	// eventCells keeps this document's audit table cells as laid out (see eventRow).
	eventCells map[eventCell][]line

	lines int   // lines drawn so far (see docLimits)
	err   error // set when a cap is passed; render returns it
}

// Render draws a signed consent and its audit events as an unsealed PDF. The
// bytes depend only on the arguments: the creation date is the consent's
// signing time and the catalog is sorted, so rendering twice gives the same file.
func Render(c *consent.Consent, events []*consent.AuditEvent, opts RenderOptions) ([]byte, error) {
	// The uncompressed file is only read by compressStreams, which copies
	// what it keeps, so its storage goes back to plainBuffers.
	var buf []byte
	select {
	case buf = <-plainBuffers:
	default:
	}
	plain, err := renderTo(buf, c, events, opts, false)
	if err != nil {
		return nil, err
	}
	out, err := compressStreams(plain)
	select {
	case plainBuffers <- plain[:0]:
	default:
	}
	if err != nil {
		return nil, fmt.Errorf("render consent %s: %w", c.ID, err)
	}
	return out, nil
}

// plainBuffers holds storage for uncompressed files (about 140 KB for the
// ketamine consent), so each render does not allocate and grow its own.
var plainBuffers = make(chan []byte, 4)

// render draws the document; gofpdf compresses the pages only when
// gofpdfCompress is set (Render compresses them itself, see compress.go).
func render(c *consent.Consent, events []*consent.AuditEvent, opts RenderOptions, gofpdfCompress bool) ([]byte, error) {
	return renderTo(nil, c, events, opts, gofpdfCompress)
}

// renderTo is render writing the file into dst's storage when it has room.
func renderTo(dst []byte, c *consent.Consent, events []*consent.AuditEvent, opts RenderOptions, gofpdfCompress bool) ([]byte, error) {
	if c == nil {
		return nil, consent.Errorf(consent.EINVALID, "No consent to render.")
	}
	document, ok := c.Documents[c.Locale]
	if !ok {
		return nil, consent.FieldErrorf(consent.EINVALID, "locale", "the consent has no document in locale %q", c.Locale)
	}
	if opts.TimeZone == nil {
		opts.TimeZone = time.UTC
	}
	d := &doc{c: c, d: document, l: labelsFor(c.Locale), opts: opts, meta: metadataFor(c, opts.Withdrawal)}
	if !opts.noLayoutCache {
		d.layouts = documentLayouts
	}
	if opts.VerifyURL != "" {
		qr, err := newQR(opts.VerifyURL)
		if err != nil {
			return nil, err
		}
		d.qr = qr
	}
	d.f = gofpdf.New("P", "mm", "A4", "")
	f := d.f
	f.SetCatalogSort(true)
	// The patched gofpdf shares parsed and cut fonts between documents
	// (third_party/gofpdf/PATCHES.md; TestFontCacheSameBytes).
	f.SetUTF8FontCache(!opts.noFontCache)
	f.SetCompression(gofpdfCompress)
	created := signedAt(c)
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetProducer("consentd", false)
	f.SetCreator("consentd", false)
	f.SetTitle(metaText(document.Title), true)
	f.SetAuthor(metaText(opts.ClinicName), true)
	f.SetSubject(metaText(fmt.Sprintf("%s: %s", d.l.Patient, c.Patient.FullName())), true)
	kw, err := d.meta.keywords()
	if err != nil {
		return nil, err
	}
	f.SetKeywords(kw, true)
	f.SetMargins(marginLeft, marginTop, marginLeft)
	f.SetAutoPageBreak(false, marginBottom)
	d.p = &pen{f: f, fonts: registerFonts(f, collectRunes(c, document, events, opts), !opts.noFontCache)}
	d.p.use(fontLatin, bodySize)
	f.SetFooterFunc(d.footer)
	d.addPage()

	d.header()
	d.patientBlock()
	d.changeSummary()
	for _, s := range document.Sections {
		d.section(s)
	}
	d.disclosure()
	d.signatures()
	d.evidence(events)
	if d.err != nil {
		return nil, d.err
	}

	out, err := f.OutputBytes(dst)
	if err != nil {
		return nil, fmt.Errorf("render consent %s: %w", c.ID, err)
	}
	return out, nil
}

// signedAt is the consent's signing time, or its last signature's when not yet set.
func signedAt(c *consent.Consent) time.Time {
	if c.SignedAt != nil {
		return c.SignedAt.UTC()
	}
	var t time.Time
	for _, s := range c.Signatures {
		if s.SignedAt.After(t) {
			t = s.SignedAt
		}
	}
	return t.UTC()
}

// color sets the text colour.
func (d *doc) color(c [3]int) {
	// gofpdf formats the colour's operator on every call and writes nothing
	// until text is drawn, so an unchanged colour is skipped. Only after the
	// first call: gofpdf's initial black is written differently.
	if r, g, b := d.f.GetTextColor(); d.colored && r == c[0] && g == c[1] && b == c[2] {
		return
	}
	d.f.SetTextColor(c[0], c[1], c[2])
	d.colored = true
}

// ensure starts a new page unless h millimetres fit above the bottom margin.
func (d *doc) ensure(h float64) {
	if d.f.GetY()+h > d.bottom() {
		d.addPage()
	}
}

// space moves down by h millimetres.
func (d *doc) space(h float64) { d.f.SetY(d.f.GetY() + h) }

// write lays out spans in a column at x of width w and draws them from the
// current position, breaking pages between lines.
func (d *doc) write(spans []span, x, w, size, leading float64) {
	d.drawLines(d.p.layout(spans, w, size), x, size, leading)
}

// writeText is write for the document's own text (the same for every
// patient of a template version and locale), laid out through the cache.
func (d *doc) writeText(spans []span, x, w, size, leading float64) {
	d.drawLines(d.layouts.layout(d.p, spans, w, size), x, size, leading)
}

// drawLines draws laid out lines in a column at x from the current
// position, breaking pages between lines.
func (d *doc) drawLines(lines []line, x, size, leading float64) {
	if !d.countLines(len(lines)) {
		return
	}
	for _, ln := range lines {
		d.ensure(leading)
		y := d.f.GetY()
		d.p.drawLine(ln, x, y, size)
		d.f.SetY(y + leading)
	}
}

// height returns how tall spans are when laid out in width w.
func (d *doc) height(spans []span, w, size, leading float64) float64 {
	return float64(len(d.p.layout(spans, w, size))) * leading
}

// rule draws a horizontal line across the content width at the current position.
func (d *doc) rule() {
	y := d.f.GetY()
	d.f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
	d.f.SetLineWidth(0.2)
	d.f.Line(marginLeft, y, marginLeft+contentWidth, y)
}

// header draws the clinic, title and template identification.
func (d *doc) header() {
	f := d.f
	if d.opts.ClinicName != "" {
		d.color(colorMuted)
		d.write([]span{{text: d.opts.ClinicName, style: styleBold}}, marginLeft, contentWidth, 10, 5)
		d.space(1)
	}
	d.color(colorAccent)
	d.write([]span{{text: d.d.Title, style: styleBold}}, marginLeft, contentWidth, 17, 7.5)
	d.space(1)
	d.color(colorMuted)
	line := fmt.Sprintf("%s %s · %s %d · %s %s", d.l.Template, d.c.TemplateSlug, d.l.Version, d.c.TemplateVersion, d.l.Locale, d.c.Locale)
	d.write([]span{{text: line}}, marginLeft, contentWidth, 8, 3.8)
	d.write([]span{{text: d.l.ContentSHA256 + ": "}, {text: d.d.ContentSHA256}}, marginLeft, contentWidth, 8, 3.8)
	d.space(2)
	d.rule()
	d.space(3)
	f.SetX(marginLeft)
}

// patientBlock draws the shaded patient identification box.
func (d *doc) patientBlock() {
	f := d.f
	p := d.c.Patient
	rows := [][2]string{
		{d.l.Name, p.FullName()},
		{d.l.BirthDate, p.BirthDate},
		{d.l.PatientID, p.ID},
		{d.l.ConsentID, d.c.ID},
	}
	const lead, labelW = 5.0, 42.0
	top := f.GetY()
	h := float64(len(rows))*lead + 9
	f.SetFillColor(colorFill[0], colorFill[1], colorFill[2])
	f.Rect(marginLeft, top, contentWidth, h, "F")
	f.SetY(top + 2)
	d.color(colorAccent)
	d.write([]span{{text: d.l.Patient, style: styleBold}}, marginLeft+4, contentWidth-8, 10, 5)
	for i, r := range rows {
		d.row(r, i == 0, marginLeft+4, labelW, contentWidth-8, bodySize, lead)
	}
	f.SetY(top + h + 5)
}

// row draws a label and its value side by side in a column at x of width w;
// the value starts labelW from x. The next row starts below the taller of the two.
func (d *doc) row(r [2]string, bold bool, x, labelW, w, size, lead float64) {
	y := d.f.GetY()
	d.color(colorMuted)
	d.write([]span{{text: r[0]}}, x, labelW-1.5, size, lead)
	end := d.f.GetY()
	d.f.SetY(y)
	d.color(colorText)
	st := style(0)
	if bold {
		st = styleBold
	}
	d.write([]span{{text: r[1], style: st}}, x+labelW, w-labelW, size, lead)
	d.f.SetY(max(end, d.f.GetY()))
}

// rowHeight returns the height row needs.
func (d *doc) rowHeight(r [2]string, labelW, w, size, lead float64) float64 {
	return max(d.height([]span{{text: r[0]}}, labelW-1.5, size, lead), d.height([]span{{text: r[1], style: styleBold}}, w-labelW, size, lead))
}

// footer draws the patient identification and page number on every page (and
// a withdrawal copy's banner at the top).
func (d *doc) footer() {
	d.topBanners()
	f := d.f
	y := pageHeight - marginBottom + footerRuleGap
	d.footerQR(y)
	f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
	f.SetLineWidth(0.2)
	f.Line(marginLeft, y, marginLeft+contentWidth, y)
	d.color(colorMuted)
	p := d.c.Patient
	left := fmt.Sprintf("%s · %s %s · %s %s · %s %s v%d", p.FullName(), d.l.DOB, p.BirthDate,
		d.l.ConsentID, d.c.ID, d.l.Template, d.c.TemplateSlug, d.c.TemplateVersion)
	// The page count is written where the placeholder is once the document
	// is complete (TextPageCount: there and nowhere else, whatever the text
	// holds), so the placeholder is measured as the widest case.
	page := fmt.Sprintf("%s %d %s ", d.l.Page, f.PageNo(), d.l.Of)
	pw := d.p.measure(page+pageCountPlaceholder, 0, 7)
	lines := d.p.layout([]span{{text: left}}, contentWidth-pw-6, 7)
	for i, ln := range lines {
		d.p.drawLine(ln, marginLeft, y+1.5+float64(i)*3.2, 7)
	}
	d.p.use(fontLatin, 7)
	f.TextPageCount(marginLeft+contentWidth-pw, y+1.5+0.3528*7*0.95, page, pageCountPlaceholder)
}

// pageCountPlaceholder stands for the page count in the footer until the
// document is complete.
const pageCountPlaceholder = "{nb}"
