package storage

// Times are INTEGER milliseconds since the Unix epoch (UTC): exact round trips,
// correct ordering, and the same column type in every dialect. JSON columns
// hold storage's own row-level structs.

const sqliteSchemaV1 = `
CREATE TABLE templates (
	slug       TEXT PRIMARY KEY,
	title      TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE template_versions (
	slug                TEXT NOT NULL REFERENCES templates (slug),
	version             INTEGER NOT NULL CHECK (version > 0),
	status              TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
	content_sha256      TEXT NOT NULL,
	published_at        INTEGER,
	approved_by         TEXT NOT NULL DEFAULT '',
	retired_at          INTEGER,
	created_at          INTEGER NOT NULL,
	locale_codes        TEXT NOT NULL,
	locales             TEXT NOT NULL,
	variables           TEXT NOT NULL,
	required_signers    TEXT NOT NULL,
	signature_forms     TEXT NOT NULL,
	expires_after_hours INTEGER NOT NULL,
	PRIMARY KEY (slug, version)
);

CREATE TABLE consents (
	id                  TEXT PRIMARY KEY,
	status              TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'declined', 'cancelled', 'expired', 'withdrawn', 'voided')),
	template_slug       TEXT NOT NULL,
	template_version    INTEGER NOT NULL,
	template_sha256     TEXT NOT NULL,
	locale              TEXT NOT NULL,
	patient_id          TEXT NOT NULL,
	patient_given_name  TEXT NOT NULL,
	patient_family_name TEXT NOT NULL,
	patient_birth_date  TEXT NOT NULL,
	variables           TEXT NOT NULL,
	documents           TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	expires_at          INTEGER NOT NULL,
	created_by          TEXT NOT NULL,
	signing_token_hash  TEXT NOT NULL,
	signing_code_hash   TEXT NOT NULL,
	signed_at           INTEGER,
	status_changed_at   INTEGER,
	status_reason       TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (template_slug, template_version) REFERENCES template_versions (slug, version)
);
CREATE INDEX consents_patient ON consents (patient_id);
CREATE INDEX consents_status ON consents (status);
CREATE INDEX consents_template ON consents (template_slug, template_version);
CREATE INDEX consents_created ON consents (created_at, id);
CREATE UNIQUE INDEX consents_signing_token ON consents (signing_token_hash) WHERE signing_token_hash <> '';
CREATE UNIQUE INDEX consents_signing_code ON consents (signing_code_hash) WHERE signing_code_hash <> '';
CREATE INDEX consents_pending_expiry ON consents (expires_at) WHERE status = 'pending';

CREATE TABLE signatures (
	id                            TEXT PRIMARY KEY,
	consent_id                    TEXT NOT NULL REFERENCES consents (id),
	role                          TEXT NOT NULL,
	side                          TEXT NOT NULL CHECK (side = CASE WHEN role IN ('patient', 'representative') THEN 'patient' ELSE role END),
	name                          TEXT NOT NULL,
	relationship                  TEXT NOT NULL,
	locale                        TEXT NOT NULL,
	meaning                       TEXT NOT NULL,
	signed_at                     INTEGER NOT NULL,
	mark_type                     TEXT NOT NULL,
	mark_width                    INTEGER NOT NULL,
	mark_height                   INTEGER NOT NULL,
	mark_strokes                  TEXT NOT NULL,
	mark_png                      BLOB,
	mark_text                     TEXT NOT NULL,
	staff_id                      TEXT NOT NULL,
	identity_verified             INTEGER NOT NULL,
	electronic_records_consent_at INTEGER,
	acknowledged                  TEXT NOT NULL,
	channel                       TEXT NOT NULL,
	ip                            TEXT NOT NULL,
	user_agent                    TEXT NOT NULL,
	device_id                     TEXT NOT NULL,
	actor                         TEXT NOT NULL,
	client_time                   TEXT NOT NULL,
	UNIQUE (consent_id, role),
	UNIQUE (consent_id, side)
);

CREATE TABLE acknowledgments (
	id          INTEGER PRIMARY KEY,
	consent_id  TEXT NOT NULL REFERENCES consents (id),
	section_key TEXT NOT NULL,
	locale      TEXT NOT NULL,
	at          INTEGER NOT NULL,
	channel     TEXT NOT NULL,
	ip          TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	actor       TEXT NOT NULL,
	client_time TEXT NOT NULL
);
CREATE INDEX acknowledgments_consent ON acknowledgments (consent_id);

CREATE TABLE pdfs (
	consent_id  TEXT PRIMARY KEY REFERENCES consents (id),
	sha256      TEXT NOT NULL,
	size        INTEGER NOT NULL,
	cert_sha256 TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	bytes       BLOB NOT NULL
);

CREATE TABLE audit_events (
	seq        INTEGER PRIMARY KEY,
	type       TEXT NOT NULL,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	consent_id TEXT NOT NULL,
	ip         TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	device_id  TEXT NOT NULL,
	details    TEXT NOT NULL,
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL,
	mac        TEXT NOT NULL
);
CREATE INDEX audit_events_consent ON audit_events (consent_id) WHERE consent_id <> '';
CREATE INDEX audit_events_type ON audit_events (type);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	prefix     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

CREATE TABLE staff (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	role           TEXT NOT NULL,
	pin_hash       TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	deactivated_at INTEGER
);

CREATE TABLE download_links (
	id                 TEXT PRIMARY KEY,
	consent_id         TEXT NOT NULL REFERENCES consents (id),
	token_hash         TEXT NOT NULL UNIQUE,
	expires_at         INTEGER NOT NULL,
	require_birth_date INTEGER NOT NULL,
	created_at         INTEGER NOT NULL,
	created_by         TEXT NOT NULL,
	revoked_at         INTEGER
);
CREATE INDEX download_links_consent ON download_links (consent_id);

CREATE TABLE idempotency (
	scope        TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL,
	body         BLOB,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);
`

