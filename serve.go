package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/consentd/consentd/api"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/metrics"
	"github.com/consentd/consentd/ratelimit"
	"github.com/consentd/consentd/webhook"
	"github.com/gin-gonic/gin"
)

// serve runs the HTTP server until ctx is cancelled, then drains in-flight requests.
func serve(ctx context.Context, cfg *config, stdout io.Writer) error {
	log := newLogger(cfg, os.Stderr)
	if err := cfg.checkMetrics(); err != nil {
		return err
	}
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, fix := range a.permissionFixes {
		if fix.err != nil {
			log.Error("data directory: group or others can read this; tightening it failed, fix it by hand",
				"path", fix.path, "mode", fix.was.String(), "want", fix.now.String(), "err", fix.err)
		} else {
			log.Warn("data directory: group or others could read this; permissions tightened",
				"path", fix.path, "was", fix.was.String(), "now", fix.now.String())
		}
	}
	if err := bootstrap(ctx, cfg, a, log); err != nil {
		return err
	}
	srv := &api.Server{Service: a.service, Verifier: a.sealer, Certificates: a.sealer.CertificatesPEM,
		Logger: log, PublicURL: cfg.PublicURL, TrustedProxies: cfg.trustedProxies(),
		CodeLimiter: ratelimit.New(0.2, 10), LinkLimiter: ratelimit.New(0.5, 20),
		PublicLimiter: ratelimit.New(0.2, 10), PublicCeiling: ratelimit.New(2, 60),
		Ready: a.db.Ping, Web: api.WebFS(), FHIRIdentifierSystem: cfg.FHIRSystem, Version: version, ClinicName: cfg.ClinicName,
		Documents: a.db.Documents()}
	m := metrics.New(func() float64 {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		n, err := a.db.CountPendingDeliveries(ctx)
		if err != nil {
			return math.NaN() // the scrape still succeeds; NaN says the count is unknown
		}
		return float64(n)
	})
	a.service.Observer = m
	metricsHandler := api.MetricsAuth(cfg.MetricsToken, m.Handler())
	srv.Metrics = m
	if cfg.MetricsAddr == "" {
		srv.MetricsHandler = gin.WrapH(metricsHandler)
		if cfg.MetricsToken == "" {
			log.Warn("GET /metrics is open to every client of the API; set CONSENTD_METRICS_ADDR or CONSENTD_METRICS_TOKEN")
		}
	}
	if cfg.KeyRate > 0 {
		srv.KeyLimiter = ratelimit.New(cfg.KeyRate, int(cfg.KeyRate)*2)
	}
	h, err := srv.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	// Deferred after a.Close, so it runs before it and after the HTTP shutdown:
	// failures counted by the last requests are written.
	defer runFailedAuthLog(ctx, a.service, log)()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	var ms *http.Server
	var metricsAddr string
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("CONSENTD_METRICS_ADDR: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler)
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: hs.ErrorLog}
		go func() { _ = ms.Serve(mln) }()
		defer ms.Close()
		metricsAddr = mln.Addr().String()
		log.Info("metrics listening", "addr", metricsAddr)
	}
	log.Info("consentd listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "version", version)
	if a.service.VerifyLinks.BaseURL == "" {
		log.Warn("sealed PDFs get no verification QR code while the public URL is local; set CONSENTD_PUBLIC_URL", "public_url", cfg.PublicURL)
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	if ms != nil {
		fmt.Fprintf(stdout, "metrics on %s\n", metricsAddr)
	}

	// Background jobs stop when serve returns, before the database closes.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	defer jobs.Wait()
	defer stopJobs()
	warnUnreachableWebhooks(ctx, a.service, log)
	dispatcher := &webhook.Dispatcher{Store: a.db, Networks: a.service.WebhookNetworks, Now: time.Now, OnResult: m.WebhookResult}
	for _, job := range []func(){
		func() { every(jobsCtx, cfg.ExpireEvery, func() { expireDue(jobsCtx, a.service, log) }) },
		// Re-consent notices run on the expiry job's interval: a minute's delay is fine.
		func() { every(jobsCtx, cfg.ExpireEvery, func() { notifyReconsentDue(jobsCtx, a.service, log) }) },
		func() { every(jobsCtx, time.Hour, func() { purgeIdempotency(jobsCtx, a, log) }) },
		func() { checkpointJob(jobsCtx, a.service, cfg.Checkpoints, log) },
		func() { every(jobsCtx, 10*time.Minute, func() { purgeCounters(jobsCtx, a.service, log) }) },
		func() { every(jobsCtx, time.Minute, func() { flushAccess(jobsCtx, a.service, false, log) }) },
		func() {
			dispatcher.Run(jobsCtx, time.Second, func(err error) { log.Error("webhook delivery", "err", err) })
		},
	} {
		jobs.Add(1)
		go func() { defer jobs.Done(); job() }()
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ms != nil {
		_ = ms.Shutdown(shutdownCtx)
	}
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	flushAccess(shutdownCtx, a.service, true, log)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// bootstrap imports and publishes the shipped templates into an empty database
// and writes an admin key on first start.
func bootstrap(ctx context.Context, cfg *config, a *app, log *slog.Logger) error {
	existing, err := a.db.ListTemplates(ctx)
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		sh, err := shipped()
		if err != nil {
			return err
		}
		ctx := consent.WithRequest(ctx, consent.Request{Actor: "system", Channel: "system"})
		created, err := a.service.ImportShipped(ctx, sh, true)
		if err != nil {
			return fmt.Errorf("import shipped templates: %w", err)
		}
		for _, v := range created {
			log.Info("published shipped template; the medical director must review it before use", "template", v.Slug, "version", v.Version)
		}
	}
	secret, err := a.service.EnsureAdminKey(ctx)
	if err != nil || secret == "" {
		return err
	}
	path := filepath.Join(cfg.DataDir, "admin-api-key")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin key: %w", err)
	}
	log.Info("first start: wrote an admin API key", "path", path)
	return nil
}

// every runs fn each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// expireDue records the expiry of pending consents past expires_at.
func expireDue(ctx context.Context, svc *consent.Service, log *slog.Logger) {
	if n, err := svc.ExpireDue(ctx); err != nil {
		log.Error("expire pending consents", "err", err)
	} else if n > 0 {
		log.Info("expired pending consents", "count", n)
	}
}

// notifyReconsentDue queues the consent.reconsent_due webhooks that a
// publication with re-consent required or recommended asked for, in batches.
func notifyReconsentDue(ctx context.Context, svc *consent.Service, log *slog.Logger) {
	if n, err := svc.NotifyReconsentDue(ctx); err != nil {
		log.Error("queue re-consent notices", "err", err)
	} else if n > 0 {
		log.Info("queued re-consent notices", "count", n)
	}
}

// purgeIdempotency forgets idempotency records older than 24 hours.
func purgeIdempotency(ctx context.Context, a *app, log *slog.Logger) {
	if _, err := a.db.PurgeIdempotency(ctx, time.Now().Add(-25*time.Hour)); err != nil {
		log.Error("purge idempotency keys", "err", err)
	}
}

// purgeCounters forgets failure counts whose windows have ended.
func purgeCounters(ctx context.Context, svc *consent.Service, log *slog.Logger) {
	if _, err := svc.PurgeCounters(ctx); err != nil {
		log.Error("purge counters", "err", err)
	}
}

// warnUnreachableWebhooks names the registered endpoints the network policy
// now refuses (e.g. on the LAN, registered before the policy existed): their
// deliveries fail until CONSENTD_WEBHOOK_ALLOW_NETS allows them. Only IDs and
// hosts are logged, never URLs with their paths or secrets.
func warnUnreachableWebhooks(ctx context.Context, svc *consent.Service, log *slog.Logger) {
	problems, err := svc.CheckWebhookTargets(ctx)
	if err != nil {
		log.Error("check webhook endpoints", "err", err)
		return
	}
	for _, p := range problems {
		log.Warn("webhook endpoint not reachable under CONSENTD_WEBHOOK_ALLOW_NETS; its deliveries will fail until allowed",
			"webhook_id", p.WebhookID, "host", p.Host, "reason", p.Reason)
	}
}

// flushAccess writes the counts of folded audit reads and scope denials.
func flushAccess(ctx context.Context, svc *consent.Service, final bool, log *slog.Logger) {
	if err := svc.FlushAccessEvents(ctx, final); err != nil {
		log.Error("write folded access events", "err", err)
	}
}

// runFailedAuthLog writes aggregated failed authentications every window until
// the returned stop is called; stop writes what is left and waits.
func runFailedAuthLog(ctx context.Context, svc *consent.Service, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.FailedAuthLog().Run(ctx, time.Now, func(err error) { log.Error("write failed authentications to the audit log", "err", err) })
	}()
	return func() { cancel(); <-done }
}
