// Package loadtest is the load generator behind "consentd loadtest": it
// creates and signs consents over HTTP against a running server (loopback
// only unless allowed), reads them back, and reports throughput and
// p50/p95/p99 latencies per operation. It is a client: it imports nothing of
// the server.
package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// ExitError ends the process with a status code after the load test has said
// what it had to: 1 when requests failed, 2 for bad flags, 0 after -h.
type ExitError int

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Config is what "consentd loadtest" was asked to do.
type Config struct {
	URL, Key, KeyFile  string
	N, C, ReadN, ReadC int
	ReadMode           string // get, list or both
	View               string // full or summary: the consent view asked for by creates, reads and lists
	ReadIDs            string // file of "consentID [patientID]" lines to read instead of this run's consents
	MaxDuration        time.Duration
	AllowRemote        bool
	Insecure           bool
	IDsOut             string
	StaffID, StaffPIN  string
	Template           string
	// MetricsURL and MetricsToken reach the server's /metrics, for the CPU
	// it used in each phase.
	MetricsURL, MetricsToken string
}

// target is a consent to read back.
type target struct{ id, patientID string }

// runner is one load test in progress.
type runner struct {
	cfg    Config
	base   string
	client *http.Client
	runID  string
	stats  map[string]*opStats
	ids    io.Writer // acknowledged signed consent IDs, one per line; may be nil
	idsMu  sync.Mutex
	mu     sync.Mutex
	signed []target
	vars   map[string]string   // values for the template's variables, set before the write phase
	acks   map[string][]string // sections needing acknowledgment, by document content hash (summary view)
	cpu    *cpuMeter
}

const usage = `usage: consentd loadtest --url URL --key KEY [flags]

Creates N consents, each signed by a patient and a clinician (staff LOAD-CLIN,
created with the admin key if missing), with C concurrent clients, then reads
them back; prints throughput and p50/p95/p99 latencies. Only loopback URLs
unless --allow-remote. Run the server with --key-rate 0, or the per-key rate
limit answers 429.`

