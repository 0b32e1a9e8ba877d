package pdf

import (
	"github.com/consentd/consentd/consent"
)

// Hard caps on one document. The layout always makes progress (every line
// consumes at least one character), so a document is finite; these caps bound
// how large it may grow before rendering gives up with an error, whatever a
// template or an old record holds. The largest template the validation
// accepts (100 sections of 20,000 characters) lays out in well under them.
var docLimits = struct{ pages, lines int }{pages: 1000, lines: 60000}

const (
	// minColumn is the narrowest column text is laid out in (mm): nested
	// lists and quotes stop indenting once another level would leave less.
	minColumn = 40.0
)

// errTooLong is returned when a document passes docLimits.
func errTooLong(c *consent.Consent) error {
	return consent.Errorf(consent.EINVALID,
		"The consent document is too long to print (more than %d pages or %d lines); template %s version %d must be shortened.",
		docLimits.pages, docLimits.lines, c.TemplateSlug, c.TemplateVersion)
}

// addPage starts a new page unless the document already has docLimits.pages; past
// the cap it records the error and keeps drawing on the last page, so every
// caller still finishes (its input is finite) and render returns the error.
func (d *doc) addPage() {
	if d.err != nil {
		return
	}
	if d.f.PageNo() >= docLimits.pages {
		d.err = errTooLong(d.c)
		return
	}
	d.f.AddPage()
}

// countLines adds n drawn lines to the document's total and reports whether
// drawing may go on.
func (d *doc) countLines(n int) bool {
	if d.err != nil {
		return false
	}
	d.lines += n
	if d.lines > docLimits.lines {
		d.err = errTooLong(d.c)
		return false
	}
	return true
}

// indent returns the column nested by mm inside (x, w); once a level would
// leave less than minColumn the column stays as it is, so deep nesting can
// never leave text without room.
func indent(x, w, mm float64) (float64, float64) {
	if w-mm < minColumn {
		return x, w
	}
	return x + mm, w - mm
}
