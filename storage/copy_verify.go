package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/consentd/consentd/consent"
)

// verifyTarget reads every copied table of the target back in one snapshot:
// row counts and digests for the report, every sealed PDF's bytes hashed
// against its stored SHA-256 and size, a sample of PDFs for seal checks, and
// the migrations the target has run.
func verifyTarget(ctx context.Context, conn *pgx.Conn, report *CopyReport, sample int) error {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	pick := &reservoir{size: sample}
	for i := range report.Tables {
		t := &report.Tables[i]
		cols, err := postgresColumns(ctx, tx, t.Table)
		if err != nil {
			return err
		}
		names := make([]string, len(cols))
		for j, c := range cols {
			names[j] = c.Name
		}
		var pdfs *pdfCheck
		if slices.Contains(pdfTables, t.Table) {
			pdfs = newPDFCheck(t.Table, names)
		}
		rows, err := tx.Query(ctx, "SELECT "+columnList(names)+" FROM "+quoteIdent(t.Table))
		if err != nil {
			return fmt.Errorf("read %s: %w", t.Table, err)
		}
		d := &tableDigest{}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return fmt.Errorf("read %s: %w", t.Table, err)
			}
			if err := d.add(vals); err != nil {
				rows.Close()
				return err
			}
			if pdfs != nil {
				ref := pdfs.check(vals, report)
				report.PDFsRehashed++
				pick.offer(ref)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %s: %w", t.Table, err)
		}
		t.TargetRows, t.TargetDigest = d.rows, d.String()
		if !t.Match() {
			report.fault("%s: %d rows in SQLite, %d in PostgreSQL, digests %s and %s", t.Table, t.SourceRows, t.TargetRows,
				short(t.SourceDigest), short(t.TargetDigest))
		}
	}
	report.PDFSample = pick.items
	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	got := make([]int, len(versions))
	for i, v := range versions {
		got[i] = int(v)
	}
	if !slices.Equal(got, report.SchemaVersions) {
		report.fault("schema_migrations: SQLite has run %v, PostgreSQL %v", report.SchemaVersions, got)
	}
	var last int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_events").Scan(&last); err != nil {
		return fmt.Errorf("read the audit chain's end: %w", err)
	}
	report.LastAuditSeq = last
	return nil
}

// short abbreviates a hex digest for a message.
func short(hexDigest string) string {
	if len(hexDigest) > 12 {
		return hexDigest[:12]
	}
	return hexDigest
}

// pdfCheck re-hashes a PDF table's bytes against the stored hash and size.
type pdfCheck struct {
	table                           string
	consentID, kind, sum, size, raw int // column positions; kind -1 for pdfs
}

func newPDFCheck(table string, names []string) *pdfCheck {
	return &pdfCheck{table: table, consentID: slices.Index(names, "consent_id"), kind: slices.Index(names, "kind"),
		sum: slices.Index(names, "sha256"), size: slices.Index(names, "size"), raw: slices.Index(names, "bytes")}
}

func (c *pdfCheck) check(vals []any, report *CopyReport) PDFRef {
	ref := PDFRef{Kind: consent.PDFKindSigned}
	ref.ConsentID, _ = vals[c.consentID].(string)
	if c.kind >= 0 {
		ref.Kind, _ = vals[c.kind].(string)
	}
	b, _ := vals[c.raw].([]byte)
	h := sha256.Sum256(b)
	stored, _ := vals[c.sum].(string)
	size, _ := vals[c.size].(int32)
	if got := hex.EncodeToString(h[:]); got != stored || int(size) != len(b) {
		report.fault("%s %s (%s): the bytes (%d, SHA-256 %s) are not the sealed PDF recorded (%d, SHA-256 %s)",
			c.table, ref.ConsentID, ref.Kind, len(b), short(got), size, short(stored))
	}
	return ref
}

// reservoir keeps a uniform random sample of the refs offered (all of them
// for a negative size).
type reservoir struct {
	size  int
	seen  int
	items []PDFRef
}

func (r *reservoir) offer(ref PDFRef) {
	r.seen++
	switch {
	case r.size < 0 || len(r.items) < r.size:
		r.items = append(r.items, ref)
	case r.size > 0:
		if i := rand.IntN(r.seen); i < r.size {
			r.items[i] = ref
		}
	}
}
