package pdf

import (
	"strings"
	"testing"
)

// TestReconsentPrintsChangeSummaryFirst: a re-consent's PDF prints what
// changed since the last version before the first section, and names the
// consent it replaces; a consent that is no re-consent does not.
func TestReconsentPrintsChangeSummaryFirst(t *testing.T) {
	pdftotext := requireTool(t, "pdftotext")
	for _, tc := range []struct {
		locale, heading string
	}{{"en", "What changed since the last version"}, {"es", "Qué cambió desde la versión anterior"}} {
		c := fixtureConsent(t, tc.locale)
		d := c.Documents[tc.locale]
		d.ChangeSummary = "Sedation: **some people** become very sleepy."
		c.Documents[tc.locale] = d
		c.Supersedes = "01EARLIERCONSENT0000000000"
		b, err := Render(c, fixtureEvents(c), RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		text := run(t, pdftotext, writeTemp(t, "c.pdf", b), "-")
		first := d.Sections[0].Heading
		at, summary := strings.Index(text, tc.heading), strings.Index(text, "some people become very sleepy")
		if at < 0 || summary < 0 || !strings.Contains(text, "01EARLIERCONSENT0000000000") {
			t.Fatalf("%s: change summary or replaced consent missing:\n%s", tc.locale, text)
		}
		if sec := strings.Index(text, first); sec < summary {
			t.Errorf("%s: the change summary (at %d) does not come before the first section %q (at %d)", tc.locale, summary, first, sec)
		}

		c.Supersedes = ""
		b, err = Render(c, fixtureEvents(c), RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if text := run(t, pdftotext, writeTemp(t, "c.pdf", b), "-"); strings.Contains(text, tc.heading) {
			t.Errorf("%s: a consent that is no re-consent prints the change summary", tc.locale)
		}
	}
}
