package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// Page sizes for ListConsents (the domain's contract).
const (
	DefaultListLimit = consent.DefaultPageSize
	MaxListLimit     = consent.MaxPageSize
)

// consentCursor is the position after the last consent of a page, in the
// list's (created_at DESC, id DESC) order; the client sees it as opaque base64.
type consentCursor struct {
	CreatedMS int64  `json:"t"`
	ID        string `json:"id"`
}

func (c consentCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(mustJSON(c)))
}

func decodeConsentCursor(s string) (consentCursor, error) {
	var c consentCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return c, consent.FieldErrorf(consent.EINVALID, "cursor", "is not a cursor this server returned.")
	}
	return c, nil
}

// filterConsents applies a filter's conditions (consentWhere) to a gorm query.
func (r reader) filterConsents(ctx context.Context, f consent.ConsentFilter) *gorm.DB {
	q := r.q(ctx).Model(&consentRow{})
	if where, args := consentWhere(f); where != "" {
		q = q.Where(where, args...)
	}
	return q
}

// consentWhere returns a filter's patient, status and template conditions
// on the consents table (unaliased), with their values; "" for none. With
// f.Now set, the status condition matches the status shown: a pending
// consent past its expiry counts as expired. The full and the summary lists
// share it, so both select the same consents.
func consentWhere(f consent.ConsentFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, vals ...any) { conds, args = append(conds, cond), append(args, vals...) }
	if f.PatientID != "" {
		add("patient_id = ?", f.PatientID)
	}
	switch now := toMS(f.Now); {
	case f.Status == "":
	case f.Now.IsZero():
		add("status = ?", f.Status)
	case f.Status == consent.StatusPending:
		add("status = ? AND expires_at > ?", consent.StatusPending, now)
	case f.Status == consent.StatusExpired:
		add("(status = ? OR (status = ? AND expires_at <= ?))", consent.StatusExpired, consent.StatusPending, now)
	default:
		add("status = ?", f.Status)
	}
	if f.TemplateSlug != "" {
		add("template_slug = ?", f.TemplateSlug)
	}
	if f.ReconsentDue {
		add("status = 'signed' AND " + notResignedSQL + ` AND EXISTS (SELECT 1 FROM template_versions tv
			WHERE tv.slug = consents.template_slug AND tv.version > consents.template_version
			AND tv.published_at IS NOT NULL AND tv.reconsent IN ('required', 'recommended'))`)
	}
	if f.RenewalDue {
		add("status = 'signed' AND "+notResignedSQL+` AND EXISTS (SELECT 1 FROM template_versions tv
			WHERE tv.slug = consents.template_slug AND tv.version = consents.template_version
			AND tv.valid_for_days IS NOT NULL AND consents.signed_at + tv.valid_for_days * CAST(86400000 AS BIGINT) <= ?)`, toMS(f.Now))
	}
	return strings.Join(conds, " AND "), args
}

// notResignedSQL holds for a consent no signed re-consent supersedes (one
// signed ever: signed, withdrawn or voided), as consent.DeriveFlags decides.
const notResignedSQL = `NOT EXISTS (SELECT 1 FROM consents r WHERE r.supersedes = consents.id
	AND r.status IN ('signed', 'withdrawn', 'voided'))`

// CountConsents counts the consents a filter matches (its cursor and limit
// are ignored).
func (r reader) CountConsents(ctx context.Context, f consent.ConsentFilter) (int, error) {
	var n int64
	err := r.filterConsents(ctx, f).Count(&n).Error
	return int(n), translate("count consents", err, msgs{})
}

// ListConsents returns a page of consents, newest first, and the cursor of the
// next page ("" at the end). Keyset pagination keeps pages stable while new
// consents arrive: they sort before the cursor, so no consent is repeated or skipped.
func (r reader) ListConsents(ctx context.Context, f consent.ConsentFilter) ([]*consent.Consent, string, error) {
	limit := consent.PageSize(f.Limit, DefaultListLimit, MaxListLimit)
	q := r.filterConsents(ctx, f).Select(consentColumns)
	if f.Cursor != "" {
		cur, err := decodeConsentCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", cur.CreatedMS, cur.CreatedMS, cur.ID)
	}
	var rows []consentRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate("list consents", err, msgs{})
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = consentCursor{CreatedMS: last.CreatedMS, ID: last.ID}.encode()
	}
	out, err := r.withParts(ctx, rows)
	return out, next, err
}

// ListExpiredPending returns up to limit pending consents whose expires_at <= now,
// soonest expired first.
func (r reader) ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]*consent.Consent, error) {
	var rows []consentRow
	// The literal 'pending' lets SQLite use the partial index on expires_at.
	err := r.q(ctx).Select(consentColumns).Where("status = 'pending' AND expires_at <= ?", toMS(now)).
		Order("expires_at, id").Limit(consent.PageSize(limit, DefaultListLimit, consent.MaxAuditPageSize)).Find(&rows).Error
	if err != nil {
		return nil, translate("list expired consents", err, msgs{})
	}
	return r.withParts(ctx, rows)
}

// ListReconsentCandidates returns up to limit consents of slug signed on a
// version below before, still signed and not superseded by a signed
// re-consent, with IDs above afterID, in ID order.
func (t *tx) ListReconsentCandidates(ctx context.Context, slug string, before int, afterID string, limit int) ([]*consent.Consent, error) {
	var rows []consentRow
	err := t.q(ctx).Select(consentColumns).Where("template_slug = ? AND template_version < ? AND status = 'signed' AND id > ? AND "+
		notResignedSQL, slug, before, afterID).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, translate("list re-consent candidates", err, msgs{})
	}
	return t.withParts(ctx, rows)
}
