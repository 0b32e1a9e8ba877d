// Package testserver runs a complete consentd (real SQLite storage, real PDF
// sealing, the shipped templates, the real router) behind httptest for tests
// of the API and the tablet page.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/api"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/pdf"
	"github.com/consentd/consentd/pinhash"
	"github.com/consentd/consentd/ratelimit"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
	"github.com/consentd/consentd/templates"
	"github.com/gin-gonic/gin"
	"github.com/oklog/ulid/v2"
	"golang.org/x/crypto/bcrypt"
)

// StaffID and StaffPIN identify the clinician every server registers.
const (
	StaffID   = "C-7"
	StaffName = "Иван Петров"
	StaffPIN  = "246810"
)

// Server is a running consentd for one test.
type Server struct {
	*httptest.Server
	DB       *storage.DB
	Sealer   *pdf.Sealer
	Service  *consent.Service
	API      *api.Server
	AdminKey string
	Clock    *Clock
	Logs     *bytes.Buffer
	// WebhookNetworks is the parsed WebhookAllowNets, for dispatchers.
	WebhookNetworks *consent.WebhookNetworks
}

// Clock is a settable clock; it starts at the real time and moves with it
// unless Advance is called.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the current (possibly advanced) time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// AdvanceTo moves the clock forward to t (it never moves back).
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := time.Until(t) - c.offset; d > 0 {
		c.offset += d
	}
}

// FreshWindows moves the clocks of servers (sharing a database) to the start
// of the next hour, so limits counted in fixed windows of up to an hour start
// at zero and no window ends during the test.
func FreshWindows(servers ...*Server) {
	var latest time.Time
	for _, s := range servers {
		if now := s.Clock.Now(); now.After(latest) {
			latest = now
		}
	}
	start := latest.Truncate(time.Hour).Add(time.Hour)
	for _, s := range servers {
		s.Clock.AdvanceTo(start)
	}
}

// Bursts of the public verification limits (see Options).
const (
	PublicBurst        = 3
	PublicCeilingBurst = 8
)

// VerifyLinkKey signs the verification links printed on test servers' PDFs.
var VerifyLinkKey = []byte("test-verify-link-key-test-verify")

// Options tune a test server.
type Options struct {
	DataDir string // reuse a data dir (e.g. across a restart); default tb.TempDir()
	// Limits on, with these rates (per second); zero leaves limiters off.
	CodeRate, LinkRate, KeyRate float64
	NoTLSListener               bool

	// PublicRate limits public verifications per client (burst PublicBurst),
	// PublicCeilingRate all of them together (burst PublicCeilingBurst).
	PublicRate, PublicCeilingRate float64

	// TrustedProxies are believed in X-Forwarded-For (e.g. 127.0.0.1, so a
	// test can play clients at many addresses).
	TrustedProxies []string
	// Metrics, when set, receives request measurements and domain events and
	// is served at GET /metrics.
	Metrics Metrics
	// WebhookAllowNets is CONSENTD_WEBHOOK_ALLOW_NETS: webhooks to httptest
	// receivers on loopback need "127.0.0.0/8", as a deployment would.
	WebhookAllowNets string
}

// Metrics is what a test server needs from a metrics implementation
// (metrics.Metrics fits); it is an interface so testserver does not import it.
type Metrics interface {
	api.Metrics
	consent.Observer
	Handler() http.Handler
}

