package main

import (
	"context"
	"github.com/consentd/consentd/internal/app/apptest"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
)

// Failed authentications counted but not yet written when the server stops are
// written during the graceful shutdown: none is lost.
func TestShutdownWritesCountedFailedAuthentications(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := env(map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_ADDR": "127.0.0.1:0", "CONSENTD_LOG_FORMAT": "text"})
	ctx, cancel := context.WithCancel(context.Background())
	out := &apptest.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, vars, out) }()
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if addr, ok := strings.CutPrefix(strings.TrimSpace(out.String()), "listening on "); ok {
			base = "http://" + addr
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %q %v", out.String(), <-done)
	}
	for i := 0; i < 30; i++ {
		req, _ := http.NewRequest("GET", base+"/v1/consents", nil)
		req.Header.Set("Authorization", "Bearer cdk_wrong")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("bad key: %d", resp.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	a, err := app.New(context.Background(), configFrom(t, env(map[string]string{"CONSENTD_DATA_DIR": dir})))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	events, err := a.DB.ListAuditEvents(context.Background(), consent.AuditFilter{Type: consent.EventAuthFailed, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range events {
		n, _ := e.Details["count"].(float64)
		total += int(n)
	}
	if len(events) != 2 || total != 30 {
		t.Fatalf("%d auth.failed events counting %d failures after shutdown, want 2 counting 30", len(events), total)
	}
}
