package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
)

// rowEdit is one direct change of one protected column, made behind
// consentd's back with the triggers dropped.
type rowEdit struct {
	table, id string // the row audit verify must name
	// in is the table edited when the value is stored apart from that row
	// (a consent's documents in consent_documents); "" is table.
	in       string
	column   string
	sqlite   string // new value as an SQL expression of the old row
	postgres string // the same on PostgreSQL, when the dialects differ
	where    string
	args     []any
}

// edits lists a change of every column the audit chain protects.
func (c *clinic) edits(t *testing.T) []rowEdit {
	t.Helper()
	var out []rowEdit
	text := func(table, id, where string, args []any, cols ...string) {
		for _, col := range cols {
			out = append(out, rowEdit{table: table, id: id, column: col, sqlite: col + " || 'x'", where: where, args: args})
		}
	}
	number := func(table, id, where string, args []any, cols ...string) {
		for _, col := range cols {
			out = append(out, rowEdit{table: table, id: id, column: col, sqlite: "COALESCE(" + col + ", 0) + 1", where: where, args: args})
		}
	}
	flag := func(table, id, where string, args []any, col string) {
		out = append(out, rowEdit{table: table, id: id, column: col, sqlite: "1 - " + col, postgres: "NOT " + col, where: where, args: args})
	}
	jsonList := func(table, id, where string, args []any, cols ...string) {
		for _, col := range cols {
			out = append(out, rowEdit{table: table, id: id, column: col, sqlite: `'["x"]'`, where: where, args: args})
		}
	}

	// Every column of a signed and a withdrawn consent; the status fields
	// and the birth date of consents in the other states.
	for _, id := range []string{c.signed, c.withdrawn} {
		byID := []any{id}
		text("consents", id, "id = ?", byID, "patient_given_name", "patient_family_name", "patient_id",
			"template_sha256", "locale", "created_by", "signing_token_hash", "signing_code_hash")
		number("consents", id, "id = ?", byID, "created_at", "expires_at", "signed_at")
		out = append(out,
			rowEdit{table: "consents", id: id, column: "variables", sqlite: `'{"clinic_name":"Elsewhere"}'`, where: "id = ?", args: byID},
			// Since migration 13 a consent's documents are stored in consent_documents.
			rowEdit{table: "consents", in: "consent_documents", id: id, column: "documents",
				sqlite: "REPLACE(documents, 'ketamine', 'saline')", where: "consent_id = ?", args: byID},
			rowEdit{table: "consents", in: "consent_documents", id: id, column: "documents",
				sqlite: "REPLACE(documents, '\"content_sha256\":\"', '\"content_sha256\":\"0')", where: "consent_id = ?", args: byID},
			// Edited text written into the row's own (empty) column, which
			// readers prefer, leaving consent_documents alone.
			rowEdit{table: "consents", id: id, column: "documents",
				sqlite: "(SELECT REPLACE(d.documents, 'ketamine', 'saline') FROM consent_documents d WHERE d.consent_id = consents.id)",
				where:  "id = ?", args: byID})
	}
	for _, id := range []string{c.signed, c.withdrawn, c.expired, c.declined, c.relocated} {
		byID := []any{id}
		text("consents", id, "id = ?", byID, "patient_birth_date", "status_reason")
		number("consents", id, "id = ?", byID, "status_changed_at")
		out = append(out, rowEdit{table: "consents", id: id, column: "status",
			sqlite: "CASE WHEN status = 'signed' THEN 'withdrawn' ELSE 'signed' END", where: "id = ?", args: byID})
	}

	for _, role := range []string{"patient", "clinician"} {
		sig := c.one(t, "SELECT id FROM signatures WHERE consent_id = ? AND role = ?", c.signed, role)
		byID := []any{sig}
		text("signatures", sig, "id = ?", byID, "name", "relationship", "locale", "meaning", "mark_type", "mark_text",
			"staff_id", "channel", "ip", "user_agent", "device_id", "actor", "client_time")
		number("signatures", sig, "id = ?", byID, "signed_at", "mark_width", "mark_height", "electronic_records_consent_at")
		flag("signatures", sig, "id = ?", byID, "identity_verified")
		jsonList("signatures", sig, "id = ?", byID, "acknowledged")
		out = append(out,
			rowEdit{table: "signatures", id: sig, column: "mark_png", sqlite: "X'89504E47'", postgres: `'\x89504e47'::bytea`, where: "id = ?", args: byID})
		if role == "patient" { // a staff role is tied to its side by a CHECK constraint
			out = append(out,
				rowEdit{table: "signatures", id: sig, column: "role", sqlite: "'representative'", where: "id = ?", args: byID},
				rowEdit{table: "signatures", id: sig, column: "mark_strokes", sqlite: "REPLACE(mark_strokes, '\"x\":20,', '\"x\":21,')", where: "id = ?", args: byID})
		}
	}
	for _, consentID := range []string{c.signed, c.declined} {
		ack := c.one(t, "SELECT id FROM acknowledgments WHERE consent_id = ? ORDER BY id LIMIT 1", consentID)
		byID := []any{ack}
		text("acknowledgments", ack, "id = ?", byID, "section_key", "locale", "channel", "ip", "user_agent", "device_id", "actor", "client_time")
		number("acknowledgments", ack, "id = ?", byID, "at")
		out = append(out, rowEdit{table: "acknowledgments", id: ack, column: "consent_id", sqlite: "'" + c.cancelled + "'", where: "id = ?", args: byID})
	}
	for _, id := range []string{c.signed, c.withdrawn} {
		byID := []any{id}
		text("pdfs", id, "consent_id = ?", byID, "sha256", "cert_sha256")
		number("pdfs", id, "consent_id = ?", byID, "size", "created_at")
		out = append(out, rowEdit{table: "pdfs", id: id, column: "bytes", sqlite: "X'255044462D312E37'", postgres: `'\x255044462d312e37'::bytea`, where: "consent_id = ?", args: byID})
	}
	// Withdrawal copies, sealed with the withdrawal and sealed later; the
	// kind is tied to its few values by a CHECK constraint, and a changed
	// consent_id moves the row (an added row and a missing one).
	for _, id := range []string{c.withdrawn, c.lateWithdrawn} {
		args, ref := []any{id, consent.PDFKindWithdrawn}, id+"/"+consent.PDFKindWithdrawn
		where := "consent_id = ? AND kind = ?"
		text("additional_pdfs", ref, where, args, "sha256", "cert_sha256")
		number("additional_pdfs", ref, where, args, "size", "created_at")
		out = append(out, rowEdit{table: "additional_pdfs", id: ref, column: "bytes", sqlite: "X'255044462D312E37'",
			postgres: `'\x255044462d312e37'::bytea`, where: where, args: args})
	}
	for _, id := range []string{c.link, c.revokedLink, c.lockedLink} {
		byID := []any{id}
		text("download_links", id, "id = ?", byID, "token_hash", "created_by", "purpose", "code_hash")
		number("download_links", id, "id = ?", byID, "expires_at", "created_at", "revoked_at", "locked_at", "used_at")
		flag("download_links", id, "id = ?", byID, "require_birth_date")
		out = append(out, rowEdit{table: "download_links", id: id, column: "consent_id", sqlite: "'" + c.withdrawn + "'", where: "id = ?", args: byID})
	}
	for _, id := range []string{c.webhook, c.deletedWebhook} {
		byID := []any{id}
		text("webhooks", id, "id = ?", byID, "url", "secret")
		number("webhooks", id, "id = ?", byID, "created_at", "deleted_at")
		jsonList("webhooks", id, "id = ?", byID, "events")
	}
	for _, id := range []string{c.device, c.revokedDevice} {
		byID := []any{id}
		text("devices", id, "id = ?", byID, "name", "token_hash", "created_by")
		number("devices", id, "id = ?", byID, "created_at", "revoked_at")
	}
	for _, id := range []string{c.key, c.revokedKey} {
		byID := []any{id}
		text("api_keys", id, "id = ?", byID, "name", "hash", "prefix")
		number("api_keys", id, "id = ?", byID, "created_at", "revoked_at")
		out = append(out, rowEdit{table: "api_keys", id: id, column: "scopes", sqlite: `'["admin"]'`, where: "id = ?", args: byID})
	}
	for _, id := range []string{c.staff, c.deactivatedStaff} {
		byID := []any{id}
		text("staff", id, "id = ?", byID, "name", "pin_hash")
		number("staff", id, "id = ?", byID, "created_at", "deactivated_at")
		out = append(out, rowEdit{table: "staff", id: id, column: "role", sqlite: "CASE WHEN role = 'witness' THEN 'clinician' ELSE 'witness' END", where: "id = ?", args: byID})
	}
	for _, v := range []struct {
		slug    string
		version int
	}{{c.template, c.published}, {c.template, c.retired}, {c.draftSlug, c.draft}} {
		id, args := v.slug+"/"+itoa(v.version), []any{v.slug, v.version}
		where := "slug = ? AND version = ?"
		text("template_versions", id, where, args, "content_sha256", "approved_by")
		number("template_versions", id, where, args, "published_at", "retired_at", "created_at", "expires_after_hours")
		jsonList("template_versions", id, where, args, "required_signers", "signature_forms")
		out = append(out,
			rowEdit{table: "template_versions", id: id, column: "status", sqlite: "CASE WHEN status = 'published' THEN 'retired' ELSE 'published' END", where: where, args: args},
			rowEdit{table: "template_versions", id: id, column: "locales", sqlite: "REPLACE(locales, 'ketamine', 'saline')", where: where, args: args},
			rowEdit{table: "template_versions", id: id, column: "variables", sqlite: `'[]'`, where: where, args: args})
	}
	// The approval of the version published with an approver's signature.
	{
		id, args := c.template+"/"+itoa(c.retired), []any{c.template, c.retired}
		where := "slug = ? AND version = ?"
		text("template_approvals", id, where, args, "name", "meaning", "channel", "ip", "user_agent", "device_id", "actor", "client_time")
		number("template_approvals", id, where, args, "approved_at")
		out = append(out, rowEdit{table: "template_approvals", id: id, column: "staff_id", sqlite: "'" + c.staff + "'", where: where, args: args})
	}
	for _, id := range []string{c.staff, c.deactivatedStaff} {
		flag("staff", id, "id = ?", []any{id}, "template_approver")
	}
	for _, slug := range []string{c.template, c.draftSlug} {
		text("templates", slug, "slug = ?", []any{slug}, "title")
		number("templates", slug, "slug = ?", []any{slug}, "created_at")
	}
	return out
}

