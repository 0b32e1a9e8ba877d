// Command seed grows a consentd SQLite database to a given number of consents
// for benchmarks and migration measurements (e.g. 10 k, 100 k, 1 M), by
// copying one real signed consent (its consents row, signatures,
// acknowledgments and sealed PDF) under new IDs, patient IDs, signing secrets
// and times, through consentd's storage in large transactions. Each copy is
// vouched for by one audit event (type seed.consent_copied, actor "seed")
// that records the digests of its rows, chained and authenticated with the
// data directory's audit key like every other event, so "consentd audit
// verify" passes on a seeded database. It writes a sample of the consents
// that exist afterwards as "consentID patientID" lines, for
// "consentd loadtest --read-ids".
//
// Stop the server first; the data dir must hold at least one signed consent
// (e.g. from "consentd loadtest --n 10") and its secret.key:
//
//	go run ./internal/seed -data-dir DIR -total 1000000 -slim -ids-out ids.txt
//
// A real consent row is about 120 KB (67 KB of rendered documents in every
// locale, a 50 KB sealed PDF), so 1 M full copies need about 120 GB. -slim
// shortens every copied document text to 48 characters and replaces the PDF
// bytes of the copies by a placeholder (recorded with its own hash and size;
// it is not a sealed PDF, so "consentd verify" and migrate-db's seal check
// refuse it). It changes what each read returns, not how rows are found:
// compare 10 k and 1 M seeded the same way. Without -slim every copy carries
// the source's sealed PDF, which verifies as the source consent's. A seeded
// database is for measurements only.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/storage"
)

// eventSeeded is the audit event that vouches for one seeded copy.
const eventSeeded = "seed.consent_copied"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	dataDir, idsOut string
	total, batch    int
	sample          int
	slim            bool
	spread          time.Duration
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "consentd data dir (server stopped)")
	fs.IntVar(&o.total, "total", 10000, "consents in the database when done")
	fs.IntVar(&o.batch, "batch", 2000, "consents per transaction")
	fs.BoolVar(&o.slim, "slim", false, "short section texts and placeholder PDF bytes in the copies (see the package doc)")
	fs.StringVar(&o.idsOut, "ids-out", "", `write a sample of "consentID patientID" lines here`)
	fs.IntVar(&o.sample, "sample", 20000, "lines in the sample, spread over all consents")
	fs.DurationVar(&o.spread, "spread", 3*365*24*time.Hour, "creation times of the copies spread over this long before the source's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.dataDir == "" || o.total < 1 || o.batch < 1 {
		return errors.New("-data-dir is required; -total and -batch must be positive")
	}
	// The data dir's secret.key, read as consentd reads it; never created.
	key, err := app.ExistingAuditKey(app.Config{DataDir: o.dataDir})
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{DataDir: o.dataDir, URL: "sqlite:", AuditKey: key})
	if err != nil {
		return err
	}
	defer db.Close()
	src, err := loadSource(ctx, db)
	if err != nil {
		return err
	}
	if o.slim {
		src.slim()
	}
	have, err := db.CountConsents(ctx, consent.ConsentFilter{})
	if err != nil {
		return err
	}
	start, seeded := time.Now(), 0
	for have < o.total {
		n := min(o.batch, o.total-have)
		if err := insertBatch(ctx, db, src, have, n, o.spread); err != nil {
			return err
		}
		have, seeded = have+n, seeded+n
		fmt.Fprintf(os.Stderr, "seed: %d consents (%.0f copies/s)\n", have, float64(seeded)/time.Since(start).Seconds())
	}
	if err := db.Close(); err != nil {
		return err
	}
	if o.idsOut != "" {
		return writeSample(ctx, o.dataDir, o.idsOut, have, o.sample)
	}
	return nil
}

// insertBatch writes n copies of the source in one transaction, each with
// the audit event that vouches for its rows; seq numbers the copies so
// patient IDs and times differ.
func insertBatch(ctx context.Context, db *storage.DB, src *source, seq, n int, spread time.Duration) error {
	createdAt := src.consent.CreatedAt
	return db.Update(ctx, func(tx consent.Tx) error {
		for i := seq; i < seq+n; i++ {
			at := createdAt.Add(-time.Duration(rand.Int64N(int64(spread))))
			c, p := src.copyOf(at, fmt.Sprintf("SEED-%07d", i/2)) // two consents per patient
			rows := []consent.Row{c}
			if err := tx.Consents().CreateConsent(ctx, c); err != nil {
				return fmt.Errorf("copy %d: %w", i, err)
			}
			for j := range c.Signatures {
				if err := tx.Consents().CreateSignature(ctx, &c.Signatures[j]); err != nil {
					return fmt.Errorf("copy %d: %w", i, err)
				}
				rows = append(rows, &c.Signatures[j])
			}
			for j := range c.Acknowledgments {
				if err := tx.Consents().CreateAcknowledgment(ctx, &c.Acknowledgments[j]); err != nil {
					return fmt.Errorf("copy %d: %w", i, err)
				}
				rows = append(rows, &c.Acknowledgments[j])
			}
			if err := tx.Consents().StorePDF(ctx, p); err != nil {
				return fmt.Errorf("copy %d: %w", i, err)
			}
			rows = append(rows, p)
			err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: eventSeeded, Actor: "seed", ConsentID: c.ID,
				Details: map[string]any{"source_consent_id": src.consent.ID, "note": "benchmark copy made by internal/seed"},
				Rows:    rows})
			if err != nil {
				return fmt.Errorf("copy %d: %w", i, err)
			}
		}
		return nil
	})
}

// writeSample writes every k-th consent (by ID order, which is time order for
// ULIDs) as "consentID patientID", so reads reach old and new consents alike.
func writeSample(ctx context.Context, dataDir, path string, total, sample int) error {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, "consentd.db")+"?_busy_timeout=5000&_query_only=true")
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	step := max(1, total/max(sample, 1))
	rows, err := db.QueryContext(ctx, "SELECT id, patient_id FROM consents WHERE status = 'signed' AND rowid % ? = 0", step)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() && n < sample {
		var id, patient string
		if err := rows.Scan(&id, &patient); err != nil {
			return err
		}
		fmt.Fprintln(f, id, patient)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seed: wrote %d sample IDs to %s\n", n, path)
	return f.Close()
}
