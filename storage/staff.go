package storage

import (
	"context"
	"time"

	"github.com/consentd/consentd/consent"
)

type staffRow struct {
	ID            string `gorm:"column:id;primaryKey"`
	Name          string `gorm:"column:name"`
	Role          string `gorm:"column:role"`
	PINHash       string `gorm:"column:pin_hash"`
	CreatedMS     int64  `gorm:"column:created_at"`
	DeactivatedMS *int64 `gorm:"column:deactivated_at"`
}

func (staffRow) TableName() string { return "staff" }

func (r staffRow) toDomain() *consent.Staff {
	return &consent.Staff{ID: r.ID, Name: r.Name, Role: r.Role, PINHash: r.PINHash, CreatedAt: fromMS(r.CreatedMS),
		DeactivatedAt: fromMSPtr(r.DeactivatedMS)}
}

// FindStaff returns a staff member by ID (active or not); ENOTFOUND if none.
func (r reader) FindStaff(ctx context.Context, id string) (*consent.Staff, error) {
	var row staffRow
	if err := r.q(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate("find staff", err, msgs{notFound: "Staff member not found."})
	}
	return row.toDomain(), nil
}

// ListStaff returns every staff member ordered by ID.
func (r reader) ListStaff(ctx context.Context) ([]*consent.Staff, error) {
	return listRows(ctx, r, "list staff", "id", func(row staffRow) (*consent.Staff, error) { return row.toDomain(), nil })
}

// CreateStaff stores a staff member; ECONFLICT if the ID exists.
func (t *tx) CreateStaff(ctx context.Context, s *consent.Staff) error {
	row := staffRow{ID: s.ID, Name: s.Name, Role: s.Role, PINHash: s.PINHash, CreatedMS: toMS(s.CreatedAt),
		DeactivatedMS: toMSPtr(s.DeactivatedAt)}
	return translate("create staff", t.q(ctx).Create(&row).Error, msgs{conflict: "A staff member with this ID already exists."})
}

// DeactivateStaff deactivates a staff member at at; ENOTFOUND if none,
// ECONFLICT if already deactivated.
func (t *tx) DeactivateStaff(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "staff", "deactivated_at", id, at, "Staff member not found.", "The staff member is already deactivated.")
}
