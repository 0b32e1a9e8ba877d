// Package storage persists consentd's domain in SQLite (the default) or
// PostgreSQL (several processes sharing one database) through gorm. It implements consent's ports; its row structs and their JSON columns are
// its own, so no tags leak into the domain. A row struct is one table's
// columns (times as UTC milliseconds, lists as JSON text): rows of different
// tables, and the API's JSON views of the same records, look alike in shape
// only, and stay separate on purpose. Everything that is signed, sealed or
// audited is append-only in the database itself (triggers), not only in Go.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/doccache"
)

// Config says where the database lives and how it authenticates its audit log.
type Config struct {
	DataDir  string           // created 0700 if missing; the SQLite file is <DataDir>/consentd.db
	URL      string           // CONSENTD_DATABASE_URL: "" or "sqlite:[path]" selects SQLite, postgres:// PostgreSQL
	AuditKey []byte           // HMAC key for audit MACs, kept outside the database
	Now      func() time.Time // clock for audit timestamps; time.Now if nil
	// Documents caches the consents' frozen documents; nil makes one of
	// doccache.DefaultSize (see DB.Documents).
	Documents *doccache.Cache
}

// DB is an open database; it implements consent.Store.
type DB struct {
	reader // queries outside any transaction

	gdb     *gorm.DB // reuses prepared statements
	plain   *gorm.DB // no statement cache: runs multi-statement migration scripts
	sqlDB   *sql.DB
	hot     *hotStmts // the audit commit's statements, prepared once
	dialect string
	dataDir string
	// sqlitePath is the SQLite database file ("" on PostgreSQL).
	sqlitePath string
	key        []byte // audit MAC key
	rowKey     []byte // row digest key, derived from key
	now        func() time.Time

	// writeSem admits one write transaction of this process at a time, so
	// writers queue in Go (fairly, cancellably) instead of spinning on SQLite's
	// busy handler or holding pooled connections while they wait for
	// PostgreSQL's write lock; those still order writers across processes.
	writeSem chan struct{}

	audit auditWriter
	group groupWriter // UpdateGrouped's units of work

	cache *caches // decoded frozen content

	headMu  sync.Mutex
	headSeq int64 // seq of the head last written to the head file
	// headPending is a newer head waiting for the writer in progress (headWriting).
	headPending *consent.AuditHead
	headWriting bool
	headErr     error // last failure to write the head file, reported by Ping
	// schema is the migrations Open applies: all of them, except in tests
	// that build a database of an earlier version.
	schema []migration
	// migratedHead is the chain's head after events a migration appended,
	// for the head file once it has been read.
	migratedHead *consent.AuditHead
}

var _ consent.Store = (*DB)(nil)

const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

// Open opens (creating if needed) the database described by cfg, applies the
// pending migrations and starts the audit writer.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	return open(ctx, cfg, migrations)
}

func open(ctx context.Context, cfg Config, schema []migration) (*DB, error) {
	if len(cfg.AuditKey) < 16 {
		return nil, errors.New("storage: audit key must be at least 16 bytes")
	}
	if cfg.DataDir == "" {
		return nil, errors.New("storage: data directory is required")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data directory: %w", err)
	}
	dialect, path, err := parseURL(cfg.URL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialect, dataDir: cfg.DataDir, key: cfg.AuditKey, rowKey: consent.RowDigestKey(cfg.AuditKey),
		now: cfg.Now, writeSem: make(chan struct{}, 1), schema: schema}
	if db.now == nil {
		db.now = time.Now
	}
	if dialect == dialectPostgres {
		err = db.openPostgres(cfg.URL)
	} else {
		db.sqlitePath = path
		err = db.openSQLite(path)
	}
	if err != nil {
		return nil, err
	}
	// Migrations run multi-statement scripts, which a prepared statement cannot
	// hold; everything after them reuses prepared statements per connection.
	if _, err := db.migrate(ctx); err != nil {
		db.sqlDB.Close()
		return nil, err
	}
	if err := db.prepareHot(ctx); err != nil {
		db.sqlDB.Close()
		return nil, err
	}
	db.gdb = db.plain.Session(&gorm.Session{PrepareStmt: true})
	db.cache = newCaches(cfg.Documents)
	db.reader = reader{g: db.gdb, cache: db.cache}
	if head, err := db.LastAuditHead(ctx); err != nil {
		db.sqlDB.Close()
		return nil, err
	} else if head != nil {
		db.headSeq = head.Seq
	}
	if db.migratedHead != nil {
		db.advanceHead(*db.migratedHead)
	}
	db.audit.start(db)
	db.group.start(db)
	return db, nil
}

