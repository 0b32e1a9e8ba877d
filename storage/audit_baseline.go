package storage

import (
	"context"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// baselineRows writes one audit event per existing row, vouching for the rows
// written before rows were bound to the audit chain (migration 4). It runs in
// the migration's transaction under the writers' lock, so it chains onto the
// log as any write would, and all of it commits or none. On an empty database
// it writes nothing.
func (db *DB) baselineRows(_ context.Context, g *gorm.DB) error {
	if err := db.lockWriters(g); err != nil {
		return err
	}
	last, err := lastAudit(g)
	if err != nil {
		return err
	}
	start, now := last.Seq, db.now()
	err = eachRow(g, baselineTables, func(r consent.Row) error {
		e := consent.BaselineEvent(r, now)
		row, err := db.chain(e, last)
		if err != nil {
			return err
		}
		if err := insertAudit(g, row); err != nil {
			return err
		}
		last = consent.AuditHead{Seq: e.Seq, Hash: e.Hash, MAC: e.MAC}
		return nil
	})
	if err != nil {
		return err
	}
	if last.Seq > start {
		db.migratedHead = &last
	}
	return nil
}
