package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/consentd/consentd/consent"
)

type templateRow struct {
	Slug      string `gorm:"column:slug;primaryKey"`
	Title     string `gorm:"column:title"`
	CreatedMS int64  `gorm:"column:created_at"`
}

func (templateRow) TableName() string { return "templates" }

// currentRow is a template's newest published version, the one new consents use.
type currentRow struct {
	Slug        string `gorm:"column:slug"`
	Version     int    `gorm:"column:version"`
	LocaleCodes string `gorm:"column:locale_codes"`
}

func (r templateRow) toDomain(cur *currentRow) (*consent.Template, error) {
	t := &consent.Template{Slug: r.Slug, Title: r.Title, CreatedAt: fromMS(r.CreatedMS)}
	if cur != nil {
		v := cur.Version
		t.CurrentVersion = &v
		if err := json.Unmarshal([]byte(cur.LocaleCodes), &t.Locales); err != nil {
			return nil, fmt.Errorf("storage: template %s locales: %w", r.Slug, err)
		}
	}
	return t, nil
}

// currentVersionsSQL picks, per template, the newest published (not retired) version.
const currentVersionsSQL = `SELECT v.slug, v.version, v.locale_codes FROM template_versions v
WHERE v.status = 'published' AND v.version = (SELECT MAX(w.version) FROM template_versions w
	WHERE w.slug = v.slug AND w.status = 'published')`

// FindTemplate returns a template with its current version; ENOTFOUND if none.
func (r reader) FindTemplate(ctx context.Context, slug string) (*consent.Template, error) {
	var row templateRow
	if err := r.q(ctx).Where("slug = ?", slug).Take(&row).Error; err != nil {
		return nil, translate("find template", err, msgs{notFound: "Template not found."})
	}
	var cur []currentRow
	if err := r.q(ctx).Raw(currentVersionsSQL+" AND v.slug = ?", slug).Scan(&cur).Error; err != nil {
		return nil, translate("find current version", err, msgs{})
	}
	if len(cur) == 0 {
		return row.toDomain(nil)
	}
	return row.toDomain(&cur[0])
}

// ListTemplates returns every template ordered by slug.
func (r reader) ListTemplates(ctx context.Context) ([]*consent.Template, error) {
	var rows []templateRow
	if err := r.q(ctx).Order("slug").Find(&rows).Error; err != nil {
		return nil, translate("list templates", err, msgs{})
	}
	var cur []currentRow
	if err := r.q(ctx).Raw(currentVersionsSQL).Scan(&cur).Error; err != nil {
		return nil, translate("list current versions", err, msgs{})
	}
	bySlug := make(map[string]*currentRow, len(cur))
	for i := range cur {
		bySlug[cur[i].Slug] = &cur[i]
	}
	out := make([]*consent.Template, 0, len(rows))
	for _, row := range rows {
		t, err := row.toDomain(bySlug[row.Slug])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// CreateTemplate stores a template without versions; ECONFLICT if the slug exists.
func (t *tx) CreateTemplate(ctx context.Context, tpl *consent.Template) error {
	row := templateRow{Slug: tpl.Slug, Title: tpl.Title, CreatedMS: toMS(tpl.CreatedAt)}
	return translate("create template", t.q(ctx).Create(&row).Error,
		msgs{conflict: "A template with this slug already exists."})
}

// CreateVersion stores a new version; ENOTFOUND without its template, ECONFLICT
// if the number is taken.
func (t *tx) CreateVersion(ctx context.Context, v *consent.TemplateVersion) error {
	row := versionFromDomain(v)
	return translate("create version", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Template not found.", conflict: "This template version already exists."})
}

// UpdateDraftVersion replaces a draft's content; ECONFLICT if it is not a draft.
func (t *tx) UpdateDraftVersion(ctx context.Context, v *consent.TemplateVersion) error {
	row := versionFromDomain(v)
	n, err := t.exec(ctx, `UPDATE template_versions SET content_sha256 = ?, locale_codes = ?, locales = ?,
		variables = ?, required_signers = ?, signature_forms = ?, expires_after_hours = ?, valid_for_days = ?,
		teach_back = ?
		WHERE slug = ? AND version = ? AND status = 'draft'`,
		row.ContentSHA256, row.LocaleCodes, row.Locales, row.Variables, row.RequiredSigners,
		row.SignatureForms, row.ExpiresAfterHours, row.ValidForDays, row.TeachBack, v.Slug, v.Version)
	if err != nil {
		return translate("update draft version", err, msgs{})
	}
	if n == 0 {
		return t.versionMissOrConflict(ctx, v.Slug, v.Version, "Only a draft version can be edited.")
	}
	return nil
}

// SetVersionStatus moves a version from one status to another, stamping
// published_at/approved_by or retired_at; ECONFLICT if its status is not from.
func (t *tx) SetVersionStatus(ctx context.Context, slug string, version int, from, to string, at time.Time, approvedBy string) error {
	var sql string
	args := []any{to, toMS(at)}
	switch to {
	case consent.VersionPublished:
		sql = "UPDATE template_versions SET status = ?, published_at = ?, approved_by = ?"
		args = append(args, approvedBy)
	case consent.VersionRetired:
		sql = "UPDATE template_versions SET status = ?, retired_at = ?"
	default:
		return consent.Errorf(consent.ECONFLICT, "A version cannot return to %s.", to)
	}
	n, err := t.exec(ctx, sql+" WHERE slug = ? AND version = ? AND status = ?", append(args, slug, version, from)...)
	if err != nil {
		return translate("set version status", err, msgs{})
	}
	if n == 0 {
		return t.versionMissOrConflict(ctx, slug, version, fmt.Sprintf("The version is not %s.", from))
	}
	return nil
}

func (t *tx) versionMissOrConflict(ctx context.Context, slug string, version int, conflict string) error {
	ok, err := t.exists(ctx, "template_versions", "slug = ? AND version = ?", slug, version)
	switch {
	case err != nil:
		return translate("find version", err, msgs{})
	case !ok:
		return consent.Errorf(consent.ENOTFOUND, "Template version not found.")
	}
	return consent.Errorf(consent.ECONFLICT, "%s", conflict)
}
