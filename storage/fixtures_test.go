package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/internal/pgtest"
	"github.com/consentd/consentd/storage/storagetest"
)

// t0 is the pinned clock of the fixtures; stored times have millisecond precision.
var t0 = time.Date(2026, 11, 25, 9, 44, 0, 123_000_000, time.UTC)

// equateEmpty treats nil and empty slices and maps alike: JSON columns do not
// keep that difference, and the domain does not rely on it.
var equateEmpty = cmpopts.EquateEmpty()

// openDir opens a database in a fresh directory and returns both, for tests
// that look at the files.
func openDir(t testing.TB) (*storage.DB, string) {
	dir := t.TempDir()
	return storagetest.MustOpenConfig(t, storage.Config{DataDir: dir, Now: func() time.Time { return t0 }}), dir
}

// rawDB opens the database behind storage's back, as an attacker with the
// SQLite file, or an administrator with psql on PostgreSQL, would.
func rawDB(t testing.TB, dir string) *sql.DB {
	t.Helper()
	if u := storagetest.DatabaseURL(dir); u != "" {
		return pgtest.Open(t, u)
	}
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "consentd.db")+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// rebind turns the ? placeholders of raw SQL into PostgreSQL's $1, $2, ...
// when the tests run on PostgreSQL.
func rebind(query string) string {
	if !storagetest.Postgres() {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func update(t testing.TB, db *storage.DB, fn func(tx consent.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := consent.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
}

func newVersion(slug string, version int, status string) *consent.TemplateVersion {
	v := &consent.TemplateVersion{Slug: slug, Version: version, Status: status, CreatedAt: t0}
	err := v.SetContent(consent.VersionContent{
		Locales: map[string]consent.LocaleContent{
			"en": {Title: "IV ketamine", Disclosure: "You agree to *electronic* records.",
				Meanings: map[string]string{"patient": "I have read and understood.", "clinician": "I explained."},
				Sections: []consent.Section{
					{Key: "procedure", Kind: "procedure", Heading: "The procedure", Body: "An infusion at {{clinic}}."},
					{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Dissociation.", RequiresAcknowledgment: true},
				}},
			"es": {Title: "Ketamina IV", Disclosure: "Registros electrónicos.", Meanings: map[string]string{"patient": "He leído."},
				Sections: []consent.Section{{Key: "procedure", Kind: "procedure", Heading: "El procedimiento", Body: "Zoë, Łódź."}}},
		},
		Variables:         []consent.Variable{{Name: "clinic", Label: "Clinic name", Required: true}},
		RequiredSigners:   []string{consent.RolePatient, consent.RoleClinician},
		SignatureForms:    []string{"drawn", "typed"},
		ExpiresAfterHours: 168,
	})
	if err != nil {
		panic(err)
	}
	if status != consent.VersionDraft {
		at := t0.Add(time.Minute)
		v.PublishedAt, v.ApprovedBy = &at, "Dr. A. Medical Director"
	}
	return v
}

// seedTemplate creates a template with one published version.
func seedTemplate(t testing.TB, db *storage.DB, slug string) {
	t.Helper()
	update(t, db, func(tx consent.Tx) error {
		ctx := context.Background()
		if err := tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: slug, Title: "Title of " + slug, CreatedAt: t0}); err != nil {
			return err
		}
		return tx.Templates().CreateVersion(ctx, newVersion(slug, 1, consent.VersionPublished))
	})
}

func newConsent(id, slug string, created time.Time) *consent.Consent {
	doc := consent.Document{Locale: "en", Title: "IV ketamine", Disclosure: "Electronic records.",
		DisclosureHTML: "<p>Electronic records.</p>", Meanings: map[string]string{"patient": "I have read."},
		ContentSHA256: "ab12", Sections: []consent.DocumentSection{
			{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "**Dissociation**",
				BodyHTML: "<p><strong>Dissociation</strong></p>", RequiresAcknowledgment: true}}}
	es := doc
	es.Locale, es.Title = "es", "Ketamina IV"
	return &consent.Consent{ID: id, Status: consent.StatusPending, TemplateSlug: slug, TemplateVersion: 1,
		TemplateSHA256: "cd34", Locale: "en",
		Patient:   consent.Patient{ID: "MRN-" + id, GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: map[string]string{"clinic": "Clinic Łódź"}, Documents: map[string]consent.Document{"en": doc, "es": es},
		CreatedAt: created, ExpiresAt: created.Add(168 * time.Hour), CreatedBy: "apikey:K1",
		SigningTokenHash: consent.HashSecret("token-" + id), SigningCodeHash: consent.HashSecret("code-" + id)}
}

func createConsent(t testing.TB, db *storage.DB, c *consent.Consent) {
	t.Helper()
	update(t, db, func(tx consent.Tx) error { return tx.Consents().CreateConsent(context.Background(), c) })
}

func newSignature(id, consentID, role string) *consent.Signature {
	erc := t0.Add(30 * time.Second)
	return &consent.Signature{ID: id, ConsentID: consentID, Role: role, Name: "Zoë Müller", Locale: "en",
		Meaning: "I have read.", SignedAt: t0.Add(time.Minute),
		Mark: consent.Mark{Type: "drawn", Width: 600, Height: 200,
			Strokes: [][]consent.Point{{{X: 1.5, Y: 2.25, T: 0}, {X: 3.1, Y: 4, T: 16}}, {{X: 100, Y: 50.125, T: 40}}}},
		ElectronicRecordsConsentAt: &erc, Acknowledged: []string{"risks"},
		Evidence: consent.Evidence{Channel: consent.ChannelTablet, IP: "192.0.2.7", UserAgent: "Tablet/1.0",
			DeviceID: "dev-1", Actor: "token:" + consentID, ClientTime: "2026-11-25T09:45:00Z"}}
}

func auditEvent(typ, consentID string, n int) *consent.AuditEvent {
	return &consent.AuditEvent{Type: typ, Actor: "apikey:K1", ConsentID: consentID, IP: "192.0.2.1",
		UserAgent: "curl/8", Details: map[string]any{"n": float64(n), "note": fmt.Sprintf("event %d", n)}}
}
