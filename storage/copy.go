package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/consentd/consentd/consent"
)

// CopyOptions says what CopyToPostgres copies where.
type CopyOptions struct {
	// DataDir is the data directory: its audit head file, and the SQLite
	// database unless SourceURL names another file.
	DataDir string
	// SourceURL is the CONSENTD_DATABASE_URL of the source: "" or "sqlite:"
	// for DataDir/consentd.db, "sqlite:PATH" for another file.
	SourceURL string
	TargetURL string // postgres:// URL of an empty database
	AuditKey  []byte // the key of the data directory's audit chain
	// Progress, when set, receives the copy's progress at most once per
	// ProgressEvery (default one second), and once more when the copy ends.
	Progress      func(CopyProgress)
	ProgressEvery time.Duration
	// PDFSample is how many stored sealed PDFs (signed PDFs and withdrawal
	// copies, chosen at random) the report names for the caller to verify
	// their seals; a negative number names every one.
	PDFSample int
}

// CopyProgress is how far a copy has come.
type CopyProgress struct {
	Table       string // the table being copied
	Rows, Total int64  // rows copied so far, of all tables
	// Bytes is the size of the values copied so far; TotalBytes estimates
	// all of them from a sample of each table's rows (a consent with its
	// rendered documents weighs a hundred acknowledgments).
	Bytes, TotalBytes int64
	Elapsed           time.Duration
	Done              bool
}

// Rate is the rows copied per second so far.
func (p CopyProgress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Rows) / p.Elapsed.Seconds()
}

// Left estimates the time the copy still needs, by bytes at the rate so far.
func (p CopyProgress) Left() time.Duration {
	if p.Elapsed <= 0 || p.Bytes == 0 || p.Bytes >= p.TotalBytes || p.Rows >= p.Total {
		return 0
	}
	perByte := float64(p.Elapsed) / float64(p.Bytes)
	return time.Duration(float64(p.TotalBytes-p.Bytes) * perByte)
}

// TableCopy compares one table on both sides after the copy.
type TableCopy struct {
	Table                      string
	SourceRows, TargetRows     int64
	SourceDigest, TargetDigest string // order-independent digests of every row's values
}

// Match reports whether the target holds exactly the source's rows.
func (t TableCopy) Match() bool {
	return t.SourceRows == t.TargetRows && t.SourceDigest == t.TargetDigest
}

// PDFRef names one stored sealed PDF.
type PDFRef struct {
	ConsentID string
	Kind      string // consent.PDFKindSigned, or the kind of an additional PDF
}

// CopyReport is what CopyToPostgres copied and what it found when it read
// the target back.
type CopyReport struct {
	// Committed is set once the copy is in the target: it is one
	// transaction, so before that the target holds no consentd row.
	Committed      bool
	Source         string // the SQLite file read
	SchemaVersions []int  // the migrations both databases have run
	Tables         []TableCopy
	LastAuditSeq   int64 // the last audit event copied
	PDFsRehashed   int   // sealed PDFs whose bytes were hashed on the target
	PDFSample      []PDFRef
	// Faults are the findings that make the target unsafe to switch to
	// (rows that differ, PDFs that do not hash to their stored SHA-256, a
	// source written to during the copy); at most maxCopyFaults are listed.
	Faults     []string
	MoreFaults int
	CopyTime   time.Duration // reading the source and writing the target
	VerifyTime time.Duration // reading the target back
}

// maxCopyFaults bounds the faults a report lists.
const maxCopyFaults = 50

// Complete reports whether the target holds everything the source held and
// nothing found on reading it back is wrong.
func (r *CopyReport) Complete() bool {
	if !r.Committed || len(r.Faults) > 0 {
		return false
	}
	for _, t := range r.Tables {
		if !t.Match() {
			return false
		}
	}
	return true
}

func (r *CopyReport) fault(format string, args ...any) {
	if len(r.Faults) >= maxCopyFaults {
		r.MoreFaults++
		return
	}
	r.Faults = append(r.Faults, fmt.Sprintf(format, args...))
}

