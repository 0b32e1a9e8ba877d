package consent

import (
	"context"
	"fmt"
	"slices"
)

// CreateTemplate creates a template with no versions. Errors: EINVALID, ECONFLICT.
func (s *Service) CreateTemplate(ctx context.Context, slug, title string) (*Template, error) {
	if err := ValidateSlug("slug", slug); err != nil {
		return nil, err
	} else if err := CheckName("title", title, 200); err != nil {
		return nil, err
	}
	t := &Template{Slug: slug, Title: title, CreatedAt: s.now()}
	return update(ctx, s, func(tx Tx) (*Template, error) {
		if err := tx.CreateTemplate(ctx, t); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return nil, FieldErrorf(ECONFLICT, "slug", "a template %q already exists.", slug)
			}
			return nil, err
		}
		return t, tx.AppendAudit(ctx, s.event(ctx, EventTemplateCreated, "", map[string]any{"slug": slug}, t))
	})
}

// CreateVersion adds a draft with the next version number. With nil content the
// draft starts as a copy of the newest version. Errors: EINVALID, ENOTFOUND.
func (s *Service) CreateVersion(ctx context.Context, slug string, content *VersionContent) (*TemplateVersion, error) {
	if content != nil {
		if err := s.validateContent(*content); err != nil {
			return nil, err
		}
	}
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		if _, err := tx.FindTemplate(ctx, slug); err != nil {
			return nil, err
		}
		versions, err := tx.ListVersions(ctx, slug)
		if err != nil {
			return nil, err
		}
		next := 1
		for _, v := range versions {
			next = max(next, v.Version+1)
		}
		if content == nil {
			if len(versions) == 0 {
				return nil, FieldErrorf(EINVALID, "locales", "the first version of a template needs its content.")
			}
			c := latest(versions).Content()
			content = &c
		}
		v := &TemplateVersion{Slug: slug, Version: next, Status: VersionDraft, CreatedAt: s.now()}
		if err := v.SetContent(*content); err != nil {
			return nil, err
		}
		if err := tx.CreateVersion(ctx, v); err != nil {
			return nil, err
		}
		return v, tx.AppendAudit(ctx, s.event(ctx, EventVersionCreated, "", map[string]any{
			"slug": slug, "version": v.Version, "content_sha256": v.ContentSHA256}, v))
	})
}

func latest(versions []*TemplateVersion) *TemplateVersion {
	return slices.MaxFunc(versions, func(a, b *TemplateVersion) int { return a.Version - b.Version })
}

// UpdateDraft replaces a draft's content. Errors: EINVALID, ENOTFOUND, ECONFLICT
// (the version is published or retired, so frozen).
func (s *Service) UpdateDraft(ctx context.Context, slug string, version int, content VersionContent) (*TemplateVersion, error) {
	if err := s.validateContent(content); err != nil {
		return nil, err
	}
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		v, err := tx.FindVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		} else if v.Status != VersionDraft {
			return nil, Errorf(ECONFLICT, "Version %d of %s is %s; its content is frozen. Create a new version instead.", version, slug, v.Status)
		}
		before := *v
		if err := v.SetContent(content); err != nil {
			return nil, err
		}
		if err := tx.UpdateDraftVersion(ctx, v); err != nil {
			return nil, err
		}
		return v, tx.AppendAudit(ctx, s.change(ctx, EventVersionUpdated, "", map[string]any{
			"slug": slug, "version": version, "content_sha256": v.ContentSHA256}, &before, v))
	})
}

// PublishVersion freezes a draft and makes it the template's current version.
// Errors: EINVALID, ENOTFOUND, ECONFLICT (not a draft).
func (s *Service) PublishVersion(ctx context.Context, slug string, version int, approvedBy string) (*TemplateVersion, error) {
	if err := CheckName("approved_by", approvedBy, 200); err != nil {
		return nil, err
	}
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		v, err := tx.FindVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		} else if v.Status != VersionDraft {
			return nil, Errorf(ECONFLICT, "Version %d of %s is already %s.", version, slug, v.Status)
		} else if err := s.validateContent(v.Content()); err != nil {
			return nil, err
		}
		now := s.now()
		if err := tx.SetVersionStatus(ctx, slug, version, VersionDraft, VersionPublished, now, approvedBy); err != nil {
			return nil, err
		}
		before := *v
		v.Status, v.PublishedAt, v.ApprovedBy = VersionPublished, &now, approvedBy
		return v, tx.AppendAudit(ctx, s.change(ctx, EventVersionPublished, "", map[string]any{
			"slug": slug, "version": version, "content_sha256": v.ContentSHA256, "approved_by": approvedBy}, &before, v))
	})
}

// RetireVersion stops new consents from using a published version. Errors:
// ENOTFOUND, ECONFLICT (not published).
func (s *Service) RetireVersion(ctx context.Context, slug string, version int) (*TemplateVersion, error) {
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		v, err := tx.FindVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		} else if v.Status != VersionPublished {
			return nil, Errorf(ECONFLICT, "Version %d of %s is %s; only a published version can be retired.", version, slug, v.Status)
		}
		now := s.now()
		if err := tx.SetVersionStatus(ctx, slug, version, VersionPublished, VersionRetired, now, ""); err != nil {
			return nil, err
		}
		before := *v
		v.Status, v.RetiredAt = VersionRetired, &now
		return v, tx.AppendAudit(ctx, s.change(ctx, EventVersionRetired, "", map[string]any{"slug": slug, "version": version}, &before, v))
	})
}

// ShippedVersion is a template version that ships with consentd.
type ShippedVersion struct {
	Slug    string
	Title   string
	Version int
	Content VersionContent
}

// ShippedApprover is recorded as approved_by for versions published automatically
// on first start; the clinic's medical director must still review them.
const ShippedApprover = "consentd first start (shipped template; medical director review required)"

// ImportShipped brings shipped versions whose content is not yet in the database
// in as drafts. With publishNew, a template seen for the first time has all
// its shipped versions published in order, so its newest is current (first
// start of an empty database). It returns the versions created.
func (s *Service) ImportShipped(ctx context.Context, shipped []ShippedVersion, publishNew bool) ([]*TemplateVersion, error) {
	var created []*TemplateVersion
	newTemplates := map[string]bool{} // created by this call
	for _, sv := range shipped {
		if err := s.validateContent(sv.Content); err != nil {
			return created, fmt.Errorf("shipped template %s v%d: %w", sv.Slug, sv.Version, err)
		}
		sum, err := sv.Content.SHA256()
		if err != nil {
			return created, err
		}
		isNew := false
		if _, err := s.Store.FindTemplate(ctx, sv.Slug); ErrorCode(err) == ENOTFOUND {
			if _, err := s.CreateTemplate(ctx, sv.Slug, sv.Title); err != nil {
				return created, err
			}
			newTemplates[sv.Slug] = true
		} else if err != nil {
			return created, err
		}
		isNew = newTemplates[sv.Slug]
		versions, err := s.Store.ListVersions(ctx, sv.Slug)
		if err != nil {
			return created, err
		}
		if slices.ContainsFunc(versions, func(v *TemplateVersion) bool { return v.ContentSHA256 == sum }) {
			continue
		}
		content := sv.Content
		v, err := s.CreateVersion(ctx, sv.Slug, &content)
		if err != nil {
			return created, err
		}
		if publishNew && (isNew || len(versions) == 0) {
			if v, err = s.PublishVersion(ctx, sv.Slug, v.Version, ShippedApprover); err != nil {
				return created, err
			}
		}
		created = append(created, v)
	}
	return created, nil
}
