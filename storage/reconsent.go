package storage

import (
	"context"
	"time"

	"github.com/consentd/consentd/consent"
)

// reconsentJobRow is a queued re-consent notice job: operational state, like
// the webhook outbox (its policy is vouched for by the version's row).
type reconsentJobRow struct {
	Slug      string `gorm:"column:slug;primaryKey"`
	Version   int    `gorm:"column:version;primaryKey;autoIncrement:false"`
	Policy    string `gorm:"column:policy"`
	CreatedMS int64  `gorm:"column:created_at"`
	Cursor    string `gorm:"column:cursor"`
	DoneMS    *int64 `gorm:"column:done_at"`
}

func (reconsentJobRow) TableName() string { return "reconsent_jobs" }

// SetVersionReconsent records a draft's re-consent policy; ECONFLICT if it
// is not a draft.
func (t *tx) SetVersionReconsent(ctx context.Context, slug string, version int, policy string) error {
	n, err := t.exec(ctx, "UPDATE template_versions SET reconsent = ? WHERE slug = ? AND version = ? AND status = 'draft'",
		policy, slug, version)
	if err != nil {
		return translate("set version reconsent", err, msgs{})
	}
	if n == 0 {
		return t.versionMissOrConflict(ctx, slug, version, "Only a draft's re-consent policy can be set.")
	}
	return nil
}

// QueueReconsentJob records a job; ECONFLICT if the version has one.
func (t *tx) QueueReconsentJob(ctx context.Context, j *consent.ReconsentJob) error {
	row := reconsentJobRow{Slug: j.Slug, Version: j.Version, Policy: j.Policy, CreatedMS: toMS(j.CreatedAt),
		Cursor: j.Cursor, DoneMS: toMSPtr(j.DoneAt)}
	return translate("queue re-consent job", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Template version not found.", conflict: "This version's re-consent notices are already queued."})
}

// ListReconsentJobs returns the unfinished jobs, oldest first.
func (t *tx) ListReconsentJobs(ctx context.Context) ([]*consent.ReconsentJob, error) {
	var rows []reconsentJobRow
	if err := t.q(ctx).Where("done_at IS NULL").Order("created_at, slug, version").Find(&rows).Error; err != nil {
		return nil, translate("list re-consent jobs", err, msgs{})
	}
	out := make([]*consent.ReconsentJob, 0, len(rows))
	for _, r := range rows {
		out = append(out, &consent.ReconsentJob{Slug: r.Slug, Version: r.Version, Policy: r.Policy,
			CreatedAt: fromMS(r.CreatedMS), Cursor: r.Cursor, DoneAt: fromMSPtr(r.DoneMS)})
	}
	return out, nil
}

// AdvanceReconsentJob moves a job's cursor from from to to, and marks it
// done when done is set; ECONFLICT if it moved meanwhile or is done.
func (t *tx) AdvanceReconsentJob(ctx context.Context, slug string, version int, from, to string, done *time.Time) error {
	n, err := t.exec(ctx, `UPDATE reconsent_jobs SET cursor = ?, done_at = ?
		WHERE slug = ? AND version = ? AND cursor = ? AND done_at IS NULL`, to, toMSPtr(done), slug, version, from)
	if err != nil {
		return translate("advance re-consent job", err, msgs{})
	}
	if n == 0 {
		ok, err := t.exists(ctx, "reconsent_jobs", "slug = ? AND version = ?", slug, version)
		if err != nil {
			return translate("find re-consent job", err, msgs{})
		} else if !ok {
			return consent.Errorf(consent.ENOTFOUND, "No re-consent notices are queued for this version.")
		}
		return consent.Errorf(consent.ECONFLICT, "The re-consent notices moved on meanwhile.")
	}
	return nil
}
