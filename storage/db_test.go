package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  storage.Config
		want string
	}{
		{"no audit key", storage.Config{DataDir: t.TempDir()}, "audit key"},
		{"short audit key", storage.Config{DataDir: t.TempDir(), AuditKey: []byte("short")}, "audit key"},
		{"no data dir", storage.Config{AuditKey: storagetest.AuditKey}, "data directory"},
		{"postgres unreachable", storage.Config{DataDir: t.TempDir(), AuditKey: storagetest.AuditKey,
			URL: "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"}, "connect to PostgreSQL"},
		{"unknown scheme", storage.Config{DataDir: t.TempDir(), AuditKey: storagetest.AuditKey, URL: "mysql://x"}, "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := storage.Open(ctx, tt.cfg)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestOpenCreatesPrivateDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	storagetest.MustOpenConfig(t, storage.Config{DataDir: dir})
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v, mode %v; want 0700", err, fi.Mode())
	}
	if storagetest.Postgres() {
		return // no database file
	}
	if _, err := os.Stat(filepath.Join(dir, "consentd.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestPing(t *testing.T) {
	db := storagetest.MustOpen(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	if storagetest.Postgres() {
		// PostgreSQL is backed up with its own tools; Backup says so.
		err := db.Backup(ctx, filepath.Join(t.TempDir(), "consentd.db"))
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("Backup on PostgreSQL = %v, want a pointer to pg_dump", err)
		}
		return
	}
	seedTemplate(t, db, "k")
	createConsent(t, db, newConsent("C1", "k", t0))
	seedChain(t, db, 3)

	dir := t.TempDir()
	if err := db.Backup(ctx, filepath.Join(dir, "consentd.db")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.Backup(ctx, filepath.Join(dir, "consentd.db")), consent.ECONFLICT)

	// The copy opens as a database of its own, with the data and an intact chain
	// (the head file is not copied, so there is no head to compare against).
	copyDB := storagetest.MustOpenConfig(t, storage.Config{DataDir: dir})
	if _, err := copyDB.FindConsentByID(ctx, "C1"); err != nil {
		t.Fatalf("consent in backup: %v", err)
	}
	if seq, reason, err := copyDB.VerifyAudit(ctx); seq != 0 || err != nil {
		t.Fatalf("VerifyAudit on backup = %d %q %v", seq, reason, err)
	}
	if evs, err := copyDB.ListAuditEvents(ctx, consent.AuditFilter{}); err != nil || len(evs) != 3 {
		t.Fatalf("backup holds %d events, err %v; want 3", len(evs), err)
	}
}
