package storage

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// verifyPage is how many events verification holds in memory at once.
const verifyPage = 1000

// VerifyAudit re-checks the whole audit chain in seq order, a page at a time,
// and then its end against the authenticated head file. It returns 0, "" if
// the chain is intact, or the first bad seq and what is wrong with it (for a
// missing entry, the seq that is missing). It does not compare rows: see
// VerifyIntegrity.
func (db *DB) VerifyAudit(ctx context.Context) (badSeq int64, reason string, err error) {
	report, err := db.verify(ctx, nil, true)
	if err != nil || report.Intact() {
		return 0, "", err
	}
	return report.Faults[0].Seq, report.Faults[0].Reason, nil
}

// VerifyIntegrity checks the whole chain, then every row the chain vouches
// for against the digest in the newest event that names it (reporting rows
// no event vouches for and vouched-for rows that are gone), then the chain's
// end against the authenticated head and the checkpoints given. It reads one
// consistent snapshot of the database, so a server writing meanwhile causes
// no false findings.
func (db *DB) VerifyIntegrity(ctx context.Context, checkpoints []consent.CheckpointClaim) (*consent.IntegrityReport, error) {
	return db.verify(ctx, checkpoints, false)
}

// VerifyAuditRange checks that the events after `after` up to seq upTo follow
// it link by link with valid hashes and MACs; it returns the first fault, nil
// if they verify.
func (db *DB) VerifyAuditRange(ctx context.Context, after consent.AuditHead, upTo int64) (*consent.IntegrityFault, error) {
	v := consent.NewIntegrityVerifier(db.key)
	v.SkipRows = true
	v.Resume(after.Seq, after.Hash)
	last, err := scanEvents(db.q(ctx), after.Seq, upTo, v.Event)
	if err != nil {
		return nil, err
	}
	report := v.Finish(nil)
	if !report.Intact() {
		return &report.Faults[0], nil
	}
	if last < upTo {
		return &consent.IntegrityFault{Seq: last + 1, Reason: fmt.Sprintf("the chain ends at seq %d, before seq %d", last, upTo)}, nil
	}
	return nil, nil
}

func (db *DB) verify(ctx context.Context, checkpoints []consent.CheckpointClaim, chainOnly bool) (*consent.IntegrityReport, error) {
	// Read the head first: it is written after its commit, so every event it
	// names is already in the database when the snapshot below is taken.
	head, err := db.LastAuditHead(ctx)
	if err != nil {
		return nil, err
	}
	v := consent.NewIntegrityVerifier(db.key)
	v.SkipRows = chainOnly
	for _, c := range checkpoints {
		v.AddCheckpoint(c.Checkpoint, c.Source)
	}
	err = db.snapshot(ctx, func(g *gorm.DB) error {
		if _, err := scanEvents(g, 0, 0, v.Event); err != nil {
			return err
		}
		if chainOnly || v.Broken() {
			return nil
		}
		return eachRow(g, consent.VouchedTables, func(r consent.Row) error { v.Row(r); return nil })
	})
	if err != nil {
		return nil, err
	}
	return v.Finish(head), nil
}

// scanEvents passes the events after seq after (up to upTo, 0: the end) to
// fn in seq order until fn returns false; it returns the last seq read.
func scanEvents(g *gorm.DB, after, upTo int64, fn func(*consent.AuditEvent) bool) (int64, error) {
	for {
		var rows []auditRow
		q := g.Where("seq > ?", after)
		if upTo > 0 {
			q = q.Where("seq <= ?", upTo)
		}
		if err := q.Order("seq").Limit(verifyPage).Find(&rows).Error; err != nil {
			return after, translate("verify audit", err, msgs{})
		}
		for _, row := range rows {
			e, err := row.toDomain()
			if err != nil {
				// Undecodable details: hand on what the hash covers nothing of,
				// so the chain check reports the entry.
				e = &consent.AuditEvent{Seq: row.Seq, Type: row.Type, PrevHash: row.PrevHash, Hash: row.Hash, MAC: row.MAC,
					Details: map[string]any{"undecodable details": row.Details}}
			}
			if !fn(e) {
				return row.Seq, nil
			}
			after = row.Seq
		}
		if len(rows) < verifyPage {
			return after, nil
		}
	}
}

// snapshot runs fn in a read-only transaction that sees one consistent state
// of the database while writers go on. SQLite's pool begins every transaction
// IMMEDIATE (taking the write lock), so there fn runs on a separate query-only
// connection whose deferred transaction reads one WAL snapshot.
func (db *DB) snapshot(ctx context.Context, fn func(g *gorm.DB) error) error {
	if db.dialect == dialectPostgres {
		return db.plain.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	dsn := sqliteReadDSN(db.sqlitePath)
	g, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return fmt.Errorf("storage: open a read snapshot: %w", err)
	}
	raw, err := g.DB()
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	return g.WithContext(ctx).Transaction(fn)
}
