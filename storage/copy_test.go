package storage_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/internal/pngtest"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/internal/pgtest"
	"github.com/consentd/consentd/storage/storagetest"
)

// migrationClinic is newClinic on SQLite (whatever database the other tests
// use) with what newClinic lacks: signatures of every kind (representative
// with an image, witness, interpreter), webhook deliveries still pending
// after a failed attempt, idempotency records and a signed checkpoint.
func migrationClinic(t *testing.T) (c *clinic, everyKind string) {
	t.Helper()
	c = newClinicWith(t, func(c *app.Config) { c.DatabaseURL, c.WebhookAllowNets = "sqlite:", "127.0.0.0/8" })
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(rcv.Close)
	c.post(t, "/v1/webhooks", map[string]any{"url": rcv.URL + "/hook", "events": []string{consent.EventConsentSigned}}, 201)
	c.post(t, "/v1/staff", map[string]any{"id": "W-2", "name": "Ana Gómez", "role": "witness", "pin": "135792"}, 201)
	c.post(t, "/v1/staff", map[string]any{"id": "I-3", "name": "Li Wei", "role": "interpreter", "pin": "135793"}, 201)

	cj := c.CreateConsent(t, "en")
	everyKind = cj["id"].(string)
	sign := func(body map[string]any, extra ...string) {
		t.Helper()
		if st, b := c.Do(t, "POST", "/v1/consents/"+everyKind+"/signatures", c.AdminKey, body, extra...); st != 201 {
			t.Fatalf("sign as %v: %d %s", body["role"], st, b)
		}
	}
	sign(map[string]any{"role": "interpreter", "staff": map[string]any{"id": "I-3", "pin": "135793"},
		"signature": map[string]any{"type": "typed", "text": "Li Wei"}}, "Idempotency-Key", "interpreter-1")
	sign(map[string]any{"role": "witness", "staff": map[string]any{"id": "W-2", "pin": "135792"},
		"signature": map[string]any{"type": "drawn", "width": 600, "height": 200, "strokes": apptest.Strokes()}})
	rep := apptest.PatientSignature(apptest.Acknowledged(t, cj))
	rep["role"], rep["name"], rep["relationship"] = "representative", "Hans Müller", "spouse, health care proxy"
	rep["signature"] = map[string]any{"type": "image", "png_base64": base64.StdEncoding.EncodeToString(pngtest.Go(pngtest.Scribble(600, 200)))}
	sign(rep, "Idempotency-Key", "representative-1")
	sign(apptest.ClinicianSignature())

	// A template approval, teach-back answers on a pending consent, and a
	// later version published with re-consent recommended (its notice job).
	c.post(t, "/v1/templates/ketamine-iv/versions/3/approve", apptest.Approval(), 200)
	aj := c.CreateConsent(t, "en")
	token := strings.TrimPrefix(aj["signing"].(map[string]any)["url"].(string), "/sign/")
	c.AnswerAll(t, token, aj)
	next := c.post(t, "/v1/templates/ketamine-iv/versions", nil, 201)["version"].(float64)
	c.post(t, fmt.Sprintf("/v1/templates/ketamine-iv/versions/%.0f/publish", next), apptest.Publish(consent.ReconsentRecommended), 200)

	d := c.App.Dispatcher()
	d.Timeout = 2 * time.Second
	if n, err := d.RunOnce(t.Context()); err != nil || n == 0 {
		t.Fatalf("webhook round: %d attempted, %v", n, err)
	}
	if _, err := c.Service.WriteCheckpoint(context.Background(), consent.CheckpointPolicy{Events: 1}); err != nil {
		t.Fatal(err)
	}
	if n, err := c.DB.CountPendingDeliveries(context.Background()); err != nil || n == 0 {
		t.Fatalf("pending deliveries after a failed round: %d, %v", n, err)
	}
	return c, everyKind
}

