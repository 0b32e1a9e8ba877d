// Package storagetest opens real, throwaway storage databases for tests:
// SQLite files in temporary directories, or, when CONSENTD_TEST_POSTGRES_URL
// names a PostgreSQL server, fresh databases on that server.
package storagetest

import (
	"context"
	"sync"
	"testing"

	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/internal/pgtest"
)

// AuditKey is the fixed random audit MAC key every test database uses.
var AuditKey = []byte{
	0x5b, 0x1e, 0xc9, 0x73, 0x0a, 0x8f, 0x42, 0xd6, 0x91, 0x3c, 0xe7, 0x28, 0x6d, 0xb4, 0x15, 0xfa,
	0x07, 0x9e, 0x63, 0xc1, 0x2b, 0x58, 0xad, 0x34, 0xf0, 0x86, 0x1d, 0x4a, 0xe2, 0x7f, 0x39, 0xcb,
}

// EnvPostgresURL is the environment variable that switches the tests to PostgreSQL.
const EnvPostgresURL = pgtest.EnvURL

// Postgres reports whether MustOpen and MustOpenConfig open PostgreSQL databases.
func Postgres() bool { return pgtest.AllTests() }

// RequirePostgres returns the PostgreSQL server URL; without one it skips the
// test locally and fails it when the environment variable CI is set.
func RequirePostgres(tb testing.TB) string {
	tb.Helper()
	return pgtest.Require(tb)
}

// NewPostgresDatabase creates a fresh database on the test server, dropped
// when the test ends, and returns its URL (for storage.Config.URL).
func NewPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	return pgtest.NewDatabase(tb, RequirePostgres(tb))
}

// databases maps a data directory to the PostgreSQL database opened for it,
// so that reopening a directory (a restart) finds the same data.
var databases sync.Map

// DatabaseURL returns the PostgreSQL database MustOpenConfig opened for
// dataDir, or "" if it opened SQLite there.
func DatabaseURL(dataDir string) string {
	u, _ := databases.Load(dataDir)
	s, _ := u.(string)
	return s
}

// URLFor returns the database URL a server with data directory dataDir
// should use in this test run: "" (SQLite in the directory), or with
// CONSENTD_TEST_POSTGRES_URL set a PostgreSQL database, created on the first
// call for dataDir (dropped when that test ends) and the same for later
// calls, so a restart on the directory finds the same data.
func URLFor(tb testing.TB, dataDir string) string {
	tb.Helper()
	if !Postgres() || dataDir == "" {
		return ""
	}
	if u := DatabaseURL(dataDir); u != "" {
		return u
	}
	u := NewPostgresDatabase(tb)
	databases.Store(dataDir, u)
	tb.Cleanup(func() { databases.Delete(dataDir) })
	return u
}

// MustOpen opens a fresh database (SQLite in tb.TempDir(), or a new
// PostgreSQL database) and closes it when the test ends.
func MustOpen(tb testing.TB) *storage.DB {
	tb.Helper()
	return MustOpenConfig(tb, storage.Config{DataDir: tb.TempDir()})
}

// MustOpenConfig opens a database with cfg, filling in AuditKey if unset, and
// closes it when the test ends. With CONSENTD_TEST_POSTGRES_URL set and no
// cfg.URL, the first open of a data directory creates a fresh PostgreSQL
// database (dropped when that test ends) and later opens of the same
// directory reuse it.
func MustOpenConfig(tb testing.TB, cfg storage.Config) *storage.DB {
	tb.Helper()
	if cfg.AuditKey == nil {
		cfg.AuditKey = AuditKey
	}
	if cfg.URL == "" {
		cfg.URL = URLFor(tb, cfg.DataDir)
	}
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("storagetest: open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("storagetest: close: %v", err)
		}
	})
	return db
}
