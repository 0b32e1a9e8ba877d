package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCPUMeter reads the server's process CPU from a metrics page, sends the
// metrics token, and says why when it cannot.
func TestCPUMeter(t *testing.T) {
	body := "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n" +
		"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/empty":
			_, _ = w.Write([]byte("# TYPE go_goroutines gauge\ngo_goroutines 7\n"))
		case r.Header.Get("Authorization") != "Bearer tok":
			w.WriteHeader(http.StatusUnauthorized)
		default:
			_, _ = w.Write([]byte(body))
		}
	}))
	defer srv.Close()
	m := &cpuMeter{url: srv.URL + "/metrics", token: "tok", client: srv.Client()}
	from := m.sample(context.Background())
	if from.server != 12.5 || from.why != "" {
		t.Fatalf("sample = %+v, want server 12.5", from)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel() // the phase ran out of --max-duration
	if s := m.sample(ended); s.server != 12.5 {
		t.Errorf("sample after the phase's context ended = %+v, want server 12.5", s)
	}
	to := from
	to.server, to.self = 14.5, from.self+0.5
	if got := cpuLine(from, to, 1000, "read"); got != "  CPU: server 2.0 s (2.00 ms per read), load generator 0.5 s (0.50 ms per read)" {
		t.Errorf("cpuLine = %q", got)
	}
	for path, token := range map[string]string{"/metrics": "", "/empty": "tok"} {
		m := &cpuMeter{url: srv.URL + path, token: token, client: srv.Client()}
		s := m.sample(context.Background())
		if line := cpuLine(s, s, 10, "read"); s.server >= 0 || !strings.Contains(line, "server not measured: GET "+srv.URL+path) {
			t.Errorf("%s with token %q: %+v, %q", path, token, s, line)
		}
	}
}
