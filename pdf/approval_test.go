package pdf

import (
	"context"
	"strings"
	"testing"
)

// pagesText returns the text of each page of a PDF, each on one line.
func pagesText(t *testing.T, b []byte) []string {
	t.Helper()
	text := run(t, "pdftotext", "-layout", writeTemp(t, "a.pdf", b), "-")
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), " ")
	}
	return pages
}

// A consent sealed while its version's approval is pending says so on every
// page and on the evidence page; one sealed after the approval shows who
// approved it, when and what it means, and no notice.
func TestApprovalOnThePDF(t *testing.T) {
	requireTool(t, "pdftotext")
	s := newTestSealer(t, t.TempDir())
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			pending := fixtureConsent(t, locale)
			pending.Approval = nil
			p, err := s.SealConsent(context.Background(), pending, fixtureEvents(pending))
			if err != nil {
				t.Fatal(err)
			}
			pages := pagesText(t, p.Bytes)
			want := approvalTextFor(locale).Banner
			for i, pg := range pages {
				if !strings.Contains(pg, want) || !strings.Contains(pg, "Not yet approved for use by the clinic's medical director") {
					t.Errorf("page %d of %d lacks the notice %q", i+1, len(pages), want)
				}
			}
			if !strings.Contains(strings.Join(pages, " "), approvalTextFor(locale).Heading) {
				t.Error("the evidence page has no approval section")
			}

			approved := fixtureConsent(t, locale)
			a, err := s.SealConsent(context.Background(), approved, fixtureEvents(approved))
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(pagesText(t, a.Bytes), " ")
			if strings.Contains(all, "Not yet approved") {
				t.Error("an approved consent's PDF says it is not approved")
			}
			ap := approved.Approval
			for _, w := range []string{approvalTextFor(locale).ApprovedBy, ap.Name, ap.StaffID, utcTime(ap.At), ap.Meaning} {
				if !strings.Contains(all, w) {
					t.Errorf("approved PDF lacks %q", w)
				}
			}
		})
	}
}

// A withdrawal copy of a consent whose version is still pending carries both
// notices on every page.
func TestWithdrawalCopyWhilePending(t *testing.T) {
	requireTool(t, "pdftotext")
	s := newTestSealer(t, t.TempDir())
	c, _ := withdrawnFixture(t, s, "en")
	c.Approval = nil
	w, err := s.SealWithdrawal(context.Background(), c, fixtureEvents(c))
	if err != nil {
		t.Fatal(err)
	}
	for i, pg := range pagesText(t, w.Bytes) {
		if !strings.Contains(pg, "WITHDRAWN on "+bannerTime(*c.StatusChangedAt)) || !strings.Contains(pg, approvalTexts["en"].Banner) {
			t.Errorf("page %d lacks a notice: %.200s", i+1, pg)
		}
	}
}
