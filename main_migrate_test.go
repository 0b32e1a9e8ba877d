package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
)

// signed signs a consent as patient and clinician through the service.
func (c *clinicDir) signed(id string) {
	c.t.Helper()
	ctx := cliContext(context.Background())
	if _, err := c.a.Service.CreateStaff(ctx, consent.NewStaff{ID: apptest.StaffID, Name: apptest.StaffName, Role: consent.RoleClinician, PIN: apptest.StaffPIN}); err != nil &&
		consent.ErrorCode(err) != consent.ECONFLICT {
		c.t.Fatal(err)
	}
	cc, err := c.a.DB.FindConsentByID(ctx, id)
	if err != nil {
		c.t.Fatal(err)
	}
	var acks []string
	for _, s := range cc.Documents["en"].Sections {
		if s.RequiresAcknowledgment {
			acks = append(acks, s.Key)
		}
	}
	for _, in := range []consent.SignInput{
		{Role: consent.RolePatient, Name: "Zoë Müller", AcknowledgedSections: acks, ElectronicRecordsConsent: true,
			Mark: consent.Mark{Type: "typed", Text: "Zoë Müller"}},
		{Role: consent.RoleClinician, StaffID: apptest.StaffID, StaffPIN: apptest.StaffPIN, IdentityVerified: true,
			Mark: consent.Mark{Type: "typed", Text: apptest.StaffName}},
	} {
		if _, err := c.a.Service.Sign(ctx, id, in); err != nil {
			c.t.Fatalf("sign as %s: %v", in.Role, err)
		}
	}
}

// migrate runs "consentd migrate-db" on the clinic's data directory.
func (c *clinicDir) migrate(args ...string) (string, error) {
	var o bytes.Buffer
	err := run(context.Background(), append([]string{"migrate-db"}, args...), c.vars, &o)
	return o.String(), err
}

func exitCode(err error) int {
	var exit exitError
	if errors.As(err, &exit) {
		return int(exit)
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestMigrateDB moves a data directory built through the same wiring as
// "consentd serve" to PostgreSQL with the command: it reports the copy, runs
// audit verify and the PDF seal checks there, and exits 0; "consentd audit
// verify" with CONSENTD_DATABASE_URL set agrees; a second run into the now
// full database is refused with exit 1 and leaves it alone.
func TestMigrateDB(t *testing.T) {
	target := storagetest.NewPostgresDatabase(t)
	c := newClinicDir(t)
	ids := c.work(3)
	c.signed(ids[0])
	c.checkpoint()
	c.close()

	out, err := c.migrate("--to", target, "--verify-all-pdfs")
	if exitCode(err) != 0 {
		t.Fatalf("migrate-db: %v\n%s", err, out)
	}
	for _, want := range []string{"consents                        3            3  same rows",
		"audit chain intact", "1 checkpoints match", "PDF seals: all 1 PDFs verify", "SAFE TO SWITCH", "copied "} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate-db output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "@") && strings.Contains(target, ":") && strings.Contains(out, "password") {
		t.Errorf("the output shows a password:\n%s", out)
	}

	onPG := env(map[string]string{"CONSENTD_DATA_DIR": c.dir, "CONSENTD_DATABASE_URL": target})
	var o bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify"}, onPG, &o); err != nil || !strings.Contains(o.String(), "intact") {
		t.Fatalf("audit verify on PostgreSQL: %v\n%s", err, o.String())
	}

	out, err = c.migrate("--to", target)
	if exitCode(err) != 1 || !strings.Contains(out, "not empty") || !strings.Contains(out, "The target was not changed") {
		t.Fatalf("second migrate-db into the full target: exit %d\n%s", exitCode(err), out)
	}
}

// TestMigrateDBNotSafe: a row edited behind consentd's back in SQLite is
// copied as it is, and the command's audit verify on the target finds it:
// exit 1, with how to drop the target.
func TestMigrateDBNotSafe(t *testing.T) {
	target := storagetest.NewPostgresDatabase(t)
	c := newClinicDir(t)
	ids := c.work(1)
	c.close()
	if _, err := c.raw().Exec("UPDATE consents SET status_reason = 'edited' WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	out, err := c.migrate("--to", target)
	if exitCode(err) != 1 {
		t.Fatalf("migrate-db of an edited database: exit %d\n%s", exitCode(err), out)
	}
	for _, want := range []string{"copy check: every table holds the same rows", "BROKEN at", "NOT SAFE TO SWITCH", "DROP DATABASE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMigrateDBRefusesBadUse(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string
	}{
		{"no --to", map[string]string{"CONSENTD_DATA_DIR": dir}, nil, 2, "usage: consentd migrate-db --to"},
		{"already on PostgreSQL", map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_DATABASE_URL": "postgres://x@h/db"},
			[]string{"--to", "postgres://x@h/db2"}, -1, "unset CONSENTD_DATABASE_URL"},
		{"not a data directory", map[string]string{"CONSENTD_DATA_DIR": dir}, []string{"--to", "postgres://x@h/db"}, -1, "secret.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o bytes.Buffer
			err := run(context.Background(), append([]string{"migrate-db"}, tt.args...), env(tt.vars), &o)
			msg := o.String()
			if err != nil {
				msg += err.Error()
			}
			if exitCode(err) != tt.code || !strings.Contains(msg, tt.want) {
				t.Errorf("exit %d %q, want %d and %q", exitCode(err), msg, tt.code, tt.want)
			}
		})
	}
}