// CopyToPostgres copies a SQLite database, read as one consistent snapshot,
// into an empty PostgreSQL database: it runs consentd's migrations on the
// target, copies every table in one transaction (all or nothing), resets the
// target's sequences, and reads the target back to compare every table with
// the source and re-hash every sealed PDF. The source is only read. It
// refuses a target that holds any consentd row (ECONFLICT), a source whose
// schema is not this binary's, and a table it does not know. An error
// before the commit leaves the target with consentd's empty schema at most;
// an error after it comes with the report (Committed set).
func CopyToPostgres(ctx context.Context, o CopyOptions) (*CopyReport, error) {
	if d, _, err := parseURL(o.TargetURL, o.DataDir); err != nil || d != dialectPostgres {
		return nil, errors.New("storage: copy: the target must be a postgres:// or postgresql:// URL")
	}
	d, path, err := parseURL(o.SourceURL, o.DataDir)
	if err != nil || d != dialectSQLite {
		return nil, errors.New("storage: copy: the source must be a SQLite database (CONSENTD_DATABASE_URL empty or sqlite:)")
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("storage: copy: no SQLite database at %s", path)
	}
	headFile := filepath.Join(o.DataDir, headFile)
	headBefore, err := readIfExists(headFile)
	if err != nil {
		return nil, fmt.Errorf("storage: copy: read audit head: %w", err)
	}
	src, err := openSnapshot(ctx, path)
	if err != nil {
		return nil, err
	}
	defer src.close()
	report := &CopyReport{Source: path}
	sizes, err := src.check(ctx, report)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, o.TargetURL)
	if err != nil {
		return nil, fmt.Errorf("storage: copy: connect to the target: %w", err)
	}
	defer conn.Close(context.Background())
	// LZ4 compresses the copied documents about twice as fast as the default
	// pglz (a 10 k consent copy: 29 s instead of 57 s on the development
	// machine); rows written later use the server's default, and both read
	// alike. A server built without LZ4 refuses it and keeps its default.
	_, _ = conn.Exec(ctx, "SET default_toast_compression = 'lz4'")
	if err := refuseNonEmpty(ctx, conn); err != nil {
		return nil, err
	}
	// The target's schema comes from the same migrations a consentd start
	// runs; on an empty database they write no row but schema_migrations.
	target, err := Open(ctx, Config{DataDir: o.DataDir, URL: o.TargetURL, AuditKey: o.AuditKey})
	if err != nil {
		return nil, fmt.Errorf("storage: copy: create the schema on the target: %w", err)
	}
	if err := target.Close(); err != nil {
		return nil, err
	}

	start := time.Now()
	meter := newMeter(o.Progress, o.ProgressEvery, sizes)
	digests := make(map[string]*tableDigest, len(copyTables))
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// Writers of a consentd started on the target by mistake wait for
		// the commit instead of interleaving with the copied audit chain.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
			return err
		}
		if err := refuseNonEmpty(ctx, tx); err != nil {
			return err
		}
		for _, table := range copyTables {
			digests[table] = &tableDigest{}
			if err := copyTable(ctx, src.tx, tx, table, digests[table], meter); err != nil {
				return err
			}
		}
		return resetSequences(ctx, tx)
	})
	meter.finish()
	if err != nil {
		if consent.ErrorCode(err) == consent.ECONFLICT {
			return nil, err
		}
		// A cancelled copy may fail first on the connection pgx closes for
		// the cancellation; name the cause, not its symptom.
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("storage: copy: %w (nothing was committed)", cerr)
		}
		return nil, fmt.Errorf("storage: copy: %w", err)
	}
	report.Committed = true
	report.CopyTime = time.Since(start)
	for _, table := range copyTables {
		report.Tables = append(report.Tables, TableCopy{Table: table, SourceRows: digests[table].rows,
			SourceDigest: digests[table].String()})
		if n := sizes[table].rows; n != digests[table].rows {
			report.fault("%s: %d rows counted in the snapshot, %d copied", table, n, digests[table].rows)
		}
	}
	start = time.Now()
	if err := verifyTarget(ctx, conn, report, o.PDFSample); err != nil {
		return report, fmt.Errorf("storage: copy: read the target back: %w", err)
	}
	report.VerifyTime = time.Since(start)
	headAfter, err := readIfExists(headFile)
	if err != nil {
		return report, fmt.Errorf("storage: copy: read audit head: %w", err)
	}
	if !bytes.Equal(headBefore, headAfter) {
		report.fault("the audit head file changed during the copy: a consentd process was still writing to the SQLite database")
	}
	return report, nil
}

func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// snapshot is the source: a read transaction on a query-only connection,
// which in WAL mode sees one state of the database from its first read to
// its end, whatever writers do meanwhile.
type snapshot struct {
	db *sql.DB
	tx *sql.Tx
}

func openSnapshot(ctx context.Context, path string) (*snapshot, error) {
	db, err := sql.Open("sqlite3", sqliteReadDSN(path))
	if err != nil {
		return nil, fmt.Errorf("storage: copy: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: copy: open %s: %w", path, err)
	}
	return &snapshot{db: db, tx: tx}, nil
}

