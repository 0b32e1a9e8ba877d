package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/internal/pgtest"
	"github.com/consentd/consentd/storage/storagetest"
)

// stoppedClinic is a SQLite data directory with one signed consent, its
// server stopped.
func stoppedClinic(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := apptest.New(t, func(c *app.Config) { c.DataDir, c.DatabaseURL = dir, "sqlite:" })
	s.SignedConsent(t, "en")
	s.Close()
	if err := s.DB.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyTo copies dir's database with the audit key its server derived (a
// dir without a secret gets any key: the copy is refused before using it).
func copyTo(dir, target string) (*storage.CopyReport, error) {
	key, err := app.ExistingAuditKey(app.Config{DataDir: dir})
	if err != nil {
		key = storagetest.AuditKey
	}
	return storage.CopyToPostgres(context.Background(), storage.CopyOptions{DataDir: dir, TargetURL: target, AuditKey: key})
}

// rowCount counts a table's rows on the target.
func rowCount(t *testing.T, target, table string) int {
	t.Helper()
	var n int
	if err := pgtest.Open(t, target).QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	dir := stoppedClinic(t)
	target := storagetest.NewPostgresDatabase(t)
	other := storagetest.MustOpenConfig(t, storage.Config{DataDir: t.TempDir(), URL: target})
	update(t, other, func(tx consent.Tx) error {
		return tx.Access().CreateStaff(context.Background(), &consent.Staff{ID: "N-1", Name: "Nurse", Role: consent.RoleWitness,
			PINHash: "x", CreatedAt: t0})
	})
	other.Close()
	_, err := copyTo(dir, target)
	if consent.ErrorCode(err) != consent.ECONFLICT || !strings.Contains(err.Error(), "staff") {
		t.Fatalf("copy into a database with a staff row: %v, want ECONFLICT naming staff", err)
	}
	if n := rowCount(t, target, "staff"); n != 1 {
		t.Errorf("target staff rows = %d, want the 1 it had", n)
	}
	if n := rowCount(t, target, "consents"); n != 0 {
		t.Errorf("target consents = %d after a refused copy", n)
	}
}

// TestCopyFailureLeavesTargetEmpty breaks the copy midway with a row that
// SQLite holds and PostgreSQL cannot (text with a NUL character, written
// behind consentd's back), and by cancelling it: each time the source is
// unchanged, the target holds no row, and the copy can simply run again.
func TestCopyFailureLeavesTargetEmpty(t *testing.T) {
	dir := stoppedClinic(t)
	target := storagetest.NewPostgresDatabase(t)
	raw := rawDB(t, dir)
	exec(t, raw, "INSERT INTO counters (kind, subject, window_start, count, expires_at) VALUES ('pin', ?, 0, 1, 0)", "a\x00b")
	files := fileHashes(t, dir, "consentd.db", "audit-head.json")

	_, err := copyTo(dir, target)
	if err == nil || !strings.Contains(err.Error(), "counters") || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("copy of a NUL in counters: %v, want an error naming the table and the cause", err)
	}
	checkEmptyTarget(t, target)
	if fileHashes(t, dir, "consentd.db", "audit-head.json") != files {
		t.Error("a failed copy changed the SQLite database or the audit head file")
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err = storage.CopyToPostgres(ctx, storage.CopyOptions{DataDir: dir, TargetURL: target, AuditKey: auditKeyIn(t, dir),
		ProgressEvery: time.Nanosecond, Progress: func(p storage.CopyProgress) {
			if p.Rows > 3 {
				cancel()
			}
		}})
	if err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Fatalf("cancelled copy: %v", err)
	}
	checkEmptyTarget(t, target)

	exec(t, raw, "DELETE FROM counters WHERE kind = 'pin'")
	report, err := copyTo(dir, target)
	if err != nil || !report.Complete() {
		t.Fatalf("copy again after the cause is gone: %+v, %v", report, err)
	}
}

func checkEmptyTarget(t *testing.T, target string) {
	t.Helper()
	for _, table := range []string{"templates", "consents", "pdfs", "audit_events", "counters"} {
		if n := rowCount(t, target, table); n != 0 {
			t.Errorf("target %s holds %d rows after a failed copy", table, n)
		}
	}
	if n := rowCount(t, target, "schema_migrations"); n != storage.MigrationVersions {
		t.Errorf("target schema_migrations = %d rows, want %d", n, storage.MigrationVersions)
	}
}

// TestCopyReportsWritesDuringTheCopy: a consentd still writing to the source
// moves the audit head file, and the report says the copy is not safe.
func TestCopyReportsWritesDuringTheCopy(t *testing.T) {
	dir := stoppedClinic(t)
	target := storagetest.NewPostgresDatabase(t)
	head := filepath.Join(dir, "audit-head.json")
	touched := false
	report, err := storage.CopyToPostgres(context.Background(), storage.CopyOptions{DataDir: dir, TargetURL: target,
		AuditKey: auditKeyIn(t, dir), ProgressEvery: time.Nanosecond, Progress: func(storage.CopyProgress) {
			if !touched {
				touched = true
				b, _ := os.ReadFile(head)
				os.WriteFile(head, append(b, ' '), 0o600)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if report.Complete() || len(report.Faults) != 1 || !strings.Contains(report.Faults[0], "still writing") {
		t.Fatalf("report after the head moved: complete %v, faults %q", report.Complete(), report.Faults)
	}
}

// TestCopyRefusesSourcesItCannotCopyWhole checks the source before the
// target is touched: a table the copier does not know, a schema of another
// version, no database, a target that is not PostgreSQL.
func TestCopyRefusesSourcesItCannotCopyWhole(t *testing.T) {
	const pg = "postgres://nobody@127.0.0.1:1/none"
	tests := []struct {
		name   string
		change string
		dir    func(t *testing.T) string
		target string
		want   string
	}{
		{"unknown table", "CREATE TABLE extra (x INTEGER)", stoppedClinic, pg, "does not know: [extra]"},
		{"older schema", "DELETE FROM schema_migrations WHERE version = 3", stoppedClinic, pg, "has run migrations [1 2 4"},
		{"no database", "", func(t *testing.T) string { return t.TempDir() }, pg, "no SQLite database"},
		{"target not PostgreSQL", "", stoppedClinic, "sqlite:/tmp/x.db", "postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			if tt.change != "" {
				exec(t, rawDB(t, dir), tt.change)
			}
			if _, err := copyTo(dir, tt.target); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("copy: %v, want %q", err, tt.want)
			}
		})
	}
}
