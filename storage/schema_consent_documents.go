package storage

// sqliteConsentDocumentsV13 gives a consent's frozen documents (the text
// shown, in every locale, about 100–170 KB of JSON) a table of their own,
// written once when the consent is created and never changed. SQLite
// rewrites a whole record, overflow pages included, on every UPDATE, so
// while the documents sat in the consents row each status change (signed,
// withdrawn, expired …) rewrote them.
//
// Existing rows are not moved: copying a million consents' documents would
// hold the write lock for as long as rewriting the whole database. A
// consent created before this step keeps them in consents.documents; one
// created after it leaves that column empty (its trigger keeps it so) and
// has exactly one row here. Readers take the column when it is not empty,
// else this table (documentsOfQuery).
const sqliteConsentDocumentsV13 = `
CREATE TABLE consent_documents (
	consent_id TEXT PRIMARY KEY REFERENCES consents (id),
	documents  TEXT NOT NULL
);
CREATE TRIGGER consent_documents_no_update BEFORE UPDATE ON consent_documents
BEGIN SELECT RAISE(ABORT, 'a consent''s documents are frozen'); END;
CREATE TRIGGER consent_documents_no_delete BEFORE DELETE ON consent_documents
BEGIN SELECT RAISE(ABORT, 'a consent''s documents are frozen'); END;
`

// postgresConsentDocumentsV13 is sqliteConsentDocumentsV13 for PostgreSQL,
// where the rewrite was smaller (an UPDATE copies the TOAST pointer, not the
// text) but the row stays insert-only the same way. The documents are
// compressed with lz4 where the server has it: pglz took about a fifth of
// PostgreSQL's CPU while signing (see also migration 15). A server without lz4 (or older than 14) keeps pglz; the error is
// caught here rather than failing the step.
const postgresConsentDocumentsV13 = `
CREATE TABLE consent_documents (
	consent_id TEXT COLLATE "C" PRIMARY KEY REFERENCES consents (id),
	documents  TEXT NOT NULL
);
DO $$
BEGIN
	EXECUTE 'ALTER TABLE consent_documents ALTER COLUMN documents SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
	RAISE NOTICE 'consentd: lz4 is not available; consent documents stay compressed with pglz';
END
$$;
CREATE TRIGGER consent_documents_no_update BEFORE UPDATE ON consent_documents
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('a consent''s documents are frozen');
CREATE TRIGGER consent_documents_no_delete BEFORE DELETE ON consent_documents
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('a consent''s documents are frozen');
CREATE TRIGGER consent_documents_no_truncate BEFORE TRUNCATE ON consent_documents
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('a consent''s documents are frozen');
`
