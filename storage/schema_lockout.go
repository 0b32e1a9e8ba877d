package storage

// sqliteLockoutV5 adds what keeps lock-outs away from the clinic and what a
// withdrawal seals:
//   - counters: failure counts shared by every process on the database, one
//     row per (kind, subject, window), expired rows purged;
//   - devices: enrolled kiosk tablets (token kept as its SHA-256; revoked,
//     never deleted);
//   - download_links.locked_at: set when wrong birth dates used up a link;
//   - additional_pdfs: sealed PDFs made after the signing one (today only the
//     withdrawal copy), append-only like pdfs; the signing PDF never changes.
const sqliteLockoutV5 = `
CREATE TABLE counters (
	kind         TEXT NOT NULL,
	subject      TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	count        INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	PRIMARY KEY (kind, subject, window_start)
);
CREATE INDEX counters_expires ON counters (expires_at);

CREATE TABLE devices (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at INTEGER
);
CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
BEGIN SELECT RAISE(ABORT, 'devices are revoked, never deleted'); END;

ALTER TABLE download_links ADD COLUMN locked_at INTEGER;

CREATE TABLE additional_pdfs (
	consent_id  TEXT NOT NULL REFERENCES consents (id),
	kind        TEXT NOT NULL CHECK (kind IN ('withdrawn')),
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	cert_sha256 TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	bytes       BLOB NOT NULL,
	PRIMARY KEY (consent_id, kind)
);
CREATE INDEX additional_pdfs_sha256 ON additional_pdfs (sha256);
CREATE TRIGGER additional_pdfs_no_update BEFORE UPDATE ON additional_pdfs
BEGIN SELECT RAISE(ABORT, 'sealed PDFs are append-only'); END;
CREATE TRIGGER additional_pdfs_no_delete BEFORE DELETE ON additional_pdfs
BEGIN SELECT RAISE(ABORT, 'sealed PDFs are append-only'); END;
`

// postgresLockoutV5 is sqliteLockoutV5 for PostgreSQL, written out on purpose
// (see schema_postgres.go).
const postgresLockoutV5 = `
CREATE TABLE counters (
	kind         TEXT COLLATE "C" NOT NULL,
	subject      TEXT COLLATE "C" NOT NULL,
	window_start BIGINT NOT NULL,
	count        INTEGER NOT NULL,
	expires_at   BIGINT NOT NULL,
	PRIMARY KEY (kind, subject, window_start)
);
CREATE INDEX counters_expires ON counters (expires_at);

CREATE TABLE devices (
	id         TEXT COLLATE "C" PRIMARY KEY,
	name       TEXT NOT NULL,
	token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at BIGINT
);
CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('devices are revoked, never deleted');
CREATE TRIGGER devices_no_truncate BEFORE TRUNCATE ON devices
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('devices are revoked, never deleted');

ALTER TABLE download_links ADD COLUMN locked_at BIGINT;

CREATE TABLE additional_pdfs (
	consent_id  TEXT COLLATE "C" NOT NULL REFERENCES consents (id),
	kind        TEXT NOT NULL CHECK (kind IN ('withdrawn')),
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	cert_sha256 TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	bytes       BYTEA NOT NULL,
	PRIMARY KEY (consent_id, kind)
);
CREATE INDEX additional_pdfs_sha256 ON additional_pdfs (sha256);
CREATE TRIGGER additional_pdfs_no_update BEFORE UPDATE ON additional_pdfs
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('sealed PDFs are append-only');
CREATE TRIGGER additional_pdfs_no_delete BEFORE DELETE ON additional_pdfs
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('sealed PDFs are append-only');
CREATE TRIGGER additional_pdfs_no_truncate BEFORE TRUNCATE ON additional_pdfs
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('sealed PDFs are append-only');
`
