// Command seed grows a consentd SQLite database to a given number of consents
// for read benchmarks (e.g. 10 k and 1 M), by copying one real signed consent
// (its consents row, signatures, acknowledgments and PDF row) under new IDs,
// patient IDs, signing secrets and creation times, in large transactions.
// It writes a sample of the consents that exist afterwards as
// "consentID patientID" lines, for "consentd loadtest --read-ids".
//
// Stop the server first; the data dir must hold at least one signed consent
// (e.g. from "consentd loadtest --n 10"):
//
//	go run ./internal/seed -data-dir DIR -total 1000000 -slim -ids-out ids.txt
//
// A real consent row is about 120 KB (67 KB of rendered documents in every
// locale, a 50 KB sealed PDF), so 1 M full copies need about 120 GB. -slim
// shortens every copied document text to 48 characters and replaces the PDF
// bytes of the copies by a placeholder (PDF info stays; GET .../pdf of a seeded
// copy does not verify). It changes what each read returns, not how rows are
// found: compare 10 k and 1 M seeded the same way. The copies write no audit
// events, so the chain itself stays intact, but "consentd audit verify"
// reports every copied row as one that no audit event vouches for: a seeded
// database is for benchmarks only.
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

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
	fs.IntVar(&o.batch, "batch", 20000, "consents per transaction")
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
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(o.dataDir, "consentd.db")+"?_foreign_keys=on&_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	// Seeding is re-runnable from scratch, so it may skip fsyncs; the WAL keeps
	// the file consistent, and a checkpoint at the end folds it in.
	if _, err := db.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
		return err
	}
	src, err := loadSource(ctx, db)
	if err != nil {
		return err
	}
	if o.slim {
		if err := src.slim(); err != nil {
			return err
		}
	}
	var have int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM consents").Scan(&have); err != nil {
		return err
	}
	start := time.Now()
	for have < o.total {
		n := min(o.batch, o.total-have)
		if err := insertBatch(ctx, db, src, have, n, o.spread); err != nil {
			return err
		}
		have += n
		el := time.Since(start)
		fmt.Fprintf(os.Stderr, "seed: %d consents (%.0f/s)\n", have, float64(have)/el.Seconds())
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	if o.idsOut != "" {
		return writeSample(ctx, db, o.idsOut, have, o.sample)
	}
	return nil
}

// insertBatch copies the source n times in one transaction; seq numbers the
// copies so patient IDs and times differ.
func insertBatch(ctx context.Context, db *sql.DB, src *source, seq, n int, spread time.Duration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins := map[string]*sql.Stmt{}
	for _, t := range []*table{src.consent, src.signatures, src.acks, src.pdf} {
		st, err := tx.PrepareContext(ctx, t.insertSQL())
		if err != nil {
			return err
		}
		defer st.Close()
		ins[t.name] = st
	}
	createdMS := src.consent.int("created_at", 0)
	for i := seq; i < seq+n; i++ {
		at := time.UnixMilli(createdMS).Add(-time.Duration(rand.Int64N(int64(spread))))
		id := newID(at)
		patient := fmt.Sprintf("SEED-%07d", i/2) // two consents per patient
		shift := at.UnixMilli() - createdMS
		set := func(t *table, r int, col string, v any) { t.rows[r][t.col(col)] = v }
		c := src.consent
		set(c, 0, "id", id)
		set(c, 0, "patient_id", patient)
		set(c, 0, "signing_token_hash", hashOf(id, "token"))
		set(c, 0, "signing_code_hash", hashOf(id, "code"))
		for _, col := range []string{"created_at", "expires_at", "signed_at", "status_changed_at"} {
			if v, ok := c.orig[0][c.col(col)].(int64); ok {
				set(c, 0, col, v+shift)
			}
		}
		for r := range src.signatures.rows {
			set(src.signatures, r, "id", newID(at))
			set(src.signatures, r, "consent_id", id)
		}
		for r := range src.acks.rows {
			set(src.acks, r, "id", nil)
			set(src.acks, r, "consent_id", id)
		}
		set(src.pdf, 0, "consent_id", id)
		for _, t := range []*table{c, src.signatures, src.acks, src.pdf} {
			for _, row := range t.rows {
				if _, err := ins[t.name].ExecContext(ctx, row...); err != nil {
					return fmt.Errorf("insert %s: %w", t.name, err)
				}
			}
		}
	}
	return tx.Commit()
}

// hashOf gives each copy its own signing secret hash (the columns are unique).
func hashOf(id, purpose string) string {
	h := sha256.Sum256([]byte("seed|" + purpose + "|" + id))
	return hex.EncodeToString(h[:])
}

// writeSample writes every k-th consent (by ID order, which is time order for
// ULIDs) as "consentID patientID", so reads reach old and new consents alike.
func writeSample(ctx context.Context, db *sql.DB, path string, total, sample int) error {
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
