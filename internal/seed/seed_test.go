package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// sqliteInDataDir keeps the server's database in the data dir's SQLite file,
// the one seed grows, even when CONSENTD_TEST_POSTGRES_URL points the other
// tests at PostgreSQL.
const sqliteInDataDir = "sqlite:"

func TestSeedCopiesASignedConsent(t *testing.T) {
	for _, slim := range []bool{false, true} {
		t.Run(map[bool]string{false: "full", true: "slim"}[slim], func(t *testing.T) {
			dir := t.TempDir()
			s := apptest.New(t, func(c *app.Config) { c.DataDir, c.DatabaseURL = dir, sqliteInDataDir })
			s.SignedConsent(t, "en")
			ids := filepath.Join(t.TempDir(), "ids")
			args := []string{"-data-dir", dir, "-total", "45", "-batch", "20", "-ids-out", ids, "-sample", "10"}
			if slim {
				args = append(args, "-slim")
			}
			if err := run(args); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(ids)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) < 5 || len(lines) > 10 {
				t.Fatalf("sample has %d lines, want 5..10: %q", len(lines), b)
			}
			seeded := 0
			for _, line := range lines {
				f := strings.Fields(line)
				if len(f) != 2 {
					t.Fatalf("sample line %q", line)
				}
				st, body := s.Do(t, "GET", "/v1/consents/"+f[0], s.AdminKey, nil)
				if st != 200 {
					t.Fatalf("GET seeded consent %s: %d %s", f[0], st, body)
				}
				c := apptest.JSON(t, body)
				if c["status"] != "signed" || c["patient"].(map[string]any)["id"] != f[1] || len(c["signatures"].([]any)) != 2 {
					t.Errorf("seeded consent %s: status %v, patient %v, %d signatures", f[0], c["status"], c["patient"], len(c["signatures"].([]any)))
				}
				if !strings.HasPrefix(f[1], "SEED-") {
					continue
				}
				seeded++
				st, body = s.Do(t, "GET", "/v1/consents?patient_id="+f[1], s.AdminKey, nil)
				if n := len(apptest.JSON(t, body)["data"].([]any)); st != 200 || n < 1 || n > 2 {
					t.Errorf("list by seeded patient %s: %d, %d consents", f[1], st, n)
				}
			}
			if seeded == 0 {
				t.Error("the sample holds no seeded consent")
			}
			if n := countConsents(t, dir); n != 45 {
				t.Errorf("consents = %d, want 45", n)
			}
			// Every copied row is vouched for: the whole integrity check passes,
			// rows included, and one event per copy says where it came from.
			report, err := s.DB.VerifyIntegrity(context.Background(), nil)
			if err != nil || !report.Intact() {
				t.Fatalf("audit verify after seeding: %+v, %v", report, err)
			}
			events, err := s.DB.ListAuditEvents(context.Background(), consent.AuditFilter{Type: eventSeeded, Limit: 100})
			if err != nil || len(events) != 44 {
				t.Errorf("%d %s events, want 44: %v", len(events), eventSeeded, err)
			}
			if report.Rows < 44*4 {
				t.Errorf("audit verify compared %d rows, want at least the 44 copies' consents, signatures and PDFs", report.Rows)
			}
		})
	}
}

func TestSeedRefuses(t *testing.T) {
	empty := t.TempDir()
	apptest.New(t, func(c *app.Config) { c.DataDir, c.DatabaseURL = empty, sqliteInDataDir }) // migrated, no signed consent
	// A deployment whose secret comes from the environment has no
	// secret.key; the seeder reads that file only, and says so.
	noSecret := t.TempDir()
	apptest.New(t, func(c *app.Config) {
		c.DataDir, c.DatabaseURL, c.Secret = noSecret, sqliteInDataDir, bytes.Repeat([]byte{7}, 32)
	})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no data dir", []string{"-total", "10"}, "-data-dir is required"},
		{"no signed consent", []string{"-data-dir", empty, "-total", "10"}, "no signed consent to copy"},
		{"zero batch", []string{"-data-dir", empty, "-batch", "0"}, "must be positive"},
		{"no secret.key", []string{"-data-dir", noSecret, "-total", "10"}, "secret.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(tt.args); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%v) = %v, want %q", tt.args, err, tt.want)
			}
		})
	}
}

func countConsents(t *testing.T, dir string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "consentd.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM consents").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
