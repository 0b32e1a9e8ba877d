package consent

import (
	"context"
	"crypto/subtle"
	"time"
)

// Download link TTL bounds.
const (
	MinLinkTTL     = time.Second
	MaxLinkTTL     = 30 * 24 * time.Hour
	DefaultLinkTTL = 7 * 24 * time.Hour
)

// GetPDF returns a signed consent's stored sealed PDF (never re-rendered) and
// audits the download. Errors: ENOTFOUND, ECONFLICT (not signed yet).
func (s *Service) GetPDF(ctx context.Context, consentID string) (*SealedPDF, error) {
	p, err := s.Store.Consents().FindPDF(ctx, consentID)
	if ErrorCode(err) == ENOTFOUND {
		if _, err := s.Store.Consents().FindConsentByID(ctx, consentID); err != nil {
			return nil, err
		}
		return nil, Errorf(ECONFLICT, "This consent has no PDF yet: it is not signed.")
	} else if err != nil {
		return nil, err
	}
	return p, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventPDFDownloaded, consentID, map[string]any{"pdf_sha256": p.Info.SHA256}))
}

// CreatedDownloadLink is a new patient download link with its token, shown once.
type CreatedDownloadLink struct {
	Link  *DownloadLink
	Token string
}

// CreateDownloadLink issues an expiring link to a signed consent's PDF. Errors:
// EINVALID (TTL out of range), ENOTFOUND, ECONFLICT (no PDF yet).
func (s *Service) CreateDownloadLink(ctx context.Context, consentID string, ttl time.Duration, requireBirthDate bool) (*CreatedDownloadLink, error) {
	if ttl == 0 {
		ttl = DefaultLinkTTL
	}
	if ttl < MinLinkTTL || ttl > MaxLinkTTL {
		return nil, FieldErrorf(EINVALID, "ttl_seconds", "must be between 1 second and 30 days.")
	}
	token := randomToken(24)
	now := s.now()
	l := &DownloadLink{ID: s.NewID(), ConsentID: consentID, TokenHash: HashSecret(token), ExpiresAt: now.Add(ttl),
		RequireBirthDate: requireBirthDate, CreatedAt: now, CreatedBy: RequestFrom(ctx).Actor}
	return update(ctx, s, func(tx Tx) (*CreatedDownloadLink, error) {
		c, err := tx.Consents().FindConsentByID(ctx, consentID)
		if err != nil {
			return nil, err
		} else if c.PDF == nil {
			return nil, Errorf(ECONFLICT, "This consent has no PDF yet: it is not signed.")
		}
		if err := tx.Links().CreateDownloadLink(ctx, l); err != nil {
			return nil, err
		}
		return &CreatedDownloadLink{Link: l, Token: token}, tx.Audit().AppendAudit(ctx, s.event(ctx, EventDownloadLinkCreated, consentID, map[string]any{
			"link_id": l.ID, "expires_at": FormatTime(l.ExpiresAt), "require_birth_date": requireBirthDate}, l))
	})
}

// RevokeDownloadLink revokes a link. Errors: ENOTFOUND.
func (s *Service) RevokeDownloadLink(ctx context.Context, consentID, linkID string) (*DownloadLink, error) {
	return stampOnce(ctx, s, stamp[DownloadLink]{
		find:  func(tx Tx) (*DownloadLink, error) { return tx.Links().FindDownloadLink(ctx, consentID, linkID) },
		at:    func(l *DownloadLink) **time.Time { return &l.RevokedAt },
		write: func(tx Tx, at time.Time) error { return tx.Links().RevokeDownloadLink(ctx, linkID, at) },
		event: EventDownloadLinkRevoked, consent: consentID, details: map[string]any{"link_id": linkID}})
}

// DownloadLinkStatus tells whether a link token is usable and whether it
// needs a birth date. Errors: ENOTFOUND; EGONE — revoked, expired, locked by
// wrong birth dates, or to a voided consent — with the reason in the field
// (revoked_at, expires_at, locked_at, status), always before any date is asked.
func (s *Service) DownloadLinkStatus(ctx context.Context, token string) (*DownloadLink, error) {
	l, _, err := s.liveLink(ctx, token)
	return l, err
}

func (s *Service) liveLink(ctx context.Context, token string) (*DownloadLink, *Consent, error) {
	l, err := s.Store.Links().FindDownloadLinkByHash(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(ENOTFOUND, "Unknown download link.")
	} else if err != nil {
		return nil, nil, err
	}
	gone := func(field, msg string) error { return &Error{Code: EGONE, Field: field, Message: msg} }
	switch {
	case l.RevokedAt != nil:
		return nil, nil, gone("revoked_at", "This download link was revoked. Please ask the clinic for a new one.")
	case !s.now().Before(l.ExpiresAt):
		return nil, nil, gone("expires_at", "This download link has expired. Please ask the clinic for a new one.")
	case l.LockedAt != nil:
		return nil, nil, lockedLink()
	}
	c, err := s.Store.Consents().FindConsentByID(ctx, l.ConsentID)
	if err != nil {
		return nil, nil, err
	} else if c.Status == StatusVoided {
		return nil, nil, gone("status", "This consent was voided as entered in error. Please contact the clinic.")
	}
	return l, c, nil
}

