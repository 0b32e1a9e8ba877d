package storage

// sqliteToastV15 changes nothing: SQLite does not compress values.
const sqliteToastV15 = `SELECT 1`

// postgresToastV15 stores sealed PDFs, which are deflated already, out of
// line without a compression attempt. perf during BenchmarkSignConsentParallel
// on PostgreSQL 15 showed pglz at about a fifth of the server's CPU, for the
// consent documents (lz4 since migration 13) and for the PDFs, which it
// cannot shrink. Only new values are affected; every value reads back the
// same.
const postgresToastV15 = `
ALTER TABLE pdfs ALTER COLUMN bytes SET STORAGE EXTERNAL;
ALTER TABLE additional_pdfs ALTER COLUMN bytes SET STORAGE EXTERNAL;
`
