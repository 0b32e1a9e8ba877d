package consenttest

import (
	"context"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// side is the signing position a role fills: a representative signs in the
// patient's place, so a consent takes one of them.
func side(role string) string {
	if role == consent.RoleRepresentative {
		return consent.RolePatient
	}
	return role
}

// CreateSignature stores a signature; ECONFLICT for a role that signed, or
// a patient and a representative on one consent; ENOTFOUND without the consent.
func (t *tx) CreateSignature(ctx context.Context, s *consent.Signature) error {
	w := t.w
	if _, ok := w.consents[s.ConsentID]; !ok {
		return notFound("Consent not found.")
	}
	for _, sigs := range w.signatures {
		for _, x := range sigs {
			if x.ID == s.ID {
				return conflict("A signature with this ID already exists.")
			}
		}
	}
	for _, x := range w.signatures[s.ConsentID] {
		switch {
		case x.Role == s.Role:
			return conflict("The " + s.Role + " has already signed this consent.")
		case side(x.Role) == side(s.Role):
			return conflict("This consent already has a " + x.Role + " signature; a patient or a representative signs, not both.")
		}
	}
	row := *s
	row.SignedAt, row.ElectronicRecordsConsentAt = ms(s.SignedAt), msPtr(s.ElectronicRecordsConsentAt)
	row.Acknowledged, row.Mark.PNG = slices.Clone(s.Acknowledged), slices.Clone(s.Mark.PNG)
	row.DiscussedSections = slices.Clone(s.DiscussedSections)
	row.Mark.Strokes = slices.Clone(s.Mark.Strokes)
	w.signatures[s.ConsentID] = append(slices.Clip(w.signatures[s.ConsentID]), row)
	return nil
}

// CreateAcknowledgment stores an acknowledgment and numbers it; ENOTFOUND
// without the consent.
func (t *tx) CreateAcknowledgment(ctx context.Context, a *consent.Acknowledgment) error {
	w := t.w
	if _, ok := w.consents[a.ConsentID]; !ok {
		return notFound("Consent not found.")
	}
	w.ackSeq++
	row := *a
	row.ID, row.At = w.ackSeq, ms(a.At)
	w.acks[a.ConsentID] = append(slices.Clip(w.acks[a.ConsentID]), row)
	a.ID = row.ID
	return nil
}

// CreateAnswerAttempt stores a teach-back answer attempt and numbers it;
// ENOTFOUND without the consent.
func (t *tx) CreateAnswerAttempt(ctx context.Context, a *consent.AnswerAttempt) error {
	w := t.w
	if _, ok := w.consents[a.ConsentID]; !ok {
		return notFound("Consent not found.")
	}
	w.answerSeq++
	row := *a
	row.ID, row.At = w.answerSeq, ms(a.At)
	w.answers[a.ConsentID] = append(slices.Clip(w.answers[a.ConsentID]), row)
	a.ID = row.ID
	return nil
}

// StorePDF stores a consent's sealed PDF, once; ECONFLICT after, ENOTFOUND
// without the consent.
func (t *tx) StorePDF(ctx context.Context, p *consent.SealedPDF) error {
	return t.storePDF(pdfKey{p.ConsentID, ""}, p, "This consent already has a sealed PDF.")
}

// StoreAdditionalPDF stores a sealed PDF of p.Kind, once; ECONFLICT if the
// consent has one of that kind, ENOTFOUND without the consent.
func (t *tx) StoreAdditionalPDF(ctx context.Context, p *consent.SealedPDF) error {
	return t.storePDF(pdfKey{p.ConsentID, p.Kind}, p, "This consent already has a sealed "+p.Kind+" PDF.")
}

func (t *tx) storePDF(k pdfKey, p *consent.SealedPDF, conflictMsg string) error {
	if _, ok := t.w.consents[p.ConsentID]; !ok {
		return notFound("Consent not found.")
	} else if _, ok := t.w.pdfs[k]; ok {
		return conflict(conflictMsg)
	}
	row := *p
	row.Kind, row.Info.CreatedAt, row.Bytes = k.kind, ms(p.Info.CreatedAt), slices.Clone(p.Bytes)
	if row.Bytes == nil {
		row.Bytes = []byte{}
	}
	t.w.pdfs[k] = row
	return nil
}

// FindDownloadLinkByHash returns the link a token (by its hash) opens;
// ENOTFOUND if none.
func (v view) FindDownloadLinkByHash(ctx context.Context, tokenHash string) (*consent.DownloadLink, error) {
	for _, l := range v.st().links {
		if l.TokenHash == tokenHash {
			return &l, nil
		}
	}
	return nil, notFound("Download link not found.")
}

// FindDownloadLink returns a consent's link by ID; ENOTFOUND if none.
func (v view) FindDownloadLink(ctx context.Context, consentID, id string) (*consent.DownloadLink, error) {
	l, ok := v.st().links[id]
	if !ok || l.ConsentID != consentID {
		return nil, notFound("Download link not found.")
	}
	return &l, nil
}

// CreateDownloadLink stores a link; ENOTFOUND without the consent,
// ECONFLICT if its ID or token hash exists.
func (t *tx) CreateDownloadLink(ctx context.Context, l *consent.DownloadLink) error {
	if _, ok := t.w.consents[l.ConsentID]; !ok {
		return notFound("Consent not found.")
	}
	if taken(t.w.links, func(x consent.DownloadLink) bool { return x.ID == l.ID || x.TokenHash == l.TokenHash }) {
		return conflict("This download link already exists.")
	}
	row := *l
	row.ExpiresAt, row.CreatedAt, row.RevokedAt, row.LockedAt = ms(l.ExpiresAt), ms(l.CreatedAt), msPtr(l.RevokedAt), msPtr(l.LockedAt)
	t.w.links[l.ID] = row
	return nil
}

// RevokeDownloadLink stamps revoked_at once; ENOTFOUND, ECONFLICT.
func (t *tx) RevokeDownloadLink(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.links, id, func(l *consent.DownloadLink) **time.Time { return &l.RevokedAt }, at,
		"Download link not found.", "The download link is already revoked.")
}

