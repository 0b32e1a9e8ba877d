package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// copyTables lists every table CopyToPostgres copies, parents before the
// tables whose foreign keys name them, so each row's references exist when
// it arrives. A table the schema has and this list lacks stops the copy
// (TestCopyKnowsEveryTable keeps the list in step with the migrations).
//
// counters is copied although it is operational state, not a record: its
// rows are the live lock-out windows (wrong PINs, signing-code guesses,
// wrong dates of birth), and dropping them would hand everyone being
// throttled a fresh set of guesses at the switch. schema_migrations is not
// copied: the target gets it from running consentd's own migrations, and the
// copy checks that both sides list the same versions.
var copyTables = []string{
	"templates", "template_versions", "reconsent_jobs", "consents", "consent_documents", "signatures", "acknowledgments", "answer_attempts", "pdfs", "additional_pdfs",
	"download_links", "staff", "template_approvals", "api_keys", "devices",
	"webhooks", "webhook_events", "webhook_deliveries", "webhook_attempts",
	"idempotency", "counters", "audit_events", "audit_checkpoints",
}

// schemaMigrationsTable records the migrations a database has run.
const schemaMigrationsTable = "schema_migrations"

// pdfTables hold sealed PDFs whose bytes the copy re-hashes on the target.
var pdfTables = []string{"pdfs", "additional_pdfs"}

// copyColumn is one column of a copied table, typed as PostgreSQL declares it.
type copyColumn struct {
	Name   string
	PGType string // information_schema data_type: bigint, integer, boolean, text, bytea
}

// sqliteTables returns the tables of the SQLite database q reads.
func sqliteTables(ctx context.Context, q queryer) ([]string, error) {
	return queryStrings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
}

// postgresTables returns the tables of the target's current schema.
func postgresTables(ctx context.Context, q pgQueryer) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// unknownTables returns the tables of have that the copier does not know.
func unknownTables(have []string) []string {
	var out []string
	for _, t := range have {
		if t != schemaMigrationsTable && !slices.Contains(copyTables, t) {
			out = append(out, t)
		}
	}
	return out
}

// sqliteColumns returns a SQLite table's column names.
func sqliteColumns(ctx context.Context, q queryer, table string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
}

// postgresColumns returns a target table's columns in their declared order.
func postgresColumns(ctx context.Context, q pgQueryer, table string) ([]copyColumn, error) {
	rows, err := q.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[copyColumn])
}

// matchColumns checks that both sides of a table have the same columns and
// that the copier can carry each PostgreSQL type; a column on one side only
// means the two schemas have drifted apart, and the copy stops.
func matchColumns(table string, src []string, dst []copyColumn) error {
	var names []string
	for _, c := range dst {
		if _, ok := converters[c.PGType]; !ok {
			return fmt.Errorf("storage: copy: %s.%s has PostgreSQL type %s, which the copier does not know", table, c.Name, c.PGType)
		}
		names = append(names, c.Name)
	}
	for _, n := range src {
		if !slices.Contains(names, n) {
			return fmt.Errorf("storage: copy: column %s.%s exists in SQLite but not in PostgreSQL", table, n)
		}
	}
	for _, n := range names {
		if !slices.Contains(src, n) {
			return fmt.Errorf("storage: copy: column %s.%s exists in PostgreSQL but not in SQLite", table, n)
		}
	}
	return nil
}

// converters turn a value as go-sqlite3 reads it (int64, float64, string,
// []byte or nil) into the Go value PostgreSQL's column type takes, refusing
// anything that would change it: a float in an integer column, a flag other
// than 0 or 1, text that is not UTF-8.
var converters = map[string]func(v any) (any, error){
	"bigint":   toInt,
	"integer":  toInt,
	"smallint": toInt,
	"boolean": func(v any) (any, error) {
		switch x := v.(type) {
		case nil, bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
		return nil, fmt.Errorf("%T %v is not a flag (0 or 1)", v, v)
	},
	"text": func(v any) (any, error) {
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if utf8.ValidString(x) && !strings.ContainsRune(x, 0) {
				return x, nil
			}
			return nil, fmt.Errorf("text is not UTF-8 without NUL characters, which PostgreSQL cannot hold")
		case []byte:
			if utf8.Valid(x) && !slices.Contains(x, 0) {
				return string(x), nil
			}
			return nil, fmt.Errorf("text stored as bytes is not UTF-8 without NUL characters")
		}
		return nil, fmt.Errorf("%T %v in a text column", v, v)
	},
	"bytea": func(v any) (any, error) {
		switch x := v.(type) {
		case nil, []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("%T %v in a bytes column", v, v)
	},
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case nil, int64:
		return x, nil
	}
	return nil, fmt.Errorf("%T %v in an integer column", v, v)
}

// queryer is a database/sql handle or transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pgQueryer is a pgx connection or transaction.
type pgQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quoteIdent quotes a table or column name for PostgreSQL.
func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }

// columnList quotes names for a SELECT list (the same quoting suits SQLite).
func columnList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
