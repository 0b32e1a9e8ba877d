package loadtest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

// TestLoadtestSignsAndReads runs the load tool against a real
// server: every ID it acknowledges is a signed consent.
func TestLoadtestSignsAndReads(t *testing.T) {
	s := apptest.New(t)
	ids := filepath.Join(t.TempDir(), "ids")
	var out bytes.Buffer
	err := Run(context.Background(), []string{"--url", s.URL, "--key", s.AdminKey, "--n", "5", "--c", "3",
		"--read-n", "12", "--read-c", "4", "--read-mode", "both", "--ids-out", ids}, &out)
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	for _, want := range []string{"view summary", "5 of 5 consents signed", "12 reads of 5 consents", "\ncreate ", "\nsign-clinician ", "\nread ", "\nlist ", "\ndocument "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Each phase reports the CPU the server (from its /metrics) and the
	// generator used per operation.
	for _, re := range []string{`CPU: server \d+\.\d s \(\d+\.\d\d ms per signed consent\), load generator \d+\.\d s \(\d+\.\d\d ms per signed consent\)`,
		`CPU: server \d+\.\d s \(\d+\.\d\d ms per read\), load generator`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", re, out.String())
		}
	}
	b, err := os.ReadFile(ids)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 5 {
		t.Fatalf("ids-out has %d IDs, want 5: %q", len(lines), b)
	}
	for _, id := range lines {
		c, err := s.DB.FindConsentByID(context.Background(), id)
		if err != nil {
			t.Fatalf("acknowledged consent %s: %v", id, err)
		}
		if c.Status != consent.StatusSigned {
			t.Errorf("consent %s is %s, want signed", id, c.Status)
		}
	}
	// The reads asked for the summary view, and each is on record as such.
	views, err := s.DB.ListAuditEvents(context.Background(), consent.AuditFilter{Type: consent.EventConsentViewed, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	summaries := 0
	for _, e := range views {
		if e.Details["view"] == consent.ViewSummary {
			summaries++
		}
	}
	if summaries < 12 {
		t.Errorf("%d consent.viewed events in the summary view after 12 summary reads", summaries)
	}
	// A second run, in the full view, reuses the clinician it registered (409 on staff is fine).
	out.Reset()
	if err := Run(context.Background(), []string{"--url", s.URL, "--key", s.AdminKey, "--n", "1", "--c", "1",
		"--read-n", "2", "--view", "full"}, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "view full") || strings.Contains(out.String(), "\ndocument ") {
		t.Errorf("a full-view run:\n%s", out.String())
	}
}

func TestLoadtestFailures(t *testing.T) {
	s := apptest.New(t)
	ctx := consent.WithRequest(context.Background(), consent.Request{Actor: "system", Channel: "system"})
	if _, err := s.Service.CreateStaff(ctx, consent.NewStaff{ID: "OTHER-PIN", Name: "Dr. Other", Role: consent.RoleClinician, PIN: "111111"}); err != nil {
		t.Fatal(err)
	}
	readKey := s.Key(t, consent.ScopeConsentsRead)
	tests := []struct {
		name       string
		args       []string
		wantExit   bool   // ExitError(1): the run finished and reported failures
		wantOutput string // in the report or the error
	}{
		{"wrong staff PIN", []string{"--key", s.AdminKey, "--staff-id", "OTHER-PIN", "--n", "3", "--c", "2"}, true, "400 x3"},
		{"key without admin", []string{"--key", readKey, "--n", "1"}, false, "needs an admin key"},
		{"unknown key", []string{"--key", "nope", "--n", "1"}, false, "401"},
		{"reads with a read-only key", []string{"--key", readKey, "--n", "0", "--read-n", "2", "--read-ids", writeIDs(t, "NOPE-1 MRN-X")}, true, "404 x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), append([]string{"--url", s.URL}, tt.args...), &out)
			var exit ExitError
			if err == nil || errors.As(err, &exit) != tt.wantExit {
				t.Fatalf("err = %v, want exit status: %v\n%s", err, tt.wantExit, out.String())
			}
			if got := out.String() + err.Error(); !strings.Contains(got, tt.wantOutput) {
				t.Errorf("output lacks %q:\n%s", tt.wantOutput, got)
			}
		})
	}
}

func writeIDs(t *testing.T, lines ...string) string {
	p := filepath.Join(t.TempDir(), "read-ids")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadtestStopsByItself: --max-duration ends a run of far more consents
// than it can sign, without counting the cut requests as server errors.
func TestLoadtestStopsByItself(t *testing.T) {
	s := apptest.New(t)
	var out bytes.Buffer
	start := time.Now()
	err := Run(context.Background(), []string{"--url", s.URL, "--key", s.AdminKey, "--n", "100000", "--c", "2",
		"--max-duration", "300ms"}, &out)
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "stopped by --max-duration") {
		t.Errorf("report does not say it stopped:\n%s", out.String())
	}
	if el := time.Since(start); el > time.Minute {
		t.Errorf("run took %s", el)
	}
}

func TestLoadtestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"--url", "http://127.0.0.1:1"}, "--key or --key-file is required"},
		{"no clients", []string{"--key", "k", "--c", "0"}, "--c and --read-c >= 1"},
		{"bad read mode", []string{"--key", "k", "--read-mode", "scan"}, "--read-mode must be"},
		{"bad view", []string{"--key", "k", "--view", "lean"}, "--view must be"},
		{"remote", []string{"--key", "k", "--url", "http://10.1.2.3:8080"}, "not a loopback address"},
		{"missing key file", []string{"--key-file", "/nonexistent/admin-api-key"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), tt.args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckLoadURL(t *testing.T) {
	tests := []struct {
		url         string
		allowRemote bool
		ok          bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9:8080", false, true},
		{"http://localhost:8080/", false, true},
		{"https://[::1]:8443", false, true},
		{"http://10.0.0.5:8080", false, false},
		{"http://192.168.1.10", false, false},
		{"http://consent.example.com", false, false},
		{"http://localhost.example.com", false, false},
		{"http://consent.example.com", true, true},
		{"ftp://127.0.0.1", false, false},
		{"127.0.0.1:8080", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := checkURL(tt.url, tt.allowRemote)
			if (err == nil) != tt.ok {
				t.Errorf("checkURL(%q, %v) = %v, want ok %v", tt.url, tt.allowRemote, err, tt.ok)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var d []time.Duration
		for _, x := range n {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name string
		d    []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p95 of four", ms(1, 2, 3, 4), 95, 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, percentile(tt.d, tt.p)); diff != "" {
				t.Errorf("percentile (-want +got):\n%s", diff)
			}
		})
	}
}
