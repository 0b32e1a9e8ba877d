package consenttest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// FindTemplate returns a template with its current version; ENOTFOUND if none.
func (v view) FindTemplate(ctx context.Context, slug string) (*consent.Template, error) {
	st := v.st()
	t, ok := st.templates[slug]
	if !ok {
		return nil, notFound("Template not found.")
	}
	return st.withCurrent(t), nil
}

// withCurrent returns a copy of t with its newest published version and
// that version's locales.
func (st *state) withCurrent(t consent.Template) *consent.Template {
	t.CurrentVersion, t.Locales = nil, nil
	for k, v := range st.versions {
		if k.slug == t.Slug && v.Status == consent.VersionPublished && (t.CurrentVersion == nil || v.Version > *t.CurrentVersion) {
			n := v.Version
			t.CurrentVersion, t.Locales = &n, v.SortedLocales()
		}
	}
	return &t
}

// ListTemplates returns every template ordered by slug.
func (v view) ListTemplates(ctx context.Context) ([]*consent.Template, error) {
	st := v.st()
	out := make([]*consent.Template, 0, len(st.templates))
	for _, t := range st.templates {
		out = append(out, st.withCurrent(t))
	}
	slices.SortFunc(out, func(a, b *consent.Template) int { return cmp.Compare(a.Slug, b.Slug) })
	return out, nil
}

// FindVersion returns one version with its content; ENOTFOUND if none.
func (v view) FindVersion(ctx context.Context, slug string, version int) (*consent.TemplateVersion, error) {
	tv, ok := v.st().versions[versionKey{slug, version}]
	if !ok {
		return nil, notFound("Template version not found.")
	}
	return &tv, nil
}