// LockDownloadLink stamps locked_at once; ENOTFOUND, ECONFLICT.
func (t *tx) LockDownloadLink(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.links, id, func(l *consent.DownloadLink) **time.Time { return &l.LockedAt }, at,
		"Download link not found.", "The download link is already locked.")
}

// UseDownloadLink stamps used_at once; ENOTFOUND, ECONFLICT.
func (t *tx) UseDownloadLink(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.links, id, func(l *consent.DownloadLink) **time.Time { return &l.UsedAt }, at,
		"Download link not found.", "The link is already used.")
}

// stampOnce sets a time that may be set only once: ENOTFOUND without the
// row, ECONFLICT when it is set.
func stampOnce[T any](rows map[string]T, id string, field func(*T) **time.Time, at time.Time, notFoundMsg, conflictMsg string) error {
	row, ok := rows[id]
	if !ok {
		return notFound(notFoundMsg)
	}
	f := field(&row)
	if *f != nil {
		return conflict(conflictMsg)
	}
	*f = msPtr(&at)
	rows[id] = row
	return nil
}

// CreateAcknowledgments stores acknowledgments in order and sets their IDs;
// ENOTFOUND, storing none, if one's consent is missing.
func (t *tx) CreateAcknowledgments(ctx context.Context, acks []consent.Acknowledgment) error {
	for _, a := range acks {
		if _, ok := t.w.consents[a.ConsentID]; !ok {
			return notFound("Consent not found.")
		}
	}
	for i := range acks {
		if err := t.CreateAcknowledgment(ctx, &acks[i]); err != nil {
			return err
		}
	}
	return nil
}
