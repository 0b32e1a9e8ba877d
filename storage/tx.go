package storage

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// reader runs the consent.Reader queries against either the pool or a
// transaction, so reads inside Update see the transaction's own writes.
type reader struct {
	g     *gorm.DB
	cache *caches
	// detached statements ignore the cancellation of the ctx they are given:
	// a grouped transaction carries other callers' work (see UpdateGrouped).
	detached bool
}

func (r reader) q(ctx context.Context) *gorm.DB {
	if r.detached {
		ctx = context.WithoutCancel(ctx)
	}
	return r.g.WithContext(ctx)
}

// tx is the unit of work handed to Update's fn; it implements consent.Tx.
type tx struct {
	reader
	db   *DB
	head *consent.AuditHead // last audit event appended in this transaction
}

var _ consent.Tx = (*tx)(nil)

// Update runs fn in one write transaction that holds the write lock from its
// start (SQLite: BEGIN IMMEDIATE; PostgreSQL: the database-wide advisory
// lock, see lockWriters) and commits if fn returns nil. Writers of this
// process queue for their turn; if fn appended audit events, the
// authenticated head file is advanced after the commit. fn must use only tx
// for writes: calling Update or AppendAuditEvents from inside fn would wait
// for the write slot fn itself holds. On PostgreSQL fn runs again, in a new
// transaction, if the first one hit a deadlock (see retryable).
func (db *DB) Update(ctx context.Context, fn func(tx consent.Tx) error) error {
	return db.update(ctx, true, func(t *tx) error { return fn(t) })
}

// update is Update; serial=false lets a PostgreSQL transaction that guards
// itself with row locks (webhook claims) skip the write slot and write lock.
func (db *DB) update(ctx context.Context, serial bool, fn func(t *tx) error) error {
	if serial || db.dialect != dialectPostgres {
		if err := db.lockWrite(ctx); err != nil {
			return err
		}
		defer db.unlockWrite()
	}
	for attempt := 1; ; attempt++ {
		t := &tx{db: db}
		var fnErr error
		err := db.inTx(ctx, func(g *gorm.DB) error {
			if serial {
				if err := db.lockWriters(g); err != nil {
					return err
				}
			}
			t.reader = reader{g: g, cache: db.cache}
			fnErr = fn(t)
			return fnErr
		})
		if err != nil && retryable(err) && attempt < maxTxAttempts && ctx.Err() == nil {
			continue
		}
		if fnErr != nil {
			return fnErr // the domain's own error, rolled back
		}
		if err != nil {
			return translate("commit", err, msgs{})
		}
		if t.head != nil {
			db.advanceHead(*t.head)
		}
		return nil
	}
}

// exec runs a write and reports how many rows it touched.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	res := t.q(ctx).Exec(sql, args...)
	return res.RowsAffected, res.Error
}

// exists reports whether a row matches; used to tell "not found" from
// "not in the expected state" after a guarded update touched nothing.
func (r reader) exists(ctx context.Context, table, where string, args ...any) (bool, error) {
	var n int64
	err := r.q(ctx).Raw(fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", table, where), args...).Scan(&n).Error
	return n > 0, err
}

// savepoint runs one statement whose failure the caller handles and then
// continues the transaction: PostgreSQL aborts a transaction at its first
// error, so there the statement runs inside a savepoint that is rolled back
// on failure. SQLite only undoes the failed statement.
func (t *tx) savepoint(ctx context.Context, fn func() error) error {
	if t.db.dialect != dialectPostgres {
		return fn()
	}
	if err := t.q(ctx).Exec("SAVEPOINT consentd_stmt").Error; err != nil {
		return err
	}
	if err := fn(); err != nil {
		if rerr := t.q(ctx).Exec("ROLLBACK TO SAVEPOINT consentd_stmt").Error; rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return t.q(ctx).Exec("RELEASE SAVEPOINT consentd_stmt").Error
}
