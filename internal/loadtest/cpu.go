package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// cpuMeter reads the CPU time the server process and this load generator have
// used, so each phase can report CPU per operation: on a shared machine that
// is the steadier figure, and 2 cores divided by the server's CPU per
// operation is the server's ceiling were the generator elsewhere. The
// server's figure is process_cpu_seconds_total from its /metrics (all of the
// process: handlers, background writers, garbage collection); a database
// server's own processes (PostgreSQL) are not in it.
type cpuMeter struct {
	url, token string
	client     *http.Client
}

// cpuSample is the CPU used so far; server is negative when /metrics could not
// be read (why says why).
type cpuSample struct {
	server, self float64
	why          string
}

func (m *cpuMeter) sample(ctx context.Context) cpuSample {
	s := cpuSample{server: -1, self: selfCPU()}
	v, err := m.serverCPU(ctx)
	if err != nil {
		s.why = err.Error()
		return s
	}
	s.server = v
	return s
}

func (m *cpuMeter) serverCPU(ctx context.Context) (float64, error) {
	// The phase's context may have ended (--max-duration): the sample after
	// it is still taken, with a deadline of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return 0, err
	}
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return 0, fmt.Errorf("GET %s: %d (--metrics-url, --metrics-token)", m.url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, fmt.Errorf("GET %s: %v", m.url, err)
	}
	f := fams["process_cpu_seconds_total"]
	if f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetCounter() == nil {
		return 0, fmt.Errorf("GET %s: no process_cpu_seconds_total", m.url)
	}
	return f.GetMetric()[0].GetCounter().GetValue(), nil
}

// selfCPU is the user + system CPU this process has used, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// cpuLine describes the CPU used between two samples for n operations named
// unit.
func cpuLine(from, to cpuSample, n int, unit string) string {
	per := func(s float64) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprintf(" (%.2f ms per %s)", s*1000/float64(n), unit)
	}
	self := to.self - from.self
	if from.server < 0 || to.server < 0 {
		why := from.why
		if why == "" {
			why = to.why
		}
		return fmt.Sprintf("  CPU: load generator %.1f s%s; server not measured: %s", self, per(self), why)
	}
	srv := to.server - from.server
	return fmt.Sprintf("  CPU: server %.1f s%s, load generator %.1f s%s", srv, per(srv), self, per(self))
}
