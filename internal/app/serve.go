package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long in-flight requests may take to finish after the
// stop signal.
const shutdownGrace = 30 * time.Second

// servers are the HTTP listeners of a serving App.
type servers struct {
	api, metrics     *http.Server
	apiLn, metricsLn net.Listener
}

// Listen opens the API listener on Addr and, when MetricsAddr is set, the
// metrics listener there. Requests wait in the backlog until Run serves.
func (a *App) Listen() error {
	cfg := &a.Config
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("CONSENTD_ADDR (--addr): %w", err)
	}
	errorLog := slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)
	s := &servers{apiLn: ln, api: &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: errorLog}}
	if cfg.MetricsAddr != "" {
		if s.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("CONSENTD_METRICS_ADDR (--metrics-addr): %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metricsHandler)
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog}
	}
	a.serving = s
	return nil
}

// Addr is the API listener's address (with the port chosen for ":0").
func (a *App) Addr() string { return a.serving.apiLn.Addr().String() }

// MetricsAddr is the metrics listener's address, or "" when /metrics is
// served on the API's.
func (a *App) MetricsAddr() string {
	if a.serving.metricsLn == nil {
		return ""
	}
	return a.serving.metricsLn.Addr().String()
}

// Run serves the listeners opened by Listen and runs the background jobs
// until ctx ends, then lets in-flight requests finish (up to 30 s), writes
// the folded audit counts and stops the jobs.
func (a *App) Run(ctx context.Context) error {
	s := a.serving
	if s == nil {
		return errors.New("app: Run before Listen")
	}
	a.Logger.Info("consentd listening", "addr", a.Addr(), "data_dir", a.Config.DataDir, "version", a.Config.Version)
	if s.metrics != nil {
		a.Logger.Info("metrics listening", "addr", a.MetricsAddr())
		go func() { _ = s.metrics.Serve(s.metricsLn) }()
		defer s.metrics.Close()
	}
	// Stopped last, after the HTTP shutdown: the failures the last requests
	// counted are written.
	defer a.runFailedAuthLog(ctx)()
	defer a.startJobs(ctx)()

	errc := make(chan error, 1)
	go func() {
		if a.Config.TLSCert != "" {
			errc <- s.api.ServeTLS(s.apiLn, a.Config.TLSCert, a.Config.TLSKey)
		} else {
			errc <- s.api.Serve(s.apiLn)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if s.metrics != nil {
		_ = s.metrics.Shutdown(shutdownCtx)
	}
	if err := s.api.Shutdown(shutdownCtx); err != nil {
		return err
	}
	a.flushAccess(shutdownCtx, true)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.Logger.Info("stopped")
	return nil
}
