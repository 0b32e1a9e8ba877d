package storage

import (
	"context"
	"encoding/json"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/consentd/consentd/consent"
)

type versionRow struct {
	Slug              string `gorm:"column:slug;primaryKey"`
	Version           int    `gorm:"column:version;primaryKey;autoIncrement:false"`
	Status            string `gorm:"column:status"`
	ContentSHA256     string `gorm:"column:content_sha256"`
	PublishedMS       *int64 `gorm:"column:published_at"`
	ApprovedBy        string `gorm:"column:approved_by"`
	RetiredMS         *int64 `gorm:"column:retired_at"`
	CreatedMS         int64  `gorm:"column:created_at"`
	LocaleCodes       string `gorm:"column:locale_codes"`
	Locales           string `gorm:"column:locales"`
	Variables         string `gorm:"column:variables"`
	RequiredSigners   string `gorm:"column:required_signers"`
	SignatureForms    string `gorm:"column:signature_forms"`
	ExpiresAfterHours int    `gorm:"column:expires_after_hours"`
	Reconsent         string `gorm:"column:reconsent"`
	ValidForDays      *int   `gorm:"column:valid_for_days"` // NULL when the version declares none
	TeachBack         string `gorm:"column:teach_back"`
}

func (versionRow) TableName() string { return "template_versions" }

// versionHeadsQuery reads a template's versions' columns other than their
// content, in order: what toDomain needs when the content comes from the
// cache by content_sha256. On SQLite it reads the template_versions_heads
// index alone (migration 12).
var versionHeadsQuery = newPlainQuery(`SELECT slug, version, status, content_sha256, published_at, approved_by,
	retired_at, created_at, reconsent FROM template_versions WHERE slug = ? ORDER BY version`)

// versionHeadQuery reads one version's head columns, as versionHeadsQuery.
var versionHeadQuery = newPlainQuery(`SELECT slug, version, status, content_sha256, published_at, approved_by,
	retired_at, created_at, reconsent FROM template_versions WHERE slug = ? AND version = ?`)

