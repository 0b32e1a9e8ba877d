// Package app builds consentd from a Config: storage, the sealer, the domain
// service, the HTTP handler, metrics and the background jobs. It is the one
// wiring: "consentd serve" and its commands (package main), the end-to-end
// tests and the API and browser tests (through apptest) all build the
// application with New, so a test cannot pass on wiring production does not
// use.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/consentd/consentd/api"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/metrics"
	"github.com/consentd/consentd/internal/pinhash"
	"github.com/consentd/consentd/pdf"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/templates"
	"github.com/consentd/consentd/webhook"
	"github.com/gin-gonic/gin"
	"github.com/oklog/ulid/v2"
)

// pinCacheTTL is how long a verified staff PIN is remembered (see pinhash).
const pinCacheTTL = 10 * time.Minute

// App is consentd wired from one Config. Its parts are exported for the
// commands and for tests that reach behind the API.
type App struct {
	Config  Config
	Logger  *slog.Logger
	DB      *storage.DB
	Sealer  *pdf.Sealer
	Service *consent.Service
	Metrics *metrics.Metrics
	API     *api.Server // the HTTP layer; Handler serves the router it built

	handler        http.Handler
	metricsHandler http.Handler // /metrics behind the token, if any
	secret         []byte
	// permissionFixes are the data-dir entries whose permissions New tightened.
	permissionFixes []permissionFix
	serving         *servers // set by Listen
}

// New checks cfg and builds the application: the data directory (created
// 0700, its permissions tightened), the secret, storage (migrated), the
// sealer, the service, metrics and the HTTP handler. It starts no listener
// and no job (Listen, Run); Close releases what it opened.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LogOutput == nil {
		cfg.LogOutput = os.Stderr
	}
	a := &App{Config: cfg, Logger: newLogger(cfg)}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	fixes, err := tightenDataDir(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir permissions: %w", err)
	}
	a.permissionFixes = fixes
	if a.secret, err = loadSecret(&cfg); err != nil {
		return nil, err
	}
	a.DB, err = storage.Open(ctx, storage.Config{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, AuditKey: derive(a.secret, "audit-log"), Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	if err := a.wire(ctx); err != nil {
		a.DB.Close()
		return nil, err
	}
	// Files created just now (the database, generated keys, the secret)
	// follow the umask: make them private too, without a warning.
	if _, err := tightenDataDir(cfg.DataDir); err != nil {
		a.DB.Close()
		return nil, fmt.Errorf("data dir permissions: %w", err)
	}
	return a, nil
}

// wire builds everything above storage.
func (a *App) wire(ctx context.Context) error {
	cfg := &a.Config
	var err error
	// Verification links are capabilities keyed by the server secret, so
	// every replica sharing it prints and accepts the same links.
	links := consent.NewVerifyLinks(cfg.PublicURL, derive(a.secret, "verify-link"))
	pc := cfg.pdfConfig()
	pc.VerifyURL = links.URL
	if a.Sealer, err = pdf.NewSealer(pc); err != nil {
		return fmt.Errorf("sealing key: %w", err)
	}
	nets, err := consent.ParseWebhookNetworks(cfg.WebhookAllowNets)
	if err != nil {
		return err // Check accepted it
	}
	a.Metrics = metrics.New(a.webhookBacklog(ctx))
	a.Service = &consent.Service{Store: a.DB, Markdown: templates.NewMarkdown(), Sealer: a.Sealer, Checkpoints: a.Sealer,
		PINs:      &pinhash.Hasher{Cost: cfg.BcryptCost, TTL: pinCacheTTL, Now: cfg.Now},
		SecretKey: derive(a.secret, "signing-session"), Now: cfg.Now, NewID: func() string { return ulid.Make().String() },
		WebhookNetworks: nets, Resolver: net.DefaultResolver, Observer: a.Metrics, VerifyLinks: links}
	a.metricsHandler = api.MetricsAuth(cfg.MetricsToken, a.Metrics.Handler())
	a.API = &api.Server{Service: a.Service, Verifier: a.Sealer, Certificates: a.Sealer.CertificatesPEM,
		Logger: a.Logger, PublicURL: cfg.PublicURL, TrustedProxies: splitList(cfg.TrustedProxies),
		KeyLimiter: cfg.KeyLimit.limiter(), CodeLimiter: cfg.CodeLimit.limiter(), LinkLimiter: cfg.LinkLimit.limiter(),
		PublicLimiter: cfg.PublicLimit.limiter(), PublicCeiling: cfg.PublicCeiling.limiter(),
		Metrics: a.Metrics, Ready: a.DB.Ping, Web: api.WebFS(), FHIRIdentifierSystem: cfg.FHIRPatientSystem,
		Version: cfg.Version, ClinicName: cfg.ClinicName, Documents: a.DB.Documents()}
	if cfg.MetricsAddr == "" {
		a.API.MetricsHandler = gin.WrapH(a.metricsHandler)
	}
	h, err := a.API.Handler()
	if err != nil {
		return err
	}
	a.handler = h
	return nil
}

// webhookBacklog counts the deliveries waiting, for the metrics scrape.
func (a *App) webhookBacklog(ctx context.Context) func() float64 {
	return func() float64 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		n, err := a.DB.CountPendingDeliveries(ctx)
		if err != nil {
			return math.NaN() // the scrape still succeeds; NaN says the count is unknown
		}
		return float64(n)
	}
}

// Handler returns the HTTP handler: the API, the FHIR routes, the tablet pages
// and, unless MetricsAddr is set, /metrics.
func (a *App) Handler() http.Handler { return a.handler }

// Dispatcher returns a webhook dispatcher set up as Run's: the database's
// outbox, the network policy, the clock and the delivery metrics.
func (a *App) Dispatcher() *webhook.Dispatcher {
	return &webhook.Dispatcher{Store: a.DB, Networks: a.Service.WebhookNetworks, Now: a.Config.Now, OnResult: a.Metrics.WebhookResult}
}

// Close closes the database (its audit writer commits what it holds).
func (a *App) Close() error { return a.DB.Close() }

// Shipped returns the template versions that ship with consentd, as the
// domain imports them.
func Shipped() ([]consent.ShippedVersion, error) {
	all, err := templates.All()
	if err != nil {
		return nil, err
	}
	out := make([]consent.ShippedVersion, 0, len(all))
	for _, s := range all {
		out = append(out, consent.ShippedVersion{Slug: s.Slug, Title: s.Title, Version: s.Version, Content: s.Content, Reconsent: s.Reconsent})
	}
	return out, nil
}

// RotateSealingKey replaces the generated sealing key (see pdf.RotateKey);
// it needs no database.
func RotateSealingKey(cfg Config) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	return pdf.RotateKey(cfg.pdfConfig())
}

// pdfConfig is the sealer's part of the configuration; Check has accepted
// the time zone.
func (c *Config) pdfConfig() pdf.Config {
	tz, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		tz = time.UTC
	}
	return pdf.Config{DataDir: c.DataDir, CertFile: c.SealCert, KeyFile: c.SealKey, PKCS12File: c.SealPKCS12,
		PKCS12Password: c.SealPKCS12Password, PreviousDir: c.SealPrevious, ClinicName: c.ClinicName, TimeZone: tz, TSAURL: c.TSAURL}
}

func newLogger(cfg Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(cfg.LogOutput, opts))
	}
	return slog.New(slog.NewJSONHandler(cfg.LogOutput, opts))
}

// splitList splits a comma-separated setting, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
