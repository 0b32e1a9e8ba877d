package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	_ "github.com/mattn/go-sqlite3"
)

// clinicDir is a data directory with a signed-off consent history and
// checkpoints, built through the same wiring as "consentd serve".
type clinicDir struct {
	t    *testing.T
	dir  string
	vars func(string) string
	a    *app.App
}

func newClinicDir(t *testing.T) *clinicDir {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	c := &clinicDir{t: t, dir: dir, vars: env(map[string]string{"CONSENTD_DATA_DIR": dir})}
	c.open()
	sh, err := app.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.a.Service.ImportShipped(cliContext(context.Background()), sh, true); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *clinicDir) open() {
	c.t.Helper()
	a, err := app.New(context.Background(), configFrom(c.t, c.vars))
	if err != nil {
		c.t.Fatal(err)
	}
	c.a = a
}

func (c *clinicDir) close() {
	c.t.Helper()
	if err := c.a.Close(); err != nil {
		c.t.Fatal(err)
	}
}

// work writes a little of everything a clinic writes: consents and keys.
func (c *clinicDir) work(n int) (consentIDs []string) {
	c.t.Helper()
	ctx := cliContext(context.Background())
	for i := range n {
		in := consent.CreateConsentInput{Template: "ketamine-iv", Locale: "en", Variables: apptest.Variables,
			Patient: consent.Patient{ID: fmt.Sprintf("MRN-%d", i), GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"}}
		cc, err := c.a.Service.CreateConsent(ctx, in)
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := c.a.Service.CreateAPIKey(ctx, "key", []string{consent.ScopeAuditRead}); err != nil {
			c.t.Fatal(err)
		}
		consentIDs = append(consentIDs, cc.Consent.ID)
	}
	return consentIDs
}

// checkpoint writes a checkpoint of everything so far.
func (c *clinicDir) checkpoint() *consent.AuditCheckpoint {
	c.t.Helper()
	cp, err := c.a.Service.WriteCheckpoint(context.Background(), consent.CheckpointPolicy{Events: 1})
	if err != nil || cp == nil {
		c.t.Fatalf("checkpoint: %+v, %v", cp, err)
	}
	return cp
}

// ehrFile writes the stored checkpoints as GET /v1/audit/checkpoints serves
// them, standing in for the copies an EHR kept.
func (c *clinicDir) ehrFile() string {
	c.t.Helper()
	list, err := c.a.DB.ListAuditCheckpoints(context.Background(), 0, 1000)
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"data": list})
	if err != nil {
		c.t.Fatal(err)
	}
	p := filepath.Join(c.t.TempDir(), "ehr-checkpoints.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// verify runs "consentd audit verify" with args and returns its output and error.
func (c *clinicDir) verify(args ...string) (string, error) {
	var o bytes.Buffer
	err := run(context.Background(), append([]string{"audit", "verify"}, args...), c.vars, &o)
	return o.String(), err
}

func (c *clinicDir) raw() *sql.DB {
	c.t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(c.dir, "consentd.db"))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { raw.Close() })
	return raw
}

// configFrom is the configuration run would build from vars and no flags.
func configFrom(tb testing.TB, vars func(string) string) app.Config {
	tb.Helper()
	cfg := app.Default()
	if err := app.Bind(flag.NewFlagSet("test", flag.ContinueOnError), &cfg)(vars); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAuditVerifyCheckpointsCatchRollback restores an older backup of the
// database together with its head file, as someone hiding recent records
// would: every event is authentic, so the chain and its head verify; the
// checkpoints the EHR kept say the log once went further.
func TestAuditVerifyCheckpointsCatchRollback(t *testing.T) {
	c := newClinicDir(t)
	c.work(2)
	c.checkpoint()
	backup := filepath.Join(t.TempDir(), "old.db")
	if err := c.a.DB.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	oldHead := filepath.Join(t.TempDir(), "audit-head.json")
	copyFile(t, filepath.Join(c.dir, "audit-head.json"), oldHead)
	c.work(2) // the records to hide
	later := c.checkpoint()
	file := c.ehrFile()
	c.close()

	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(c.dir, "consentd.db"+suffix))
	}
	copyFile(t, backup, filepath.Join(c.dir, "consentd.db"))
	copyFile(t, oldHead, filepath.Join(c.dir, "audit-head.json"))

	if o, err := c.verify(); err != nil || !strings.Contains(o, "intact") {
		t.Fatalf("without checkpoints: %v %s; the rolled-back chain should verify on its own", err, o)
	}
	o, err := c.verify("--checkpoints", file)
	if err != exitError(1) || !strings.Contains(o, fmt.Sprintf("vouches for seq %d", later.Seq)) || !strings.Contains(o, "removed from the end") {
		t.Fatalf("with the EHR's checkpoints: %v\n%s", err, o)
	}
}

