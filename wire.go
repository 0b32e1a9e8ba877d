package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/pdf"
	"github.com/consentd/consentd/pinhash"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/templates"
	"github.com/oklog/ulid/v2"
)

// app is the wired-up domain with its storage and sealer.
type app struct {
	db      *storage.DB
	sealer  *pdf.Sealer
	service *consent.Service
	// permissionFixes are the data-dir entries whose permissions open tightened.
	permissionFixes []permissionFix
}

func (a *app) Close() error { return a.db.Close() }

// open wires storage, sealer and service from the config; the data dir and its
// secret key are created on first use.
func open(ctx context.Context, cfg *config) (*app, error) {
	nets, err := consent.ParseWebhookNetworks(cfg.WebhookAllowNets)
	if err != nil {
		return nil, fmt.Errorf("CONSENTD_WEBHOOK_ALLOW_NETS (--webhook-allow-nets): %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	fixes, err := tightenDataDir(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir permissions: %w", err)
	}
	secret, err := loadSecret(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, storage.Config{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, AuditKey: derive(secret, "audit-log")})
	if err != nil {
		return nil, err
	}
	tz, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("time zone %q: %w", cfg.TimeZone, err)
	}
	links := consent.NewVerifyLinks(cfg.PublicURL, derive(secret, "verify-link"))
	pc := pdfConfig(cfg, tz)
	pc.VerifyURL = links.URL
	sealer, err := pdf.NewSealer(pc)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	svc := &consent.Service{Store: db, Markdown: templates.NewMarkdown(), Sealer: sealer, Checkpoints: sealer, PINs: &pinhash.Hasher{TTL: 10 * time.Minute},
		SecretKey: derive(secret, "signing-session"), Now: time.Now, NewID: func() string { return ulid.Make().String() },
		WebhookNetworks: nets, Resolver: net.DefaultResolver, VerifyLinks: links}
	// Files created just now (the database, generated keys) follow the umask:
	// make them private too, without a warning.
	if _, err := tightenDataDir(cfg.DataDir); err != nil {
		db.Close()
		return nil, fmt.Errorf("data dir permissions: %w", err)
	}
	return &app{db: db, sealer: sealer, service: svc, permissionFixes: fixes}, nil
}

func pdfConfig(cfg *config, tz *time.Location) pdf.Config {
	return pdf.Config{DataDir: cfg.DataDir, CertFile: cfg.SealCert, KeyFile: cfg.SealKey, PKCS12File: cfg.SealPKCS12,
		PKCS12Password: cfg.SealPKCS12Pass, ClinicName: cfg.ClinicName, TimeZone: tz, TSAURL: cfg.TSAURL}
}

// loadSecret reads the server's 32-byte secret, creating it (0600) on first start.
// It never enters the database: the audit MACs and signing sessions derive from it.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("%s: secret too short", path)
		}
		return b, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// derive gives each use of the secret its own key.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("consentd|" + purpose))
	return m.Sum(nil)
}

// shipped returns the template versions that ship with consentd.
func shipped() ([]consent.ShippedVersion, error) {
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

func newLogger(cfg *config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