// TestVerifyIntegrityNamesEditedRow edits every protected column of rows in
// every state directly in the database, one at a time, and expects audit
// verification to name that row and the event that vouches for it; with the
// old values back, everything verifies again.
func TestVerifyIntegrityNamesEditedRow(t *testing.T) {
	c := newClinic(t)
	if f := firstFault(t, c); f != nil {
		t.Fatalf("before any edit: %s", f)
	}
	// A consent that went pending → signed → withdrawn is vouched for by the
	// newest of its events: the withdrawal.
	withdrawal := c.eventSeq(t, c.withdrawn, consent.EventConsentWithdrawn)
	// The lock is the newest change of a locked link; a withdrawal copy
	// sealed later is vouched for by the event that sealed it.
	lock := c.eventSeq(t, c.signed, consent.EventDownloadLinkLocked)
	lateCopy := c.eventSeq(t, c.lateWithdrawn, consent.EventWithdrawalPDFSealed)
	dropTriggers(t, c.raw)
	for _, e := range c.edits(t) {
		expr := e.sqlite
		if e.postgres != "" && storagetest.Postgres() {
			expr = e.postgres
		}
		in := e.table
		if e.in != "" {
			in = e.in
		}
		var old any
		if err := c.raw.QueryRow(rebind("SELECT "+e.column+" FROM "+in+" WHERE "+e.where), e.args...).Scan(&old); err != nil {
			t.Fatalf("%s.%s: %v", in, e.column, err)
		}
		exec(t, c.raw, "UPDATE "+in+" SET "+e.column+" = "+expr+" WHERE "+e.where, e.args...)
		f := firstFault(t, c)
		want := consent.RowRef{Table: e.table, ID: e.id}
		switch {
		case f == nil:
			t.Errorf("%s.%s of %s edited: audit verify finds nothing", e.table, e.column, e.id)
		case f.Row == nil || *f.Row != want || f.Seq == 0 || !strings.Contains(f.Reason, "differs"):
			t.Errorf("%s.%s of %s edited: audit verify says %q, want the row named with the event that vouches for it", e.table, e.column, e.id, f)
		case want == consent.RowRef{Table: consent.TableConsents, ID: c.withdrawn} && f.Seq != withdrawal:
			t.Errorf("%s.%s of the withdrawn consent: vouched for by seq %d, want the withdrawal's seq %d", e.table, e.column, f.Seq, withdrawal)
		case want == consent.RowRef{Table: "download_links", ID: c.lockedLink} && f.Seq != lock:
			t.Errorf("%s.%s of the locked link: vouched for by seq %d, want the lock's seq %d", e.table, e.column, f.Seq, lock)
		case want == consent.RowRef{Table: "additional_pdfs", ID: c.lateWithdrawn + "/withdrawn"} && f.Seq != lateCopy:
			t.Errorf("%s.%s of the late withdrawal copy: vouched for by seq %d, want its sealing's seq %d", e.table, e.column, f.Seq, lateCopy)
		}
		exec(t, c.raw, "UPDATE "+in+" SET "+e.column+" = ? WHERE "+e.where, append([]any{old}, e.args...)...)
	}
	// With every old value back, nothing is found: no finding above came
	// from an earlier edit left behind.
	if f := firstFault(t, c); f != nil {
		t.Fatalf("every edit undone: %s", f)
	}
}

