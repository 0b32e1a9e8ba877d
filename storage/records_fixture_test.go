package storage_test

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
)

// auditKeyIn is the audit key a server derived from the secret.key it
// created in dir (what migrate-db reads).
func auditKeyIn(t *testing.T, dir string) []byte {
	t.Helper()
	key, err := app.ExistingAuditKey(app.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// clinic is a running server whose database holds a row of every protected
// kind, each written through the API as a clinic would write it.
type clinic struct {
	*apptest.Server
	dir string
	raw *sql.DB

	signed, withdrawn, voided, declined, cancelled, expired string // consent IDs in those states
	relocated                                               string // its locale changed by the patient's signature; expired
	lateWithdrawn                                           string // withdrawn before withdrawal copies; its copy sealed later
	link, revokedLink, lockedLink                           string
	lockedLinkURL                                           string
	device, revokedDevice                                   string
	webhook, deletedWebhook                                 string
	key, revokedKey                                         string
	staff, deactivatedStaff                                 string
	template, draftSlug                                     string
	published, retired, draft                               int // versions of template / draftSlug
}

// newClinic runs every write use case once: templates created, edited,
// published and retired; staff and keys created and deactivated; consents
// signed (API and tablet acknowledgments), withdrawn (with a withdrawal copy
// sealed at once, or later for a consent withdrawn before copies existed),
// voided, declined, cancelled and expired; download links created, revoked
// and locked by wrong dates of birth; webhooks created and deleted; kiosk
// devices enrolled and revoked.
func newClinic(t *testing.T) *clinic {
	t.Helper()
	return newClinicWith(t)
}

// newClinicWith is newClinic on a server with these changes to its
// configuration (in a fresh data dir).
func newClinicWith(t *testing.T, changes ...func(*app.Config)) *clinic {
	t.Helper()
	dir := t.TempDir()
	s := apptest.New(t, append([]func(*app.Config){func(c *app.Config) { c.DataDir = dir }}, changes...)...)
	c := &clinic{Server: s, dir: dir, raw: rawDB(t, dir), template: "ketamine-iv", draftSlug: "minor-procedure"}
	ctx := context.Background()

	c.signed = s.SignedConsent(t, "en")
	c.withdrawn = s.SignedConsent(t, "es")
	c.post(t, "/v1/consents/"+c.withdrawn+"/withdraw", map[string]any{"reason": "Changed my mind."}, 200)
	c.voided = s.SignedConsent(t, "en")
	c.post(t, "/v1/consents/"+c.voided+"/void", map[string]any{"reason": "Wrong patient."}, 200)

	// A tablet acknowledges a section through its signing token, then the patient declines.
	d := s.CreateConsent(t, "en")
	c.declined = d["id"].(string)
	token := strings.TrimPrefix(d["signing"].(map[string]any)["url"].(string), "/sign/")
	c.post(t, "/v1/signing/"+token+"/acknowledgments", map[string]any{"section": apptest.Acknowledged(t, d)[0], "locale": "en"}, 201)
	c.post(t, "/v1/consents/"+c.declined+"/decline", map[string]any{"reason": "Not today."}, 200)
	r := s.CreateConsent(t, "en")
	c.relocated = r["id"].(string)
	sig := apptest.PatientSignature(apptest.Acknowledged(t, r))
	sig["locale"] = "es"
	c.post(t, "/v1/consents/"+c.relocated+"/signatures", sig, 201)
	c.cancelled = s.CreateConsent(t, "en")["id"].(string)
	c.post(t, "/v1/consents/"+c.cancelled+"/cancel", map[string]any{"reason": "Entered twice."}, 200)

	// Withdrawn the way consentd did before withdrawal copies existed (the
	// upgrade's baseline vouching for the row as it then was); its copy is
	// sealed when first requested.
	c.lateWithdrawn = s.SignedConsent(t, "en")
	err := s.DB.Update(ctx, func(tx consent.Tx) error {
		before, err := tx.Consents().FindConsentByID(ctx, c.lateWithdrawn)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := tx.Consents().TransitionConsent(ctx, c.lateWithdrawn, consent.StatusSigned, consent.StatusWithdrawn, now, "By phone."); err != nil {
			return err
		}
		after, err := tx.Consents().FindConsentByID(ctx, c.lateWithdrawn)
		if err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentWithdrawn, At: now, Actor: "apikey:old",
			ConsentID: c.lateWithdrawn, Details: map[string]any{"from": "signed", "to": "withdrawn", "reason": "By phone."},
			Rows: []consent.Row{after}, RowsBefore: []consent.Row{before}})
	})
	if err != nil {
		t.Fatal(err)
	}
	c.do(t, "GET", "/v1/consents/"+c.lateWithdrawn+"/pdf/withdrawn", 200)

	c.link = c.post(t, "/v1/consents/"+c.signed+"/download-links", map[string]any{"ttl_seconds": 86400, "require_birth_date": true}, 201)["id"].(string)
	c.revokedLink = c.post(t, "/v1/consents/"+c.signed+"/download-links", map[string]any{"ttl_seconds": 3600}, 201)["id"].(string)
	c.do(t, "DELETE", "/v1/consents/"+c.signed+"/download-links/"+c.revokedLink, 200)
	locked := c.post(t, "/v1/consents/"+c.signed+"/download-links", map[string]any{"ttl_seconds": 86400, "require_birth_date": true}, 201)
	c.lockedLink, c.lockedLinkURL = locked["id"].(string), locked["url"].(string)
	c.lockLink(t, c.lockedLinkURL)

	c.device = c.post(t, "/v1/devices", map[string]any{"name": "Front desk"}, 201)["id"].(string)
	c.revokedDevice = c.post(t, "/v1/devices", map[string]any{"name": "Old tablet"}, 201)["id"].(string)
	c.do(t, "DELETE", "/v1/devices/"+c.revokedDevice, 200)

	hook := map[string]any{"url": "https://ehr.example.test/consentd", "events": []string{consent.EventConsentSigned}}
	c.webhook = c.post(t, "/v1/webhooks", hook, 201)["id"].(string)
	c.deletedWebhook = c.post(t, "/v1/webhooks", hook, 201)["id"].(string)
	c.do(t, "DELETE", "/v1/webhooks/"+c.deletedWebhook, 200)

	c.key = c.post(t, "/v1/api-keys", map[string]any{"name": "EHR", "scopes": []string{"consents:read", "audit:read"}}, 201)["id"].(string)
	c.revokedKey = c.post(t, "/v1/api-keys", map[string]any{"name": "old EHR", "scopes": []string{"consents:read"}}, 201)["id"].(string)
	c.do(t, "DELETE", "/v1/api-keys/"+c.revokedKey, 200)
	c.staff = apptest.StaffID
	c.deactivatedStaff = "W-9"
	c.post(t, "/v1/staff", map[string]any{"id": c.deactivatedStaff, "name": "Wanda Witness", "role": "witness", "pin": "135790"}, 201)
	c.do(t, "DELETE", "/v1/staff/"+c.deactivatedStaff, 200)

	// The template gets a new version (a copy), published and then retired; a
	// second template keeps an edited draft.
	c.retired = int(c.post(t, "/v1/templates/"+c.template+"/versions", nil, 201)["version"].(float64))
	c.post(t, "/v1/templates/"+c.template+"/versions/"+itoa(c.retired)+"/publish", apptest.Publish("none"), 200)
	c.post(t, "/v1/templates/"+c.template+"/versions/"+itoa(c.retired)+"/retire", nil, 200)
	c.published = c.retired - 1
	c.post(t, "/v1/templates", map[string]any{"slug": c.draftSlug, "title": "Minor procedure"}, 201)
	v, err := s.Service.Store.Templates().FindVersion(ctx, c.template, c.published)
	if err != nil {
		t.Fatal(err)
	}
	content := v.Content()
	draft, err := s.Service.CreateVersion(ctx, c.draftSlug, &content)
	if err != nil {
		t.Fatal(err)
	}
	c.draft = draft.Version
	content.ExpiresAfterHours = 24
	if _, err := s.Service.UpdateDraft(ctx, c.draftSlug, c.draft, content); err != nil {
		t.Fatal(err)
	}

	// Everything so far verifies, the pending consent whose locale the
	// patient's signature changed included.
	c.expired = s.CreateConsent(t, "en")["id"].(string)
	if report, err := s.DB.VerifyIntegrity(ctx, nil); err != nil || !report.Intact() {
		t.Fatalf("before the expiry: %+v, %v", report, err)
	}
	// Last, the two pending consents expire: the background job records it.
	s.Clock.Advance(8 * 24 * time.Hour)
	if n, err := s.Service.ExpireDue(ctx); err != nil || n != 2 {
		t.Fatalf("ExpireDue = %d, %v; want 2 consents expired", n, err)
	}
	return c
}

