package storage

// sqliteReconsentV8 adds re-consent: a version's re-consent policy (set
// with its publication) and valid_for_days (part of its content), the
// consent a re-consent supersedes (frozen at creation), and the queue of
// re-consent notices. The frozen triggers are re-made to cover the new
// columns.
const sqliteReconsentV8 = `
ALTER TABLE template_versions ADD COLUMN reconsent TEXT NOT NULL DEFAULT ''
	CHECK (reconsent IN ('', 'required', 'recommended', 'none'));
ALTER TABLE template_versions ADD COLUMN valid_for_days INTEGER CHECK (valid_for_days > 0);
ALTER TABLE consents ADD COLUMN supersedes TEXT REFERENCES consents (id);
CREATE INDEX consents_supersedes ON consents (supersedes) WHERE supersedes IS NOT NULL;

DROP TRIGGER template_versions_frozen;
CREATE TRIGGER template_versions_frozen BEFORE UPDATE ON template_versions
WHEN OLD.status <> 'draft' AND (NEW.slug IS NOT OLD.slug OR NEW.version IS NOT OLD.version
	OR NEW.content_sha256 IS NOT OLD.content_sha256 OR NEW.locale_codes IS NOT OLD.locale_codes
	OR NEW.locales IS NOT OLD.locales OR NEW.variables IS NOT OLD.variables
	OR NEW.required_signers IS NOT OLD.required_signers OR NEW.signature_forms IS NOT OLD.signature_forms
	OR NEW.expires_after_hours IS NOT OLD.expires_after_hours OR NEW.created_at IS NOT OLD.created_at
	OR NEW.published_at IS NOT OLD.published_at OR NEW.approved_by IS NOT OLD.approved_by
	OR NEW.reconsent IS NOT OLD.reconsent OR NEW.valid_for_days IS NOT OLD.valid_for_days
	OR (OLD.status = 'retired' AND NEW.retired_at IS NOT OLD.retired_at))
BEGIN SELECT RAISE(ABORT, 'a published template version is frozen'); END;

DROP TRIGGER consents_frozen;
CREATE TRIGGER consents_frozen BEFORE UPDATE ON consents
WHEN NEW.id IS NOT OLD.id OR NEW.template_slug IS NOT OLD.template_slug
	OR NEW.template_version IS NOT OLD.template_version OR NEW.template_sha256 IS NOT OLD.template_sha256
	OR NEW.patient_id IS NOT OLD.patient_id OR NEW.patient_given_name IS NOT OLD.patient_given_name
	OR NEW.patient_family_name IS NOT OLD.patient_family_name OR NEW.patient_birth_date IS NOT OLD.patient_birth_date
	OR NEW.variables IS NOT OLD.variables OR NEW.documents IS NOT OLD.documents
	OR NEW.created_at IS NOT OLD.created_at OR NEW.expires_at IS NOT OLD.expires_at OR NEW.created_by IS NOT OLD.created_by
	OR NEW.signing_token_hash IS NOT OLD.signing_token_hash OR NEW.signing_code_hash IS NOT OLD.signing_code_hash
	OR NEW.supersedes IS NOT OLD.supersedes
	OR (OLD.signed_at IS NOT NULL AND NEW.signed_at IS NOT OLD.signed_at)
BEGIN SELECT RAISE(ABORT, 'a consent''s document, patient and tokens are frozen'); END;

CREATE TABLE reconsent_jobs (
	slug       TEXT NOT NULL,
	version    INTEGER NOT NULL,
	policy     TEXT NOT NULL CHECK (policy IN ('required', 'recommended')),
	created_at INTEGER NOT NULL,
	cursor     TEXT NOT NULL DEFAULT '',
	done_at    INTEGER,
	PRIMARY KEY (slug, version),
	FOREIGN KEY (slug, version) REFERENCES template_versions (slug, version)
);
CREATE TRIGGER reconsent_jobs_no_delete BEFORE DELETE ON reconsent_jobs
BEGIN SELECT RAISE(ABORT, 're-consent jobs are never deleted'); END;
CREATE TRIGGER reconsent_jobs_frozen BEFORE UPDATE ON reconsent_jobs
WHEN NEW.slug IS NOT OLD.slug OR NEW.version IS NOT OLD.version OR NEW.policy IS NOT OLD.policy
	OR NEW.created_at IS NOT OLD.created_at OR OLD.done_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a re-consent job only moves forward'); END;
`

