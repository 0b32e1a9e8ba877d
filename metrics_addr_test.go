package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestMetricsOnOwnAddress serves /metrics on its own listener with a token:
// the API listener no longer has it, and scraping needs the token.
func TestMetricsOnOwnAddress(t *testing.T) {
	const token = "scrape-token-0123456789"
	vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CONSENTD_ADDR": "127.0.0.1:0",
		"CONSENTD_METRICS_ADDR": "127.0.0.1:0", "CONSENTD_METRICS_TOKEN": token, "CONSENTD_LOG_LEVEL": "error"})
	srv := startServe(t, vars)
	api, metrics := srv.base, srv.metrics
	get := func(url, auth string) int {
		req, _ := http.NewRequest("GET", url, nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		url, auth string
		want      int
	}{
		{api + "/metrics", token, 404},
		{metrics + "/metrics", "", 401},
		{metrics + "/metrics", "wrong-token-0123456789", 401},
		{metrics + "/metrics", token, 200},
		{metrics + "/v1/templates", token, 404},
	} {
		if got := get(c.url, c.auth); got != c.want {
			t.Errorf("GET %s (token %q): %d, want %d", c.url, c.auth, got, c.want)
		}
	}
}

func TestMetricsTokenIsStrict(t *testing.T) {
	vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CONSENTD_ADDR": "127.0.0.1:0",
		"CONSENTD_METRICS_TOKEN": "short"})
	if err := run(context.Background(), []string{"serve"}, vars, &apptest.SyncBuffer{}); err == nil || !strings.Contains(err.Error(), "CONSENTD_METRICS_TOKEN") {
		t.Fatalf("short token: %v", err)
	}
}
