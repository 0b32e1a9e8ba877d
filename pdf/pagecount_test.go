package pdf

import (
	"strings"
	"testing"
	"time"
)

// TestTextNeverTakesThePageCount: the page count goes into each footer's
// "Page 1 of N" and nowhere else. gofpdf's page-count alias replaced "{nb}"
// wherever its bytes occurred, so a patient named "Ana {nb}", a clinic or a
// template text with "{nb}" printed the page count instead, and CJK
// characters whose UTF-16 bytes spell "{nb}" (筮扽: 7B 6E 62 7D) were cut
// in half.
func TestTextNeverTakesThePageCount(t *testing.T) {
	c := namedConsent(t, "Ana {nb}", "筮扽 Ruiz")
	d := c.Documents[c.Locale]
	d.Sections[0].Body += " Ask us about {nb} pages."
	c.Documents[c.Locale] = d
	b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica {nb}", TimeZone: madrid(t),
		VerifyURL: testVerifyURL(c.ID), Withdrawal: &Withdrawal{At: c.SignedAt.Add(time.Hour), Reason: "Moved {nb}",
			SignedSHA256: strings.Repeat("ab", 32)}})
	if err != nil {
		t.Fatal(err)
	}
	text := textNFKC(t, b)
	for _, want := range []string{"Ana {nb} 筮扽 Ruiz", "Clínica {nb}", "Ask us about {nb} pages.", "Moved {nb}", "Page 1 of ", "Page 2 of "} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	pages := strings.Count(text, "Page ")
	if want := "Page 1 of " + itoa(pages); pages < 2 || !strings.Contains(text, want) {
		t.Errorf("%d footers; the text lacks %q", pages, want)
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}
