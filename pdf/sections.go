package pdf

import (
	"time"

	"github.com/consentd/consentd/consent"
)

// utcTime formats a time as printed on the document, e.g. "2026-11-25 09:44:00.123 UTC".
func utcTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
}

// zoneTime formats a time in the clinic's zone with its name, e.g.
// "2026-11-25 10:44:00.123 CET (Europe/Madrid)".
func zoneTime(t time.Time, loc *time.Location) string {
	s := t.In(loc).Format("2006-01-02 15:04:05.000 MST")
	if name := loc.String(); name != "UTC" && name != "Local" {
		s += " (" + name + ")"
	}
	return s
}

// sectionHeading draws a document-level heading in the accent colour, keeping
// it on the page with at least a few lines of what follows.
func (d *doc) sectionHeading(s string) {
	d.ensure(6 + 3*bodyLeading)
	d.space(1.5)
	d.color(colorAccent)
	d.writeText([]span{{text: s, style: styleBold}}, marginLeft, contentWidth, 11.5, 5.6)
	d.space(0.8)
}

// acknowledgment returns when the patient side acknowledged a section,
// preferring an acknowledgment in the consent's locale.
func (d *doc) acknowledgment(key string) *consent.Acknowledgment {
	var found *consent.Acknowledgment
	for i := range d.c.Acknowledgments {
		a := &d.c.Acknowledgments[i]
		if a.SectionKey != key {
			continue
		}
		if a.Locale == d.c.Locale {
			return a
		}
		if found == nil {
			found = a
		}
	}
	return found
}

// section draws one section of the document and its acknowledgment mark.
func (d *doc) section(s consent.DocumentSection) {
	d.sectionHeading(s.Heading)
	d.markdown(s.Body, marginLeft, contentWidth)
	if a := d.acknowledgment(s.Key); a != nil {
		d.ensure(bodyLeading + 1)
		d.color(colorOK)
		d.write([]span{{text: "✓ " + d.l.Acknowledged + " " + utcTime(a.At), style: styleBold}},
			marginLeft, contentWidth, bodySize-0.5, bodyLeading)
		d.space(1)
	}
}

// changeSummary draws, first on a re-consent, what changed since the last
// version and which consent this one replaces: the patient signed the
// earlier text, so the difference is what they are asked to agree to anew.
func (d *doc) changeSummary() {
	if d.c.Supersedes == "" || d.d.ChangeSummary == "" {
		return
	}
	d.sectionHeading(d.l.ChangeSummary)
	d.write([]span{{text: d.l.Replaces + " " + d.c.Supersedes + ".", style: styleBold}}, marginLeft, contentWidth, bodySize-0.5, bodyLeading)
	d.space(1)
	d.markdown(d.d.ChangeSummary, marginLeft, contentWidth)
}

// disclosure draws the electronic-records disclosure and when each signer agreed to it.
func (d *doc) disclosure() {
	if d.d.Disclosure == "" && !d.anyRecordsConsent() {
		return
	}
	d.sectionHeading(d.l.Disclosure)
	d.markdown(d.d.Disclosure, marginLeft, contentWidth)
	for _, s := range d.c.Signatures {
		if s.ElectronicRecordsConsentAt == nil {
			continue
		}
		d.color(colorOK)
		d.write([]span{
			{text: "✓ " + d.l.DisclosureAccepted + " " + utcTime(*s.ElectronicRecordsConsentAt), style: styleBold},
			{text: " " + d.l.By + " " + s.Name + " (" + d.l.role(s.Role) + ")"},
		}, marginLeft, contentWidth, bodySize-0.5, bodyLeading)
	}
	d.space(1)
}

func (d *doc) anyRecordsConsent() bool {
	for _, s := range d.c.Signatures {
		if s.ElectronicRecordsConsentAt != nil {
			return true
		}
	}
	return false
}
