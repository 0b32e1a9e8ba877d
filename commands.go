package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/templates"
)

func cliContext(ctx context.Context) context.Context {
	return consent.WithRequest(ctx, consent.Request{Actor: "cli", Channel: "cli"})
}

// openToWrite builds the app for a command that writes audit events: like
// serve, it refuses a secret that did not write the audit log.
func openToWrite(ctx context.Context, cfg app.Config) (*app.App, error) {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := a.CheckAuditKey(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func apikeyCreate(ctx context.Context, cfg app.Config, name, scopes string, stdout io.Writer) error {
	a, err := openToWrite(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	var list []string
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	k, err := a.Service.CreateAPIKey(cliContext(ctx), name, list)
	if err != nil {
		return fmt.Errorf("%s", consent.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "created API key %s (%s) with scopes %s; it is shown only now:\n%s\n", k.Key.ID, k.Key.Name, strings.Join(k.Key.Scopes, ","), k.Secret)
	return nil
}

func apikeyList(ctx context.Context, cfg app.Config, stdout io.Writer) error {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := a.DB.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-26s  %-12s  %-24s  %-30s  %s\n", "ID", "PREFIX", "CREATED", "SCOPES", "NAME / STATUS")
	for _, k := range keys {
		status := ""
		if k.RevokedAt != nil {
			status = " (revoked " + consent.FormatTime(*k.RevokedAt) + ")"
		}
		fmt.Fprintf(stdout, "%-26s  %-12s  %-24s  %-30s  %s%s\n", k.ID, k.Prefix, consent.FormatTime(k.CreatedAt), strings.Join(k.Scopes, ","), k.Name, status)
	}
	return nil
}

func apikeyRevoke(ctx context.Context, cfg app.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: consentd apikey revoke ID")
	}
	a, err := openToWrite(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	k, err := a.Service.RevokeAPIKey(cliContext(ctx), args[0])
	if err != nil {
		return fmt.Errorf("%s", consent.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "revoked API key %s (%s)\n", k.ID, k.Name)
	return nil
}

func templatesImport(ctx context.Context, cfg app.Config, stdout io.Writer) error {
	a, err := openToWrite(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	sh, err := app.Shipped()
	if err != nil {
		return err
	}
	created, err := a.Service.ImportShipped(cliContext(ctx), sh, false)
	for _, v := range created {
		fmt.Fprintf(stdout, "imported %s version %d as %s (content %s)\n", v.Slug, v.Version, v.Status, v.ContentSHA256)
	}
	if err != nil {
		return err
	}
	if len(created) == 0 {
		fmt.Fprintln(stdout, "nothing to import: every shipped template version is already in the database")
	} else {
		fmt.Fprintln(stdout, "review the drafts, then publish them with POST /v1/templates/{slug}/versions/{version}/publish")
	}
	return nil
}

// maxTemplateFile bounds the file templates lint reads: far above any real
// template (100 sections of 20,000 characters in a few locales).
const maxTemplateFile = 16 << 20

// templatesLint validates a template file as an import would and prints each
// section's readability; any structural error or broken limit exits 1.
func templatesLint(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: consentd templates lint FILE")
	}
	b, err := readAtMost(args[0], maxTemplateFile)
	if err != nil {
		return err
	} else if b == nil {
		fmt.Fprintf(stdout, "INVALID: %s is larger than %d bytes\n", args[0], maxTemplateFile)
		return exitError(1)
	}
	s, r, err := templates.Lint(args[0], b)
	if err != nil {
		fmt.Fprintf(stdout, "INVALID: %s\n", consent.ErrorMessage(err))
		return exitError(1)
	}
	fmt.Fprintf(stdout, "%s: %s version %d: valid (%d locales, %d variables)\n", args[0], s.Slug, s.Version, len(s.Content.Locales), len(s.Content.Variables))
	if err := r.Write(stdout); err != nil {
		return err
	}
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintf(stdout, "FAIL: %d readability problem(s)\n", len(f))
		return exitError(1)
	}
	if r.Grandfathered {
		fmt.Fprintln(stdout, "OK (grandfathered: readability reported, not enforced)")
	} else {
		fmt.Fprintln(stdout, "OK")
	}
	return nil
}

func verifyFile(ctx context.Context, cfg app.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: consentd verify FILE.pdf")
	}
	b, err := readAtMost(args[0], consent.MaxSealedPDFBytes)
	if err != nil {
		return err
	} else if b == nil {
		fmt.Fprintf(stdout, "INVALID: larger than any sealed consent (%d bytes)\n", consent.MaxSealedPDFBytes)
		return exitError(1)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	// The same bounds as POST /v1/verify: structure check, then a deadline.
	res, err := a.Service.VerifyPDF(ctx, a.Sealer, b)
	if consent.ErrorCode(err) == consent.EUNPROCESSABLE {
		fmt.Fprintf(stdout, "INVALID: %s\n", consent.ErrorMessage(err))
		return exitError(1)
	} else if err != nil {
		return err
	}
	if !res.Valid {
		fmt.Fprintf(stdout, "INVALID: %s\nfile sha256: %s\n", res.Reason, res.FileSHA256)
		return exitError(1)
	}
	fmt.Fprintf(stdout, "VALID: consent %s, signed %s\n", res.ConsentID, consent.FormatTime(res.SignedAt))
	if res.Kind == consent.PDFKindWithdrawn {
		fmt.Fprintf(stdout, "withdrawal copy: the consent was withdrawn %s (the signed PDF is a separate file)\n",
			consent.FormatTime(res.WithdrawnAt))
	}
	fmt.Fprintf(stdout, "content sha256: %s\nfile sha256: %s\nsealed by certificate sha256 %s\n", res.ContentSHA256, res.FileSHA256, res.CertSHA256)
	for _, s := range res.Signers {
		fmt.Fprintf(stdout, "signer: %s\n", s)
	}
	return nil
}

func backup(ctx context.Context, cfg app.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: consentd backup FILE")
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if err := a.DB.Backup(ctx, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s in %s\n", args[0], time.Since(start).Round(time.Millisecond))
	return nil
}

func keysRotate(cfg app.Config, stdout io.Writer) error {
	if err := app.RotateSealingKey(cfg); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "rotated the sealing key; earlier certificates stay trusted for verification")
	return nil
}

// healthcheck asks the local server's /healthz, for container health checks.
func healthcheck(ctx context.Context, cfg app.Config, stdout io.Writer) error {
	addr := cfg.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // local probe only
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stdout, "unhealthy:", err)
		return exitError(1)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stdout, "unhealthy: status", resp.StatusCode)
		return exitError(1)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// readAtMost reads a file of at most limit bytes; a larger file gives nil
// without being read.
func readAtMost(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil || len(b) > limit {
		return nil, err
	}
	return b, nil
}
