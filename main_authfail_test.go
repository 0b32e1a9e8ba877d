package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
)

// Failed authentications counted but not yet written when the server stops are
// written during the graceful shutdown: none is lost.
func TestShutdownWritesCountedFailedAuthentications(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := env(map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_ADDR": "127.0.0.1:0", "CONSENTD_LOG_FORMAT": "text"})
	srv := startServe(t, vars)
	base := srv.base
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
	if err := srv.stop(); err != nil {
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
