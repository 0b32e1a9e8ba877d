package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/storagetest"
)

// TestAppendOnlyTriggers proves that the database itself refuses changes to
// what was signed, sealed, published or audited, whoever issues the SQL.
func TestAppendOnlyTriggers(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	seedTemplate(t, db, "k")
	createConsent(t, db, newConsent("SIGNED", "k", t0))
	createConsent(t, db, newConsent("FRESH", "k", t0))
	update(t, db, func(tx consent.Tx) error {
		for _, err := range []error{
			tx.Templates().CreateVersion(ctx, newVersion("k", 2, consent.VersionDraft)),
			tx.Consents().CreateAcknowledgment(ctx, &consent.Acknowledgment{ConsentID: "SIGNED", SectionKey: "risks", At: t0}),
			tx.Consents().CreateSignature(ctx, newSignature("S1", "SIGNED", consent.RolePatient)),
			tx.Consents().StorePDF(ctx, &consent.SealedPDF{ConsentID: "SIGNED", Bytes: []byte("%PDF")}),
			tx.Consents().TransitionConsent(ctx, "SIGNED", consent.StatusPending, consent.StatusSigned, t0, ""),
			tx.Audit().AppendAudit(ctx, auditEvent(consent.EventConsentSigned, "SIGNED", 1)),
			tx.Templates().QueueReconsentJob(ctx, &consent.ReconsentJob{Slug: "k", Version: 1, Policy: consent.ReconsentRequired, CreatedAt: t0}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	raw := rawDB(t, dir)

	refused := []struct{ name, sql, msg string }{
		{"update audit event", "UPDATE audit_events SET details = '{}'", "append-only"},
		{"delete audit event", "DELETE FROM audit_events", "append-only"},
		{"update signature", "UPDATE signatures SET name = 'Mallory'", "append-only"},
		{"delete signature", "DELETE FROM signatures", "append-only"},
		{"update acknowledgment", "UPDATE acknowledgments SET at = 0", "append-only"},
		{"delete acknowledgment", "DELETE FROM acknowledgments", "append-only"},
		{"update pdf", "UPDATE pdfs SET bytes = x'00'", "append-only"},
		{"delete pdf", "DELETE FROM pdfs", "append-only"},
		{"delete consent", "DELETE FROM consents WHERE id = 'FRESH'", "never deleted"},
		{"consent documents", "UPDATE consents SET documents = '{}' WHERE id = 'FRESH'", "frozen"},
		{"consent documents stored apart", "UPDATE consent_documents SET documents = '{}' WHERE consent_id = 'FRESH'", "frozen"},
		{"delete consent documents", "DELETE FROM consent_documents WHERE consent_id = 'FRESH'", "frozen"},
		{"consent patient", "UPDATE consents SET patient_family_name = 'X' WHERE id = 'FRESH'", "frozen"},
		{"consent birth date", "UPDATE consents SET patient_birth_date = '1999-01-01' WHERE id = 'FRESH'", "frozen"},
		{"consent template", "UPDATE consents SET template_version = 2 WHERE id = 'FRESH'", "frozen"},
		{"consent created_at", "UPDATE consents SET created_at = 0 WHERE id = 'FRESH'", "frozen"},
		{"consent expires_at", "UPDATE consents SET expires_at = expires_at + 1 WHERE id = 'FRESH'", "frozen"},
		{"consent token hash", "UPDATE consents SET signing_token_hash = 'x' WHERE id = 'FRESH'", "frozen"},
		{"consent code hash", "UPDATE consents SET signing_code_hash = 'x' WHERE id = 'FRESH'", "frozen"},
		{"consent signed_at once set", "UPDATE consents SET signed_at = 0 WHERE id = 'SIGNED'", "frozen"},
		{"consent status backwards", "UPDATE consents SET status = 'pending' WHERE id = 'SIGNED'", "transition"},
		{"consent status skip", "UPDATE consents SET status = 'withdrawn' WHERE id = 'FRESH'", "transition"},
		{"locale after signing", "UPDATE consents SET locale = 'es' WHERE id = 'SIGNED'", "locale"},
		{"delete template version", "DELETE FROM template_versions WHERE version = 2", "never deleted"},
		{"published content", "UPDATE template_versions SET locales = '{}' WHERE version = 1", "frozen"},
		{"published re-consent policy", "UPDATE template_versions SET reconsent = 'none' WHERE version = 1", "frozen"},
		{"published valid_for_days", "UPDATE template_versions SET valid_for_days = 30 WHERE version = 1", "frozen"},
		{"consent supersedes", "UPDATE consents SET supersedes = 'SIGNED' WHERE id = 'FRESH'", "frozen"},
		{"delete re-consent job", "DELETE FROM reconsent_jobs", "never deleted"},
		{"re-consent job policy", "UPDATE reconsent_jobs SET policy = 'recommended'", "only moves forward"},
		{"published hash", "UPDATE template_versions SET content_sha256 = 'x' WHERE version = 1", "frozen"},
		{"published approver", "UPDATE template_versions SET approved_by = 'x' WHERE version = 1", "frozen"},
		{"published back to draft", "UPDATE template_versions SET status = 'draft' WHERE version = 1", "transition"},
		{"representative posing as its own side", `INSERT INTO signatures (id, consent_id, role, side, name, relationship,
			locale, meaning, signed_at, mark_type, mark_width, mark_height, mark_strokes, mark_text, staff_id,
			identity_verified, acknowledged, channel, ip, user_agent, device_id, actor, client_time) VALUES ('S9', 'FRESH',
			'representative', 'representative', '', '', '', '', 0, '', 0, 0, '[]', '', '', false, '[]', '', '', '', '', '', '')`, "CHECK"},
		{"draft straight to retired", "UPDATE template_versions SET status = 'retired' WHERE version = 2", "transition"},
	}
	if storagetest.Postgres() {
		// TRUNCATE skips row triggers; PostgreSQL has it, so it is refused too.
		for _, table := range []string{"audit_events", "signatures", "acknowledgments", "pdfs", "consents", "consent_documents", "template_versions"} {
			refused = append(refused, struct{ name, sql, msg string }{"truncate " + table,
				"TRUNCATE " + table + " CASCADE", "never deleted|append-only|frozen"})
		}
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			query := tt.sql
			if pg, ok := pgSQL[tt.name]; ok && storagetest.Postgres() {
				query = pg
			}
			_, err := raw.ExecContext(ctx, query)
			if err == nil || !containsAny(strings.ToLower(err.Error()), strings.ToLower(tt.msg)) {
				t.Fatalf("%s: err %v, want one containing %q", query, err, tt.msg)
			}
		})
	}
	allowed := []struct{ name, sql string }{
		{"locale while pending and unsigned", "UPDATE consents SET locale = 'es' WHERE id = 'FRESH'"},
		{"pending to cancelled", "UPDATE consents SET status = 'cancelled', status_reason = 'wrong patient', status_changed_at = 1 WHERE id = 'FRESH'"},
		{"signed to withdrawn", "UPDATE consents SET status = 'withdrawn', status_reason = 'changed mind' WHERE id = 'SIGNED'"},
		{"draft content", "UPDATE template_versions SET locales = '{}', expires_after_hours = 1 WHERE version = 2"},
		{"retire published", "UPDATE template_versions SET status = 'retired', retired_at = 5 WHERE version = 1"},
		{"old idempotency rows", "DELETE FROM idempotency"},
	}
	for _, tt := range allowed {
		t.Run("allows "+tt.name, func(t *testing.T) {
			if _, err := raw.ExecContext(ctx, tt.sql); err != nil {
				t.Fatalf("%s: %v", tt.sql, err)
			}
		})
	}
	t.Run("retired is final", func(t *testing.T) {
		if _, err := raw.ExecContext(ctx, "UPDATE template_versions SET retired_at = 6 WHERE version = 1"); err == nil {
			t.Fatal("changing a retired version's retired_at succeeded")
		}
	})
}

// pgSQL holds the PostgreSQL spelling of refused statements whose SQLite
// literal does not parse there.
var pgSQL = map[string]string{
	"update pdf": `UPDATE pdfs SET bytes = '\x00'::bytea`,
}

// containsAny reports whether s contains one of the |-separated alternatives.
func containsAny(s, alternatives string) bool {
	for _, a := range strings.Split(alternatives, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}