// TestAuditVerifyCheckpointsCatchRewrite has someone holding secret.key edit
// a patient's birth date and then rewrite the audit log to match: the row's
// digest, every later hash and MAC, and the head file, recomputed with the
// real keys, and the stored checkpoints deleted. Nothing on the machine can
// tell; the checkpoints the EHR kept can.
func TestAuditVerifyCheckpointsCatchRewrite(t *testing.T) {
	c := newClinicDir(t)
	ids := c.work(3)
	early := c.checkpoint()
	c.work(1)
	c.checkpoint()
	file := c.ehrFile()
	c.close()

	secret, err := os.ReadFile(filepath.Join(c.dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	// The audit key as internal/app derives it from the secret.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("consentd|audit-log"))
	auditKey := m.Sum(nil)
	raw := c.raw()
	for _, stmt := range []string{"DROP TRIGGER consents_frozen", "DROP TRIGGER audit_events_no_update",
		"DROP TRIGGER audit_checkpoints_no_delete", "DELETE FROM audit_checkpoints",
		"UPDATE consents SET patient_birth_date = '1999-09-09' WHERE id = '" + ids[0] + "'"} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	c.open()
	edited, err := c.a.DB.FindConsentByID(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.a.DB.ListAuditEvents(context.Background(), consent.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	from := -1
	for i, e := range evs {
		if d, _ := e.RowDigests(); d[edited.RowRef()].Digest != "" {
			from = i
			e.Rows = []consent.Row{edited}
			if err := e.AttachRowDigests(consent.RowDigestKey(auditKey)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if from < 0 || evs[from].Seq > early.Seq {
		t.Fatalf("the consent's event is at %d, want one before the early checkpoint at seq %d", from, early.Seq)
	}
	for i := from; i < len(evs); i++ {
		e := evs[i]
		if i > 0 {
			e.PrevHash = evs[i-1].Hash
		}
		if err := e.Seal(auditKey); err != nil {
			t.Fatal(err)
		}
		details, _ := json.Marshal(e.Details)
		if _, err := raw.Exec("UPDATE audit_events SET details = ?, prev_hash = ?, hash = ?, mac = ? WHERE seq = ?",
			string(details), e.PrevHash, e.Hash, e.MAC, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	last := evs[len(evs)-1]
	head, _ := json.Marshal(map[string]any{"seq": last.Seq, "hash": last.Hash, "mac": consent.AuditMAC(auditKey, last.Seq, last.Hash)})
	if err := os.WriteFile(filepath.Join(c.dir, "audit-head.json"), head, 0o600); err != nil {
		t.Fatal(err)
	}

	if o, err := c.verify(); err != nil || !strings.Contains(o, "intact") {
		t.Fatalf("without checkpoints: %v %s; a rewrite with the real keys should verify on its own", err, o)
	}
	o, err := c.verify("--checkpoints", file)
	if err != exitError(1) || !strings.Contains(o, fmt.Sprintf("BROKEN at seq %d: the event differs from the checkpoint", early.Seq)) {
		t.Fatalf("with the EHR's checkpoints: %v\n%s", err, o)
	}
}

// TestAuditVerifyCheckpointsRefusesForeignOrBadFiles: a checkpoint signed by
// another server is a finding, and an unreadable file stops the command.
func TestAuditVerifyCheckpointsRefusesForeignOrBadFiles(t *testing.T) {
	other := newClinicDir(t)
	other.work(1)
	other.checkpoint()
	foreign := other.ehrFile()
	other.close()
	c := newClinicDir(t)
	c.work(1)
	c.checkpoint()
	c.close()
	if o, err := c.verify("--checkpoints", foreign); err != exitError(1) || !strings.Contains(o, "not one of this server's sealing certificates") {
		t.Fatalf("foreign checkpoints: %v\n%s", err, o)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"seq": "twelve"}`), 0o600)
	if o, err := c.verify("--checkpoints", bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("malformed file: %v\n%s", err, o)
	}
	if o, err := c.verify(); err != nil || !strings.Contains(o, "1 checkpoints match") {
		t.Fatalf("own stored checkpoint: %v %s", err, o)
	}
}

// TestCheckpointSettingsAreStrict: a malformed setting stops every command
// with a message naming it.
func TestCheckpointSettingsAreStrict(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"CONSENTD_AUDIT_CHECKPOINT_INTERVAL": "5 minutes"}, nil, "CONSENTD_AUDIT_CHECKPOINT_INTERVAL"},
		{map[string]string{"CONSENTD_AUDIT_CHECKPOINT_EVENTS": "1k"}, nil, "CONSENTD_AUDIT_CHECKPOINT_EVENTS"},
		{map[string]string{"CONSENTD_AUDIT_CHECKPOINT_EVENTS": "-5"}, nil, "CONSENTD_AUDIT_CHECKPOINT_EVENTS"},
		{nil, []string{"--audit-checkpoint-interval", "10ms"}, "at least 1s"},
		{nil, []string{"--audit-checkpoint-events", "-1"}, "must not be negative"},
	} {
		vars := map[string]string{"CONSENTD_DATA_DIR": dir}
		for k, v := range tt.env {
			vars[k] = v
		}
		var o bytes.Buffer
		err := run(context.Background(), append([]string{"apikey", "list"}, tt.args...), env(vars), &o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: %v, want an error naming %s", tt.env, tt.args, err, tt.want)
		}
	}
	var o bytes.Buffer
	vars := env(map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_AUDIT_CHECKPOINT_INTERVAL": "0", "CONSENTD_AUDIT_CHECKPOINT_EVENTS": "0"})
	if err := run(context.Background(), []string{"apikey", "list"}, vars, &o); err != nil {
		t.Fatalf("checkpoints off: %v %s", err, o.String())
	}
}
