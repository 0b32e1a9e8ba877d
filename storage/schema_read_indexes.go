package storage

// sqliteReadIndexesV12 adds covering indexes for the two reads every consent
// read makes. SQLite stores a row's columns in order and spills a long value
// to a chain of overflow pages; reading a column after it walks the chain.
// A consent's documents (about 170 KB) precede created_at, signed_at and
// the rest, and a template version's locales precede reconsent, so each read
// walked about 40 pages per row; with the audit appends of concurrent reads
// changing the database, every read starts with an empty page cache and
// reads them afresh (about 65 µs per consent row in
// BenchmarkGetConsentSummaryParallel). The summary load
// (FindConsentSummary) and the version heads (ListVersions) read only
// indexed columns, so they never touch a row.
const sqliteReadIndexesV12 = `
CREATE INDEX consents_summary ON consents (id, status, template_slug, template_version, template_sha256, locale,
	patient_id, created_at, expires_at, signed_at, status_changed_at, status_reason, supersedes);
CREATE INDEX template_versions_heads ON template_versions (slug, version, status, content_sha256, published_at,
	approved_by, retired_at, created_at, reconsent);
`

// postgresReadIndexesV12 adds nothing: PostgreSQL keeps long values out of
// line (TOAST), so reading a row's short columns never reads them.
const postgresReadIndexesV12 = `SELECT 1`