// versionHeads reads the head columns of the versions q selects, in order.
func (r reader) versionHeads(ctx context.Context, q plainQuery, args ...any) ([]versionRow, error) {
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []versionRow
	for rows.Next() {
		var v versionRow
		if err := rows.Scan(&v.Slug, &v.Version, &v.Status, &v.ContentSHA256, &v.PublishedMS, &v.ApprovedBy,
			&v.RetiredMS, &v.CreatedMS, &v.Reconsent); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// versionFromDomain encodes a version's content in the domain's own JSON
// form (consent.VersionContent's tags), the form the API shows it in.
func versionFromDomain(v *consent.TemplateVersion) versionRow {
	return versionRow{Slug: v.Slug, Version: v.Version, Status: v.Status, ContentSHA256: v.ContentSHA256,
		PublishedMS: toMSPtr(v.PublishedAt), ApprovedBy: v.ApprovedBy, RetiredMS: toMSPtr(v.RetiredAt),
		CreatedMS: toMS(v.CreatedAt), LocaleCodes: mustJSON(v.SortedLocales()), Locales: mustJSON(v.Locales),
		Variables: mustJSON(v.Variables), RequiredSigners: mustJSON(v.RequiredSigners),
		SignatureForms: mustJSON(v.SignatureForms), ExpiresAfterHours: v.ExpiresAfterHours, Reconsent: v.Reconsent,
		ValidForDays: validForDays(v.ValidForDays), TeachBack: v.TeachBack}
}

// validForDays is the column value of a version's valid_for_days.
func validForDays(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

// head decodes the row's head columns (versionHeadsQuery): the version without its content.
func (r versionRow) head() *consent.TemplateVersion {
	return &consent.TemplateVersion{Slug: r.Slug, Version: r.Version, Status: r.Status, ContentSHA256: r.ContentSHA256,
		PublishedAt: fromMSPtr(r.PublishedMS), ApprovedBy: r.ApprovedBy, RetiredAt: fromMSPtr(r.RetiredMS),
		CreatedAt: fromMS(r.CreatedMS), Reconsent: r.Reconsent}
}

// toDomain decodes the row, taking the content from the cache when a version
// with the same content hash was decoded before.
func (r versionRow) toDomain(cache *lru.Cache[string, consent.VersionContent]) (*consent.TemplateVersion, error) {
	v := r.head()
	if cache == nil || r.ContentSHA256 == "" {
		cache = nil // decoded afresh, and not kept
	} else if c, ok := cache.Get(r.ContentSHA256); ok {
		v.VersionContent = c
		return v, nil
	}
	v.ExpiresAfterHours, v.TeachBack = r.ExpiresAfterHours, r.TeachBack
	if r.ValidForDays != nil {
		v.ValidForDays = *r.ValidForDays
	}
	for _, c := range []struct {
		src string
		dst any
	}{{r.Locales, &v.Locales}, {r.Variables, &v.Variables}, {r.RequiredSigners, &v.RequiredSigners}, {r.SignatureForms, &v.SignatureForms}} {
		if err := json.Unmarshal([]byte(c.src), c.dst); err != nil {
			return nil, fmt.Errorf("storage: template version %s/%d: %w", r.Slug, r.Version, err)
		}
	}
	if cache != nil {
		cache.Add(r.ContentSHA256, v.Content())
	}
	return v, nil
}

// FindVersion returns one version with its content; ENOTFOUND if none.
func (r reader) FindVersion(ctx context.Context, slug string, version int) (*consent.TemplateVersion, error) {
	// Its own columns first, as ListVersions does: every signing finds its
	// version, and the content (~100 KB) is almost always in the cache.
	if r.cache.versions == nil { // read whole: decoded afresh
		var row versionRow
		if err := r.q(ctx).Where("slug = ? AND version = ?", slug, version).Take(&row).Error; err != nil {
			return nil, translate("find version", err, msgs{notFound: "Template version not found."})
		}
		return row.toDomain(nil)
	}
	heads, err := r.versionHeads(ctx, versionHeadQuery, slug, version)
	if err != nil {
		return nil, translate("find version", err, msgs{})
	} else if len(heads) == 0 {
		return nil, consent.Errorf(consent.ENOTFOUND, "Template version not found.")
	}
	return r.versionFromHead(ctx, heads[0])
}

// versionFromHead completes a version read without its content: from the
// cache by content hash, or by reading the whole row.
func (r reader) versionFromHead(ctx context.Context, row versionRow) (*consent.TemplateVersion, error) {
	if r.cache.versions != nil && row.ContentSHA256 != "" {
		if c, ok := r.cache.versions.Get(row.ContentSHA256); ok {
			v := row.head()
			v.VersionContent = c
			return v, nil
		}
	}
	var full versionRow
	if err := r.q(ctx).Where("slug = ? AND version = ?", row.Slug, row.Version).Take(&full).Error; err != nil {
		return nil, translate("find version", err, msgs{notFound: "Template version not found."})
	}
	return full.toDomain(r.cache.versions)
}

// ListVersions returns a template's versions, oldest first; ENOTFOUND if the
// template does not exist.
func (r reader) ListVersions(ctx context.Context, slug string) ([]*consent.TemplateVersion, error) {
	// The versions' own columns first, without their content (~100 KB of
	// text each): a version whose content hash is in the cache takes its
	// content from there, and only the others are read whole. Reads of
	// consents list their template's versions to derive re-consent flags, so
	// this is on every read.
	rows, err := r.versionHeads(ctx, versionHeadsQuery, slug)
	if err != nil {
		return nil, translate("list versions", err, msgs{})
	}
	if len(rows) == 0 {
		if ok, err := r.exists(ctx, "templates", "slug = ?", slug); err != nil {
			return nil, translate("find template", err, msgs{})
		} else if !ok {
			return nil, consent.Errorf(consent.ENOTFOUND, "Template not found.")
		}
	}
	out := make([]*consent.TemplateVersion, 0, len(rows))
	for _, row := range rows {
		v, err := r.versionFromHead(ctx, row)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
