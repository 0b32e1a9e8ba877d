package storage

import (
	"context"
	"time"

	"github.com/consentd/consentd/consent"
)

type deviceRow struct {
	ID        string `gorm:"column:id;primaryKey"`
	Name      string `gorm:"column:name"`
	TokenHash string `gorm:"column:token_hash"`
	CreatedMS int64  `gorm:"column:created_at"`
	CreatedBy string `gorm:"column:created_by"`
	RevokedMS *int64 `gorm:"column:revoked_at"`
}

func (deviceRow) TableName() string { return "devices" }

func (r deviceRow) toDomain() *consent.Device {
	return &consent.Device{ID: r.ID, Name: r.Name, TokenHash: r.TokenHash, CreatedAt: fromMS(r.CreatedMS),
		CreatedBy: r.CreatedBy, RevokedAt: fromMSPtr(r.RevokedMS)}
}

// FindDeviceByHash returns the device a token (by its hash) belongs to,
// revoked included; ENOTFOUND if none.
func (r reader) FindDeviceByHash(ctx context.Context, tokenHash string) (*consent.Device, error) {
	return r.findDevice(ctx, "token_hash = ?", tokenHash)
}

// FindDevice returns a device by ID; ENOTFOUND if none.
func (r reader) FindDevice(ctx context.Context, id string) (*consent.Device, error) {
	return r.findDevice(ctx, "id = ?", id)
}

func (r reader) findDevice(ctx context.Context, where string, args ...any) (*consent.Device, error) {
	var row deviceRow
	if err := r.q(ctx).Where(where, args...).Take(&row).Error; err != nil {
		return nil, translate("find device", err, msgs{notFound: "Device not found."})
	}
	return row.toDomain(), nil
}

// ListDevices returns every device, oldest first.
func (r reader) ListDevices(ctx context.Context) ([]*consent.Device, error) {
	return listRows(ctx, r, "list devices", "created_at, id", func(row deviceRow) (*consent.Device, error) { return row.toDomain(), nil })
}

// CreateDevice stores a device; ECONFLICT if its ID or token hash exists.
func (t *tx) CreateDevice(ctx context.Context, d *consent.Device) error {
	row := deviceRow{ID: d.ID, Name: d.Name, TokenHash: d.TokenHash, CreatedMS: toMS(d.CreatedAt), CreatedBy: d.CreatedBy,
		RevokedMS: toMSPtr(d.RevokedAt)}
	return translate("create device", t.q(ctx).Create(&row).Error, msgs{conflict: "This device already exists."})
}

// RevokeDevice revokes a device at at; ENOTFOUND if none, ECONFLICT if already revoked.
func (t *tx) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "devices", "revoked_at", id, at, "Device not found.", "The device is already revoked.")
}