func lockedLink() error {
	return &Error{Code: EGONE, Field: "locked_at", Message: "This download link is locked because the date of birth was " +
		"entered wrongly too often. Please ask the clinic for a new one."}
}

// DownloadWithLink returns the PDF behind a live link after the optional
// date-of-birth check, and audits the download. Wrong dates are counted per
// link in the database, whatever address or server they come from; each
// check reserves its count first, so parallel guesses get no more checks.
// The limit's Max-th wrong date locks the link for good (audited, and a
// download_link.locked webhook). Errors: ENOTFOUND, EGONE (see
// DownloadLinkStatus), EFORBIDDEN (wrong or missing date of birth; audited).
func (s *Service) DownloadWithLink(ctx context.Context, token, birthDate string) (*SealedPDF, error) {
	l, c, err := s.liveLink(ctx, token)
	if err != nil {
		return nil, err
	}
	if l.RequireBirthDate {
		lim := s.limits().BirthDate
		u := lim.add(l.ID, s.now(), 1)
		u.Expires = l.ExpiresAt.Add(24 * time.Hour)
		n, err := s.Store.Counters().UpdateCounters(ctx, u)
		if err != nil {
			return nil, err
		} else if n[0] > lim.Max {
			// Locked already, or being locked; lock it here too in case the
			// request that used up the link failed (or the process died) before.
			if err := s.lockLink(ctx, l, c, lim.Max); err != nil {
				return nil, err
			}
			return nil, lockedLink()
		}
		if subtle.ConstantTimeCompare([]byte(c.Patient.BirthDate), []byte(birthDate)) != 1 {
			ev := s.event(ctx, EventAuthFailed, l.ConsentID, map[string]any{"link_id": l.ID, "reason": "date of birth did not match",
				"failures": n[0]})
			if err := s.Store.Audit().AppendAuditEvents(ctx, ev); err != nil {
				return nil, err
			}
			if n[0] >= lim.Max {
				if err := s.lockLink(ctx, l, c, n[0]); err != nil {
					return nil, err
				}
				return nil, lockedLink()
			}
			return nil, FieldErrorf(EFORBIDDEN, "birth_date", "the date of birth does not match our records.")
		}
		u.Add = -1
		if _, err := s.Store.Counters().UpdateCounters(ctx, u); err != nil {
			return nil, err
		}
	}
	// A withdrawn consent stays the patient's to download; its copy says it was withdrawn.
	var p *SealedPDF
	if c.Status == StatusWithdrawn {
		p, err = s.withdrawalPDF(ctx, c)
	} else {
		p, err = s.Store.Consents().FindPDF(ctx, l.ConsentID)
	}
	if err != nil {
		return nil, err
	}
	ev := s.event(ctx, EventPDFDownloaded, l.ConsentID, map[string]any{"link_id": l.ID, "pdf_sha256": p.Info.SHA256})
	ev.Actor = "link:" + l.ID
	return p, s.Store.Audit().AppendAuditEvents(ctx, ev)
}

// lockLink locks a link used up by wrong birth dates, audits it and tells the
// clinic's systems; a link another request locked meanwhile is left as it is.
func (s *Service) lockLink(ctx context.Context, l *DownloadLink, c *Consent, failures int) error {
	err := s.Store.Update(ctx, func(tx Tx) error {
		// The lock changes the link's row: the event vouches for it as read
		// here and as written.
		before, err := tx.Links().FindDownloadLink(ctx, l.ConsentID, l.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Links().LockDownloadLink(ctx, l.ID, now); err != nil {
			return err
		}
		after := *before
		after.LockedAt = &now
		details := map[string]any{"link_id": l.ID, "failures": failures}
		if err := tx.Audit().AppendAudit(ctx, s.change(ctx, EventDownloadLinkLocked, l.ConsentID, details, before, &after)); err != nil {
			return err
		}
		return s.notify(ctx, tx.Webhooks(), EventDownloadLinkLocked, c, details)
	})
	if ErrorCode(err) == ECONFLICT {
		return nil
	}
	return err
}

// LinkReader finds download links, revoked, expired and locked ones
// included (the caller answers 410); ENOTFOUND if none.
type LinkReader interface {
	FindDownloadLinkByHash(ctx context.Context, tokenHash string) (*DownloadLink, error)
	// FindDownloadLink returns a consent's link by ID.
	FindDownloadLink(ctx context.Context, consentID, id string) (*DownloadLink, error)
}

// LinkWriter creates download links and stamps them revoked or locked, each
// once: ENOTFOUND if the link does not exist, ECONFLICT if already stamped.
type LinkWriter interface {
	// CreateDownloadLink stores a link; ENOTFOUND without its consent,
	// ECONFLICT if its ID or token hash exists.
	CreateDownloadLink(ctx context.Context, l *DownloadLink) error
	RevokeDownloadLink(ctx context.Context, id string, at time.Time) error
	LockDownloadLink(ctx context.Context, id string, at time.Time) error
}

// LinkTx is the download-link aggregate inside a unit of work.
type LinkTx interface {
	LinkReader
	LinkWriter
}
