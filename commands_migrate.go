package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/storage"
)

// migratePDFSample is how many sealed PDFs migrate-db verifies by default.
const migratePDFSample = 50

// migrateDB copies the data directory's SQLite database into the empty
// PostgreSQL database at to, then checks the target: every table against the
// source, every PDF re-hashed, `audit verify` on it, and the seals of a sample
// of PDFs (of every one with allPDFs). It exits 0 only if the target is safe
// to switch to; the source is only read.
func migrateDB(ctx context.Context, cfg app.Config, to string, allPDFs bool, stdout io.Writer) error {
	if to == "" {
		fmt.Fprintln(stdout, "usage: consentd migrate-db --to postgres://user@host:5432/dbname [--verify-all-pdfs]")
		return exitError(2)
	}
	if strings.HasPrefix(cfg.DatabaseURL, "postgres") {
		return errors.New("migrate-db copies the SQLite database of the data directory: unset CONSENTD_DATABASE_URL (it names PostgreSQL already)")
	}
	auditKey, err := app.ExistingAuditKey(cfg)
	if err != nil {
		return err
	}
	target := redactURL(to)
	fmt.Fprintf(stdout, "migrate-db: copying the SQLite database of %s into %s\n", cfg.DataDir, target)
	sample := migratePDFSample
	if allPDFs {
		sample = -1
	}
	progress := newProgressLine(stdout)
	report, err := storage.CopyToPostgres(ctx, storage.CopyOptions{DataDir: cfg.DataDir, SourceURL: cfg.DatabaseURL, TargetURL: to,
		AuditKey: auditKey, Progress: progress.copy, ProgressEvery: progress.every, PDFSample: sample})
	progress.end()
	if err != nil {
		fmt.Fprintf(stdout, "FAILED: %s\n", consent.ErrorMessage(err))
		switch {
		case consent.ErrorCode(err) == consent.ECONFLICT:
			fmt.Fprintln(stdout, "The target was not changed. Copy into a new, empty database (CREATE DATABASE ...).")
		case report == nil || !report.Committed:
			fmt.Fprintln(stdout, "Nothing was committed to the target: it holds at most consentd's empty tables. "+
				"The SQLite database was only read.")
			fmt.Fprintf(stdout, "Fix the cause and run migrate-db again (it copies into the empty tables), or drop the target: %s\n", dropHint(to))
		default:
			fmt.Fprintf(stdout, "The copy was committed but could not be checked: do not switch. Drop the target (%s) and run migrate-db again.\n", dropHint(to))
		}
		return exitError(1)
	}
	checkStart := time.Now().Add(-report.VerifyTime)
	printCopyReport(stdout, report)
	safe := report.Complete()

	// The target as consentd will see it: the same checks as "consentd
	// audit verify" with CONSENTD_DATABASE_URL set to it, and the PDFs'
	// seals as "consentd verify" checks them. Neither writes to the target
	// or moves the audit head file.
	onTarget := cfg
	onTarget.DatabaseURL = to
	fmt.Fprintln(stdout, "\naudit verify on PostgreSQL:")
	var exit exitError
	if err := auditVerify(ctx, onTarget, "", stdout); errors.As(err, &exit) {
		safe = false
	} else if err != nil {
		return err
	}
	ok, err := verifySeals(ctx, onTarget, report, stdout)
	if err != nil {
		return err
	}
	safe = safe && ok

	if !safe {
		fmt.Fprintf(stdout, "\nNOT SAFE TO SWITCH: keep running on SQLite (it was only read). Find the cause above, then drop the target (%s) and run migrate-db again.\n", dropHint(to))
		fmt.Fprintln(stdout, "A finding that `consentd audit verify` also reports on the SQLite database was there before the move.")
		return exitError(1)
	}
	fmt.Fprintf(stdout, "\nSAFE TO SWITCH: PostgreSQL holds everything the SQLite database held (copied in %s, checked in %s).\n",
		report.CopyTime.Round(time.Millisecond), time.Since(checkStart).Round(time.Millisecond))
	fmt.Fprintln(stdout, "Next: start consentd with CONSENTD_DATABASE_URL set to the --to URL, and with this data directory's "+
		"secret.key, keys/ and audit-head.json (every replica needs the same secret.key and keys/).")
	fmt.Fprintln(stdout, "Keep the SQLite database, stopped, as the fallback until the new deployment has been checked.")
	return nil
}

// verifySeals checks the sampled PDFs on the target as "consentd verify"
// would: sealed by this server's keys, and the file the target stores.
func verifySeals(ctx context.Context, cfg app.Config, report *storage.CopyReport, stdout io.Writer) (bool, error) {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer a.Close()
	var bad []string
	for i, ref := range report.PDFSample {
		var p *consent.SealedPDF
		if ref.Kind == consent.PDFKindSigned {
			p, err = a.DB.FindPDF(ctx, ref.ConsentID)
		} else {
			p, err = a.DB.FindAdditionalPDF(ctx, ref.ConsentID, ref.Kind)
		}
		if err != nil {
			return false, err
		}
		res, err := a.Service.VerifyPDF(ctx, a.Sealer, p.Bytes)
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s PDF of %s: %s", ref.Kind, ref.ConsentID, consent.ErrorMessage(err)))
		case !res.Valid:
			bad = append(bad, fmt.Sprintf("%s PDF of %s: %s", ref.Kind, ref.ConsentID, res.Reason))
		}
		if (i+1)%1000 == 0 {
			fmt.Fprintf(stdout, "PDF seals: %d of %d checked\n", i+1, len(report.PDFSample))
		}
	}
	what := fmt.Sprintf("%d sampled PDFs (of %d)", len(report.PDFSample), report.PDFsRehashed)
	if len(report.PDFSample) == report.PDFsRehashed {
		what = fmt.Sprintf("all %d PDFs", report.PDFsRehashed)
	}
	if len(bad) == 0 {
		fmt.Fprintf(stdout, "PDF seals: %s verify as sealed by this server\n", what)
		return true, nil
	}
	fmt.Fprintf(stdout, "PDF seals: %d of %s do not verify:\n", len(bad), what)
	for i, b := range bad {
		if i == 10 {
			fmt.Fprintf(stdout, "  and %d more\n", len(bad)-i)
			break
		}
		fmt.Fprintln(stdout, "  "+b)
	}
	return false, nil
}

// redactURL hides a password in a database URL before printing it.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(the --to URL)"
	}
	return u.Redacted()
}

// dropHint says how to drop the target database.
func dropHint(to string) string {
	u, err := url.Parse(to)
	name := strings.TrimPrefix(u.Path, "/")
	if err != nil || name == "" {
		return "DROP DATABASE on it, from psql connected to another database"
	}
	return fmt.Sprintf(`psql -h %s -U %s -d postgres -c 'DROP DATABASE "%s"'`, u.Hostname(), u.User.Username(), name)
}
