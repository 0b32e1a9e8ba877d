package app

import (
	"context"
	"crypto/hmac"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/consentd/consentd/consent"
)

// adminKeyFile is where the first start writes the admin API key.
const adminKeyFile = "admin-api-key"

// Prepare does what a serving process does once before it listens: it
// reports tightened data-dir permissions and risky settings, refuses a
// secret that did not write the audit log, publishes the shipped templates
// into an empty database, writes an admin API key on first start and names
// the webhook endpoints the network policy now refuses.
func (a *App) Prepare(ctx context.Context) error {
	a.logPermissionFixes()
	if err := a.CheckAuditKey(ctx); err != nil {
		return err
	}
	a.warnSettings()
	if err := a.bootstrap(ctx); err != nil {
		return err
	}
	a.warnUnreachableWebhooks(ctx)
	return nil
}

// CheckAuditKey refuses to go on when the audit log's last entry was not
// written with this process's secret: a second replica started with another
// secret (or none, so it made its own) would otherwise append entries that
// never verify. Commands that write call it too; "audit verify" does not, so
// it can report what it finds.
func (a *App) CheckAuditKey(ctx context.Context) error {
	head, err := a.DB.AuditChainHead(ctx)
	if err != nil || head.Seq == 0 {
		return err
	}
	if !hmac.Equal([]byte(consent.AuditMAC(derive(a.secret, "audit-log"), head.Seq, head.Hash)), []byte(head.MAC)) {
		return fmt.Errorf("the audit log's last entry (seq %d) was not written with this server secret: every process on one "+
			"database needs the same secret (CONSENTD_SECRET, CONSENTD_SECRET_FILE or the same data dir's secret.key); "+
			"if the secret is right, the entry was changed: run consentd audit verify", head.Seq)
	}
	return nil
}

func (a *App) logPermissionFixes() {
	for _, fix := range a.permissionFixes {
		if fix.err != nil {
			a.Logger.Error("data directory: group or others can read this; tightening it failed, fix it by hand",
				"path", fix.path, "mode", fix.was.String(), "want", fix.now.String(), "err", fix.err)
		} else {
			a.Logger.Warn("data directory: group or others could read this; permissions tightened",
				"path", fix.path, "was", fix.was.String(), "now", fix.now.String())
		}
	}
}

// warnSettings logs the settings that work but that an operator should know
// the cost of.
func (a *App) warnSettings() {
	cfg := &a.Config
	if cfg.MetricsAddr == "" && cfg.MetricsToken == "" {
		a.Logger.Warn("GET /metrics is open to every client of the API; set CONSENTD_METRICS_ADDR or CONSENTD_METRICS_TOKEN")
	}
	if a.Service.VerifyLinks.BaseURL == "" {
		a.Logger.Warn("sealed PDFs get no verification QR code while the public URL is local; set CONSENTD_PUBLIC_URL", "public_url", cfg.PublicURL)
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "postgres") {
		return
	}
	// On PostgreSQL other replicas may share the database: what only this
	// data directory holds does not reach them.
	if cfg.SealCert == "" && cfg.SealPKCS12 == "" {
		a.Logger.Warn("the sealing key is generated in this data directory: other processes on this database seal with keys of their own, "+
			"and each verifies only its own PDFs; give every replica the same CONSENTD_SEAL_CERT and CONSENTD_SEAL_KEY (or CONSENTD_SEAL_PKCS12)",
			"data_dir", cfg.DataDir)
	}
	if cfg.Secret == nil && cfg.SecretFile == "" {
		a.Logger.Warn("the server secret is this data directory's secret.key: every other process on this database must have the same; "+
			"give each CONSENTD_SECRET or CONSENTD_SECRET_FILE", "data_dir", cfg.DataDir)
	}
}

// bootstrap imports and publishes the shipped templates into an empty
// database and writes an admin key on first start.
func (a *App) bootstrap(ctx context.Context) error {
	existing, err := a.DB.ListTemplates(ctx)
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		sh, err := Shipped()
		if err != nil {
			return err
		}
		ctx := consent.WithRequest(ctx, consent.Request{Actor: "system", Channel: "system"})
		created, err := a.Service.ImportShipped(ctx, sh, true)
		if err != nil {
			return fmt.Errorf("import shipped templates: %w", err)
		}
		for _, v := range created {
			a.Logger.Info("published shipped template; its approval is pending until a template approver signs it (consentd templates approve)", "template", v.Slug, "version", v.Version)
		}
	}
	secret, err := a.Service.EnsureAdminKey(ctx)
	if err != nil || secret == "" {
		return err
	}
	path := filepath.Join(a.Config.DataDir, adminKeyFile)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin key: %w", err)
	}
	a.Logger.Info("first start: wrote an admin API key", "path", path)
	return nil
}

// warnUnreachableWebhooks names the registered endpoints the network policy
// now refuses (e.g. on the LAN, registered before the policy existed): their
// deliveries fail until CONSENTD_WEBHOOK_ALLOW_NETS allows them. Only IDs and
// hosts are logged, never URLs with their paths or secrets.
func (a *App) warnUnreachableWebhooks(ctx context.Context) {
	problems, err := a.Service.CheckWebhookTargets(ctx)
	if err != nil {
		a.Logger.Error("check webhook endpoints", "err", err)
		return
	}
	for _, p := range problems {
		a.Logger.Warn("webhook endpoint not reachable under CONSENTD_WEBHOOK_ALLOW_NETS; its deliveries will fail until allowed",
			"webhook_id", p.WebhookID, "host", p.Host, "reason", p.Reason)
	}
}
