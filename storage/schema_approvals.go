package storage

// sqliteApprovalsV7 makes template approval a signature instead of a
// free-text field:
//   - staff.template_approver: the permission to approve template versions
//     with one's PIN (a permission beside the signing role, not a role);
//   - template_approvals: one approver's signature per version (who, their
//     name then, the meaning, server time, evidence), append-only; the
//     version itself stays frozen, and its legacy approved_by text readable.
const sqliteApprovalsV7 = `
ALTER TABLE staff ADD COLUMN template_approver INTEGER NOT NULL DEFAULT 0;

CREATE TABLE template_approvals (
	slug        TEXT NOT NULL,
	version     INTEGER NOT NULL,
	staff_id    TEXT NOT NULL REFERENCES staff (id),
	name        TEXT NOT NULL,
	meaning     TEXT NOT NULL,
	approved_at INTEGER NOT NULL,
	channel     TEXT NOT NULL,
	ip          TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	actor       TEXT NOT NULL,
	client_time TEXT NOT NULL,
	PRIMARY KEY (slug, version),
	FOREIGN KEY (slug, version) REFERENCES template_versions (slug, version)
);
CREATE TRIGGER template_approvals_no_update BEFORE UPDATE ON template_approvals
BEGIN SELECT RAISE(ABORT, 'template approvals are append-only'); END;
CREATE TRIGGER template_approvals_no_delete BEFORE DELETE ON template_approvals
BEGIN SELECT RAISE(ABORT, 'template approvals are append-only'); END;
`

// postgresApprovalsV7 is sqliteApprovalsV7 for PostgreSQL.
const postgresApprovalsV7 = `
ALTER TABLE staff ADD COLUMN template_approver BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE template_approvals (
	slug        TEXT COLLATE "C" NOT NULL,
	version     INTEGER NOT NULL,
	staff_id    TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
	name        TEXT NOT NULL,
	meaning     TEXT NOT NULL,
	approved_at BIGINT NOT NULL,
	channel     TEXT NOT NULL,
	ip          TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	actor       TEXT NOT NULL,
	client_time TEXT NOT NULL,
	PRIMARY KEY (slug, version),
	FOREIGN KEY (slug, version) REFERENCES template_versions (slug, version)
);
CREATE TRIGGER template_approvals_no_update BEFORE UPDATE ON template_approvals
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('template approvals are append-only');
CREATE TRIGGER template_approvals_no_delete BEFORE DELETE ON template_approvals
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('template approvals are append-only');
CREATE TRIGGER template_approvals_no_truncate BEFORE TRUNCATE ON template_approvals
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('template approvals are append-only');
`
