package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// noisePNG returns a PNG of random pixels, which does not compress: the
// largest image signature of its size that the API accepts.
func noisePNG(tb testing.TB, maxBytes int, seed uint64) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 2))
	for side := 500; side > 50; side -= 4 {
		img := image.NewNRGBA(image.Rect(0, 0, side, side*2/3))
		for i := range img.Pix {
			img.Pix[i] = byte(r.UintN(256))
		}
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 255
		}
		img.Set(0, 0, color.NRGBA{A: 254}) // keeps an alpha channel
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			tb.Fatal(err)
		}
		if buf.Len() <= maxBytes {
			return buf.Bytes()
		}
	}
	tb.Fatal("no noise PNG fits")
	return nil
}

// longText returns about n bytes of paragraphs of random words, which
// compress worse than real prose (a pessimistic measure).
func longText(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	for b.Len() < n {
		for i := 0; i < 60 && b.Len() < n; i++ {
			for j := 2 + r.IntN(9); j > 0; j-- {
				b.WriteByte(byte('a' + r.IntN(26)))
			}
			b.WriteByte(' ')
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// largestConsent is the fixture consent grown to the limits: textBytes of
// template text over 100 sections, four signers of whom three sign with
// different incompressible PNGs as large as the API accepts, and 500 audit events (the
// evidence page's limit).
func largestConsent(tb testing.TB, textBytes int) (*consent.Consent, []*consent.AuditEvent) {
	tb.Helper()
	c := fixtureConsent(tb, "en")
	doc := c.Documents["en"]
	doc.Sections = nil
	for i := 0; i < 100; i++ {
		doc.Sections = append(doc.Sections, consent.DocumentSection{Key: fmt.Sprintf("s%d", i), Kind: "text",
			Heading: fmt.Sprintf("Section %d of a long template", i+1), Body: longText(textBytes/100, uint64(i))})
	}
	c.Documents = map[string]consent.Document{"en": doc}
	c.Signatures[0].Mark = consent.Mark{Type: "image", PNG: noisePNG(tb, consent.MaxPNGBytes, 1)}
	c.Signatures[2].Mark = consent.Mark{Type: "image", PNG: noisePNG(tb, consent.MaxPNGBytes, 2)}
	interp := c.Signatures[2]
	interp.ID, interp.Role, interp.Name, interp.StaffID = "sig4", consent.RoleInterpreter, "Nguyễn Văn Bình", "STAFF-0200"
	interp.Meaning = "I interpreted this document for the patient."
	interp.Mark = consent.Mark{Type: "image", PNG: noisePNG(tb, consent.MaxPNGBytes, 3)}
	c.Signatures = append(c.Signatures, interp)
	var events []*consent.AuditEvent
	for i := 0; i < 500; i++ {
		e := fixtureEvents(c)[i%8]
		cp := *e
		cp.Seq = int64(i + 1)
		cp.At = e.At.Add(time.Duration(i) * time.Second)
		events = append(events, &cp)
	}
	return c, events
}

// TestLargestConsentFitsVerifyCap seals consents at the input limits, and
// their withdrawal copies, and checks each fits under
// consent.MaxSealedPDFBytes with room to spare, and passes the structure
// check and the full verification.
func TestLargestConsentFitsVerifyCap(t *testing.T) {
	if testing.Short() {
		t.Skip("renders several hundred pages")
	}
	s := newTestSealer(t, t.TempDir())
	// 200 KB is a long real template; 1 MB is all the text the API's request
	// size limit lets one template version carry.
	for _, text := range []int{200 << 10, 1 << 20} {
		t.Run(fmt.Sprint(text), func(t *testing.T) {
			c, events := largestConsent(t, text)
			p, err := s.SealConsent(context.Background(), c, events)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("text %d bytes, 3 images of %d bytes, %d events: sealed PDF %d bytes", text, len(c.Signatures[0].Mark.PNG), len(events), len(p.Bytes))
			if 2*len(p.Bytes) > consent.MaxSealedPDFBytes {
				t.Errorf("sealed PDF of %d bytes leaves less than half of the %d-byte cap spare", len(p.Bytes), consent.MaxSealedPDFBytes)
			}
			start := time.Now()
			if v := s.Verify(p.Bytes); !v.Valid {
				t.Errorf("largest consent does not verify: %s", v.Reason)
			}
			t.Logf("verified in %s", time.Since(start))

			// Its withdrawal copy adds a banner on every page, the withdrawal
			// (with the longest reason the API takes) and one more event.
			when := c.SignedAt.Add(time.Hour)
			c.Status, c.StatusChangedAt, c.StatusReason, c.PDF = consent.StatusWithdrawn, &when, longText(1000, 99)[:1000], &p.Info
			events = append(events, &consent.AuditEvent{Seq: int64(len(events) + 1), Type: consent.EventConsentWithdrawn,
				At: when, Actor: "apikey:01JDQ7Y0000000000000000000", ConsentID: c.ID})
			w, err := s.SealWithdrawal(context.Background(), c, events)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("withdrawal copy %d bytes", len(w.Bytes))
			if 2*len(w.Bytes) > consent.MaxSealedPDFBytes {
				t.Errorf("withdrawal copy of %d bytes leaves less than half of the %d-byte cap spare", len(w.Bytes), consent.MaxSealedPDFBytes)
			}
			if v := s.Verify(w.Bytes); !v.Valid || !v.WithdrawnAt.Equal(when) {
				t.Errorf("largest withdrawal copy does not verify: %+v", v)
			}
		})
	}
}
