package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// idempotencyRow keeps a write's sealed result in body; status is 0 for a
// typed result and the HTTP status of a record written before results were
// typed (its body is then the sealed response).
type idempotencyRow struct {
	Scope       string `gorm:"column:scope;primaryKey"`
	Key         string `gorm:"column:key;primaryKey"`
	RequestHash string `gorm:"column:request_hash"`
	Status      int    `gorm:"column:status"`
	Body        []byte `gorm:"column:body"`
	CreatedMS   int64  `gorm:"column:created_at"`
}

func (idempotencyRow) TableName() string { return "idempotency" }

// FindIdempotency returns the stored result for scope+key; ENOTFOUND if none.
func (r reader) FindIdempotency(ctx context.Context, scope, key string) (*consent.Idempotency, error) {
	var row idempotencyRow
	if err := r.q(ctx).Where("scope = ? AND key = ?", scope, key).Take(&row).Error; err != nil {
		return nil, translate("find idempotency", err, msgs{notFound: "Idempotency key not found."})
	}
	return &consent.Idempotency{Scope: row.Scope, Key: row.Key, RequestHash: row.RequestHash, LegacyStatus: row.Status,
		Result: row.Body, CreatedAt: fromMS(row.CreatedMS)}, nil
}

// SaveIdempotency stores a result; ECONFLICT if scope+key already exists.
func (t *tx) SaveIdempotency(ctx context.Context, r *consent.Idempotency) error {
	row := idempotencyRow{Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash, Status: r.LegacyStatus, Body: r.Result,
		CreatedMS: toMS(r.CreatedAt)}
	return translate("save idempotency", t.q(ctx).Create(&row).Error,
		msgs{conflict: "This Idempotency-Key was already used."})
}

// PurgeIdempotency deletes stored results created before before (the API
// keeps them at least 24 h) and returns how many it deleted.
func (db *DB) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	if err := db.lockWrite(ctx); err != nil {
		return 0, err
	}
	defer db.unlockWrite()
	var n int64
	err := db.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		res := g.Exec("DELETE FROM idempotency WHERE created_at < ?", toMS(before))
		n = res.RowsAffected
		return res.Error
	})
	return n, translate("purge idempotency", err, msgs{})
}
