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
// Every consent read asks (until the version is approved), so it is a plain query.
func (r reader) FindApproval(ctx context.Context, slug string, version int) (*consent.TemplateApproval, error) {
	rows, err := r.query(ctx, approvalQuery, slug, version)
	if err != nil {
		return nil, translate("find approval", err, msgs{})
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate("find approval", err, msgs{})
		}
		return nil, consent.Errorf(consent.ENOTFOUND, "The template version has no approval.")
	}
	var row approvalRow
	e := &row.Evidence
	if err := rows.Scan(&row.Slug, &row.Version, &row.StaffID, &row.Name, &row.Meaning, &row.ApprovedMS,
		&e.Channel, &e.IP, &e.UserAgent, &e.DeviceID, &e.Actor, &e.ClientTime); err != nil {
		return nil, translate("find approval", err, msgs{})
	}
	return row.toDomain(), nil
}

var approvalQuery = newPlainQuery(`SELECT slug, version, staff_id, name, meaning, approved_at,
	channel, ip, user_agent, device_id, actor, client_time FROM template_approvals WHERE slug = ? AND version = ?`)

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
