package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
)

// source is the signed consent every copy is made from, with its PDF.
type source struct {
	consent *consent.Consent
	pdf     *consent.SealedPDF
}

// loadSource reads the newest signed consent.
func loadSource(ctx context.Context, db *storage.DB) (*source, error) {
	list, _, err := db.ListConsents(ctx, consent.ConsentFilter{Status: consent.StatusSigned, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("no signed consent to copy: sign one first (e.g. consentd loadtest --n 10)")
	}
	c, err := db.FindConsentByID(ctx, list[0].ID)
	if err != nil {
		return nil, err
	}
	p, err := db.FindPDF(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("consent %s: %w", c.ID, err)
	}
	return &source{consent: c, pdf: p}, nil
}

// slim shortens the copies' rendered texts and replaces their PDF bytes by a
// placeholder whose recorded hash and size are its own (see the package doc).
func (s *source) slim() {
	docs := make(map[string]consent.Document, len(s.consent.Documents))
	for code, d := range s.consent.Documents {
		d.Title, d.Disclosure, d.DisclosureHTML = shorten(d.Title), shorten(d.Disclosure), shorten(d.DisclosureHTML)
		sections := make([]consent.DocumentSection, len(d.Sections))
		for i, sec := range d.Sections {
			sec.Heading, sec.Body, sec.BodyHTML = shorten(sec.Heading), shorten(sec.Body), shorten(sec.BodyHTML)
			sections[i] = sec
		}
		d.Sections = sections
		meanings := make(map[string]string, len(d.Meanings))
		for k, v := range d.Meanings {
			meanings[k] = shorten(v)
		}
		d.Meanings = meanings
		docs[code] = d
	}
	s.consent.Documents = docs
	b := []byte("%PDF-1.7\n% consentd seed placeholder: not a sealed PDF\n")
	sum := sha256.Sum256(b)
	s.pdf.Bytes, s.pdf.Info.Size, s.pdf.Info.SHA256 = b, len(b), fmt.Sprintf("%x", sum)
}

// shorten cuts a text longer than 48 characters.
func shorten(s string) string {
	if r := []rune(s); len(r) > 48 {
		return string(r[:48])
	}
	return s
}

// copyOf returns the source as a consent of patient created at at, under new
// IDs and signing secrets, every time shifted by the same amount, and the
// rows it consists of.
func (s *source) copyOf(at time.Time, patient string) (*consent.Consent, *consent.SealedPDF) {
	src := s.consent
	shift := at.Sub(src.CreatedAt)
	move := func(t time.Time) time.Time { return consent.Millis(t.Add(shift)) }
	movePtr := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		m := move(*t)
		return &m
	}
	c := *src
	c.ID = newID(at)
	c.Patient.ID = patient
	c.SigningTokenHash, c.SigningCodeHash = hashOf(c.ID, "token"), hashOf(c.ID, "code")
	c.CreatedAt, c.ExpiresAt = move(src.CreatedAt), move(src.ExpiresAt)
	c.SignedAt, c.StatusChangedAt = movePtr(src.SignedAt), movePtr(src.StatusChangedAt)
	c.Signatures = make([]consent.Signature, len(src.Signatures))
	for i, sig := range src.Signatures {
		sig.ID, sig.ConsentID = newID(at), c.ID
		sig.SignedAt, sig.ElectronicRecordsConsentAt = move(sig.SignedAt), movePtr(sig.ElectronicRecordsConsentAt)
		c.Signatures[i] = sig
	}
	c.Acknowledgments = make([]consent.Acknowledgment, len(src.Acknowledgments))
	for i, a := range src.Acknowledgments {
		a.ID, a.ConsentID, a.At = 0, c.ID, move(a.At)
		c.Acknowledgments[i] = a
	}
	p := *s.pdf
	p.ConsentID = c.ID
	p.Info.CreatedAt = move(p.Info.CreatedAt)
	info := p.Info
	c.PDF = &info
	return &c, &p
}

// hashOf gives each copy its own signing secret hash (the columns are unique).
func hashOf(id, purpose string) string {
	h := sha256.Sum256([]byte("seed|" + purpose + "|" + id))
	return fmt.Sprintf("%x", h)
}

// newID is a ULID for time at, like the server's.
func newID(at time.Time) string {
	return ulid.MustNew(ulid.Timestamp(at), ulid.DefaultEntropy()).String()
}
