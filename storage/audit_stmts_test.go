package storage

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// TestAuditCommitPreparesNothing: an audit commit's statements (the write
// lock on PostgreSQL, the chain's head, the insert, also through gorm as
// AppendAudit runs them) are the ones prepared when the database opened;
// the transaction prepares none of its own.
func TestAuditCommitPreparesNothing(t *testing.T) {
	ctx := context.Background()
	db := openForGroup(t)
	for i := 0; i < 2; i++ { // the second time on a connection that prepared them before
		var p *txStmts
		err := db.inTx(ctx, func(g *gorm.DB) error {
			p = g.Statement.ConnPool.(*txStmts)
			if err := db.lockWriters(g); err != nil {
				return err
			}
			last, err := p.lastAudit(ctx, db.dialect)
			if err != nil {
				return err
			}
			rows, _, err := db.chainAll([]*consent.AuditEvent{{Type: "test.hot", ConsentID: "C1"}}, last)
			if err != nil {
				return err
			}
			if err := p.insertAudits(ctx, db.dialect, rows); err != nil {
				return err
			}
			if _, err := lastAudit(g); err != nil { // through gorm, as AppendAudit
				return err
			}
			return insertAudit(g, auditRow{Seq: last.Seq + 2, Type: "test.hot", Details: "{}"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.cold != 0 {
			t.Errorf("round %d: the transaction prepared %d statements of its own (%d in all)", i, p.cold, len(p.stmts))
		}
	}
}
