package storage

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// TestLookupsUseTheirPartialIndexes: SQLite uses a partial index only when the
// query's WHERE implies the index's own, and "col = ?" with a bound value
// does not imply that col is not empty. A consent's audit trail (read by every seal)
// and the tablet's signing token and code lookups scanned whole tables,
// growing with every consent ever recorded; each now names the index's
// condition too. The plan of the statement as run, with its bound values, is
// asked of SQLite (PostgreSQL runs the same SQL).
func TestLookupsUseTheirPartialIndexes(t *testing.T) {
	if testURL(t) != "" {
		t.Skip("query plans are SQLite's; PostgreSQL runs the same SQL")
	}
	ctx := context.Background()
	db := openForGroup(t)
	last := captureQueries(t, db)
	tests := []struct {
		name, index string
		run         func() error
	}{
		{"audit events of a consent", "audit_events_consent", func() error {
			_, err := db.ListAuditEvents(ctx, consent.AuditFilter{ConsentID: "C1", Limit: 500})
			return err
		}},
		{"consent by signing token", "consents_signing_token", func() error {
			_, err := db.FindConsentBySigningToken(ctx, "tokenhash")
			return err
		}},
		{"consent by signing code", "consents_signing_code", func() error {
			_, err := db.FindConsentBySigningCode(ctx, "codehash")
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); err != nil && consent.ErrorCode(err) != consent.ENOTFOUND {
				t.Fatal(err)
			}
			sql, vars := last()
			plan := explainPlan(t, db, sql, vars)
			if !strings.Contains(plan, "USING INDEX "+tc.index) {
				t.Errorf("%s\nplan:\n%s\nwant a search using %s", sql, plan, tc.index)
			}
		})
	}
}

// captureQueries records the first query gorm runs after each call of the
// returned function's previous answer: its SQL with placeholders and its values.
func captureQueries(t *testing.T, db *DB) (last func() (string, []any)) {
	var mu sync.Mutex
	var sql string
	var vars []any
	err := db.gdb.Callback().Query().After("gorm:query").Register("test:capture", func(g *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		if sql == "" {
			sql, vars = g.Statement.SQL.String(), append([]any(nil), g.Statement.Vars...)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() (string, []any) {
		mu.Lock()
		defer mu.Unlock()
		s, v := sql, vars
		sql, vars = "", nil
		return s, v
	}
}

// explainPlan returns SQLite's plan for sql with its bound values, one step a line.
func explainPlan(t *testing.T, db *DB, sql string, vars []any) string {
	t.Helper()
	rows, err := db.sqlDB.Query("EXPLAIN QUERY PLAN "+sql, vars...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
