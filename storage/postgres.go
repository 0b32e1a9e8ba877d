package storage

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Advisory lock keys (any constants unique to consentd; "consentd" and
// "consentm" in ASCII). They exist only while a transaction holds them.
const (
	writeLockKey     int64 = 0x636f6e73656e7464 // the write lock: every write that may touch the audit chain
	migrationLockKey int64 = 0x636f6e73656e746d // schema migrations
)

// Connection pool of one process. Readers run in parallel; writers queue for
// the write lock, so a handful of connections covers them. Every open
// connection may stay idle: a pool that keeps fewer closes connections the
// moment load dips and opens them again on the next burst, and each new
// connection is a new PostgreSQL backend process (under the load tool's 32
// readers, forking and tearing down backends took more CPU than the queries).
// Idle connections are closed after pgMaxIdleTime.
const (
	pgMaxOpenConns = 16
	pgMaxIdleConns = pgMaxOpenConns
	pgMaxIdleTime  = 5 * time.Minute
)

// openPostgres connects to the server named by url (a libpq-style
// postgres:// URL, e.g. with sslmode) and checks that it answers.
func (db *DB) openPostgres(url string) error {
	gdb, err := gorm.Open(postgres.Open(url), gormConfig())
	if err != nil {
		return fmt.Errorf("storage: connect to PostgreSQL: %w", err)
	}
	db.plain = gdb
	if db.sqlDB, err = gdb.DB(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	db.sqlDB.SetMaxOpenConns(pgMaxOpenConns)
	db.sqlDB.SetMaxIdleConns(pgMaxIdleConns)
	db.sqlDB.SetConnMaxIdleTime(pgMaxIdleTime)
	return nil
}

// writeLockSQL takes PostgreSQL's write lock until the transaction ends.
const writeLockSQL = "SELECT pg_advisory_xact_lock(?)"

// lockWriters takes the database-wide write lock for the rest of the
// transaction g, on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
// equivalent lock.
//
// Why one lock and not SERIALIZABLE with retries or row locks: the audit log is
// one hash chain, so its appends must be totally ordered across every process,
// and nearly every write transaction appends to it. Writers therefore queue at
// the chain anyway. Taking the lock as the transaction's first statement
// (before any snapshot exists) at READ COMMITTED means each statement after it
// sees everything committed by the writers before, exactly as under SQLite:
// the domain's "re-read, check, then write" steps (all signers present? still
// pending? same signature count?) cannot interleave with another writer,
// nothing is retried, and no serialization failure reaches a caller. Readers
// never wait for it, and webhook claiming (row locks, SKIP LOCKED) does not
// take it. The lock is released when the transaction commits, after its
// writes are visible.
func (db *DB) lockWriters(g *gorm.DB) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	return g.Exec(writeLockSQL, writeLockKey).Error
}

// retryable reports a PostgreSQL failure that a re-run of the whole
// transaction can cure: serialization failure (40001) or deadlock (40P01).
// With the write lock neither is expected; the retry is a safety net for
// lock-order cycles between writers and webhook claimers.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// maxTxAttempts bounds how often a retryable transaction is run.
const maxTxAttempts = 3
