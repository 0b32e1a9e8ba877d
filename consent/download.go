package consent

import (
	"context"
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
		find:  func(tx Tx) (*DownloadLink, error) { return findLink(ctx, tx.Links(), consentID, linkID, "") },
		at:    func(l *DownloadLink) **time.Time { return &l.RevokedAt },
		write: func(tx Tx, at time.Time) error { return tx.Links().RevokeDownloadLink(ctx, linkID, at) },
		event: EventDownloadLinkRevoked, consent: consentID, details: map[string]any{"link_id": linkID}})
}

// DownloadLinkStatus tells whether a link token is usable and whether it
// needs a birth date. Errors: ENOTFOUND; EGONE — revoked, expired, locked by
// wrong birth dates, or to a voided consent — with the reason in the field
// (revoked_at, expires_at, locked_at, status), always before any date is asked.
func (s *Service) DownloadLinkStatus(ctx context.Context, token string) (*DownloadLink, error) {
	l, _, err := s.liveLink(ctx, token, "")
	return l, err
}

// DownloadWithLink returns the PDF behind a live link after the optional
// date-of-birth check (see passGate), and audits the download. Errors:
// ENOTFOUND, EGONE (see DownloadLinkStatus), EFORBIDDEN (wrong or missing
// date of birth; audited).
func (s *Service) DownloadWithLink(ctx context.Context, token, birthDate string) (*SealedPDF, error) {
	l, c, err := s.liveLink(ctx, token, "")
	if err != nil {
		return nil, err
	}
	if l.RequireBirthDate {
		if err := s.passGate(ctx, l, c, birthDate, ""); err != nil {
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

// LinkReader finds patient links — download links and remote signing links
// (Purpose) — revoked, expired, locked and used ones included (the caller
// answers 410); ENOTFOUND if none.
type LinkReader interface {
	FindDownloadLinkByHash(ctx context.Context, tokenHash string) (*DownloadLink, error)
	// FindDownloadLink returns a consent's link by ID.
	FindDownloadLink(ctx context.Context, consentID, id string) (*DownloadLink, error)
}

// LinkWriter creates patient links and stamps them revoked, locked or used,
// each once: ENOTFOUND if the link does not exist, ECONFLICT if already stamped.
type LinkWriter interface {
	// CreateDownloadLink stores a link; ENOTFOUND without its consent,
	// ECONFLICT if its ID or token hash exists.
	CreateDownloadLink(ctx context.Context, l *DownloadLink) error
	RevokeDownloadLink(ctx context.Context, id string, at time.Time) error
	LockDownloadLink(ctx context.Context, id string, at time.Time) error
	// UseDownloadLink stamps a remote signing link used.
	UseDownloadLink(ctx context.Context, id string, at time.Time) error
}

// LinkTx is the patient-link aggregate inside a unit of work.
type LinkTx interface {
	LinkReader
	LinkWriter
}
