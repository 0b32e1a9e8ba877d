package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/consentd/consentd/consent"
)

type apiKeyRow struct {
	ID        string `gorm:"column:id;primaryKey"`
	Name      string `gorm:"column:name"`
	Scopes    string `gorm:"column:scopes"`
	Hash      string `gorm:"column:hash"`
	Prefix    string `gorm:"column:prefix"`
	CreatedMS int64  `gorm:"column:created_at"`
	RevokedMS *int64 `gorm:"column:revoked_at"`
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r apiKeyRow) toDomain() (*consent.APIKey, error) {
	k := &consent.APIKey{ID: r.ID, Name: r.Name, Hash: r.Hash, Prefix: r.Prefix, CreatedAt: fromMS(r.CreatedMS),
		RevokedAt: fromMSPtr(r.RevokedMS)}
	if err := json.Unmarshal([]byte(r.Scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("storage: api key %s scopes: %w", r.ID, err)
	}
	return k, nil
}

// FindAPIKeyByHash returns the key whose secret hashes to hash (revoked or
// not; the caller checks); ENOTFOUND if none.
func (r reader) FindAPIKeyByHash(ctx context.Context, hash string) (*consent.APIKey, error) {
	return r.findAPIKey(ctx, "hash = ?", hash)
}

// FindAPIKey returns a key by ID; ENOTFOUND if none.
func (r reader) FindAPIKey(ctx context.Context, id string) (*consent.APIKey, error) {
	return r.findAPIKey(ctx, "id = ?", id)
}

func (r reader) findAPIKey(ctx context.Context, where string, arg any) (*consent.APIKey, error) {
	var row apiKeyRow
	if err := r.q(ctx).Where(where, arg).Take(&row).Error; err != nil {
		return nil, translate("find api key", err, msgs{notFound: "API key not found."})
	}
	return row.toDomain()
}

// ListAPIKeys returns every key, oldest first.
func (r reader) ListAPIKeys(ctx context.Context) ([]*consent.APIKey, error) {
	return listRows(ctx, r, "list api keys", "created_at, id", apiKeyRow.toDomain)
}

// CreateAPIKey stores a key; ECONFLICT if its ID or hash exists.
func (t *tx) CreateAPIKey(ctx context.Context, k *consent.APIKey) error {
	row := apiKeyRow{ID: k.ID, Name: k.Name, Scopes: mustJSON(k.Scopes), Hash: k.Hash, Prefix: k.Prefix,
		CreatedMS: toMS(k.CreatedAt), RevokedMS: toMSPtr(k.RevokedAt)}
	return translate("create api key", t.q(ctx).Create(&row).Error, msgs{conflict: "This API key already exists."})
}

// RevokeAPIKey revokes a key at at; ENOTFOUND if none, ECONFLICT if already revoked
// (the first revocation time is kept).
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	return t.stampOnce(ctx, "api_keys", "revoked_at", id, at, "API key not found.", "The API key is already revoked.")
}

// stampOnce sets a nullable time column that may be set only once.
func (t *tx) stampOnce(ctx context.Context, table, column, id string, at time.Time, notFound, conflict string) error {
	n, err := t.exec(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ? AND %s IS NULL", table, column, column), toMS(at), id)
	if err != nil {
		return translate("set "+table+"."+column, err, msgs{})
	}
	if n > 0 {
		return nil
	}
	ok, err := t.exists(ctx, table, "id = ?", id)
	switch {
	case err != nil:
		return translate("find in "+table, err, msgs{})
	case !ok:
		return consent.Errorf(consent.ENOTFOUND, "%s", notFound)
	}
	return consent.Errorf(consent.ECONFLICT, "%s", conflict)
}