// Run is the "consentd loadtest" command: args are its flags.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	r, err := newRunner(cfg)
	if err != nil {
		return err
	}
	if cfg.IDsOut != "" {
		f, err := os.OpenFile(cfg.IDsOut, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		r.ids = f // unbuffered: an ID is on disk as soon as its 201 arrived
	}
	fmt.Fprintf(stdout, "consentd loadtest: %s, %d consents with %d clients, %d reads (%s) with %d clients, view %s, max %s\n",
		r.base, cfg.N, cfg.C, cfg.ReadN, cfg.ReadMode, cfg.ReadC, cfg.View, cfg.MaxDuration)
	if cfg.N > 0 {
		if err := r.ensureStaff(ctx); err != nil {
			return err
		}
		if err := r.loadVariables(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxDuration)
	defer cancel()
	if cfg.N > 0 {
		start, cpu0 := time.Now(), r.cpu.sample(ctx)
		r.writes(ctx)
		el := time.Since(start)
		fmt.Fprintf(stdout, "write phase: %d of %d consents signed in %s = %.1f signed consents/s\n",
			len(r.signed), cfg.N, el.Round(time.Millisecond), float64(len(r.signed))/el.Seconds())
		fmt.Fprintln(stdout, cpuLine(cpu0, r.cpu.sample(ctx), len(r.signed), "signed consent"))
	}
	if cfg.ReadN > 0 {
		targets := r.signed
		if cfg.ReadIDs != "" {
			if targets, err = readTargets(cfg.ReadIDs); err != nil {
				return err
			}
		}
		if len(targets) == 0 {
			fmt.Fprintln(stdout, "read phase: skipped, no signed consent to read")
		} else {
			start, cpu0 := time.Now(), r.cpu.sample(ctx)
			n := r.reads(ctx, targets)
			el := time.Since(start)
			fmt.Fprintf(stdout, "read phase: %d reads of %d consents in %s = %.0f reads/s\n",
				n, len(targets), el.Round(time.Millisecond), float64(n)/el.Seconds())
			fmt.Fprintln(stdout, cpuLine(cpu0, r.cpu.sample(ctx), n, "read"))
		}
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		fmt.Fprintf(stdout, "stopped by --max-duration %s\n", cfg.MaxDuration)
	}
	if failed := report(stdout, r.stats); failed > 0 {
		return ExitError(1)
	}
	return nil
}

func parseFlags(args []string, stdout io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("consentd loadtest", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { fmt.Fprintln(stdout, usage); fs.PrintDefaults() }
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of the server")
	fs.StringVar(&c.Key, "key", "", "admin API key")
	fs.StringVar(&c.KeyFile, "key-file", "", "read the admin API key from this file (e.g. DATA_DIR/admin-api-key)")
	fs.IntVar(&c.N, "n", 2000, "consents to create and sign")
	fs.IntVar(&c.C, "c", 16, "concurrent clients for the write phase")
	fs.IntVar(&c.ReadN, "read-n", 0, "reads after the write phase (0 = none)")
	fs.IntVar(&c.ReadC, "read-c", 32, "concurrent clients for the read phase")
	fs.StringVar(&c.ReadMode, "read-mode", "get", "get (GET /v1/consents/{id}), list (GET /v1/consents?patient_id=) or both")
	fs.StringVar(&c.View, "view", "summary", "consent view for creates, reads and lists: summary (?view=summary, no document text) or full")
	fs.StringVar(&c.ReadIDs, "read-ids", "", `read these consents instead ("consentID [patientID]" per line, e.g. from the seed tool)`)
	fs.DurationVar(&c.MaxDuration, "max-duration", 5*time.Minute, "stop after this long, whatever is left")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a URL that is not on loopback")
	fs.BoolVar(&c.Insecure, "insecure", false, "accept any TLS certificate (self-signed test servers)")
	fs.StringVar(&c.IDsOut, "ids-out", "", "write the ID of every consent acknowledged as signed (201) to this file, one per line")
	fs.StringVar(&c.StaffID, "staff-id", "LOAD-CLIN", "clinician staff ID that countersigns")
	fs.StringVar(&c.StaffPIN, "staff-pin", "735911", "that clinician's PIN")
	fs.StringVar(&c.Template, "template", "ketamine-iv", "template slug (needs patient + clinician signers)")
	fs.StringVar(&c.MetricsURL, "metrics-url", "", "the server's /metrics, for the CPU it used per phase (default: URL/metrics)")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token for --metrics-url (CONSENTD_METRICS_TOKEN on the server)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, ExitError(0)
		}
		return c, ExitError(2)
	}
	if c.KeyFile != "" {
		b, err := os.ReadFile(c.KeyFile)
		if err != nil {
			return c, err
		}
		c.Key = strings.TrimSpace(string(b))
	}
	switch {
	case c.Key == "":
		return c, fmt.Errorf("loadtest: --key or --key-file is required")
	case c.N < 0 || c.ReadN < 0 || c.C < 1 || c.ReadC < 1 || c.MaxDuration <= 0:
		return c, fmt.Errorf("loadtest: --n and --read-n must be >= 0, --c and --read-c >= 1, --max-duration > 0")
	case c.ReadMode != "get" && c.ReadMode != "list" && c.ReadMode != "both":
		return c, fmt.Errorf("loadtest: --read-mode must be get, list or both")
	case c.View != "summary" && c.View != "full":
		return c, fmt.Errorf("loadtest: --view must be summary or full")
	}
	return c, nil
}

func newRunner(cfg Config) (*runner, error) {
	u, err := checkURL(cfg.URL, cfg.AllowRemote)
	if err != nil {
		return nil, err
	}
	conns := max(cfg.C, cfg.ReadC)
	tr := &http.Transport{Proxy: nil, MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, ForceAttemptHTTP2: false,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: cfg.Insecure}} // only with --insecure, for self-signed test servers
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	r := &runner{cfg: cfg, base: strings.TrimRight(u.String(), "/"), client: &http.Client{Transport: tr, Timeout: time.Minute},
		runID: strings.ToUpper(hex.EncodeToString(b)), stats: map[string]*opStats{}, acks: map[string][]string{}}
	for _, op := range []string{opCreate, opSignPatient, opSignClinician, opRead, opList, opDocument} {
		r.stats[op] = newOpStats()
	}
	r.cpu = &cpuMeter{url: r.base + "/metrics", token: cfg.MetricsToken, client: r.client}
	if cfg.MetricsURL != "" {
		m, err := checkURL(cfg.MetricsURL, cfg.AllowRemote)
		if err != nil {
			return nil, err
		}
		r.cpu.url = m.String()
	}
	return r, nil
}

// checkURL parses the base URL and refuses hosts off loopback unless allowed:
// a load test sends traffic only to this machine.
func checkURL(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("loadtest: --url %q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("loadtest: %s is not a loopback address; pass --allow-remote to load a remote server", host)
	}
	return u, nil
}

// readTargets reads "consentID [patientID]" lines.
func readTargets(path string) ([]target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []target
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		t := target{id: fields[0]}
		if len(fields) > 1 {
			t.patientID = fields[1]
		}
		out = append(out, t)
	}
	return out, sc.Err()
}
