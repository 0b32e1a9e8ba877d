package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestStartLogNamesRefusedWebhooks registers an endpoint on the LAN while the
// policy allows it, then starts under a policy that does not: the start log
// names the endpoint's ID and host, and no secret or path.
func TestStartLogNamesRefusedWebhooks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	cfg := Default()
	cfg.DataDir, cfg.WebhookAllowNets = dir, "10.20.0.0/16"
	a, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := a.Service.CreateWebhook(ctx, "https://10.20.4.5:8443/ehr/hooks?token=sekret", []string{consent.EventConsentSigned})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	var logs bytes.Buffer
	cfg.WebhookAllowNets, cfg.LogFormat, cfg.LogOutput = "", "text", &logs
	if a, err = New(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.warnUnreachableWebhooks(ctx)
	got := logs.String()
	if !strings.Contains(got, w.ID) || !strings.Contains(got, "host=10.20.4.5") || !strings.Contains(got, "CONSENTD_WEBHOOK_ALLOW_NETS") {
		t.Fatalf("start log does not name the endpoint: %s", got)
	}
	for _, secret := range []string{"sekret", w.Secret, "/ehr/hooks"} {
		if strings.Contains(got, secret) {
			t.Fatalf("start log holds %q: %s", secret, got)
		}
	}
}
