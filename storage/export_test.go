package storage

import (
	"context"
	"database/sql"
)

// MigrationVersions is how many migrations this consentd has, for the
// external tests that check a target's schema_migrations.
var MigrationVersions = len(migrations)

// HoldWriteSlot takes the write slot until release is called: units queued
// meanwhile form one batch, as under load.
func (db *DB) HoldWriteSlot() (release func()) {
	_ = db.lockWrite(context.Background())
	return db.unlockWrite
}

// GroupWaiting reports whether n units were queued and the grouped writer
// holds the first while the other n-1 wait: released, they form one batch.
func (db *DB) GroupWaiting(n int) bool {
	return db.group.queued.Load() == int64(n) && len(db.group.reqs) == n-1
}

// PoolStats reports the connection pool's statistics.
func (db *DB) PoolStats() sql.DBStats { return db.sqlDB.Stats() }