// post sends an authenticated JSON request and returns the decoded answer.
func (c *clinic) post(t *testing.T, path string, body any, status int) map[string]any {
	t.Helper()
	st, b := c.Do(t, "POST", path, c.AdminKey, body)
	if st != status {
		t.Fatalf("POST %s: %d %s, want %d", path, st, b, status)
	}
	return apptest.JSON(t, b)
}

// lockLink enters wrong dates of birth on a download link until it locks.
func (c *clinic) lockLink(t *testing.T, path string) {
	t.Helper()
	for i := range 5 {
		st, b := c.Do(t, "POST", path, "", url.Values{"birth_date": {"1900-01-01"}}.Encode(),
			"Content-Type", "application/x-www-form-urlencoded")
		if want := map[bool]int{false: 403, true: 410}[i == 4]; st != want {
			t.Fatalf("wrong date of birth %d on %s: %d %.200s, want %d", i+1, path, st, b, want)
		}
	}
}

func (c *clinic) do(t *testing.T, method, path string, status int) {
	t.Helper()
	if st, b := c.Do(t, method, path, c.AdminKey, nil); st != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, st, b, status)
	}
}

// one returns a single value of a query, e.g. a row's ID.
func (c *clinic) one(t *testing.T, query string, args ...any) string {
	t.Helper()
	var v string
	if err := c.raw.QueryRow(rebind(query), args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// eventSeq returns the seq of a consent's events of a type: the first, or the nth (from 0).
func (c *clinic) eventSeq(t *testing.T, consentID, typ string, nth ...int) int64 {
	t.Helper()
	evs, err := c.DB.ListAuditEvents(context.Background(), consent.AuditFilter{ConsentID: consentID, Type: typ, Limit: 100})
	i := 0
	if len(nth) > 0 {
		i = nth[0]
	}
	if err != nil || len(evs) <= i {
		t.Fatalf("%s events of %s: %d, %v", typ, consentID, len(evs), err)
	}
	return evs[i].Seq
}

// dropTriggers removes every trigger, as the owner of the SQLite file or of
// the PostgreSQL tables can: then nothing in the database refuses an edit.
func dropTriggers(t *testing.T, raw *sql.DB) {
	t.Helper()
	list := "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
	if storagetest.Postgres() {
		list = "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
	}
	rows, err := raw.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var drops []string
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		if storagetest.Postgres() {
			drops = append(drops, "DROP TRIGGER "+name+" ON "+table)
		} else {
			drops = append(drops, "DROP TRIGGER "+name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range drops {
		exec(t, raw, d)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
