package storage

// sqliteTeachBackFlagV11 stores a version's teach_back flag, which versions
// before it dropped on the way to the database although it is part of the
// content and of content_sha256: a version published with teach_back:
// required read back without it, so the clinician's countersignature was not
// held for right answers. The frozen trigger is re-made to cover the column.
const sqliteTeachBackFlagV11 = `
ALTER TABLE template_versions ADD COLUMN teach_back TEXT NOT NULL DEFAULT ''
	CHECK (teach_back IN ('', 'required'));

DROP TRIGGER template_versions_frozen;
CREATE TRIGGER template_versions_frozen BEFORE UPDATE ON template_versions
WHEN OLD.status <> 'draft' AND (NEW.slug IS NOT OLD.slug OR NEW.version IS NOT OLD.version
	OR NEW.content_sha256 IS NOT OLD.content_sha256 OR NEW.locale_codes IS NOT OLD.locale_codes
	OR NEW.locales IS NOT OLD.locales OR NEW.variables IS NOT OLD.variables
	OR NEW.required_signers IS NOT OLD.required_signers OR NEW.signature_forms IS NOT OLD.signature_forms
	OR NEW.expires_after_hours IS NOT OLD.expires_after_hours OR NEW.created_at IS NOT OLD.created_at
	OR NEW.published_at IS NOT OLD.published_at OR NEW.approved_by IS NOT OLD.approved_by
	OR NEW.reconsent IS NOT OLD.reconsent OR NEW.valid_for_days IS NOT OLD.valid_for_days
	OR NEW.teach_back IS NOT OLD.teach_back
	OR (OLD.status = 'retired' AND NEW.retired_at IS NOT OLD.retired_at))
BEGIN SELECT RAISE(ABORT, 'a published template version is frozen'); END;
`

// postgresTeachBackFlagV11 is sqliteTeachBackFlagV11 for PostgreSQL.
const postgresTeachBackFlagV11 = `
ALTER TABLE template_versions ADD COLUMN teach_back TEXT NOT NULL DEFAULT ''
	CHECK (teach_back IN ('', 'required'));

DROP TRIGGER template_versions_frozen ON template_versions;
CREATE TRIGGER template_versions_frozen BEFORE UPDATE ON template_versions FOR EACH ROW
	WHEN (OLD.status <> 'draft' AND (NEW.slug IS DISTINCT FROM OLD.slug OR NEW.version IS DISTINCT FROM OLD.version
		OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256 OR NEW.locale_codes IS DISTINCT FROM OLD.locale_codes
		OR NEW.locales IS DISTINCT FROM OLD.locales OR NEW.variables IS DISTINCT FROM OLD.variables
		OR NEW.required_signers IS DISTINCT FROM OLD.required_signers OR NEW.signature_forms IS DISTINCT FROM OLD.signature_forms
		OR NEW.expires_after_hours IS DISTINCT FROM OLD.expires_after_hours OR NEW.created_at IS DISTINCT FROM OLD.created_at
		OR NEW.published_at IS DISTINCT FROM OLD.published_at OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
		OR NEW.reconsent IS DISTINCT FROM OLD.reconsent OR NEW.valid_for_days IS DISTINCT FROM OLD.valid_for_days
		OR NEW.teach_back IS DISTINCT FROM OLD.teach_back
		OR (OLD.status = 'retired' AND NEW.retired_at IS DISTINCT FROM OLD.retired_at)))
	EXECUTE FUNCTION consentd_refuse('a published template version is frozen');
`
