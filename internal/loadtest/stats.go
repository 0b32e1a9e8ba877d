package loadtest

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// opStats collects the latencies of one operation's successes and its
// failures by status.
type opStats struct {
	mu   sync.Mutex
	durs []time.Duration
	errs map[string]int
}

func newOpStats() *opStats { return &opStats{errs: map[string]int{}} }

func (s *opStats) ok(d time.Duration) {
	s.mu.Lock()
	s.durs = append(s.durs, d)
	s.mu.Unlock()
}

func (s *opStats) fail(status string) {
	s.mu.Lock()
	s.errs[status]++
	s.mu.Unlock()
}

// count is how many requests finished, successful or not.
func (s *opStats) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.durs)
	for _, c := range s.errs {
		n += c
	}
	return n
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted durations, or 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// report prints one line per operation that ran and returns the number of
// failed requests.
func report(w io.Writer, stats map[string]*opStats) int {
	fmt.Fprintf(w, "%-15s %8s %7s %9s %9s %9s %9s  %s\n", "op", "ok", "errors", "p50", "p95", "p99", "max", "errors by status")
	failed := 0
	for _, op := range []string{opCreate, opSignPatient, opSignClinician, opRead, opList, opDocument} {
		s := stats[op]
		if s == nil || s.count() == 0 {
			continue
		}
		d := slices.Clone(s.durs)
		slices.Sort(d)
		var n int
		var by []string
		for st, c := range s.errs {
			n += c
			by = append(by, fmt.Sprintf("%s x%d", st, c))
		}
		sort.Strings(by)
		failed += n
		fmt.Fprintf(w, "%-15s %8d %7d %9s %9s %9s %9s  %s\n", op, len(d), n, ms(percentile(d, 50)), ms(percentile(d, 95)),
			ms(percentile(d, 99)), ms(percentile(d, 100)), strings.Join(by, ", "))
		if s.errs["429"] > 0 {
			fmt.Fprintln(w, "  (429: the per-key rate limit; start the server with --key-rate 0 for load tests)")
		}
	}
	return failed
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