// TestVerifyIntegrityNamesAddedAndDeletedRows adds rows no event vouches for
// (an admin key and a kiosk device written straight into their tables) and
// deletes vouched-for rows (a signature, a withdrawal copy).
func TestVerifyIntegrityNamesAddedAndDeletedRows(t *testing.T) {
	c := newClinic(t)
	dropTriggers(t, c.raw)
	exec(t, c.raw, `INSERT INTO api_keys (id, name, scopes, hash, prefix, created_at) VALUES ('01BACKDOOR', 'ops', '["admin"]', 'ab', 'cdk_ab', 0)`)
	f := firstFault(t, c)
	if f == nil || f.Row == nil || *f.Row != (consent.RowRef{Table: consent.TableAPIKeys, ID: "01BACKDOOR"}) || f.Seq != 0 ||
		!strings.Contains(f.Reason, "no audit event vouches") {
		t.Fatalf("added key: %v", f)
	}
	exec(t, c.raw, "DELETE FROM api_keys WHERE id = '01BACKDOOR'")

	// A tablet enrolled behind consentd's back would be trusted as the clinic's.
	exec(t, c.raw, `INSERT INTO devices (id, name, token_hash, created_at, created_by) VALUES ('01ROGUE', 'Front desk', 'ab', 0, 'apikey:x')`)
	f = firstFault(t, c)
	if f == nil || f.Row == nil || *f.Row != (consent.RowRef{Table: "devices", ID: "01ROGUE"}) || f.Seq != 0 ||
		!strings.Contains(f.Reason, "no audit event vouches") {
		t.Fatalf("added device: %v", f)
	}
	exec(t, c.raw, "DELETE FROM devices WHERE id = '01ROGUE'")

	// A consent's documents deleted from consent_documents: it would read
	// back without the text the patient was shown.
	docs := c.one(t, "SELECT documents FROM consent_documents WHERE consent_id = ?", c.signed)
	exec(t, c.raw, "DELETE FROM consent_documents WHERE consent_id = ?", c.signed)
	f = firstFault(t, c)
	if f == nil || f.Row == nil || *f.Row != (consent.RowRef{Table: consent.TableConsents, ID: c.signed}) || f.Seq == 0 ||
		!strings.Contains(f.Reason, "differs") {
		t.Fatalf("deleted documents: %v", f)
	}
	exec(t, c.raw, "INSERT INTO consent_documents (consent_id, documents) VALUES (?, ?)", c.signed, docs)
	if f := firstFault(t, c); f != nil {
		t.Fatalf("documents back: %v", f)
	}

	sig := c.one(t, "SELECT id FROM signatures WHERE consent_id = ? AND role = 'clinician'", c.signed)
	exec(t, c.raw, "DELETE FROM signatures WHERE id = ?", sig)
	f = firstFault(t, c)
	if f == nil || f.Row == nil || *f.Row != (consent.RowRef{Table: consent.TableSignatures, ID: sig}) ||
		f.Seq != c.eventSeq(t, c.signed, consent.EventSignatureRecorded, 1) || !strings.Contains(f.Reason, "missing") {
		t.Fatalf("deleted signature: %v", f)
	}

	// A withdrawal copy deleted: the patient's link would serve the signed PDF
	// again, as if the consent still held.
	exec(t, c.raw, "DELETE FROM additional_pdfs WHERE consent_id = ?", c.withdrawn)
	report, err := c.DB.VerifyIntegrity(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	copyRef := consent.RowRef{Table: "additional_pdfs", ID: c.withdrawn + "/withdrawn"}
	if !slices.ContainsFunc(report.Faults, func(f consent.IntegrityFault) bool {
		return f.Row != nil && *f.Row == copyRef && f.Seq == c.eventSeq(t, c.withdrawn, consent.EventConsentWithdrawn) &&
			strings.Contains(f.Reason, "missing")
	}) {
		t.Fatalf("deleted withdrawal copy not named with the withdrawal: %v", report.Faults)
	}
}

// firstFault runs audit verification and returns its first finding, nil if
// everything verifies.
func firstFault(t *testing.T, c *clinic) *consent.IntegrityFault {
	t.Helper()
	report, err := c.DB.VerifyIntegrity(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if report.Intact() {
		return nil
	}
	return &report.Faults[0]
}

// TestVerifyIntegrityCatchesEditsHiddenByALaterChange edits a row and then
// lets consentd change it legitimately (withdraw, revoke, deactivate,
// delete, retire, edit a draft, countersign, lock a link): the change vouches for the row
// as it now is, but its record of the row just before no longer matches the
// previous event's, so the edit stays visible.
func TestVerifyIntegrityCatchesEditsHiddenByALaterChange(t *testing.T) {
	c := newClinic(t)
	dropTriggers(t, c.raw)
	ctx := context.Background()
	pending := c.CreateConsent(t, "en")
	pendingID := pending["id"].(string)
	c.post(t, "/v1/consents/"+pendingID+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, pending)), 201)
	v, err := c.Service.Store.Templates().FindVersion(ctx, c.draftSlug, c.draft)
	if err != nil {
		t.Fatal(err)
	}
	gated := c.post(t, "/v1/consents/"+c.signed+"/download-links", map[string]any{"ttl_seconds": 3600, "require_birth_date": true}, 201)
	for _, tt := range []struct {
		name   string
		row    consent.RowRef
		edit   string
		args   []any
		change func(t *testing.T)
	}{
		{"birth date, then withdrawn", consent.RowRef{Table: consent.TableConsents, ID: c.signed},
			"UPDATE consents SET patient_birth_date = '1999-09-09' WHERE id = ?", []any{c.signed},
			func(t *testing.T) {
				c.post(t, "/v1/consents/"+c.signed+"/withdraw", map[string]any{"reason": "Moved away."}, 200)
			}},
		{"patient name, then countersigned", consent.RowRef{Table: consent.TableConsents, ID: pendingID},
			"UPDATE consents SET patient_family_name = 'Other' WHERE id = ?", []any{pendingID},
			func(t *testing.T) {
				c.post(t, "/v1/consents/"+pendingID+"/signatures", apptest.ClinicianSignature(), 201)
			}},
		{"key scopes, then revoked", consent.RowRef{Table: consent.TableAPIKeys, ID: c.key},
			`UPDATE api_keys SET scopes = '["admin"]' WHERE id = ?`, []any{c.key},
			func(t *testing.T) { c.do(t, "DELETE", "/v1/api-keys/"+c.key, 200) }},
		{"PIN hash, then deactivated", consent.RowRef{Table: consent.TableStaff, ID: c.staff},
			"UPDATE staff SET pin_hash = 'x' WHERE id = ?", []any{c.staff},
			func(t *testing.T) { c.do(t, "DELETE", "/v1/staff/"+c.staff, 200) }},
		{"webhook URL, then deleted", consent.RowRef{Table: consent.TableWebhooks, ID: c.webhook},
			"UPDATE webhooks SET url = 'https://attacker.example/' WHERE id = ?", []any{c.webhook},
			func(t *testing.T) { c.do(t, "DELETE", "/v1/webhooks/"+c.webhook, 200) }},
		{"birth-date gate, then revoked", consent.RowRef{Table: consent.TableDownloadLinks, ID: c.link},
			"UPDATE download_links SET require_birth_date = ? WHERE id = ?", []any{false, c.link},
			func(t *testing.T) { c.do(t, "DELETE", "/v1/consents/"+c.signed+"/download-links/"+c.link, 200) }},
		{"link's expiry, then locked by wrong dates of birth", consent.RowRef{Table: "download_links", ID: gated["id"].(string)},
			"UPDATE download_links SET expires_at = expires_at + 31536000000 WHERE id = ?", []any{gated["id"]},
			func(t *testing.T) { c.lockLink(t, gated["url"].(string)) }},
		{"device name, then revoked", consent.RowRef{Table: "devices", ID: c.device},
			"UPDATE devices SET name = 'Front desk (spare)' WHERE id = ?", []any{c.device},
			func(t *testing.T) { c.do(t, "DELETE", "/v1/devices/"+c.device, 200) }},
		{"published text, then retired", consent.RowRef{Table: consent.TableTemplateVersions, ID: c.template + "/" + itoa(c.published)},
			"UPDATE template_versions SET locales = REPLACE(locales, 'ketamine', 'saline'), content_sha256 = 'x' WHERE slug = ? AND version = ?",
			[]any{c.template, c.published},
			func(t *testing.T) {
				c.post(t, "/v1/templates/"+c.template+"/versions/"+itoa(c.published)+"/retire", nil, 200)
			}},
		// A content edit that keeps content_sha256 is not seen by a server that
		// decoded that content before (its cache is by hash), and this edit
		// writes the whole content anew; a lifecycle field is read afresh.
		{"draft's creation time, then edited", consent.RowRef{Table: consent.TableTemplateVersions, ID: c.draftSlug + "/" + itoa(c.draft)},
			"UPDATE template_versions SET created_at = created_at - 1 WHERE slug = ? AND version = ?", []any{c.draftSlug, c.draft},
			func(t *testing.T) {
				if _, err := c.Service.UpdateDraft(ctx, c.draftSlug, c.draft, v.Content()); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exec(t, c.raw, tt.edit, tt.args...)
			tt.change(t)
			report, err := c.DB.VerifyIntegrity(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range report.Faults {
				if f.Row != nil && *f.Row == tt.row && strings.Contains(f.Reason, "changed outside consentd before this event changed it") {
					return
				}
			}
			t.Fatalf("no finding names %s as changed before the event that changed it: %v", tt.row, report.Faults)
		})
	}
}
