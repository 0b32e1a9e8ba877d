package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// migration is one step of the schema. Steps are applied in Version order,
// each in its own transaction, and recorded in schema_migrations; a step is
// never edited once released — a change is a new step. Dialects that need
// different SQL carry it side by side.
type migration struct {
	Version  int
	Name     string
	SQLite   string
	Postgres string
	// After, when set, runs in the same transaction after the SQL: for steps
	// that need Go, such as writing authenticated audit events.
	After func(db *DB, ctx context.Context, g *gorm.DB) error
}

// migrations is the whole schema history, oldest first.
var migrations = []migration{
	{Version: 1, Name: "initial schema", SQLite: sqliteSchemaV1, Postgres: postgresSchemaV1},
	{Version: 2, Name: "append-only triggers", SQLite: sqliteTriggersV2, Postgres: postgresTriggersV2},
	{Version: 3, Name: "webhooks and outbox", SQLite: sqliteWebhooksV3, Postgres: postgresWebhooksV3},
	{Version: 4, Name: "audit checkpoints; rows bound to the audit chain", SQLite: sqliteCheckpointsV4,
		Postgres: postgresCheckpointsV4, After: (*DB).baselineRows},
	{Version: 5, Name: "counters, enrolled devices, locked links, additional PDFs", SQLite: sqliteLockoutV5, Postgres: postgresLockoutV5},
	{Version: 6, Name: "webhook secret rotation", SQLite: sqliteWebhookRotationV6, Postgres: postgresWebhookRotationV6},
	{Version: 7, Name: "template approvers and approvals", SQLite: sqliteApprovalsV7, Postgres: postgresApprovalsV7},
	{Version: 8, Name: "re-consent policies, valid_for_days, superseding consents, re-consent notices",
		SQLite: sqliteReconsentV8, Postgres: postgresReconsentV8},
	{Version: 9, Name: "teach-back answer attempts; discussed sections", SQLite: sqliteTeachBackV9, Postgres: postgresTeachBackV9},
	{Version: 10, Name: "remote signing links", SQLite: sqliteRemoteLinksV10, Postgres: postgresRemoteLinksV10},
	{Version: 11, Name: "template versions keep their teach_back flag", SQLite: sqliteTeachBackFlagV11, Postgres: postgresTeachBackFlagV11},
	{Version: 12, Name: "covering indexes for consent reads (SQLite)", SQLite: sqliteReadIndexesV12, Postgres: postgresReadIndexesV12},
	{Version: 13, Name: "consent documents in their own insert-only table", SQLite: sqliteConsentDocumentsV13,
		Postgres: postgresConsentDocumentsV13},
	{Version: 14, Name: "a patient's consents indexed in list order", SQLite: sqliteListIndexesV14, Postgres: postgresListIndexesV14},
	{Version: 15, Name: "sealed PDFs stored without a compression attempt (PostgreSQL)",
		SQLite: sqliteToastV15, Postgres: postgresToastV15},
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at INTEGER NOT NULL
)`

// migrate applies the migrations the database has not seen yet and returns
// their versions. It refuses a database written by a newer binary.
func (db *DB) migrate(ctx context.Context) ([]int, error) {
	create := createSchemaMigrations
	if db.dialect == dialectPostgres {
		create = postgresSchemaMigrations
	}
	// Processes starting together must not race to create the table: on
	// PostgreSQL its creation runs under the migration lock too.
	err := db.plain.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		if err := db.lockMigrations(g); err != nil {
			return err
		}
		return g.Exec(create).Error
	})
	if err != nil {
		return nil, fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	var newest int
	if err := db.plain.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest).Error; err != nil {
		return nil, fmt.Errorf("storage: read schema version: %w", err)
	}
	if last := db.schema[len(db.schema)-1].Version; newest > last {
		return nil, fmt.Errorf("storage: database schema version %d is newer than this binary's %d", newest, last)
	}
	var applied []int
	for _, m := range db.schema {
		if m.Version <= newest {
			continue
		}
		done, err := db.applyMigration(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	if len(applied) > 0 {
		db.dropIdleConns()
	}
	return applied, nil
}

// applyMigration runs one step in a write transaction; it re-checks inside the
// lock, since another process may have applied it meanwhile.
func (db *DB) applyMigration(ctx context.Context, m migration) (bool, error) {
	sql := m.SQLite
	if db.dialect == dialectPostgres {
		sql = m.Postgres
	}
	if sql == "" {
		return false, fmt.Errorf("storage: migration %d (%s) has no %s SQL", m.Version, m.Name, db.dialect)
	}
	done := false
	err := db.plain.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		if err := db.lockMigrations(g); err != nil {
			return err
		}
		var n int64
		if err := g.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n).Error; err != nil || n > 0 {
			return err
		}
		if err := g.Exec(sql).Error; err != nil {
			return err
		}
		if m.After != nil {
			if err := m.After(db, ctx, g); err != nil {
				return err
			}
		}
		done = true
		return g.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, toMS(db.now())).Error
	})
	if err != nil {
		return false, fmt.Errorf("storage: migration %d (%s): %w", m.Version, m.Name, err)
	}
	return done, nil
}

// lockMigrations makes the migrating processes of one PostgreSQL database
// take turns, until the transaction ends; SQLite's BEGIN IMMEDIATE already
// does this.
func (db *DB) lockMigrations(g *gorm.DB) error {
	if db.dialect != dialectPostgres {
		return nil
	}
	return g.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error
}

// dropIdleConns closes the pool's idle connections after a schema change.
// pgx prepares and caches every statement per connection, so a query a step
// ran (migration 4's row scan reads download_links with SELECT *) would
// otherwise be reused on that connection after a later step changed the
// table's columns (migration 5 adds download_links.locked_at), and
// PostgreSQL refuses it: "cached plan must not change result type".
func (db *DB) dropIdleConns() {
	if db.dialect != dialectPostgres {
		return
	}
	db.sqlDB.SetMaxIdleConns(0)
	db.sqlDB.SetMaxIdleConns(pgMaxIdleConns)
}
