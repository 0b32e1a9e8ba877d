package pdf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
)

// metadataFormat marks the document info Keywords written by this package.
const metadataFormat = "consentd-seal/1"

// sealMetadata is what Verify reads back from a sealed PDF. It is stored as
// JSON in the document information dictionary's Keywords entry, which lies
// inside the signed byte range, so the seal covers it.
type sealMetadata struct {
	Format        string   `json:"format"`
	ConsentID     string   `json:"consent_id"`
	ContentSHA256 string   `json:"content_sha256"`
	SignedAt      string   `json:"signed_at"`
	Signers       []string `json:"signers"`
	// WithdrawnAt and SignedSHA256 mark a withdrawal copy: when the consent
	// was withdrawn, and the hash of the signed PDF it accompanies. Older
	// readers ignore them and still read the consent.
	WithdrawnAt  string `json:"withdrawn_at,omitempty"`
	SignedSHA256 string `json:"signed_pdf_sha256,omitempty"`
}

// metadataFor collects a consent's metadata; signers read "Name (role)".
func metadataFor(c *consent.Consent, w *Withdrawal) sealMetadata {
	m := sealMetadata{Format: metadataFormat, ConsentID: c.ID, ContentSHA256: c.Document().ContentSHA256,
		SignedAt: consent.FormatTime(signedAt(c)), Signers: []string{}}
	if w != nil {
		m.WithdrawnAt, m.SignedSHA256 = consent.FormatTime(w.At), w.SignedSHA256
	}
	for _, s := range c.Signatures {
		m.Signers = append(m.Signers, metaText(s.Name)+" ("+s.Role+")")
	}
	return m
}

func (m sealMetadata) keywords() (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

// parseMetadata reads metadata written by keywords; ok is false for anything else.
func parseMetadata(s string) (m sealMetadata, signedAt time.Time, ok bool) {
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &m) != nil || m.Format != metadataFormat {
		return m, time.Time{}, false
	}
	t, err := time.Parse(consent.TimeLayout, m.SignedAt)
	if err != nil {
		return m, time.Time{}, false
	}
	return m, t, true
}

func itoa(n int) string { return strconv.Itoa(n) }

// metaText prepares text for the document information dictionary: viewers
// shape and order it themselves, but gofpdf writes UTF-16 only for the Basic
// Multilingual Plane, and bidi controls would make a name display other than
// stored, so every character the domain does not accept is written ⟨U+XXXX⟩.
func metaText(s string) string {
	s = clean(s)
	for _, r := range s {
		if !consent.Printable(r) {
			var b strings.Builder
			for _, r := range s {
				if consent.Printable(r) || r == '\n' {
					b.WriteRune(r)
				} else {
					fmt.Fprintf(&b, "⟨U+%04X⟩", r)
				}
			}
			return b.String()
		}
	}
	return s
}
