package storage_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/cputime"
)

// BenchmarkStatusChange measures one status change (pending → signed, one
// transaction) of consents whose frozen documents are full size: two
// locales of about 60 KB each, like the ketamine consent's. It reports the
// CPU time and the bytes this process wrote (SQLite's WAL; on PostgreSQL
// the server writes, so the figure is near zero) per change.
func BenchmarkStatusChange(b *testing.B) {
	ctx := context.Background()
	db, _ := openDir(b)
	seedTemplate(b, db, "k")
	text := strings.Repeat("Ketamine can cause dissociation, raised blood pressure and nausea. ", 900)
	ids := make([]string, b.N)
	for start := 0; start < b.N; start += 200 {
		update(b, db, func(tx consent.Tx) error {
			for i := start; i < min(start+200, b.N); i++ {
				ids[i] = fmt.Sprintf("S%07d", i)
				c := newConsent(ids[i], "k", t0)
				for code, d := range c.Documents {
					d.Sections = []consent.DocumentSection{{Key: "risks", Kind: "risks_long_term", Heading: "Risks",
						Body: text, BodyHTML: "<p>" + text + "</p>", RequiresAcknowledgment: true}}
					c.Documents[code] = d
				}
				if err := tx.Consents().CreateConsent(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.ResetTimer()
	cpu, written := cputime.Used(), bytesWritten(b)
	for _, id := range ids {
		update(b, db, func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, id, consent.StatusPending, consent.StatusSigned, t0, "")
		})
	}
	b.StopTimer()
	cputime.Report(b, cpu)
	b.ReportMetric(float64(bytesWritten(b)-written)/1024/float64(b.N), "written-KB/op")
}

// bytesWritten is what this process has passed to write(2) so far
// (/proc/self/io wchar), or 0 where that is not available.
func bytesWritten(b *testing.B) int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	return 0
}
