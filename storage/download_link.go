package storage

import (
	"context"
	"time"

	"github.com/consentd/consentd/consent"
)

type downloadLinkRow struct {
	ID               string `gorm:"column:id;primaryKey"`
	ConsentID        string `gorm:"column:consent_id"`
	TokenHash        string `gorm:"column:token_hash"`
	ExpiresMS        int64  `gorm:"column:expires_at"`
	RequireBirthDate bool   `gorm:"column:require_birth_date"`
	CreatedMS        int64  `gorm:"column:created_at"`
	CreatedBy        string `gorm:"column:created_by"`
	RevokedMS        *int64 `gorm:"column:revoked_at"`
	LockedMS         *int64 `gorm:"column:locked_at"`
	Purpose          string `gorm:"column:purpose"`
	CodeHash         string `gorm:"column:code_hash"`
	UsedMS           *int64 `gorm:"column:used_at"`
}

// purposeDownload is the purpose column of a download link, which the
// domain leaves empty.
const purposeDownload = "download"

func (downloadLinkRow) TableName() string { return "download_links" }

func (r downloadLinkRow) toDomain() *consent.DownloadLink {
	l := &consent.DownloadLink{ID: r.ID, ConsentID: r.ConsentID, TokenHash: r.TokenHash, ExpiresAt: fromMS(r.ExpiresMS),
		RequireBirthDate: r.RequireBirthDate, CreatedAt: fromMS(r.CreatedMS), CreatedBy: r.CreatedBy,
		RevokedAt: fromMSPtr(r.RevokedMS), LockedAt: fromMSPtr(r.LockedMS), CodeHash: r.CodeHash, UsedAt: fromMSPtr(r.UsedMS)}
	if r.Purpose != purposeDownload {
		l.Purpose = r.Purpose
	}
	return l
}

// FindDownloadLinkByHash returns the link a token (by its hash) opens, expired
// or revoked included (the caller answers 410); ENOTFOUND if none.
func (r reader) FindDownloadLinkByHash(ctx context.Context, tokenHash string) (*consent.DownloadLink, error) {
	return r.findDownloadLink(ctx, "token_hash = ?", tokenHash)
}

// FindDownloadLink returns a consent's link by ID; ENOTFOUND if none.
func (r reader) FindDownloadLink(ctx context.Context, consentID, id string) (*consent.DownloadLink, error) {
	return r.findDownloadLink(ctx, "consent_id = ? AND id = ?", consentID, id)
}

func (r reader) findDownloadLink(ctx context.Context, where string, args ...any) (*consent.DownloadLink, error) {
	var row downloadLinkRow
	if err := r.q(ctx).Where(where, args...).Take(&row).Error; err != nil {
		return nil, translate("find download link", err, msgs{notFound: "Download link not found."})
	}
	return row.toDomain(), nil
}

// CreateDownloadLink stores a link; ENOTFOUND without the consent, ECONFLICT
// if its ID or token hash exists.
func (t *tx) CreateDownloadLink(ctx context.Context, l *consent.DownloadLink) error {
	row := downloadLinkRow{ID: l.ID, ConsentID: l.ConsentID, TokenHash: l.TokenHash, ExpiresMS: toMS(l.ExpiresAt),
		RequireBirthDate: l.RequireBirthDate, CreatedMS: toMS(l.CreatedAt), CreatedBy: l.CreatedBy,
		RevokedMS: toMSPtr(l.RevokedAt), LockedMS: toMSPtr(l.LockedAt), Purpose: l.Purpose, CodeHash: l.CodeHash,
		UsedMS: toMSPtr(l.UsedAt)}
	if row.Purpose == "" {
		row.Purpose = purposeDownload
	}
	return translate("create download link", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Consent not found.", conflict: "This download link already exists."})
}

// RevokeDownloadLink revokes a link at at; ENOTFOUND if none, ECONFLICT if
// already revoked.
func (t *tx) RevokeDownloadLink(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "download_links", "revoked_at", id, at, "Download link not found.", "The download link is already revoked.")
}

// LockDownloadLink locks a link at at; ENOTFOUND if none, ECONFLICT if
// already locked.
func (t *tx) LockDownloadLink(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "download_links", "locked_at", id, at, "Download link not found.", "The download link is already locked.")
}

// UseDownloadLink stamps a remote signing link used at at; ENOTFOUND if
// none, ECONFLICT if already used.
func (t *tx) UseDownloadLink(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "download_links", "used_at", id, at, "Download link not found.", "The link is already used.")
}
