package storage

// sqliteToastV15 changes nothing: SQLite does not compress values.
const sqliteToastV15 = `SELECT 1`

// postgresToastV15 sets how PostgreSQL stores the long values of new rows
// (rows already written keep theirs; every value reads back the same):
//   - a consent's frozen documents (100–170 KB of JSON each) are compressed
//     with lz4 instead of pglz, which took about a fifth of the server's CPU
//     while signing (perf, BenchmarkSignConsentParallel) and compresses this
//     text about as well;
//   - sealed PDFs are already deflated: they are stored out of line without
//     a compression attempt.
//
// A server built without lz4, or older than PostgreSQL 14, keeps pglz: the
// statement runs through EXECUTE so that its error (feature not supported,
// or a syntax error before version 14) is caught here rather than failing
// the migration.
const postgresToastV15 = `
DO $$
BEGIN
	EXECUTE 'ALTER TABLE consents ALTER COLUMN documents SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
	RAISE NOTICE 'consentd: lz4 is not available; consent documents stay compressed with pglz';
END
$$;
ALTER TABLE pdfs ALTER COLUMN bytes SET STORAGE EXTERNAL;
ALTER TABLE additional_pdfs ALTER COLUMN bytes SET STORAGE EXTERNAL;
`
