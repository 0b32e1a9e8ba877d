package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/consentd/consentd/consent"
)

// toMS is a time as stored: UTC milliseconds since the Unix epoch.
func toMS(t time.Time) int64 { return consent.Millis(t).UnixMilli() }

// fromMS is the inverse of toMS.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func toMSPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := toMS(*t)
	return &ms
}

func fromMSPtr(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	t := fromMS(*ms)
	return &t
}

// listRows reads a whole table in order and converts each row with conv.
func listRows[R, T any](ctx context.Context, r reader, op, order string, conv func(R) (T, error)) ([]T, error) {
	var rows []R
	if err := r.q(ctx).Order(order).Find(&rows).Error; err != nil {
		return nil, translate(op, err, msgs{})
	}
	return toDomainAll(rows, conv)
}

// toDomainAll converts rows with conv, stopping at the first that fails.
func toDomainAll[R, T any](rows []R, conv func(R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, row := range rows {
		v, err := conv(row)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// mustJSON encodes a row-level struct; they hold only JSON-safe types.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("storage: encode JSON column: " + err.Error())
	}
	return string(b)
}
