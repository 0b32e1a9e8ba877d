package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestWebhookAllowNetsIsStrict checks a malformed CONSENTD_WEBHOOK_ALLOW_NETS
// stops the start with a message naming the variable.
func TestWebhookAllowNetsIsStrict(t *testing.T) {
	for _, bad := range []string{"10.20.0.0/33", "10.20.1.0/16", "localhost"} {
		vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CONSENTD_ADDR": "127.0.0.1:0",
			"CONSENTD_WEBHOOK_ALLOW_NETS": bad})
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve"}, vars, &out)
		if err == nil || !strings.Contains(err.Error(), "CONSENTD_WEBHOOK_ALLOW_NETS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestStartLogNamesRefusedWebhooks registers an endpoint on the LAN while the
// policy allows it, then starts under a policy that does not: the start log
// names the endpoint's ID and host, and no secret or path.
func TestStartLogNamesRefusedWebhooks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	cfg := &config{DataDir: dir, TimeZone: "UTC", WebhookAllowNets: "10.20.0.0/16"}
	a, err := open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := a.service.CreateWebhook(ctx, "https://10.20.4.5:8443/ehr/hooks?token=sekret", []string{consent.EventConsentSigned})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	cfg.WebhookAllowNets = ""
	if a, err = open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var logs bytes.Buffer
	warnUnreachableWebhooks(ctx, a.service, slog.New(slog.NewTextHandler(&logs, nil)))
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