// ListVersions returns a template's versions, oldest first; ENOTFOUND if
// the template does not exist.
func (v view) ListVersions(ctx context.Context, slug string) ([]*consent.TemplateVersion, error) {
	st := v.st()
	if _, ok := st.templates[slug]; !ok {
		return nil, notFound("Template not found.")
	}
	var out []*consent.TemplateVersion
	for k, tv := range st.versions {
		if k.slug == slug {
			out = append(out, &tv)
		}
	}
	slices.SortFunc(out, func(a, b *consent.TemplateVersion) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// CreateTemplate stores a template without versions; ECONFLICT if the slug exists.
func (t *tx) CreateTemplate(ctx context.Context, tpl *consent.Template) error {
	if _, ok := t.w.templates[tpl.Slug]; ok {
		return conflict("A template with this slug already exists.")
	}
	t.w.templates[tpl.Slug] = consent.Template{Slug: tpl.Slug, Title: tpl.Title, CreatedAt: ms(tpl.CreatedAt)}
	return nil
}

// CreateVersion stores a new version; ENOTFOUND without its template,
// ECONFLICT if the number is taken.
func (t *tx) CreateVersion(ctx context.Context, v *consent.TemplateVersion) error {
	k := versionKey{v.Slug, v.Version}
	if _, ok := t.w.templates[v.Slug]; !ok {
		return notFound("Template not found.")
	} else if _, ok := t.w.versions[k]; ok {
		return conflict("This template version already exists.")
	}
	row := *v
	row.CreatedAt, row.PublishedAt, row.RetiredAt = ms(v.CreatedAt), msPtr(v.PublishedAt), msPtr(v.RetiredAt)
	t.w.versions[k] = row
	return nil
}

// UpdateDraftVersion replaces a draft's content; ECONFLICT if it is not a draft.
func (t *tx) UpdateDraftVersion(ctx context.Context, v *consent.TemplateVersion) error {
	k := versionKey{v.Slug, v.Version}
	row, ok := t.w.versions[k]
	switch {
	case !ok:
		return notFound("Template version not found.")
	case row.Status != consent.VersionDraft:
		return conflict("Only a draft version can be edited.")
	}
	if err := row.SetContent(v.Content()); err != nil {
		return err
	}
	row.ContentSHA256 = v.ContentSHA256
	t.w.versions[k] = row
	return nil
}

// SetVersionStatus moves a version from one status to another, stamping
// published_at and approved_by, or retired_at; ECONFLICT if its status is
// not from.
func (t *tx) SetVersionStatus(ctx context.Context, slug string, version int, from, to string, at time.Time, approvedBy string) error {
	if to != consent.VersionPublished && to != consent.VersionRetired {
		return conflict("A version cannot return to " + to + ".")
	}
	k := versionKey{slug, version}
	row, ok := t.w.versions[k]
	switch {
	case !ok:
		return notFound("Template version not found.")
	case row.Status != from:
		return conflict("The version is not " + from + ".")
	}
	at = ms(at)
	row.Status = to
	if to == consent.VersionPublished {
		row.PublishedAt, row.ApprovedBy = &at, approvedBy
	} else {
		row.RetiredAt = &at
	}
	t.w.versions[k] = row
	return nil
}

// FindApproval returns a version's approval; ENOTFOUND if it has none.
func (v view) FindApproval(ctx context.Context, slug string, version int) (*consent.TemplateApproval, error) {
	a, ok := v.st().approvals[versionKey{slug, version}]
	if !ok {
		return nil, notFound("The template version has no approval.")
	}
	return &a, nil
}

// CreateApproval stores a version's approval; ENOTFOUND without the version
// or its approver, ECONFLICT if the version has one.
func (t *tx) CreateApproval(ctx context.Context, a *consent.TemplateApproval) error {
	k := versionKey{a.Slug, a.Version}
	if _, ok := t.w.versions[k]; !ok {
		return notFound("Template version not found.")
	} else if _, ok := t.w.staff[a.StaffID]; !ok {
		return notFound("Staff member not found.")
	} else if _, ok := t.w.approvals[k]; ok {
		return conflict("The template version is already approved.")
	}
	row := *a
	row.At = ms(a.At)
	t.w.approvals[k] = row
	return nil
}

// SetVersionReconsent records a draft's re-consent policy; ECONFLICT if it
// is not a draft.
func (t *tx) SetVersionReconsent(ctx context.Context, slug string, version int, policy string) error {
	k := versionKey{slug, version}
	row, ok := t.w.versions[k]
	switch {
	case !ok:
		return notFound("Template version not found.")
	case row.Status != consent.VersionDraft:
		return conflict("Only a draft's re-consent policy can be set.")
	}
	row.Reconsent = policy
	t.w.versions[k] = row
	return nil
}

// QueueReconsentJob records a job; ECONFLICT if the version has one.
func (t *tx) QueueReconsentJob(ctx context.Context, j *consent.ReconsentJob) error {
	k := versionKey{j.Slug, j.Version}
	if _, ok := t.w.reconsent[k]; ok {
		return conflict("This version's re-consent notices are already queued.")
	} else if _, ok := t.w.versions[k]; !ok {
		return notFound("Template version not found.")
	}
	row := *j
	row.CreatedAt, row.DoneAt = ms(j.CreatedAt), msPtr(j.DoneAt)
	t.w.reconsent[k] = row
	return nil
}

// ListReconsentJobs returns the unfinished jobs, oldest first.
func (t *tx) ListReconsentJobs(ctx context.Context) ([]*consent.ReconsentJob, error) {
	var out []*consent.ReconsentJob
	for _, j := range t.w.reconsent {
		if j.DoneAt == nil {
			out = append(out, &j)
		}
	}
	slices.SortFunc(out, func(a, b *consent.ReconsentJob) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Slug, b.Slug), cmp.Compare(a.Version, b.Version))
	})
	return out, nil
}

// AdvanceReconsentJob moves a job's cursor from from to to, and marks it
// done when done is set; ECONFLICT if it moved meanwhile or is done.
func (t *tx) AdvanceReconsentJob(ctx context.Context, slug string, version int, from, to string, done *time.Time) error {
	k := versionKey{slug, version}
	j, ok := t.w.reconsent[k]
	switch {
	case !ok:
		return notFound("No re-consent notices are queued for this version.")
	case j.DoneAt != nil || j.Cursor != from:
		return conflict("The re-consent notices moved on meanwhile.")
	}
	j.Cursor, j.DoneAt = to, msPtr(done)
	t.w.reconsent[k] = j
	return nil
}