// postgresReconsentV8 is sqliteReconsentV8 for PostgreSQL.
const postgresReconsentV8 = `
ALTER TABLE template_versions ADD COLUMN reconsent TEXT NOT NULL DEFAULT ''
	CHECK (reconsent IN ('', 'required', 'recommended', 'none'));
ALTER TABLE template_versions ADD COLUMN valid_for_days INTEGER CHECK (valid_for_days > 0);
ALTER TABLE consents ADD COLUMN supersedes TEXT COLLATE "C" REFERENCES consents (id);
CREATE INDEX consents_supersedes ON consents (supersedes) WHERE supersedes IS NOT NULL;

DROP TRIGGER template_versions_frozen ON template_versions;
CREATE TRIGGER template_versions_frozen BEFORE UPDATE ON template_versions FOR EACH ROW
	WHEN (OLD.status <> 'draft' AND (NEW.slug IS DISTINCT FROM OLD.slug OR NEW.version IS DISTINCT FROM OLD.version
		OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256 OR NEW.locale_codes IS DISTINCT FROM OLD.locale_codes
		OR NEW.locales IS DISTINCT FROM OLD.locales OR NEW.variables IS DISTINCT FROM OLD.variables
		OR NEW.required_signers IS DISTINCT FROM OLD.required_signers OR NEW.signature_forms IS DISTINCT FROM OLD.signature_forms
		OR NEW.expires_after_hours IS DISTINCT FROM OLD.expires_after_hours OR NEW.created_at IS DISTINCT FROM OLD.created_at
		OR NEW.published_at IS DISTINCT FROM OLD.published_at OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
		OR NEW.reconsent IS DISTINCT FROM OLD.reconsent OR NEW.valid_for_days IS DISTINCT FROM OLD.valid_for_days
		OR (OLD.status = 'retired' AND NEW.retired_at IS DISTINCT FROM OLD.retired_at)))
	EXECUTE FUNCTION consentd_refuse('a published template version is frozen');

DROP TRIGGER consents_frozen ON consents;
CREATE TRIGGER consents_frozen BEFORE UPDATE ON consents FOR EACH ROW
	WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.template_slug IS DISTINCT FROM OLD.template_slug
		OR NEW.template_version IS DISTINCT FROM OLD.template_version OR NEW.template_sha256 IS DISTINCT FROM OLD.template_sha256
		OR NEW.patient_id IS DISTINCT FROM OLD.patient_id OR NEW.patient_given_name IS DISTINCT FROM OLD.patient_given_name
		OR NEW.patient_family_name IS DISTINCT FROM OLD.patient_family_name OR NEW.patient_birth_date IS DISTINCT FROM OLD.patient_birth_date
		OR NEW.variables IS DISTINCT FROM OLD.variables OR NEW.documents IS DISTINCT FROM OLD.documents
		OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
		OR NEW.created_by IS DISTINCT FROM OLD.created_by
		OR NEW.signing_token_hash IS DISTINCT FROM OLD.signing_token_hash OR NEW.signing_code_hash IS DISTINCT FROM OLD.signing_code_hash
		OR NEW.supersedes IS DISTINCT FROM OLD.supersedes
		OR (OLD.signed_at IS NOT NULL AND NEW.signed_at IS DISTINCT FROM OLD.signed_at))
	EXECUTE FUNCTION consentd_refuse('a consent''s document, patient and tokens are frozen');

CREATE TABLE reconsent_jobs (
	slug       TEXT COLLATE "C" NOT NULL,
	version    INTEGER NOT NULL,
	policy     TEXT NOT NULL CHECK (policy IN ('required', 'recommended')),
	created_at BIGINT NOT NULL,
	cursor     TEXT COLLATE "C" NOT NULL DEFAULT '',
	done_at    BIGINT,
	PRIMARY KEY (slug, version),
	FOREIGN KEY (slug, version) REFERENCES template_versions (slug, version)
);
CREATE TRIGGER reconsent_jobs_no_delete BEFORE DELETE ON reconsent_jobs
	FOR EACH ROW EXECUTE FUNCTION consentd_refuse('re-consent jobs are never deleted');
CREATE TRIGGER reconsent_jobs_no_truncate BEFORE TRUNCATE ON reconsent_jobs
	FOR EACH STATEMENT EXECUTE FUNCTION consentd_refuse('re-consent jobs are never deleted');
CREATE TRIGGER reconsent_jobs_frozen BEFORE UPDATE ON reconsent_jobs FOR EACH ROW
	WHEN (NEW.slug IS DISTINCT FROM OLD.slug OR NEW.version IS DISTINCT FROM OLD.version
		OR NEW.policy IS DISTINCT FROM OLD.policy OR NEW.created_at IS DISTINCT FROM OLD.created_at OR OLD.done_at IS NOT NULL)
	EXECUTE FUNCTION consentd_refuse('a re-consent job only moves forward');
`
