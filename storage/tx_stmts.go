package storage

import (
	"context"
	"database/sql"
	"errors"

	"gorm.io/gorm"
)

// txStmts is the connection pool gorm uses inside a write transaction: it
// prepares each distinct statement once and reuses it for the rest of the
// transaction (every unit of a group, every event of an audit batch). gorm's
// statement cache cannot: a statement it first prepared inside
// a transaction belongs to that transaction, and database/sql prepares it
// again for every execution in any later one (Tx.StmtContext), which cost
// about a fifth of the writer's CPU in BenchmarkSigningCommits (and a round
// trip per statement on PostgreSQL). Only the transaction's goroutine uses it.
type txStmts struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	hot   *hotStmts // prepared once for all transactions
	cold  int       // statements this transaction prepared itself
}

func (p *txStmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	if h := p.hot.get(query); h != nil {
		s := p.tx.StmtContext(ctx, h)
		p.stmts[query] = s
		return s, nil
	}
	s, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	p.cold++
	return s, nil
}

// PrepareContext prepares query in the transaction (gorm.ConnPool).
func (p *txStmts) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.stmt(ctx, query)
}

// ExecContext runs query with its statement prepared once per transaction (gorm.ConnPool).
func (p *txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext runs query with its statement prepared once per transaction (gorm.ConnPool).
func (p *txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs query with its statement prepared once per
// transaction (gorm.ConnPool); a failed prepare surfaces from Scan.
func (p *txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.tx.QueryRowContext(ctx, query, args...) // reports the same failure
	}
	return s.QueryRowContext(ctx, args...)
}

// inTx runs fn in one write transaction (SQLite: BEGIN IMMEDIATE from the
// DSN) whose statements go through txStmts, and commits if fn returns nil;
// a panic in fn rolls back and goes on. The statements close with the
// transaction.
func (db *DB) inTx(ctx context.Context, fn func(g *gorm.DB) error) (err error) {
	sqlTx, err := db.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			if rerr := sqlTx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) && err != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()
	g := db.plain.Session(&gorm.Session{NewDB: true, Context: ctx})
	g.Statement.ConnPool = &txStmts{tx: sqlTx, stmts: map[string]*sql.Stmt{}, hot: db.hot}
	if err := fn(g); err != nil {
		return err
	}
	committed = true
	return sqlTx.Commit()
}
