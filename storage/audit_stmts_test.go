package storage

import (
	"context"
	"fmt"
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
			// 16 + 4 + 1 rows: each multi-row insert and the single one.
			var events []*consent.AuditEvent
			for j := 0; j < 21; j++ {
				events = append(events, &consent.AuditEvent{Type: "test.hot", ConsentID: "C1"})
			}
			rows, next, err := db.chainAll(events, last)
			if err != nil {
				return err
			}
			if err := p.insertAudits(ctx, db.dialect, rows); err != nil {
				return err
			}
			if _, err := lastAudit(g); err != nil { // through gorm, as AppendAudit
				return err
			}
			return insertAudit(g, auditRow{Seq: next.Seq + 1, Type: "test.hot", Details: "{}"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.cold != 0 {
			t.Errorf("round %d: the transaction prepared %d statements of its own (%d in all)", i, p.cold, len(p.stmts))
		}
	}
}

// TestAuditChunksVerify: events appended by the multi-row inserts are each
// in their place in the chain, and the whole chain verifies.
func TestAuditChunksVerify(t *testing.T) {
	ctx := context.Background()
	db := openForGroup(t)
	for _, n := range []int{1, 3, 4, 16, 21, 50} {
		var events []*consent.AuditEvent
		for i := 0; i < n; i++ {
			events = append(events, &consent.AuditEvent{Type: consent.EventConsentViewed, ConsentID: fmt.Sprintf("C%d-%d", n, i),
				Details: map[string]any{"via": "list", "i": i}})
		}
		if err := db.AppendAuditEvents(ctx, events...); err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			got, err := db.ListAuditEvents(ctx, consent.AuditFilter{ConsentID: e.ConsentID})
			if err != nil || len(got) != 1 || got[0].Seq != e.Seq || got[0].Hash != e.Hash || got[0].MAC != e.MAC {
				t.Fatalf("%d events: %s stored as %+v, %v; want seq %d", n, e.ConsentID, got, err, e.Seq)
			}
		}
	}
	report, err := db.VerifyIntegrity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !report.Intact() || report.Events != 95 {
		t.Fatalf("the chain does not verify: %+v", report)
	}
}
