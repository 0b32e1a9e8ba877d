package storage

// sqliteCheckpointsV4 adds the signed audit checkpoints, append-only like the
// log they vouch for. Migration 4 also writes one baseline audit event per
// existing row (see baselineRows), which SQL alone cannot: the events are
// hash-chained and authenticated with the audit key.
const sqliteCheckpointsV4 = `
CREATE TABLE audit_checkpoints (
	seq         INTEGER PRIMARY KEY,
	hash        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	algorithm   TEXT NOT NULL,
	cert_sha256 TEXT NOT NULL,
	signature   BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
`

// postgresCheckpointsV4 is sqliteCheckpointsV4 for PostgreSQL, written out on
// purpose (see schema_postgres.go).
const postgresCheckpointsV4 = `
CREATE TABLE audit_checkpoints (
	seq         BIGINT PRIMARY KEY,
	hash        TEXT NOT NULL,
	at          BIGINT NOT NULL,
	algorithm   TEXT NOT NULL,
	cert_sha256 TEXT NOT NULL,
	signature   BYTEA NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('audit checkpoints are append-only');
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('audit checkpoints are append-only');
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('audit checkpoints are append-only');
`
