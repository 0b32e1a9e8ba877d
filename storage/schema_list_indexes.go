package storage

// sqliteListIndexesV14 serves a patient's list of consents (GET
// /v1/consents?patient_id=, an EHR's most common list) from one index in
// the list's order (created_at DESC, id DESC). With consents_patient alone,
// SQLite read each of the patient's rows for created_at, walking its frozen
// documents' overflow pages (see sqliteReadIndexesV12), then sorted them.
// The index also holds the columns the list's status and template filters
// test, so a filtered page never touches a row either. It starts with
// patient_id, so it replaces consents_patient. consents_status_created does
// the same for a list by status (?status=signed), which sorted every
// consent of that status, each read from its row, to answer one page; it
// replaces consents_status.
const sqliteListIndexesV14 = `
CREATE INDEX consents_patient_created ON consents (patient_id, created_at, id, status, expires_at, template_slug);
DROP INDEX consents_patient;
CREATE INDEX consents_status_created ON consents (status, created_at, id, expires_at, template_slug);
DROP INDEX consents_status;
`

// postgresListIndexesV14 gives PostgreSQL the same order (without the
// covering columns: it keeps long values out of line, so reading a row's
// short columns is cheap there).
const postgresListIndexesV14 = `
CREATE INDEX consents_patient_created ON consents (patient_id, created_at, id);
DROP INDEX consents_patient;
CREATE INDEX consents_status_created ON consents (status, created_at, id);
DROP INDEX consents_status;
`
