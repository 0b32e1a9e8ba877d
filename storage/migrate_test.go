package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/consentd/consentd/storage/internal/pgtest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// testURL is "" (SQLite in the data directory) or, when the tests run on
// PostgreSQL (CONSENTD_TEST_POSTGRES_URL), a fresh database dropped at the end.
func testURL(t *testing.T) string {
	if !pgtest.AllTests() {
		return ""
	}
	return pgtest.NewDatabase(t, pgtest.ServerURL())
}

func TestMigrationsAreOrdered(t *testing.T) {
	// Versions increase strictly; a gap is allowed while branches that each
	// own a version number are merged (the lead closes it).
	for i, m := range migrations {
		if m.Version <= 0 || (i > 0 && m.Version <= migrations[i-1].Version) {
			t.Errorf("migration %d has version %d; versions must increase from 1", i, m.Version)
		}
		if m.Name == "" || m.SQLite == "" {
			t.Errorf("migration %d lacks a name or SQLite SQL", m.Version)
		}
	}
}

type migrationRecord struct {
	Version   int
	Name      string
	AppliedAt int64
}

func appliedMigrations(t *testing.T, db *DB) []migrationRecord {
	t.Helper()
	var got []migrationRecord
	if err := db.gdb.Raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	first := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	db, err := Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey, Now: func() time.Time { return first }})
	if err != nil {
		t.Fatal(err)
	}
	var want []migrationRecord
	for _, m := range migrations {
		want = append(want, migrationRecord{m.Version, m.Name, toMS(first)})
	}
	if diff := cmp.Diff(want, appliedMigrations(t, db)); diff != "" {
		t.Errorf("first open (-want +got):\n%s", diff)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey, Now: func() time.Time { return first.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if diff := cmp.Diff(want, appliedMigrations(t, db)); diff != "" {
		t.Errorf("re-open changed schema_migrations (-want +got):\n%s", diff)
	}
	if applied, err := db.migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("migrate again applied %v, err %v; want nothing", applied, err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	db, err := Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.gdb.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)",
		migrations[len(migrations)-1].Version+1).Error; err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open on a newer schema = %v, want a refusal", err)
	}
}

func TestMigrationFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir(), URL: testURL(t), AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	broken := "CREATE TABLE half (x INTEGER); SELECT nonsense FROM nowhere;"
	bad := migration{Version: 99, Name: "broken", SQLite: broken, Postgres: broken}
	if _, err := db.applyMigration(ctx, bad); err == nil {
		t.Fatal("a broken migration applied")
	}
	var n int64
	tables := "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'"
	if db.dialect == dialectPostgres {
		tables = "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'half'"
	}
	db.gdb.Raw(tables).Scan(&n)
	if n != 0 {
		t.Error("a failed migration left its first statement behind")
	}
	db.gdb.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = 99").Scan(&n)
	if n != 0 {
		t.Error("a failed migration was recorded")
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, dialect, path string
		wantErr            bool
	}{
		{"", dialectSQLite, "/d/consentd.db", false},
		{"sqlite:", dialectSQLite, "/d/consentd.db", false},
		{"sqlite:///var/lib/c.db", dialectSQLite, "/var/lib/c.db", false},
		{"sqlite:/var/lib/c.db", dialectSQLite, "/var/lib/c.db", false},
		{"postgres://u@h/db", dialectPostgres, "", false},
		{"postgresql://u@h/db?sslmode=require", dialectPostgres, "", false},
		{"mysql://u@h/db", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			d, p, err := parseURL(tt.url, "/d")
			if (err != nil) != tt.wantErr || d != tt.dialect || p != tt.path {
				t.Errorf("parseURL(%q) = %q, %q, %v", tt.url, d, p, err)
			}
		})
	}
}

func TestMigrationsHavePostgresSQL(t *testing.T) {
	for _, m := range migrations {
		if m.Postgres == "" {
			t.Errorf("migration %d (%s) lacks PostgreSQL SQL", m.Version, m.Name)
		}
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{fmt.Errorf("storage: commit: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("40001"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