// gormConfig is the gorm configuration of both dialects.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // every write already runs in an explicit transaction
		PrepareStmtMaxSize:     512,  // bounds the statement cache (IN lists vary in length)
		Logger:                 logger.Discard,
	}
}

// openSQLite opens the database file with its per-connection settings.
func (db *DB) openSQLite(path string) error {
	gdb, err := gorm.Open(sqlite.Open(sqliteDSN(path)), gormConfig())
	if err != nil {
		return fmt.Errorf("storage: open %s: %w", path, err)
	}
	db.plain = gdb
	if db.sqlDB, err = gdb.DB(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	// Connections carry their pragmas from the DSN; keeping a few idle avoids
	// re-opening (and re-applying them) under concurrent reads.
	db.sqlDB.SetMaxIdleConns(8)
	return nil
}

// parseURL picks the dialect and, for SQLite, the database file.
func parseURL(url, dataDir string) (dialect, path string, err error) {
	switch {
	case url == "":
		return dialectSQLite, filepath.Join(dataDir, "consentd.db"), nil
	case strings.HasPrefix(url, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if p == "" {
			p = filepath.Join(dataDir, "consentd.db")
		}
		return dialectSQLite, p, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return dialectPostgres, "", nil
	default:
		return "", "", errors.New("storage: unsupported database URL scheme (want sqlite: or postgres://)")
	}
}

// sqliteDSN puts the per-connection settings into the DSN so that every pooled
// connection has them: WAL, full fsync, foreign keys, a busy timeout, and
// BEGIN IMMEDIATE so a writer takes the lock at the start of its transaction.
func sqliteDSN(path string) string {
	return sqliteFile(path) + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=5000&_txlock=immediate"
}

// sqliteReadDSN opens query-only connections whose transactions begin
// DEFERRED: a reader that takes no write lock and, in WAL mode, reads one
// snapshot from its first read to its end.
func sqliteReadDSN(path string) string {
	return sqliteFile(path) + "?_busy_timeout=5000&_txlock=deferred&_query_only=true"
}

func sqliteFile(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Close stops the grouped writer and the audit writer (each committing what
// it holds) and closes the database.
func (db *DB) Close() error {
	db.group.stop()
	db.audit.stop()
	return errors.Join(db.hot.close(), db.sqlDB.Close())
}

// Ping checks that the database answers and that the audit head file is being written.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	var one int
	if err := db.sqlDB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	db.headMu.Lock()
	defer db.headMu.Unlock()
	return db.headErr
}

// Backup writes a consistent copy of the live database to path (which must
// not exist) without stopping writers: SQLite's VACUUM INTO reads one snapshot.
// The audit head file is not part of the copy.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != dialectSQLite {
		return errors.New("storage: backup is only implemented for SQLite; back up PostgreSQL with its own tools (pg_dump, base backups)")
	}
	if _, err := os.Stat(path); err == nil {
		return consent.Errorf(consent.ECONFLICT, "Backup file already exists.")
	}
	if _, err := db.sqlDB.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	return nil
}

// lockWrite waits for this process's write slot, or for ctx to end.
func (db *DB) lockWrite(ctx context.Context) error {
	select {
	case db.writeSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (db *DB) unlockWrite() { <-db.writeSem }
