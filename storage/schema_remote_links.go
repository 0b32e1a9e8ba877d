package storage

// sqliteRemoteLinksV10 lets a patient link be a remote signing link: its
// purpose ('download' for every link made before), the HMAC of its one-time
// code (empty when none) and when the patient signed through it (used_at).
const sqliteRemoteLinksV10 = `
ALTER TABLE download_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'download';
ALTER TABLE download_links ADD COLUMN code_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE download_links ADD COLUMN used_at INTEGER;
`

// postgresRemoteLinksV10 is sqliteRemoteLinksV10 for PostgreSQL.
const postgresRemoteLinksV10 = `
ALTER TABLE download_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'download';
ALTER TABLE download_links ADD COLUMN code_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE download_links ADD COLUMN used_at BIGINT;
`
