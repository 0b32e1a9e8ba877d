package consent

import (
	"context"
	"fmt"
	"maps"
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
		if err := tx.Templates().CreateTemplate(ctx, t); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return nil, FieldErrorf(ECONFLICT, "slug", "a template %q already exists.", slug)
			}
			return nil, err
		}
		return t, tx.Audit().AppendAudit(ctx, s.event(ctx, EventTemplateCreated, "", map[string]any{"slug": slug}, t))
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
		if _, err := tx.Templates().FindTemplate(ctx, slug); err != nil {
			return nil, err
		}
		versions, err := tx.Templates().ListVersions(ctx, slug)
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
		if err := tx.Templates().CreateVersion(ctx, v); err != nil {
			return nil, err
		}
		return v, tx.Audit().AppendAudit(ctx, s.event(ctx, EventVersionCreated, "", map[string]any{
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
	return s.changeVersion(ctx, slug, version, versionChange{from: VersionDraft, event: EventVersionUpdated,
		refused: "its content is frozen. Create a new version instead",
		apply: func(tx TemplateTx, v *TemplateVersion) error {
			if err := v.SetContent(content); err != nil {
				return err
			}
			return tx.UpdateDraftVersion(ctx, v)
		},
		details: func(v *TemplateVersion) map[string]any { return map[string]any{"content_sha256": v.ContentSHA256} }})
}

// PublishInput is how a draft is published: signed by a template approver,
// whose approval is recorded in the same transaction.
type PublishInput struct {
	Approver Approver
	// Reconsent is the re-consent policy (ReconsentPolicies) for the consents
	// on earlier versions: required when an earlier version was ever
	// published; recorded with the publication, and queued for notice when
	// not none.
	Reconsent string
}

// PublishVersion freezes a draft, makes it the template's current version and
// records the approver's signature on it. Errors: EINVALID (content, input,
// wrong staff ID or PIN), EFORBIDDEN (not a template approver),
// ERATELIMITED, ENOTFOUND, ECONFLICT (not a draft).
func (s *Service) PublishVersion(ctx context.Context, slug string, version int, in PublishInput) (*TemplateVersion, error) {
	if in.Reconsent != "" && !slices.Contains(ReconsentPolicies, in.Reconsent) {
		return nil, FieldErrorf(EINVALID, "reconsent", "must be one of required, recommended, none.")
	}
	st, err := s.checkApprover(ctx, in.Approver)
	if err != nil {
		return nil, err
	}
	return s.publish(ctx, slug, version, st, in.Reconsent)
}

// publish freezes a draft with its re-consent policy and, with an approver,
// records their approval; without one (shipped versions on first start) its
// approval stays pending.
func (s *Service) publish(ctx context.Context, slug string, version int, approver *Staff, reconsent string) (*TemplateVersion, error) {
	return s.changeVersion(ctx, slug, version, versionChange{from: VersionDraft, event: EventVersionPublished,
		refused: "only a draft can be published",
		apply: func(tx TemplateTx, v *TemplateVersion) error {
			if err := s.validateContent(v.Content()); err != nil {
				return err
			}
			now := s.now()
			if err := s.recordReconsent(ctx, tx, v, reconsent, now); err != nil {
				return err
			}
			v.Status, v.PublishedAt = VersionPublished, &now
			return tx.SetVersionStatus(ctx, slug, version, VersionDraft, VersionPublished, now, "")
		},
		details: func(v *TemplateVersion) map[string]any {
			d := map[string]any{"content_sha256": v.ContentSHA256, "approval": ApprovalPending}
			if approver != nil {
				d["approval"], d["staff_id"] = ApprovalApproved, approver.ID
			}
			if v.Reconsent != "" {
				d["reconsent"] = v.Reconsent
			}
			return d
		},
		after: func(tx Tx, v *TemplateVersion) error {
			if approver == nil {
				return nil
			}
			return s.approve(ctx, tx, v, approver)
		}})
}

// RetireVersion stops new consents from using a published version. Errors:
// ENOTFOUND, ECONFLICT (not published).
func (s *Service) RetireVersion(ctx context.Context, slug string, version int) (*TemplateVersion, error) {
	return s.changeVersion(ctx, slug, version, versionChange{from: VersionPublished, event: EventVersionRetired,
		refused: "only a published version can be retired",
		apply: func(tx TemplateTx, v *TemplateVersion) error {
			now := s.now()
			v.Status, v.RetiredAt = VersionRetired, &now
			return tx.SetVersionStatus(ctx, slug, version, VersionPublished, VersionRetired, now, "")
		}})
}

// versionChange is one change to an existing version: allowed from one
// status, made by apply on the version read in the transaction, recorded as
// event with the version as it was and as it is.
type versionChange struct {
	from    string
	event   string
	refused string // why a version in another status is refused
	apply   func(tx TemplateTx, v *TemplateVersion) error
	details func(v *TemplateVersion) map[string]any // beyond slug and version
	after   func(tx Tx, v *TemplateVersion) error   // more writes, after the event
}

// changeVersion makes c to version of slug in one transaction. Errors:
// ENOTFOUND, ECONFLICT (not in c.from), and apply's.
func (s *Service) changeVersion(ctx context.Context, slug string, version int, c versionChange) (*TemplateVersion, error) {
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		v, err := tx.Templates().FindVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		} else if v.Status != c.from {
			return nil, Errorf(ECONFLICT, "Version %d of %s is %s; %s.", version, slug, v.Status, c.refused)
		}
		before := *v
		if err := c.apply(tx.Templates(), v); err != nil {
			return nil, err
		}
		d := map[string]any{"slug": slug, "version": version}
		if c.details != nil {
			maps.Copy(d, c.details(v))
		}
		if err := tx.Audit().AppendAudit(ctx, s.change(ctx, c.event, "", d, &before, v)); err != nil || c.after == nil {
			return v, err
		}
		return v, c.after(tx, v)
	})
}

// ShippedVersion is a template version that ships with consentd.
type ShippedVersion struct {
	Slug    string
	Title   string
	Version int
	Content VersionContent
	// Reconsent is the policy the version is published with when consentd
	// publishes it itself (first start); outside the content and its hash.
	Reconsent string
}

// ImportShipped brings shipped versions whose content is not yet in the database
// in as drafts. With publishNew, a template seen for the first time has all
// its shipped versions published in order, so its newest is current (first
// start of an empty database); their approval stays pending until a
// template approver signs (ApproveVersion). It returns the versions created.
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
		if _, err := s.Store.Templates().FindTemplate(ctx, sv.Slug); ErrorCode(err) == ENOTFOUND {
			if _, err := s.CreateTemplate(ctx, sv.Slug, sv.Title); err != nil {
				return created, err
			}
			newTemplates[sv.Slug] = true
		} else if err != nil {
			return created, err
		}
		isNew = newTemplates[sv.Slug]
		versions, err := s.Store.Templates().ListVersions(ctx, sv.Slug)
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
			if v, err = s.publish(ctx, sv.Slug, v.Version, nil, sv.Reconsent); err != nil {
				return created, err
			}
		}
		created = append(created, v)
	}
	return created, nil
}