func (s *snapshot) close() {
	_ = s.tx.Rollback()
	s.db.Close()
}

// tableSize is a source table's row count and estimated size in bytes.
type tableSize struct{ rows, bytes int64 }

// check refuses a source of another schema version or with a table the
// copier does not know, and counts and sizes every table.
func (s *snapshot) check(ctx context.Context, report *CopyReport) (map[string]tableSize, error) {
	tables, err := sqliteTables(ctx, s.tx)
	if err != nil {
		return nil, fmt.Errorf("storage: copy: read the SQLite schema: %w", err)
	}
	if !slices.Contains(tables, schemaMigrationsTable) {
		return nil, errors.New("storage: copy: the SQLite file is not a consentd database (no schema_migrations)")
	}
	versions, err := appliedVersions(ctx, s.tx)
	if err != nil {
		return nil, err
	}
	want := migrationVersions()
	if !slices.Equal(versions, want) {
		return nil, fmt.Errorf("storage: copy: the SQLite database has run migrations %v, this consentd has %v: "+
			"start this version of consentd on it once (or run `consentd audit verify`), stop it, then copy", versions, want)
	}
	report.SchemaVersions = versions
	if unknown := unknownTables(tables); len(unknown) > 0 {
		return nil, fmt.Errorf("storage: copy: the SQLite database has tables the copier does not know: %v", unknown)
	}
	sizes := make(map[string]tableSize, len(copyTables))
	for _, t := range copyTables {
		if !slices.Contains(tables, t) {
			return nil, fmt.Errorf("storage: copy: the SQLite database has no table %s", t)
		}
		var n int64
		if err := s.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("storage: copy: count %s: %w", t, err)
		}
		size, err := s.estimateBytes(ctx, t, n)
		if err != nil {
			return nil, fmt.Errorf("storage: copy: size %s: %w", t, err)
		}
		sizes[t] = tableSize{rows: n, bytes: size}
	}
	return sizes, nil
}

// estimateBytes extrapolates a table's size from its first rows.
func (s *snapshot) estimateBytes(ctx context.Context, table string, rows int64) (int64, error) {
	if rows == 0 {
		return 0, nil
	}
	cols, err := sqliteColumns(ctx, s.tx, table)
	if err != nil {
		return 0, err
	}
	lengths := make([]string, len(cols))
	for i, c := range cols {
		lengths[i] = "COALESCE(LENGTH(" + quoteIdent(c) + "), 0)"
	}
	var sum, n int64
	err = s.tx.QueryRowContext(ctx, "SELECT COALESCE(SUM("+strings.Join(lengths, " + ")+"), 0), COUNT(*) FROM (SELECT * FROM "+
		quoteIdent(table)+" LIMIT 200)").Scan(&sum, &n)
	if err != nil || n == 0 {
		return 0, err
	}
	return sum / n * rows, nil
}

func appliedVersions(ctx context.Context, q queryer) ([]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("storage: copy: read schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func migrationVersions() []int {
	out := make([]int, len(migrations))
	for i, m := range migrations {
		out[i] = m.Version
	}
	return out
}

// refuseNonEmpty is ECONFLICT if any consentd table of the target holds a row.
func refuseNonEmpty(ctx context.Context, q interface {
	pgQueryer
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) error {
	have, err := postgresTables(ctx, q)
	if err != nil {
		return fmt.Errorf("storage: copy: read the target's schema: %w", err)
	}
	for _, t := range copyTables {
		if !slices.Contains(have, t) {
			continue
		}
		var any bool
		if err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteIdent(t)+")").Scan(&any); err != nil {
			return fmt.Errorf("storage: copy: look into the target's %s: %w", t, err)
		}
		if any {
			return consent.Errorf(consent.ECONFLICT, "The target database is not empty: its table %s holds rows. "+
				"migrate-db copies only into a database without consentd data.", t)
		}
	}
	return nil
}

// resetSequences moves every sequence of the target (identity and serial
// columns: today acknowledgments.id) past the largest copied value, so the
// next row PostgreSQL numbers does not collide with a copied one.
func resetSequences(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return err
	}
	type col struct{ Table, Column string }
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[col])
	if err != nil {
		return err
	}
	for _, c := range cols {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%s), 0) + 1, false) FROM %s",
			quoteIdent(c.Column), quoteIdent(c.Table))
		if _, err := tx.Exec(ctx, q, quoteIdent(c.Table), c.Column); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", c.Table, c.Column, err)
		}
	}
	return nil
}
