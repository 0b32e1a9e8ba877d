package storage

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// counterUpsert adds to a count (after an optional reset), never below zero,
// creating the row when missing, and returns the new count: one atomic
// statement, so concurrent processes never lose an update. The two differ
// only by dialect (MAX, GREATEST) and are kept whole, as each database runs it.
const (
	sqliteCounterUpsert = `INSERT INTO counters (kind, subject, window_start, count, expires_at)
VALUES (?, ?, ?, MAX(?, 0), ?)
ON CONFLICT (kind, subject, window_start) DO UPDATE SET
	count = MAX(CASE WHEN ? THEN 0 ELSE counters.count END + ?, 0),
	expires_at = MAX(counters.expires_at, excluded.expires_at)
RETURNING count`
	postgresCounterUpsert = `INSERT INTO counters (kind, subject, window_start, count, expires_at)
VALUES (?, ?, ?, GREATEST(?, 0), ?)
ON CONFLICT (kind, subject, window_start) DO UPDATE SET
	count = GREATEST(CASE WHEN ? THEN 0 ELSE counters.count END + ?, 0),
	expires_at = GREATEST(counters.expires_at, excluded.expires_at)
RETURNING count`
)

// UpdateCounters applies the updates in one transaction and returns the new
// counts in order. On PostgreSQL it takes neither the write slot nor the
// writers' lock: each upsert locks only its row, and rows are touched in key
// order so two transactions cannot deadlock on them.
func (db *DB) UpdateCounters(ctx context.Context, updates ...consent.CounterUpdate) ([]int, error) {
	order := make([]int, len(updates))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ka, kb := updates[a].Key, updates[b].Key
		return cmp.Or(cmp.Compare(ka.Kind, kb.Kind), cmp.Compare(ka.Subject, kb.Subject), ka.Window.Compare(kb.Window))
	})
	sql := sqliteCounterUpsert
	if db.dialect == dialectPostgres {
		sql = postgresCounterUpsert
	}
	out := make([]int, len(updates))
	err := db.update(ctx, false, func(t *tx) error {
		for _, i := range order {
			u := updates[i]
			add := u.Add
			var n int
			if err := t.q(ctx).Raw(sql, u.Key.Kind, u.Key.Subject, toMS(u.Key.Window), add, toMS(u.Expires),
				u.Reset, add).Scan(&n).Error; err != nil {
				return err
			}
			out[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, translate("update counters", err, msgs{})
	}
	return out, nil
}

// CounterValue returns a count, 0 when there is none.
func (r reader) CounterValue(ctx context.Context, key consent.CounterKey) (int, error) {
	var counts []int
	err := r.q(ctx).Raw("SELECT count FROM counters WHERE kind = ? AND subject = ? AND window_start = ?",
		key.Kind, key.Subject, toMS(key.Window)).Scan(&counts).Error
	if err != nil {
		return 0, translate("read counter", err, msgs{})
	} else if len(counts) == 0 {
		return 0, nil
	}
	return counts[0], nil
}

// PurgeCounters deletes counts that expired at or before now.
func (db *DB) PurgeCounters(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, false, func(t *tx) error {
		var err error
		n, err = t.exec(ctx, "DELETE FROM counters WHERE expires_at <= ?", toMS(now))
		return err
	})
	return n, translate("purge counters", err, msgs{})
}
