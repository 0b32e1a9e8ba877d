package pdf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
)

// Withdrawal marks a rendering as the withdrawal copy of a signed consent.
// The signed PDF is sealed once and never changes; when the patient withdraws,
// a second PDF is sealed: the same document, with "WITHDRAWN on <date>" at the
// top of every page and the withdrawal (time, reason, and the signed PDF's
// hash, which ties the two together) on the evidence page.
type Withdrawal struct {
	At           time.Time
	Reason       string
	SignedSHA256 string // SHA-256 of the signed PDF
}

// withdrawalText holds the withdrawal copy's fixed texts in one language.
type withdrawalText struct {
	Banner       string // printf: the UTC date and time
	Heading      string
	Statement    string
	WithdrawnAt  string
	Reason       string
	SignedSHA256 string
}

var withdrawalTexts = map[string]withdrawalText{
	"en": {
		Banner:       "WITHDRAWN on %s. This consent is no longer in effect. See the last page.",
		Heading:      "Withdrawal",
		Statement:    "The patient withdrew this consent. This copy records the withdrawal. The signed document is unchanged, and its own sealed PDF (hash below) stays valid as the record of what was signed.",
		WithdrawnAt:  "Withdrawn",
		Reason:       "Reason given",
		SignedSHA256: "Signed PDF SHA-256",
	},
	"es": {
		Banner:       "WITHDRAWN on %s · REVOCADO: ya no está en vigor. Vea la última página.",
		Heading:      "Revocación",
		Statement:    "El paciente revocó este consentimiento. Esta copia registra la revocación. El documento firmado no ha cambiado, y su propio PDF sellado (hash abajo) sigue siendo válido como registro de lo que se firmó.",
		WithdrawnAt:  "Revocado",
		Reason:       "Motivo indicado",
		SignedSHA256: "SHA-256 del PDF firmado",
	},
}

func withdrawalTextFor(locale string) withdrawalText {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if t, ok := withdrawalTexts[lang]; ok {
		return t
	}
	return withdrawalTexts["en"]
}

// bannerTime is the withdrawal time as the banner prints it.
func bannerTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

var colorWithdrawn = [3]int{170, 20, 30}

// withdrawnBanner draws the withdrawal notice across the top of the page, above
// the top margin; it is called for every page (from the footer).
func (d *doc) withdrawnBanner() {
	w := d.opts.Withdrawal
	if w == nil {
		return
	}
	f := d.f
	const top, h = 4.5, 8.0
	f.SetFillColor(colorWithdrawn[0], colorWithdrawn[1], colorWithdrawn[2])
	f.Rect(marginLeft, top, contentWidth, h, "F")
	f.SetTextColor(255, 255, 255)
	text := fmt.Sprintf(withdrawalTextFor(d.c.Locale).Banner, bannerTime(w.At))
	// One line: the largest size at which the whole notice fits.
	size := 8.5
	lines := d.p.layout([]span{{text: text, style: styleBold}}, contentWidth-6, size)
	for len(lines) > 1 && size > 5 {
		size -= 0.5
		lines = d.p.layout([]span{{text: text, style: styleBold}}, contentWidth-6, size)
	}
	for i, ln := range lines {
		d.p.drawLine(ln, marginLeft+3, top+(h-float64(len(lines))*size*0.3528)/2+float64(i)*size*0.3528, size)
	}
}

// withdrawal draws the withdrawal on the evidence page, before the audit trail.
func (d *doc) withdrawal() {
	w := d.opts.Withdrawal
	if w == nil {
		return
	}
	t := withdrawalTextFor(d.c.Locale)
	d.sectionHeading(t.Heading)
	d.color(colorWithdrawn)
	d.write([]span{{text: t.Statement}}, marginLeft, contentWidth, bodySize, bodyLeading)
	d.space(2)
	const labelW, size, lead = 52.0, 8.5, 4.3
	for _, r := range [][2]string{{t.WithdrawnAt, utcTime(w.At)}, {t.Reason, w.Reason}, {t.SignedSHA256, w.SignedSHA256}} {
		if r[1] != "" {
			d.row(r, false, marginLeft, labelW, contentWidth, size, lead)
			d.space(0.8)
		}
	}
	d.space(2)
}

// SealWithdrawal renders a withdrawn consent's withdrawal copy and seals it
// at the withdrawal time. c carries the withdrawal (status withdrawn,
// StatusChangedAt, StatusReason) and the signed PDF's info in PDF.
func (s *Sealer) SealWithdrawal(ctx context.Context, c *consent.Consent, events []*consent.AuditEvent) (*consent.SealedPDF, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c == nil || c.Status != consent.StatusWithdrawn || c.StatusChangedAt == nil || c.PDF == nil {
		return nil, consent.Errorf(consent.EINVALID, "Only a withdrawn consent with a signed PDF has a withdrawal copy.")
	}
	at := c.StatusChangedAt.UTC()
	w := &Withdrawal{At: at, Reason: c.StatusReason, SignedSHA256: c.PDF.SHA256}
	unsigned, err := Render(c, events, RenderOptions{ClinicName: s.cfg.ClinicName, TimeZone: s.cfg.TimeZone,
		CertSHA256: s.certSHA256, Withdrawal: w, VerifyURL: s.verifyURL(c.ID)})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sealed, err := s.sealAs(unsigned, c.ID, at, "Withdrawal of informed consent "+c.ID)
	if err != nil {
		return nil, fmt.Errorf("seal withdrawal of consent %s: %w", c.ID, err)
	}
	sum := sha256.Sum256(sealed)
	return &consent.SealedPDF{ConsentID: c.ID, Kind: consent.PDFKindWithdrawn, Bytes: sealed, Info: consent.PDFInfo{
		SHA256: hex.EncodeToString(sum[:]), Size: len(sealed), CreatedAt: at, CertSHA256: s.certSHA256}}, nil
}
