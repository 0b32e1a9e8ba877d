package consent

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// Views of a consent a read may ask for. The full view shows the frozen
// documents in every locale; the summary shows the state, the patient's
// reference, the signatures without their drawings, the hashes and links —
// what an integration polling for "is it signed?" needs, at a fraction of
// the size. The read's audit event names a view other than the full one.
const (
	ViewFull    = "full"
	ViewSummary = "summary"
)

// Views lists the views a read may ask for.
var Views = []string{ViewFull, ViewSummary}

// viewDetails adds the view to a read event's details; the full view, the
// default since the first release, adds nothing, so its events keep their shape.
func viewDetails(view string, details map[string]any) map[string]any {
	if view == "" || view == ViewFull {
		return details
	}
	if details == nil {
		details = map[string]any{}
	}
	details["view"] = view
	return details
}

// SummaryOf returns the part of c the summary view shows and its derived
// fields need: c without its variables, acknowledgments and answer attempts,
// the patient's name and birth date, its creator and signing secrets' hashes,
// with its documents reduced to locale and content hash and its signatures'
// marks to their type. c itself is not changed.
func SummaryOf(c *Consent) *Consent {
	out := *c
	out.Variables, out.Acknowledgments, out.Answers = nil, nil, nil
	out.Patient = Patient{ID: c.Patient.ID}
	out.CreatedBy, out.SigningTokenHash, out.SigningCodeHash = "", "", ""
	if c.Documents != nil {
		out.Documents = DocumentRefs(c.Documents)
	}
	if c.Signatures != nil {
		out.Signatures = make([]Signature, len(c.Signatures))
		for i, sig := range c.Signatures {
			sig.Mark = Mark{Type: sig.Mark.Type}
			out.Signatures[i] = sig
		}
	}
	out.Successors = slices.Clone(c.Successors)
	return &out
}

// DocumentRefs returns docs reduced to what the summary shows of each
// document: its locale and content hash.
func DocumentRefs(docs map[string]Document) map[string]Document {
	out := make(map[string]Document, len(docs))
	for l, d := range docs {
		out[l] = Document{Locale: d.Locale, ContentSHA256: d.ContentSHA256}
	}
	return out
}

// ReadConsent returns a consent to be shown in view and records, durably
// before returning, that it was viewed. The summary view gets SummaryOf the
// consent, loaded as such. Errors: ENOTFOUND.
func (s *Service) ReadConsent(ctx context.Context, id, view string) (*Consent, error) {
	find := s.Store.Consents().FindConsentByID
	if view == ViewSummary {
		find = s.Store.Consents().FindConsentSummary
	}
	c, err := find(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.present(ctx, c); err != nil {
		return nil, err
	}
	return c, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventConsentViewed, c.ID, viewDetails(view, nil)))
}

// ReadConsentDocument returns a consent and its frozen document in locale,
// and records, durably before returning, that the document was viewed.
// Errors: ENOTFOUND (no such consent, or no document in that locale).
func (s *Service) ReadConsentDocument(ctx context.Context, id, locale string) (*Consent, Document, error) {
	c, err := s.Store.Consents().FindConsentByID(ctx, id)
	if err != nil {
		return nil, Document{}, err
	}
	d, ok := c.Documents[locale]
	if !ok {
		locales := slices.Sorted(maps.Keys(c.Documents))
		return nil, Document{}, FieldErrorf(ENOTFOUND, "locale", "this consent has no document in %q (it has %s).", locale, strings.Join(locales, ", "))
	}
	if err := s.present(ctx, c); err != nil {
		return nil, Document{}, err
	}
	return c, d, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventConsentViewed, c.ID, map[string]any{"document": locale}))
}