// New starts a server with the shipped templates published, an admin key and a
// registered clinician.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	ctx := context.Background()
	dir := opts.DataDir
	if dir == "" {
		dir = tb.TempDir()
	}
	nets, err := consent.ParseWebhookNetworks(opts.WebhookAllowNets)
	if err != nil {
		tb.Fatalf("WebhookAllowNets: %v", err)
	}
	clock := &Clock{}
	db := storagetest.MustOpenConfig(tb, storage.Config{DataDir: dir, Now: clock.Now})
	links := consent.NewVerifyLinks("https://consent.example.test", VerifyLinkKey)
	sealer, err := pdf.NewSealer(pdf.Config{DataDir: dir, ClinicName: "Calm Waters Ketamine Clinic", TimeZone: time.UTC, VerifyURL: links.URL})
	if err != nil {
		tb.Fatalf("sealer: %v", err)
	}
	svc := &consent.Service{Store: db, Markdown: templates.NewMarkdown(), Sealer: sealer, Checkpoints: sealer, PINs: &pinhash.Hasher{Cost: bcrypt.MinCost, TTL: 10 * time.Minute, Now: clock.Now},
		SecretKey: []byte("test-secret-key-test-secret-key!"), Now: clock.Now, NewID: func() string { return ulid.Make().String() },
		WebhookNetworks: nets, Resolver: net.DefaultResolver, VerifyLinks: links}
	logs := &bytes.Buffer{}
	srv := &api.Server{Service: svc, Verifier: sealer, Certificates: sealer.CertificatesPEM,
		Logger: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil)), PublicURL: "https://consent.example.test",
		TrustedProxies: opts.TrustedProxies, Ready: db.Ping, Web: api.WebFS(), FHIRIdentifierSystem: "urn:oid:2.16.840.1.113883.4.1", Version: "test", ClinicName: "Calm Waters Ketamine Clinic",
		Documents: db.Documents()}
	if opts.Metrics != nil {
		svc.Observer = opts.Metrics
		srv.Metrics = opts.Metrics
		srv.MetricsHandler = gin.WrapH(opts.Metrics.Handler())
	}
	if opts.CodeRate > 0 {
		srv.CodeLimiter = ratelimit.New(opts.CodeRate, 3)
	}
	if opts.LinkRate > 0 {
		srv.LinkLimiter = ratelimit.New(opts.LinkRate, 3)
	}
	if opts.KeyRate > 0 {
		srv.KeyLimiter = ratelimit.New(opts.KeyRate, 3)
	}
	if opts.PublicRate > 0 {
		srv.PublicLimiter = ratelimit.New(opts.PublicRate, PublicBurst)
	}
	if opts.PublicCeilingRate > 0 {
		srv.PublicCeiling = ratelimit.New(opts.PublicCeilingRate, PublicCeilingBurst)
	}
	h, err := srv.Handler()
	if err != nil {
		tb.Fatalf("handler: %v", err)
	}
	ts := &Server{Server: httptest.NewServer(h), DB: db, Sealer: sealer, Service: svc, API: srv, Clock: clock, Logs: logs,
		WebhookNetworks: nets}
	tb.Cleanup(ts.Close)
	sysCtx := consent.WithRequest(ctx, consent.Request{Actor: "system", Channel: "system"})
	if list, _ := db.ListTemplates(ctx); len(list) == 0 {
		all, err := templates.All()
		if err != nil {
			tb.Fatal(err)
		}
		var sh []consent.ShippedVersion
		for _, s := range all {
			sh = append(sh, consent.ShippedVersion{Slug: s.Slug, Title: s.Title, Version: s.Version, Content: s.Content, Reconsent: s.Reconsent})
		}
		if _, err := svc.ImportShipped(sysCtx, sh, true); err != nil {
			tb.Fatalf("import templates: %v", err)
		}
		if _, err := svc.CreateStaff(sysCtx, StaffID, StaffName, consent.RoleClinician, StaffPIN); err != nil {
			tb.Fatalf("staff: %v", err)
		}
	}
	k, err := svc.CreateAPIKey(sysCtx, "test admin", []string{consent.ScopeAdmin})
	if err != nil {
		tb.Fatalf("admin key: %v", err)
	}
	ts.AdminKey = k.Secret
	return ts
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
	resp, err := s.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, b
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

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// FlushAuthFailures ends the failed-authentication window: the failures counted
// so far are written to the audit log, as the server does every minute.
func (s *Server) FlushAuthFailures(tb testing.TB) {
	tb.Helper()
	if err := s.Service.FailedAuthLog().Flush(context.Background(), s.Clock.Now()); err != nil {
		tb.Fatalf("flush failed authentications: %v", err)
	}
}