// TestCopyToPostgresAnswersAlike migrates a clinic's SQLite database, made
// through the API, into PostgreSQL: the copy reports every table complete;
// a server on the target, with the same data directory, answers every read
// exactly as the SQLite server did (consents, lists, audit trails, PDF bytes,
// FHIR); the audit chain, rows, head and checkpoints verify there; every
// sealed PDF verifies; the append-only triggers are in force; and PostgreSQL
// numbers the next acknowledgment after the copied ones.
func TestCopyToPostgresAnswersAlike(t *testing.T) {
	target := storagetest.NewPostgresDatabase(t)
	ctx := context.Background()
	c, everyKind := migrationClinic(t)
	ids := strings.Fields(strings.ReplaceAll(c.allConsentIDs(t), ",", " "))
	head, err := c.DB.AuditChainHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pages := int(head.Seq)/200 + 3 // and the events the reads append
	before := readAll(t, c.Server, c.AdminKey, ids, pages)
	at := c.Clock.Now()
	c.Server.Close() // stop writes: the operator stops consentd first
	if err := c.DB.Close(); err != nil {
		t.Fatal(err)
	}
	files := fileHashes(t, c.dir, "consentd.db", "audit-head.json")

	var progress []storage.CopyProgress
	report, err := storage.CopyToPostgres(ctx, storage.CopyOptions{DataDir: c.dir, TargetURL: target,
		AuditKey: auditKeyIn(t, c.dir), PDFSample: -1, ProgressEvery: time.Nanosecond,
		Progress: func(p storage.CopyProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if !report.Complete() {
		t.Fatalf("copy incomplete: %+v", report)
	}
	for _, tc := range report.Tables {
		if tc.SourceRows == 0 {
			t.Errorf("table %s is empty in the fixture: the test proves nothing about copying it", tc.Table)
		}
	}
	if last := progress[len(progress)-1]; !last.Done || last.Rows != last.Total || last.Total == 0 || last.Bytes == 0 || last.TotalBytes == 0 {
		t.Errorf("last progress %+v", last)
	}
	if report.PDFsRehashed == 0 || len(report.PDFSample) != report.PDFsRehashed {
		t.Errorf("PDFs re-hashed %d, sampled %d (all asked)", report.PDFsRehashed, len(report.PDFSample))
	}
	if got := fileHashes(t, c.dir, "consentd.db", "audit-head.json"); got != files {
		t.Error("the copy changed the SQLite database or the audit head file")
	}

	s2 := apptest.New(t, func(cfg *app.Config) { cfg.DataDir, cfg.DatabaseURL = c.dir, target })
	s2.Clock.AdvanceTo(at)
	after := readAll(t, s2, c.AdminKey, ids, pages)
	for _, id := range ids {
		for _, p := range []string{"/v1/consents/" + id, "/fhir/r4/Consent/" + id, "/v1/consents/" + id + "/audit?limit=200"} {
			if !strings.HasPrefix(before[p], "200\n") {
				t.Fatalf("GET %s before the move: %.200s", p, before[p])
			}
		}
	}
	sameAnswers(t, before, after)

	integrity, err := s2.Service.VerifyAuditIntegrity(ctx, nil, "")
	if err != nil || !integrity.Intact() || integrity.Checkpoints == 0 {
		t.Fatalf("audit verify on the target: %+v, %v", integrity, err)
	}
	for _, ref := range report.PDFSample {
		var p *consent.SealedPDF
		if ref.Kind == consent.PDFKindSigned {
			p, err = s2.DB.FindPDF(ctx, ref.ConsentID)
		} else {
			p, err = s2.DB.FindAdditionalPDF(ctx, ref.ConsentID, ref.Kind)
		}
		if err != nil {
			t.Fatal(err)
		}
		if res, err := s2.Service.VerifyPDF(ctx, s2.Sealer, p.Bytes); err != nil || !res.Valid || res.ConsentID != ref.ConsentID {
			t.Errorf("PDF %+v on the target: %+v, %v", ref, res, err)
		}
	}
	checkTriggersActive(t, target)

	// The next acknowledgment is numbered after the copied ones.
	cj := s2.CreateConsent(t, "en")
	token := strings.TrimPrefix(cj["signing"].(map[string]any)["url"].(string), "/sign/")
	if st, b := s2.Do(t, "POST", "/v1/signing/"+token+"/acknowledgments", "",
		map[string]any{"section": apptest.Acknowledged(t, cj)[0], "locale": "en"}); st != 201 {
		t.Fatalf("acknowledgment on the target: %d %s", st, b)
	}
	if st, b := s2.Do(t, "GET", "/v1/consents/"+everyKind, c.AdminKey, nil); st != 200 ||
		len(apptest.JSON(t, b)["signatures"].([]any)) != 4 {
		t.Fatalf("the consent signed by every kind of signer: %d %.300s", st, b)
	}
}

func TestCopyProgressEstimatesByBytes(t *testing.T) {
	// A tenth of the rows but half of the bytes in one second: one more second.
	p := storage.CopyProgress{Rows: 10, Total: 100, Bytes: 500, TotalBytes: 1000, Elapsed: time.Second}
	if p.Left() != time.Second || p.Rate() != 10 {
		t.Errorf("Left() = %v, Rate() = %v; want 1s, 10 rows/s", p.Left(), p.Rate())
	}
	if done := (storage.CopyProgress{Rows: 100, Total: 100, Bytes: 1200, TotalBytes: 1000, Elapsed: time.Second}); done.Left() != 0 {
		t.Errorf("Left() past the estimate = %v", done.Left())
	}
}

// allConsentIDs lists every consent of the clinic's SQLite database.
func (c *clinic) allConsentIDs(t *testing.T) string {
	t.Helper()
	return c.one(t, "SELECT group_concat(id) FROM consents")
}

// fileHashes is one string naming the content of the data-dir files given.
func fileHashes(t *testing.T, dir string, names ...string) string {
	t.Helper()
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return string(h.Sum(nil))
}

// checkTriggersActive tries, as the table owner, what the append-only rules
// forbid on the target.
func checkTriggersActive(t *testing.T, url string) {
	t.Helper()
	raw := pgtest.Open(t, url)
	for _, stmt := range []string{
		"UPDATE audit_events SET type = 'x' WHERE seq = 1",
		"DELETE FROM audit_events WHERE seq = 1",
		"UPDATE signatures SET name = 'x'",
		"DELETE FROM pdfs",
		"UPDATE additional_pdfs SET bytes = ''",
		"UPDATE consents SET patient_given_name = 'x'",
		"TRUNCATE acknowledgments",
		"DELETE FROM audit_checkpoints",
		"DELETE FROM devices",
		"UPDATE webhook_attempts SET error = 'x'",
	} {
		if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "restrict") && !strings.Contains(err.Error(), "only") &&
			!strings.Contains(err.Error(), "never") && !strings.Contains(err.Error(), "frozen") {
			t.Errorf("%s on the target: %v, want a trigger's refusal", stmt, err)
		}
	}
}
