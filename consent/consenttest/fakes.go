package consenttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/consentd/consentd/consent"
)

// Clock is a settable clock; its zero value starts at 2026-01-05 09:00 UTC.
// (apptest keeps a clock of its own for the end-to-end tests.)
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	return c.t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// IDs hands out IDs that sort in the order they were made: "01", "02", ….
type IDs struct {
	mu sync.Mutex
	n  int
}

// New returns the next ID.
func (ids *IDs) New() string {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	ids.n++
	return fmt.Sprintf("%02d", ids.n)
}

// PINs is a PIN hasher without the cost: the "hash" is the PIN with a prefix.
// Compares counts the comparisons made (each costs bcrypt's time in production).
type PINs struct {
	mu       sync.Mutex
	compares int
}

// Hash returns "pin:" + pin.
func (p *PINs) Hash(pin string) (string, error) { return "pin:" + pin, nil }

// Compare reports whether hash is pin's.
func (p *PINs) Compare(hash, pin string) bool {
	p.mu.Lock()
	p.compares++
	p.mu.Unlock()
	return hash == "pin:"+pin
}

// Compares returns how many comparisons were made.
func (p *PINs) Compares() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.compares
}

// Markdown renders Markdown as escaped text in one paragraph and measures
// nesting by the indentation of list items ("- ") and quotes ("> ").
type Markdown struct{}

// MarkdownToHTML returns "<p>" + the escaped text + "</p>".
func (Markdown) MarkdownToHTML(md string) (string, error) {
	return "<p>" + html.EscapeString(md) + "</p>", nil
}

// MarkdownNesting returns the deepest list or quote level in md.
func (Markdown) MarkdownNesting(md string) int {
	deepest := 0
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "> ") {
			deepest = max(deepest, (len(line)-len(trimmed))/2+1)
		}
	}
	return deepest
}

// Sealer "seals" a consent as a small text standing in for the PDF, and
// keeps what it was asked to seal. Err, when set, is returned instead.
type Sealer struct {
	mu    sync.Mutex
	Err   error
	Calls []SealCall
}

// SealCall is one request to seal: the consent as given and the evidence events.
type SealCall struct {
	Kind    string // consent.PDFKindSigned or consent.PDFKindWithdrawn
	Consent consent.Consent
	Events  []*consent.AuditEvent
}

// SealConsent returns a sealed "PDF" of the signed consent.
func (s *Sealer) SealConsent(ctx context.Context, c *consent.Consent, events []*consent.AuditEvent) (*consent.SealedPDF, error) {
	return s.seal(consent.PDFKindSigned, c, events, *c.SignedAt)
}

// SealWithdrawal returns a sealed "PDF" of the withdrawal copy.
func (s *Sealer) SealWithdrawal(ctx context.Context, c *consent.Consent, events []*consent.AuditEvent) (*consent.SealedPDF, error) {
	return s.seal(consent.PDFKindWithdrawn, c, events, *c.StatusChangedAt)
}

func (s *Sealer) seal(kind string, c *consent.Consent, events []*consent.AuditEvent, at time.Time) (*consent.SealedPDF, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls = append(s.Calls, SealCall{Kind: kind, Consent: *c, Events: events})
	if s.Err != nil {
		return nil, s.Err
	}
	b := []byte(fmt.Sprintf("%%PDF-fake %s %s %s %s %d events", kind, c.ID, c.Status, c.Document().ContentSHA256, len(events)))
	sum := sha256.Sum256(b)
	return &consent.SealedPDF{ConsentID: c.ID, Bytes: b,
		Info: consent.PDFInfo{SHA256: hex.EncodeToString(sum[:]), Size: len(b), CreatedAt: at, CertSHA256: "fake-cert"}}, nil
}

// Sealed returns a copy of the calls made so far.
func (s *Sealer) Sealed() []SealCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SealCall(nil), s.Calls...)
}
