package storage

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// groupQueue bounds the units of work UpdateGrouped callers may queue while
// the writer commits; a batch holds at most maxGroupUnits of them, which
// bounds how long one group holds the write slot (audit appends of reads
// wait for it) while already sharing one fsync among many units.
const (
	groupQueue    = 1024
	maxGroupUnits = 64
)

// errGroupClosed answers UpdateGrouped after Close: the server is stopping,
// so the client should retry (against the next instance).
var errGroupClosed = consent.Errorf(consent.EUNAVAILABLE, "The server is shutting down; please try again.")

// groupWriter is the single goroutine that commits UpdateGrouped's units of
// work. It takes the write slot, then every unit queued, and runs each in a
// savepoint of one transaction: a unit that fails is rolled back to its
// savepoint alone, the others commit together with one fsync. While it
// commits the next batch gathers, so batches grow with the load.
type groupWriter struct {
	batchQueue[*groupRequest]

	// Counters for benchmarks and tests (see GroupStats); queued counts the
	// units ever queued.
	commits, units, queued atomic.Int64
}

type groupRequest struct {
	ctx      context.Context
	fn       func(t *tx) error
	attempts int
	err      chan error
}

// GroupStats counts the grouped transactions committed and the units of work
// they carried, so a benchmark can report the mean batch size.
type GroupStats struct {
	Commits int64 // transactions committed
	Units   int64 // units of work committed in them
	Queued  int64 // units queued, committed or not
}

// GroupStats returns the grouped-commit counters since Open.
func (db *DB) GroupStats() GroupStats {
	return GroupStats{Commits: db.group.commits.Load(), Units: db.group.units.Load(), Queued: db.group.queued.Load()}
}

func (w *groupWriter) start(db *DB) {
	w.batchQueue.start(groupQueue, func() { w.run(db) })
}

func (w *groupWriter) run(db *DB) {
	for req := range w.reqs {
		// Gather once the slot is ours: units that arrive while another
		// writer (the audit writer, an Update) commits join this batch.
		_ = db.lockWrite(context.Background()) // cannot fail without a deadline
		batch := w.gather(req, maxGroupUnits)
		for len(batch) > 0 {
			batch = db.commitGroup(batch)
		}
		db.unlockWrite()
	}
}

// UpdateGrouped runs fn like Update, but in a transaction it may share with
// concurrent callers' units of work: fn runs in its own savepoint, so its
// error rolls back its writes alone, and UpdateGrouped returns once the
// shared transaction is committed (durable) or has failed. fn runs on the
// writer's goroutine and its statements ignore ctx's cancellation (on SQLite
// an interrupted statement would roll back the whole group): a caller whose
// ctx ends before fn starts gets ctx's error and writes nothing; once fn has
// started, the call waits for the commit. After Close it returns EUNAVAILABLE.
func (db *DB) UpdateGrouped(ctx context.Context, fn func(tx consent.Tx) error) error {
	return db.updateGrouped(ctx, func(t *tx) error { return fn(t) })
}

func (db *DB) updateGrouped(ctx context.Context, fn func(t *tx) error) error {
	req := &groupRequest{ctx: ctx, fn: fn, err: make(chan error, 1)}
	if err := db.group.put(ctx, req, errGroupClosed); err != nil {
		return err
	}
	db.group.queued.Add(1)
	return <-req.err
}

// commitGroup runs batch in one transaction, holding the write slot, and
// answers its callers once the outcome of each is known. It returns the units
// to run again in a new transaction: all but the culprit when the
// transaction broke before its commit (a savepoint could not be rolled back),
// or those that hit a PostgreSQL deadlock (see retryable).
func (db *DB) commitGroup(batch []*groupRequest) (again []*groupRequest) {
	results := make([]error, len(batch))
	answered := make([]bool, len(batch)) // the unit's own outcome, known whatever the commit does
	skipped := make([]bool, len(batch))  // its ctx ended before it started: it wrote nothing, saw nothing
	var head *consent.AuditHead
	var retry []*groupRequest
	broken, committed := -1, 0
	err := db.inTx(context.Background(), func(g *gorm.DB) error {
		if err := db.lockWriters(g); err != nil {
			return err
		}
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				results[i], answered[i], skipped[i] = err, true, true // never started: wrote nothing
				continue
			}
			t := &tx{db: db, head: head, reader: reader{g: g, cache: db.cache, detached: true}}
			fnErr, spErr := runSavepoint(g, func() error { return req.fn(t) })
			switch {
			case spErr != nil:
				// The transaction is broken: that, not fn's own error, is
				// this unit's answer.
				broken, results[i], answered[i] = i, translate("savepoint", spErr, msgs{}), true
				return spErr
			case fnErr == nil:
				committed++
				if t.head != nil {
					head = t.head
				}
			case retryable(fnErr) && req.attempts+1 < maxTxAttempts:
				req.attempts++
				retry = append(retry, req)
				answered[i] = true // answered by the next round
				results[i] = nil
			default:
				results[i], answered[i] = fnErr, true
			}
		}
		return nil
	})
	if broken >= 0 {
		// The transaction is gone, with the work of the units before the
		// culprit: answer the culprit, run the others again — those that
		// failed too, since their failure may have come from another unit's
		// write that is now rolled back (a 409 for a signature that no
		// longer exists). Only a unit that never started keeps its answer.
		for i, req := range batch {
			if i == broken || skipped[i] {
				req.err <- results[i]
			} else {
				again = append(again, req)
			}
		}
		return again
	}
	if err == nil {
		db.group.commits.Add(1)
		db.group.units.Add(int64(committed))
		if head != nil {
			db.advanceHead(*head)
		}
	} else {
		err = translate("commit", err, msgs{})
	}
	inRetry := map[*groupRequest]bool{}
	for _, r := range retry {
		inRetry[r] = true
	}
	for i, req := range batch {
		switch {
		case inRetry[req]:
			if err == nil {
				again = append(again, req)
			} else {
				req.err <- err
			}
		case answered[i] && results[i] != nil:
			req.err <- results[i]
		default:
			req.err <- err // nil once committed
		}
	}
	return again
}

// runSavepoint runs fn between SAVEPOINT and RELEASE, rolling back to the
// savepoint if fn fails or panics; fnErr is fn's error, spErr a failure of
// the savepoint statements themselves, after which the transaction cannot be
// trusted. Both dialects nest it around the statement savepoints of
// tx.savepoint.
func runSavepoint(g *gorm.DB, fn func() error) (fnErr, spErr error) {
	if err := g.Exec("SAVEPOINT consentd_unit").Error; err != nil {
		return nil, err
	}
	fnErr = protect(fn)
	if fnErr != nil {
		if err := g.Exec("ROLLBACK TO SAVEPOINT consentd_unit").Error; err != nil {
			return fnErr, err
		}
	}
	if err := g.Exec("RELEASE SAVEPOINT consentd_unit").Error; err != nil {
		return fnErr, err
	}
	return fnErr, nil
}

// protect turns a panic in a caller's unit of work into that caller's error:
// it runs on the writer's goroutine, where a panic would stop the server.
func protect(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("storage: panic in a grouped unit of work: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}
