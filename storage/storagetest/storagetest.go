// Package storagetest opens real, throwaway storage databases for tests.
package storagetest

import (
	"context"
	"testing"

	"github.com/consentd/consentd/storage"
)

// AuditKey is the fixed random audit MAC key every test database uses.
var AuditKey = []byte{
	0x5b, 0x1e, 0xc9, 0x73, 0x0a, 0x8f, 0x42, 0xd6, 0x91, 0x3c, 0xe7, 0x28, 0x6d, 0xb4, 0x15, 0xfa,
	0x07, 0x9e, 0x63, 0xc1, 0x2b, 0x58, 0xad, 0x34, 0xf0, 0x86, 0x1d, 0x4a, 0xe2, 0x7f, 0x39, 0xcb,
}

// MustOpen opens a fresh SQLite database in tb.TempDir() and closes it when
// the test ends.
func MustOpen(tb testing.TB) *storage.DB {
	tb.Helper()
	return MustOpenConfig(tb, storage.Config{DataDir: tb.TempDir()})
}

// MustOpenConfig opens a database with cfg, filling in AuditKey if unset, and
// closes it when the test ends.
func MustOpenConfig(tb testing.TB, cfg storage.Config) *storage.DB {
	tb.Helper()
	if cfg.AuditKey == nil {
		cfg.AuditKey = AuditKey
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
