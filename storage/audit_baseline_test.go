package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// version3Rows writes one row of every vouched table the way the code before
// migration 4 did: audit events without row digests.
func version3Rows(t *testing.T, db *DB, at time.Time) {
	t.Helper()
	ctx := context.Background()
	later := at.Add(time.Hour)
	doc := consent.Document{Locale: "en", Title: "IV ketamine", Disclosure: "Electronic records.", DisclosureHTML: "<p>Electronic records.</p>",
		Meanings: map[string]string{"patient": "I have read."}, ContentSHA256: "ab12",
		Sections: []consent.DocumentSection{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Dissociation", BodyHTML: "<p>Dissociation</p>"}}}
	v := &consent.TemplateVersion{Slug: "k", Version: 1, Status: consent.VersionPublished, PublishedAt: &at, ApprovedBy: "Dr. A", CreatedAt: at}
	if err := v.SetContent(consent.VersionContent{Locales: map[string]consent.LocaleContent{"en": {Title: "IV ketamine",
		Sections: []consent.Section{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Dissociation"}}}},
		RequiredSigners: []string{"patient"}, SignatureForms: []string{"typed"}, ExpiresAfterHours: 24}); err != nil {
		t.Fatal(err)
	}
	c := &consent.Consent{ID: "C1", Status: consent.StatusSigned, TemplateSlug: "k", TemplateVersion: 1, TemplateSHA256: v.ContentSHA256,
		Locale: "en", Patient: consent.Patient{ID: "MRN-1", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: map[string]string{}, Documents: map[string]consent.Document{"en": doc}, CreatedAt: at, ExpiresAt: later,
		CreatedBy: "apikey:K1", SigningTokenHash: "t1", SigningCodeHash: "c1", SignedAt: &at, StatusChangedAt: &at}
	sig := &consent.Signature{ID: "S1", ConsentID: "C1", Role: consent.RolePatient, Name: "Zoë Müller", Locale: "en", Meaning: "I have read.",
		SignedAt: at, Mark: consent.Mark{Type: "typed", Text: "Zoë Müller"}, ElectronicRecordsConsentAt: &at}
	err := db.Update(ctx, func(tx consent.Tx) error {
		for _, write := range []func() error{
			func() error {
				return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "k", Title: "Ketamine", CreatedAt: at})
			},
			func() error { // without the re-consent columns, which migration 8 adds
				row := versionFromDomain(v)
				return storeTx(tx).q(ctx).Omit("reconsent", "valid_for_days", "teach_back").Create(&row).Error
			},
			func() error {
				row := consentFromDomain(c)
				return storeTx(tx).q(ctx).Omit("supersedes").Create(&row).Error
			},
			func() error { return tx.Consents().CreateSignature(ctx, sig) },
			func() error {
				return tx.Consents().CreateAcknowledgment(ctx, &consent.Acknowledgment{ConsentID: "C1", SectionKey: "risks", Locale: "en", At: at})
			},
			func() error {
				return tx.Consents().StorePDF(ctx, &consent.SealedPDF{ConsentID: "C1", Bytes: []byte("%PDF-1.7 sealed"),
					Info: consent.PDFInfo{SHA256: "ff", Size: 15, CreatedAt: at, CertSHA256: "ee"}})
			},
			func() error {
				return tx.Access().CreateAPIKey(ctx, &consent.APIKey{ID: "K1", Name: "EHR", Scopes: []string{"admin"}, Hash: "h", Prefix: "cdk_", CreatedAt: at})
			},
			func() error { // without template_approver, which migration 7 adds
				return storeTx(tx).q(ctx).Omit("template_approver").Create(&staffRow{ID: "D1", Name: "Dr. A", Role: "clinician",
					PINHash: "p", CreatedMS: toMS(at)}).Error
			},
			func() error { // without locked_at, which migration 5 adds
				return storeTx(tx).q(ctx).Omit("locked_at", "purpose", "code_hash", "used_at").Create(&downloadLinkRow{ID: "L1", ConsentID: "C1", TokenHash: "lt",
					ExpiresMS: toMS(later), RequireBirthDate: true, CreatedMS: toMS(at), CreatedBy: "apikey:K1"}).Error
			},
			func() error { // without the rotation columns, which migration 6 adds
				return storeTx(tx).q(ctx).Omit("previous_secret", "previous_secret_expires_at").Create(&webhookRow{ID: "W1",
					URL: "https://ehr.example.test/h", Events: `["consent.signed"]`, Secret: "whsec_x", CreatedMS: toMS(at)}).Error
			},
			func() error {
				return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentSigned, ConsentID: "C1", Actor: "apikey:K1",
					Details: map[string]any{"from": "pending", "to": "signed"}})
			},
		} {
			if err := write(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeTx is the store's own transaction behind a consent.Tx, for writing a
// row as an older schema held it.
func storeTx(w consent.Tx) *tx { return w.(*tx) }

// TestMigrationBaselinesExistingRows opens a database of schema version 3
// holding rows with no digests, upgrades it, and expects one baseline event
// per row: the old events still verify, every row is vouched for, and an edit
// made after the upgrade is named with the baseline event that vouches for it.
func TestMigrationBaselinesExistingRows(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	cfg := Config{DataDir: dir, URL: url, AuditKey: testKey, Now: func() time.Time { return at }}
	old, err := open(ctx, cfg, migrations[:3])
	if err != nil {
		t.Fatal(err)
	}
	version3Rows(t, old, at)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	report, err := db.VerifyIntegrity(ctx, nil)
	if err != nil || !report.Intact() {
		t.Fatalf("after the upgrade: %+v, %v", report, err)
	}
	const rows = 10 // one of every vouched table
	if report.Rows != rows || report.Events != rows+1 {
		t.Fatalf("checked %d rows and %d events, want %d and %d", report.Rows, report.Events, rows, rows+1)
	}
	baselines, err := db.ListAuditEvents(ctx, consent.AuditFilter{Type: consent.EventRowBaseline, Limit: 100})
	if err != nil || len(baselines) != rows {
		t.Fatalf("%d baseline events, %v; want %d", len(baselines), err, rows)
	}
	if head, err := db.LastAuditHead(ctx); err != nil || head == nil || head.Seq != rows+1 {
		t.Fatalf("head file %+v, %v; want seq %d", head, err, rows+1)
	}
	var vouching int64
	for _, e := range baselines {
		if d, _ := e.RowDigests(); d[consent.RowRef{Table: consent.TableConsents, ID: "C1"}].Digest != "" {
			vouching = e.Seq
		}
	}

	// Opening again migrates nothing more.
	if applied, err := db.migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v", applied, err)
	}
	// Migration 5's table and column get their digests from the events that
	// write them: a device enrolled and the baselined link locked.
	dev := &consent.Device{ID: "DV1", Name: "Front desk", TokenHash: "dt", CreatedAt: at, CreatedBy: "apikey:K1"}
	err = db.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Access().CreateDevice(ctx, dev); err != nil {
			return err
		}
		if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventDeviceCreated, Actor: "apikey:K1", Rows: []consent.Row{dev}}); err != nil {
			return err
		}
		before, err := tx.Links().FindDownloadLink(ctx, "C1", "L1")
		if err != nil {
			return err
		}
		if err := tx.Links().LockDownloadLink(ctx, "L1", at); err != nil {
			return err
		}
		after := *before
		after.LockedAt = &at
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventDownloadLinkLocked, ConsentID: "C1", Actor: "link:L1",
			Rows: []consent.Row{&after}, RowsBefore: []consent.Row{before}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if report, err := db.VerifyIntegrity(ctx, nil); err != nil || !report.Intact() || report.Rows != rows+1 {
		t.Fatalf("after writing migration 5's rows: %+v, %v; want %d rows intact", report, err, rows+1)
	}
	drop := "DROP TRIGGER consents_frozen"
	if db.dialect == dialectPostgres {
		drop = "DROP TRIGGER consents_frozen ON consents"
	}
	if err := db.plain.Exec(drop).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.plain.Exec("UPDATE consents SET patient_birth_date = '1980-04-03' WHERE id = 'C1'").Error; err != nil {
		t.Fatal(err)
	}
	report, err = db.VerifyIntegrity(ctx, nil)
	if err != nil || report.Intact() {
		t.Fatalf("after an edit: %+v, %v", report, err)
	}
	f := report.Faults[0]
	if f.Row == nil || *f.Row != (consent.RowRef{Table: consent.TableConsents, ID: "C1"}) || f.Seq != vouching || !strings.Contains(f.Reason, "differs") {
		t.Fatalf("fault %s, want consents C1 vouched for by seq %d", f, vouching)
	}
	// The lock lifted behind consentd's back is named too.
	if err := db.plain.Exec("UPDATE download_links SET locked_at = NULL WHERE id = 'L1'").Error; err != nil {
		t.Fatal(err)
	}
	report, err = db.VerifyIntegrity(ctx, nil)
	if err != nil || len(report.Faults) != 2 || report.Faults[1].Row == nil ||
		*report.Faults[1].Row != (consent.RowRef{Table: consent.TableDownloadLinks, ID: "L1"}) {
		t.Fatalf("after lifting the lock: %+v, %v", report, err)
	}
}
