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
	p, err := s.Store.FindPDF(ctx, consentID)
	if ErrorCode(err) == ENOTFOUND {
		if _, err := s.Store.FindConsentByID(ctx, consentID); err != nil {
			return nil, err
		}
		return nil, Errorf(ECONFLICT, "This consent has no PDF yet: it is not signed.")
	} else if err != nil {
		return nil, err
	}
	return p, s.Store.AppendAuditEvents(ctx, s.event(ctx, EventPDFDownloaded, consentID, map[string]any{"pdf_sha256": p.Info.SHA256}))
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
		c, err := tx.FindConsentByID(ctx, consentID)
		if err != nil {
			return nil, err
		} else if c.PDF == nil {
			return nil, Errorf(ECONFLICT, "This consent has no PDF yet: it is not signed.")
		}
		if err := tx.CreateDownloadLink(ctx, l); err != nil {
			return nil, err
		}
		return &CreatedDownloadLink{Link: l, Token: token}, tx.AppendAudit(ctx, s.event(ctx, EventDownloadLinkCreated, consentID, map[string]any{
			"link_id": l.ID, "expires_at": FormatTime(l.ExpiresAt), "require_birth_date": requireBirthDate}, l))
	})
}

// RevokeDownloadLink revokes a link. Errors: ENOTFOUND.
func (s *Service) RevokeDownloadLink(ctx context.Context, consentID, linkID string) (*DownloadLink, error) {
	return update(ctx, s, func(tx Tx) (*DownloadLink, error) {
		l, err := tx.FindDownloadLink(ctx, consentID, linkID)
		if err != nil {
			return nil, err
		} else if l.RevokedAt != nil {
			return l, nil
		}
		now := s.now()
		if err := tx.RevokeDownloadLink(ctx, linkID, now); err != nil {
			return nil, err
		}
		before := *l
		l.RevokedAt = &now
		return l, tx.AppendAudit(ctx, s.change(ctx, EventDownloadLinkRevoked, consentID, map[string]any{"link_id": linkID}, &before, l))
	})
}

// DownloadLinkStatus tells whether a link token is usable and whether it needs a birth date.
func (s *Service) DownloadLinkStatus(ctx context.Context, token string) (*DownloadLink, error) {
	l, err := s.Store.FindDownloadLinkByHash(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "Unknown download link.")
	} else if err != nil {
		return nil, err
	} else if l.RevokedAt != nil {
		return nil, Errorf(EGONE, "This download link was revoked. Please ask the clinic for a new one.")
	} else if !s.now().Before(l.ExpiresAt) {
		return nil, Errorf(EGONE, "This download link has expired. Please ask the clinic for a new one.")
	}
	return l, nil
}

// DownloadWithLink returns the PDF behind a live link after the optional
// date-of-birth check, and audits the download. Errors: ENOTFOUND, EGONE,
// EFORBIDDEN (wrong or missing date of birth; audited).
func (s *Service) DownloadWithLink(ctx context.Context, token, birthDate string) (*SealedPDF, error) {
	l, err := s.DownloadLinkStatus(ctx, token)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.FindConsentByID(ctx, l.ConsentID)
	if err != nil {
		return nil, err
	}
	if l.RequireBirthDate {
		if subtle.ConstantTimeCompare([]byte(c.Patient.BirthDate), []byte(birthDate)) != 1 {
			ev := s.event(ctx, EventAuthFailed, l.ConsentID, map[string]any{"link_id": l.ID, "reason": "date of birth did not match"})
			if err := s.Store.AppendAuditEvents(ctx, ev); err != nil {
				return nil, err
			}
			return nil, FieldErrorf(EFORBIDDEN, "birth_date", "the date of birth does not match our records.")
		}
	}
	if c.Status == StatusVoided {
		return nil, Errorf(EGONE, "This consent was voided as entered in error. Please contact the clinic.")
	}
	p, err := s.Store.FindPDF(ctx, l.ConsentID)
	if err != nil {
		return nil, err
	}
	ev := s.event(ctx, EventPDFDownloaded, l.ConsentID, map[string]any{"link_id": l.ID, "pdf_sha256": p.Info.SHA256})
	ev.Actor = "link:" + l.ID
	return p, s.Store.AppendAuditEvents(ctx, ev)
}
