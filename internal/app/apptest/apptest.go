// Package apptest runs a complete consentd for tests: the application
// internal/app's New builds for "consentd serve" (real storage, real sealing,
// the shipped templates, the real router, the same limits), served by
// httptest. A test changes the configuration only through app.Config's
// fields, and New lists in one place what every test changes.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentd/consentd/api"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/pdf"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// StaffID, StaffName and StaffPIN identify the clinician every server registers.
const (
	StaffID   = "C-7"
	StaffName = "Иван Петров"
	StaffPIN  = "246810"
)

// ApproverID, ApproverName and ApproverPIN identify the template approver
// every server registers (a clinician too).
const (
	ApproverID   = "MD-1"
	ApproverName = "Dr. Medical Director"
	ApproverPIN  = "975310"
)

// Approval is the publish (or approve) request body signed by the test
// approver.
func Approval() map[string]any { return map[string]any{"staff_id": ApproverID, "pin": ApproverPIN} }

// Server is a running consentd for one test. DB, Sealer, Service and API are
// the App's, named here so tests read as they did.
type Server struct {
	*httptest.Server
	App      *app.App
	DB       *storage.DB
	Sealer   *pdf.Sealer
	Service  *consent.Service
	API      *api.Server
	AdminKey string
	Clock    *Clock
	Logs     *SyncBuffer // the server's JSON log lines
}

// New starts a server as "consentd serve" would (app.New, then Prepare:
// shipped templates published, the first admin key written) and registers
// the clinician StaffID. It starts from app.Default and changes what every
// test must, listed here; then each change in order may change more.
// Background jobs do not run (tests call what they need, e.g.
// FlushAuthFailures or App.Dispatcher).
func New(tb testing.TB, changes ...func(*app.Config)) *Server {
	tb.Helper()
	clock, logs := &Clock{}, &SyncBuffer{}
	cfg := app.Default()
	cfg.DataDir = tb.TempDir()                     // a data directory of its own
	cfg.Now = clock.Now                            // a clock the test can move
	cfg.BcryptCost = bcrypt.MinCost                // staff PINs hash in microseconds
	cfg.LogOutput = logs                           // logs the test can read
	cfg.PublicURL = "https://consent.example.test" // links as a deployment writes them
	cfg.ClinicName = "Calm Waters Ketamine Clinic" // as the fixtures' variables say
	cfg.FHIRPatientSystem = "urn:oid:2.16.840.1.113883.4.1"
	cfg.Version = "test"
	for _, change := range changes {
		change(&cfg)
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = storagetest.URLFor(tb, cfg.DataDir) // PostgreSQL when CONSENTD_TEST_POSTGRES_URL says so
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		tb.Fatalf("apptest: %v", err)
	}
	tb.Cleanup(func() {
		if err := a.Close(); err != nil {
			tb.Errorf("apptest: close: %v", err)
		}
	})
	if err := a.Prepare(ctx); err != nil {
		tb.Fatalf("apptest: prepare: %v", err)
	}
	s := &Server{Server: httptest.NewServer(a.Handler()), App: a, DB: a.DB, Sealer: a.Sealer, Service: a.Service, API: a.API,
		Clock: clock, Logs: logs}
	tb.Cleanup(s.Close)
	sysCtx := consent.WithRequest(ctx, consent.Request{Actor: "system", Channel: "system"})
	for _, st := range []consent.NewStaff{{ID: StaffID, Name: StaffName, Role: consent.RoleClinician, PIN: StaffPIN},
		{ID: ApproverID, Name: ApproverName, Role: consent.RoleClinician, PIN: ApproverPIN, TemplateApprover: true}} {
		if _, err := a.Service.CreateStaff(sysCtx, st); err != nil &&
			consent.ErrorCode(err) != consent.ECONFLICT { // registered by an earlier start on the same data dir
			tb.Fatalf("apptest: staff: %v", err)
		}
	}
	s.AdminKey = s.Key(tb, consent.ScopeAdmin)
	return s
}

// Key creates an API key with the given scopes and returns its secret.
func (s *Server) Key(tb testing.TB, scopes ...string) string {
	tb.Helper()
	k, err := s.Service.CreateAPIKey(context.Background(), "test key", scopes)
	if err != nil {
		tb.Fatalf("create key: %v", err)
	}
	return k.Secret
}

// Do sends a request with an optional bearer key and JSON body (a string or
// []byte is sent as is) and returns the status and body.
func (s *Server) Do(tb testing.TB, method, path, key string, body any, headers ...string) (int, []byte) {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, b := s.Send(tb, req)
	return resp.StatusCode, b
}

// Send sends req to the server and returns the response with its whole
// body read (the response's Body is closed), failing the test if the
// exchange fails.
func (s *Server) Send(tb testing.TB, req *http.Request) (*http.Response, []byte) {
	tb.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

// JSON decodes b into a generic map, failing the test on error.
func JSON(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("decode %q: %v", b, err)
	}
	return m
}

// FlushAuthFailures ends the failed-authentication window: the failures counted
// so far are written to the audit log, as the server does every minute.
func (s *Server) FlushAuthFailures(tb testing.TB) {
	tb.Helper()
	if err := s.Service.FailedAuthLog().Flush(context.Background(), s.Clock.Now()); err != nil {
		tb.Fatalf("flush failed authentications: %v", err)
	}
}

// Publish is the publish request body signed by the test approver, with a
// re-consent policy (needed from a template's second published version on).
func Publish(reconsent string) map[string]any {
	b := Approval()
	b["reconsent"] = reconsent
	return b
}
