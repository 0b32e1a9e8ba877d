// Package cputime reports the CPU time a benchmark's process spends per
// operation. On a machine shared with other jobs, wall time per operation
// (ns/op) grows with the load average; the CPU time this process used (user
// and system, the garbage collector's included) moves far less, so
// benchmarks report both.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Used returns the CPU time (user + system) this process has used so far.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report adds the metric cpu-ms/op to b: the CPU time used since start,
// divided by b.N. Call it right after the benchmark loop.
func Report(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(Used()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}
