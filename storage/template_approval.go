package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

type approvalRow struct {
	Slug       string       `gorm:"column:slug;primaryKey"`
	Version    int          `gorm:"column:version;primaryKey;autoIncrement:false"`
	StaffID    string       `gorm:"column:staff_id"`
	Name       string       `gorm:"column:name"`
	Meaning    string       `gorm:"column:meaning"`
	ApprovedMS int64        `gorm:"column:approved_at"`
	Evidence   evidenceCols `gorm:"embedded"`
}

func (approvalRow) TableName() string { return "template_approvals" }

func (r approvalRow) toDomain() *consent.TemplateApproval {
	e := r.Evidence
	return &consent.TemplateApproval{Slug: r.Slug, Version: r.Version, StaffID: r.StaffID, Name: r.Name, Meaning: r.Meaning,
		At: fromMS(r.ApprovedMS), Evidence: consent.Evidence{Channel: e.Channel, IP: e.IP, UserAgent: e.UserAgent,
			DeviceID: e.DeviceID, Actor: e.Actor, ClientTime: e.ClientTime}}
}

// FindApproval returns a version's approval; ENOTFOUND while it has none.
func (r reader) FindApproval(ctx context.Context, slug string, version int) (*consent.TemplateApproval, error) {
	var row approvalRow
	if err := r.q(ctx).Where("slug = ? AND version = ?", slug, version).Take(&row).Error; err != nil {
		return nil, translate("find approval", err, msgs{notFound: "The template version has no approval."})
	}
	return row.toDomain(), nil
}

// CreateApproval stores a version's approval; ENOTFOUND without the version
// or the approver, ECONFLICT if the version has one.
func (t *tx) CreateApproval(ctx context.Context, a *consent.TemplateApproval) error {
	e := a.Evidence
	row := approvalRow{Slug: a.Slug, Version: a.Version, StaffID: a.StaffID, Name: a.Name, Meaning: a.Meaning,
		ApprovedMS: toMS(a.At), Evidence: evidenceCols{Channel: e.Channel, IP: e.IP, UserAgent: e.UserAgent,
			DeviceID: e.DeviceID, Actor: e.Actor, ClientTime: e.ClientTime}}
	return translate("create approval", t.q(ctx).Create(&row).Error,
		msgs{notFound: "Template version or staff member not found.", conflict: "The template version is already approved."})
}
