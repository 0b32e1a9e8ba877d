package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// served is a "consentd serve" run by a test through run().
type served struct {
	base, metrics string // http://addr of the API and, if it has its own, of /metrics
	out           *apptest.SyncBuffer
	cancel        context.CancelFunc
	done          chan error
}

// startServe runs "consentd serve" with vars (CONSENTD_ADDR should end in :0)
// and waits until it prints its addresses. The server stops when the test
// ends, unless stop was called first.
func startServe(t *testing.T, vars func(string) string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{out: &apptest.SyncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, []string{"serve"}, vars, s.out) }()
	wantMetrics := vars("CONSENTD_METRICS_ADDR") != ""
	for i := 0; i < 400 && (s.base == "" || (wantMetrics && s.metrics == "")); i++ {
		select {
		case err := <-s.done:
			t.Fatalf("serve stopped at start: %v\n%s", err, s.out.String())
		case <-time.After(25 * time.Millisecond):
		}
		for _, line := range strings.Split(s.out.String(), "\n") {
			if a, ok := strings.CutPrefix(line, "listening on "); ok {
				s.base = "http://" + a
			} else if a, ok := strings.CutPrefix(line, "metrics on "); ok {
				s.metrics = "http://" + a
			}
		}
	}
	if s.base == "" {
		cancel()
		t.Fatalf("server did not start: %q %v", s.out.String(), <-s.done)
	}
	t.Cleanup(func() {
		if s.cancel != nil {
			if err := s.stop(); err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return s
}

// stop cancels the server's context and returns what serve returned.
func (s *served) stop() error {
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		return err
	case <-time.After(40 * time.Second):
		return context.DeadlineExceeded
	}
}
