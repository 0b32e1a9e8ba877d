package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// plainQuery is a hand-written query for a hot read, run on the reader's
// connection pool past gorm: no statement building, callbacks or reflection
// per call (about a third of a summary read's storage CPU), while the pool
// still prepares each statement once per connection (gorm's PrepareStmt
// pool outside a transaction, txStmts inside one).
type plainQuery struct {
	sqlite, postgres string
}

// newPlainQuery takes the query with ? placeholders, as SQLite runs it, and
// numbers them ($1, $2, ...) for PostgreSQL. The query holds no other ?.
func newPlainQuery(query string) plainQuery {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return plainQuery{sqlite: query, postgres: b.String()}
}

// query runs q with args on the reader's connection (its transaction's, in a transaction).
func (r reader) query(ctx context.Context, q plainQuery, args ...any) (*sql.Rows, error) {
	if r.detached {
		ctx = context.WithoutCancel(ctx)
	}
	text := q.sqlite
	if r.g.Dialector.Name() == dialectPostgres {
		text = q.postgres
	}
	return r.g.Statement.ConnPool.QueryContext(ctx, text, args...)
}
