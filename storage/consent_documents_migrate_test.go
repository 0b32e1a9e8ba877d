package storage

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/internal/pgtest"
)

// migrationsBefore is the schema as a binary before migration v had it.
func migrationsBefore(v int) []migration {
	for i, m := range migrations {
		if m.Version >= v {
			return migrations[:i]
		}
	}
	return migrations
}

// inlineConsent writes a signed consent the way the code before migration
// 13 did, its documents in its own row, with the event that vouches for it.
func inlineConsent(t *testing.T, db *DB, at time.Time) *consent.Consent {
	t.Helper()
	ctx := context.Background()
	doc := consent.Document{Locale: "en", Title: "IV ketamine", Disclosure: "Electronic records.", DisclosureHTML: "<p>Electronic records.</p>",
		Meanings: map[string]string{"patient": "I have read."}, ContentSHA256: "ab12",
		Sections: []consent.DocumentSection{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Dissociation",
			BodyHTML: "<p>Dissociation</p>", RequiresAcknowledgment: true}}}
	es := doc
	es.Locale, es.Title, es.ContentSHA256 = "es", "Ketamina IV", "cd34"
	v := &consent.TemplateVersion{Slug: "k", Version: 1, Status: consent.VersionPublished, PublishedAt: &at, ApprovedBy: "Dr. A", CreatedAt: at}
	if err := v.SetContent(consent.VersionContent{Locales: map[string]consent.LocaleContent{"en": {Title: "IV ketamine",
		Sections: []consent.Section{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Dissociation"}}}},
		RequiredSigners: []string{"patient"}, SignatureForms: []string{"typed"}, ExpiresAfterHours: 24}); err != nil {
		t.Fatal(err)
	}
	c := &consent.Consent{ID: "OLD", Status: consent.StatusSigned, TemplateSlug: "k", TemplateVersion: 1, TemplateSHA256: v.ContentSHA256,
		Locale: "en", Patient: consent.Patient{ID: "MRN-1", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: map[string]string{}, Documents: map[string]consent.Document{"en": doc, "es": es}, CreatedAt: at,
		ExpiresAt: at.Add(time.Hour), CreatedBy: "apikey:K1", SigningTokenHash: "t1", SigningCodeHash: "c1", SignedAt: &at, StatusChangedAt: &at}
	tpl := &consent.Template{Slug: "k", Title: "Ketamine", CreatedAt: at}
	err := db.Update(ctx, func(w consent.Tx) error {
		if err := w.Templates().CreateTemplate(ctx, tpl); err != nil {
			return err
		}
		if err := w.Templates().CreateVersion(ctx, v); err != nil {
			return err
		}
		row := consentFromDomain(c) // documents inline, as before migration 13
		if err := storeTx(w).q(ctx).Create(&row).Error; err != nil {
			return err
		}
		return w.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentSigned, ConsentID: c.ID, Actor: "apikey:K1",
			Rows: []consent.Row{tpl, v, c}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConsentBeforeMigration13 upgrades a database holding a consent whose
// documents are in its consents row: migration 13 moves nothing, and the
// consent still loads, lists, summarises and verifies as it did; a status
// change leaves its documents where they are; a consent created after the
// upgrade with the same documents stores the very same bytes in
// consent_documents; an edit of the inline documents is still found; and
// both copy to PostgreSQL and read back there alike.
func TestConsentBeforeMigration13(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	cfg := Config{DataDir: dir, URL: url, AuditKey: testKey, Now: func() time.Time { return at }}
	old, err := open(ctx, cfg, migrationsBefore(13))
	if err != nil {
		t.Fatal(err)
	}
	c := inlineConsent(t, old, at)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	one := func(db *DB, query string, args ...any) string {
		t.Helper()
		var s string
		if err := db.plain.Raw(query, args...).Row().Scan(&s); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return s
	}
	inline := one(db, "SELECT documents FROM consents WHERE id = 'OLD'")
	if inline == "" || one(db, "SELECT CAST(COUNT(*) AS TEXT) FROM consent_documents") != "0" {
		t.Fatalf("migration 13 moved documents: inline %d bytes", len(inline))
	}

	// The same documents in a consent created now: the same bytes, stored apart.
	fresh := *c
	fresh.ID, fresh.Status, fresh.SignedAt, fresh.StatusChangedAt = "NEW", consent.StatusPending, nil, nil
	fresh.SigningTokenHash, fresh.SigningCodeHash = "t2", "c2"
	err = db.Update(ctx, func(w consent.Tx) error {
		if err := w.Consents().CreateConsent(ctx, &fresh); err != nil {
			return err
		}
		return w.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentCreated, ConsentID: "NEW", Actor: "apikey:K1",
			Rows: []consent.Row{&fresh}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored := one(db, "SELECT documents FROM consent_documents WHERE consent_id = 'NEW'"); stored != inline {
		t.Errorf("documents stored apart differ from the same documents stored inline:\n%s\n%s", stored, inline)
	}

	check := func(db *DB, label string, status string) {
		t.Helper()
		db.cache = newCaches(nil) // read from the database, not from what the writes cached
		got, err := db.FindConsentByID(ctx, "OLD")
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if !reflect.DeepEqual(got.Documents, c.Documents) || got.Status != status {
			t.Errorf("%s: loaded %s with documents %+v, want %s with %+v", label, got.Status, got.Documents, status, c.Documents)
		}
		list, _, err := db.ListConsents(ctx, consent.ConsentFilter{Limit: 10})
		if err != nil || len(list) != 2 {
			t.Fatalf("%s: list %d, %v", label, len(list), err)
		}
		for _, l := range list {
			if !reflect.DeepEqual(l.Documents, c.Documents) {
				t.Errorf("%s: listed %s with documents %+v", label, l.ID, l.Documents)
			}
		}
		for _, id := range []string{"OLD", "NEW"} {
			sum, err := db.FindConsentSummary(ctx, id)
			if err != nil || !reflect.DeepEqual(sum.Documents, consent.DocumentRefs(c.Documents)) {
				t.Errorf("%s: summary of %s: %+v, %v", label, id, sum, err)
			}
		}
		report, err := db.VerifyIntegrity(ctx, nil)
		if err != nil || !report.Intact() || report.Rows != 4 {
			t.Errorf("%s: verify %+v, %v; want 4 rows intact", label, report, err)
		}
	}
	check(db, "after migration 13", consent.StatusSigned)

	// A status change of the old consent leaves its documents in its row.
	withdrawn := *c
	withdrawn.Status, withdrawn.StatusChangedAt, withdrawn.StatusReason = consent.StatusWithdrawn, &at, "changed my mind"
	err = db.Update(ctx, func(w consent.Tx) error {
		if err := w.Consents().TransitionConsent(ctx, "OLD", consent.StatusSigned, consent.StatusWithdrawn, at, "changed my mind"); err != nil {
			return err
		}
		return w.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentWithdrawn, ConsentID: "OLD", Actor: "apikey:K1",
			Rows: []consent.Row{&withdrawn}, RowsBefore: []consent.Row{c}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := one(db, "SELECT documents FROM consents WHERE id = 'OLD'"); got != inline {
		t.Error("a status change rewrote an old consent's inline documents")
	}
	check(db, "after a status change", consent.StatusWithdrawn)

	if db.dialect == dialectSQLite {
		t.Run("copied to PostgreSQL", func(t *testing.T) {
			server := pgtest.Require(t)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			target := pgtest.NewDatabase(t, server)
			report, err := CopyToPostgres(ctx, CopyOptions{DataDir: dir, TargetURL: target, AuditKey: testKey})
			if err != nil || !report.Complete() {
				t.Fatalf("copy: %+v, %v", report, err)
			}
			for _, tc := range report.Tables {
				if tc.Table == "consent_documents" && (tc.SourceRows != 1 || !tc.Match()) {
					t.Errorf("consent_documents copied: %+v", tc)
				}
			}
			pg, err := Open(ctx, Config{DataDir: dir, URL: target, AuditKey: testKey, Now: cfg.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer pg.Close()
			check(pg, "on PostgreSQL", consent.StatusWithdrawn)
			if got := one(pg, "SELECT documents FROM consents WHERE id = 'OLD'"); got != inline {
				t.Error("the copy moved or changed an old consent's inline documents")
			}
			db, err = Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
		})
	}

	// An edit of inline documents is found as before migration 13.
	drop := "DROP TRIGGER consents_frozen"
	if db.dialect == dialectPostgres {
		drop = "DROP TRIGGER consents_frozen ON consents"
	}
	if err := db.plain.Exec(drop).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.plain.Exec("UPDATE consents SET documents = REPLACE(documents, 'Dissociation', 'Nothing') WHERE id = 'OLD'").Error; err != nil {
		t.Fatal(err)
	}
	report, err := db.VerifyIntegrity(ctx, nil)
	if err != nil || len(report.Faults) != 1 || report.Faults[0].Row == nil ||
		*report.Faults[0].Row != (consent.RowRef{Table: consent.TableConsents, ID: "OLD"}) ||
		!strings.Contains(report.Faults[0].Reason, "differs") {
		t.Fatalf("inline documents edited: %+v, %v", report, err)
	}
}
