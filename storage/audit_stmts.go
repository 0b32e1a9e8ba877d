package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/consentd/consentd/consent"
)

// lastAuditSQL reads the chain's last position.
const lastAuditSQL = `SELECT seq, hash, mac FROM audit_events ORDER BY seq DESC LIMIT 1`

// auditChunks are the row counts of the multi-row inserts an audit commit
// uses, largest first; 1 is insertAuditSQL. A list's 50 view events are
// four statements (16+16+16+2) instead of 50; a signature's 14 events (one per
// acknowledged section of the ketamine consent, the signature, the
// completion) are three (8+4+2).
var auditChunks = []int{16, 8, 4, 2}

// insertAuditsQueries holds the multi-row insert of each auditChunks size.
var insertAuditsQueries = func() map[int]plainQuery {
	m := map[int]plainQuery{}
	for _, n := range auditChunks {
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
		m[n] = newPlainQuery(`INSERT INTO audit_events (seq, type, at, actor, consent_id, ip, user_agent, device_id,
	details, prev_hash, hash, mac) VALUES ` + values)
	}
	return m
}()

var (
	insertAuditQuery = newPlainQuery(insertAuditSQL)
	lastAuditQuery   = newPlainQuery(lastAuditSQL)
	writeLockQuery   = newPlainQuery(writeLockSQL)
)

// text returns q's text in dialect.
func (q plainQuery) text(dialect string) string {
	if dialect == dialectPostgres {
		return q.postgres
	}
	return q.sqlite
}

// hotStmts are the statements every audit commit runs (the chain's head and
// the insert, and PostgreSQL's write lock), prepared once on the pool when the database opens. A
// transaction's txStmts takes them with Tx.StmtContext, which reuses what
// each connection prepared before: without them every audit group prepared
// both again (txStmts lives for one transaction), about a tenth of the
// audit writer's CPU in BenchmarkGetConsentSummaryParallel.
type hotStmts struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepareHot prepares the hot statements in db's dialect.
func (db *DB) prepareHot(ctx context.Context) error {
	h := &hotStmts{stmts: map[string]*sql.Stmt{}}
	texts := []string{insertAuditQuery.text(db.dialect), lastAuditQuery.text(db.dialect)}
	for _, n := range auditChunks {
		texts = append(texts, insertAuditsQueries[n].text(db.dialect))
	}
	if db.dialect == dialectPostgres {
		texts = append(texts, writeLockQuery.postgres) // every write transaction's first statement there
	}
	for _, text := range texts {
		s, err := db.sqlDB.PrepareContext(ctx, text)
		if err != nil {
			h.close()
			return fmt.Errorf("storage: prepare %q: %w", text, err)
		}
		h.stmts[text] = s
	}
	db.hot = h
	return nil
}

// get returns the prepared statement of query, nil if it is not a hot one.
func (h *hotStmts) get(query string) *sql.Stmt {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stmts[query]
}

func (h *hotStmts) close() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, s := range h.stmts {
		errs = append(errs, s.Close())
	}
	h.stmts = nil
	return errors.Join(errs...)
}

// lastAudit returns the chain's last position, as lastAudit does, with the
// transaction's prepared statement.
func (p *txStmts) lastAudit(ctx context.Context, dialect string) (consent.AuditHead, error) {
	s, err := p.stmt(ctx, lastAuditQuery.text(dialect))
	if err != nil {
		return consent.AuditHead{}, translate("read audit head", err, msgs{})
	}
	var h consent.AuditHead
	err = s.QueryRowContext(ctx).Scan(&h.Seq, &h.Hash, &h.MAC)
	if errors.Is(err, sql.ErrNoRows) {
		return consent.AuditHead{}, nil
	}
	return h, translate("read audit head", err, msgs{})
}

// insertAudits appends rows, in order, with the transaction's prepared
// inserts: chunks of auditChunks rows while they last, then one at a time.
func (p *txStmts) insertAudits(ctx context.Context, dialect string, rows []auditRow) error {
	for len(rows) > 0 {
		n, q := 1, insertAuditQuery
		for _, c := range auditChunks {
			if len(rows) >= c {
				n, q = c, insertAuditsQueries[c]
				break
			}
		}
		s, err := p.stmt(ctx, q.text(dialect))
		if err != nil {
			return translate("append audit event", err, msgs{})
		}
		args := make([]any, 0, 12*n)
		for _, r := range rows[:n] {
			args = append(args, r.Seq, r.Type, r.AtMS, r.Actor, r.ConsentID, r.IP, r.UserAgent, r.DeviceID,
				r.Details, r.PrevHash, r.Hash, r.MAC)
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return translate("append audit event", err, msgs{})
		}
		rows = rows[n:]
	}
	return nil
}
