package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/consentd/consentd/storage"
)

// printCopyReport prints each table on both sides and what was found.
func printCopyReport(w io.Writer, r *storage.CopyReport) {
	fmt.Fprintf(w, "\n%-20s %12s %12s\n", "table", "SQLite", "PostgreSQL")
	for _, t := range r.Tables {
		same := "same rows"
		if !t.Match() {
			same = "DIFFERENT"
		}
		fmt.Fprintf(w, "%-20s %12d %12d  %s\n", t.Table, t.SourceRows, t.TargetRows, same)
	}
	fmt.Fprintf(w, "schema_migrations: versions %v on both (the target's were applied by consentd's migrations)\n", r.SchemaVersions)
	fmt.Fprintf(w, "audit chain: %d events copied\n", r.LastAuditSeq)
	fmt.Fprintf(w, "sealed PDFs: %d re-hashed on PostgreSQL against their recorded SHA-256 and size\n", r.PDFsRehashed)
	if len(r.Faults) == 0 {
		fmt.Fprintf(w, "copy check: every table holds the same rows on both sides (read back in %s)\n", r.VerifyTime.Round(time.Millisecond))
		return
	}
	fmt.Fprintln(w, "copy check FAILED:")
	for _, f := range r.Faults {
		fmt.Fprintln(w, "  "+f)
	}
	if r.MoreFaults > 0 {
		fmt.Fprintf(w, "  and %d more\n", r.MoreFaults)
	}
}

// progressLine prints the copy's progress: on a terminal one line rewritten
// every second, otherwise (a log) a line every ten seconds.
type progressLine struct {
	w       io.Writer
	every   time.Duration
	tty     bool
	printed bool
}

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w, every: 10 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, time.Second
		}
	}
	return p
}

func (p *progressLine) copy(c storage.CopyProgress) {
	var line string
	if c.Done {
		line = fmt.Sprintf("copied %d rows in %s (%.0f rows/s)", c.Rows, c.Elapsed.Round(100*time.Millisecond), c.Rate())
	} else {
		pct := 0.0
		if c.TotalBytes > 0 {
			pct = 100 * float64(c.Bytes) / float64(c.TotalBytes)
		}
		line = fmt.Sprintf("copied %d of %d rows (%.0f%% of about %d MB), %.0f rows/s, about %s left (table %s)",
			c.Rows, c.Total, min(pct, 99), c.TotalBytes>>20, c.Rate(), c.Left().Round(time.Second), c.Table)
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%-100s", line)
		p.printed = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// end finishes a rewritten line.
func (p *progressLine) end() {
	if p.tty && p.printed {
		fmt.Fprintln(p.w)
	}
}