// sqliteTriggersV2 makes the append-only rules hold in the database itself,
// whoever writes to it: what was signed, sealed or audited cannot be changed.
// Each table's triggers are written out, not generated: a released
// migration's text never changes.
const sqliteTriggersV2 = `
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;

CREATE TRIGGER acknowledgments_no_update BEFORE UPDATE ON acknowledgments
BEGIN SELECT RAISE(ABORT, 'acknowledgments are append-only'); END;
CREATE TRIGGER acknowledgments_no_delete BEFORE DELETE ON acknowledgments
BEGIN SELECT RAISE(ABORT, 'acknowledgments are append-only'); END;

CREATE TRIGGER pdfs_no_update BEFORE UPDATE ON pdfs
BEGIN SELECT RAISE(ABORT, 'sealed PDFs are append-only'); END;
CREATE TRIGGER pdfs_no_delete BEFORE DELETE ON pdfs
BEGIN SELECT RAISE(ABORT, 'sealed PDFs are append-only'); END;

CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'consents are never deleted'); END;
CREATE TRIGGER consents_frozen BEFORE UPDATE ON consents
WHEN NEW.id IS NOT OLD.id OR NEW.template_slug IS NOT OLD.template_slug
	OR NEW.template_version IS NOT OLD.template_version OR NEW.template_sha256 IS NOT OLD.template_sha256
	OR NEW.patient_id IS NOT OLD.patient_id OR NEW.patient_given_name IS NOT OLD.patient_given_name
	OR NEW.patient_family_name IS NOT OLD.patient_family_name OR NEW.patient_birth_date IS NOT OLD.patient_birth_date
	OR NEW.variables IS NOT OLD.variables OR NEW.documents IS NOT OLD.documents
	OR NEW.created_at IS NOT OLD.created_at OR NEW.expires_at IS NOT OLD.expires_at OR NEW.created_by IS NOT OLD.created_by
	OR NEW.signing_token_hash IS NOT OLD.signing_token_hash OR NEW.signing_code_hash IS NOT OLD.signing_code_hash
	OR (OLD.signed_at IS NOT NULL AND NEW.signed_at IS NOT OLD.signed_at)
BEGIN SELECT RAISE(ABORT, 'a consent''s document, patient and tokens are frozen'); END;
CREATE TRIGGER consents_transition BEFORE UPDATE OF status ON consents
WHEN NEW.status IS NOT OLD.status AND NOT (
	(OLD.status = 'pending' AND NEW.status IN ('signed', 'declined', 'cancelled', 'expired'))
	OR (OLD.status = 'signed' AND NEW.status IN ('withdrawn', 'voided')))
BEGIN SELECT RAISE(ABORT, 'illegal consent status transition'); END;
CREATE TRIGGER consents_locale BEFORE UPDATE OF locale ON consents
WHEN NEW.locale IS NOT OLD.locale
	AND (OLD.status <> 'pending' OR EXISTS (SELECT 1 FROM signatures WHERE consent_id = OLD.id))
BEGIN SELECT RAISE(ABORT, 'a consent''s locale is fixed by its first signature'); END;

CREATE TRIGGER template_versions_no_delete BEFORE DELETE ON template_versions
BEGIN SELECT RAISE(ABORT, 'template versions are never deleted'); END;
CREATE TRIGGER template_versions_frozen BEFORE UPDATE ON template_versions
WHEN OLD.status <> 'draft' AND (NEW.slug IS NOT OLD.slug OR NEW.version IS NOT OLD.version
	OR NEW.content_sha256 IS NOT OLD.content_sha256 OR NEW.locale_codes IS NOT OLD.locale_codes
	OR NEW.locales IS NOT OLD.locales OR NEW.variables IS NOT OLD.variables
	OR NEW.required_signers IS NOT OLD.required_signers OR NEW.signature_forms IS NOT OLD.signature_forms
	OR NEW.expires_after_hours IS NOT OLD.expires_after_hours OR NEW.created_at IS NOT OLD.created_at
	OR NEW.published_at IS NOT OLD.published_at OR NEW.approved_by IS NOT OLD.approved_by
	OR (OLD.status = 'retired' AND NEW.retired_at IS NOT OLD.retired_at))
BEGIN SELECT RAISE(ABORT, 'a published template version is frozen'); END;
CREATE TRIGGER template_versions_transition BEFORE UPDATE OF status ON template_versions
WHEN NEW.status IS NOT OLD.status AND NOT (
	(OLD.status = 'draft' AND NEW.status = 'published') OR (OLD.status = 'published' AND NEW.status = 'retired'))
BEGIN SELECT RAISE(ABORT, 'illegal template version status transition'); END;
`
