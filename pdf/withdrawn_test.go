package pdf

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// withdrawnFixture is the fixture consent withdrawn 30 days after signing,
// with the info of its signed PDF.
func withdrawnFixture(t *testing.T, s *Sealer, locale string) (*consent.Consent, *consent.SealedPDF) {
	t.Helper()
	signed := sealFixture(t, s, locale)
	c := fixtureConsent(t, locale)
	when := c.SignedAt.Add(30 * 24 * time.Hour)
	c.Status, c.StatusChangedAt, c.StatusReason, c.PDF = consent.StatusWithdrawn, &when, "Patient chose another treatment", &signed.Info
	return c, signed
}

func TestSealWithdrawal(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			c, signed := withdrawnFixture(t, s, locale)
			events := append(fixtureEvents(c), &consent.AuditEvent{Seq: 120, Type: consent.EventConsentWithdrawn,
				At: *c.StatusChangedAt, Actor: "apikey:01JDQ7Y0000000000000000000", ConsentID: c.ID})
			w, err := s.SealWithdrawal(context.Background(), c, events)
			if err != nil {
				t.Fatal(err)
			}
			if w.Kind != consent.PDFKindWithdrawn || !w.Info.CreatedAt.Equal(*c.StatusChangedAt) || bytes.Equal(w.Bytes, signed.Bytes) {
				t.Fatalf("withdrawal copy: kind %q created %v", w.Kind, w.Info.CreatedAt)
			}
			v := s.Verify(w.Bytes)
			if !v.Valid || v.ConsentID != c.ID || !v.WithdrawnAt.Equal(*c.StatusChangedAt) || !v.SignedAt.Equal(*c.SignedAt) ||
				v.ContentSHA256 != c.Document().ContentSHA256 || len(v.Signers) != 3 {
				t.Fatalf("verify the withdrawal copy: %+v", v)
			}
			if v := s.Verify(signed.Bytes); !v.Valid || !v.WithdrawnAt.IsZero() {
				t.Fatalf("verify the signed PDF: %+v", v)
			}
			meta := metadataFor(c, &Withdrawal{At: *c.StatusChangedAt, SignedSHA256: signed.Info.SHA256})
			if kw, _ := meta.keywords(); !strings.Contains(kw, `"signed_pdf_sha256":"`+signed.Info.SHA256+`"`) {
				t.Fatalf("keywords %s", kw)
			}
		})
	}
	c := fixtureConsent(t, "en")
	if _, err := s.SealWithdrawal(context.Background(), c, nil); consent.ErrorCode(err) != consent.EINVALID {
		t.Fatalf("a signed (not withdrawn) consent: %v", err)
	}
}

func TestWithdrawalCopyText(t *testing.T) {
	requireTool(t, "pdftotext")
	s := newTestSealer(t, t.TempDir())
	c, signed := withdrawnFixture(t, s, "en")
	w, err := s.SealWithdrawal(context.Background(), c, fixtureEvents(c))
	if err != nil {
		t.Fatal(err)
	}
	text := run(t, "pdftotext", "-layout", writeTemp(t, "w.pdf", w.Bytes), "-")
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	for i, p := range pages {
		if !strings.Contains(p, "WITHDRAWN on "+bannerTime(*c.StatusChangedAt)) {
			t.Errorf("page %d lacks the banner", i+1)
		}
	}
	// The evidence pages (the audit trail may run onto a page of its own).
	evidence := len(pages) - 1
	for evidence > 0 && !strings.Contains(pages[evidence], "Evidence") {
		evidence--
	}
	last := strings.Join(strings.Fields(strings.Join(pages[evidence:], " ")), " ")
	for _, want := range []string{"Withdrawal", "Patient chose another treatment", signed.Info.SHA256, utcTime(*c.StatusChangedAt)} {
		if !strings.Contains(last, want) {
			t.Errorf("evidence page lacks %q", want)
		}
	}
}
