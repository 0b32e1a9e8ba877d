package api_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
	"github.com/google/go-cmp/cmp"
)

// keysOf returns a JSON object's keys, sorted.
func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestConsentSummaryView checks ?view=summary on a signed consent: the state,
// the patient's reference, the signatures without their drawings, every
// locale's hash with a link that serves exactly the full view's document —
// and none of the frozen text, variables or acknowledgments.
func TestConsentSummaryView(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "es")
	fullBody := want(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	full := apptest.JSON(t, fullBody)
	sumBody := want(t, s, 200, "GET", "/v1/consents/"+id+"?view=summary", s.AdminKey, nil)
	sum := apptest.JSON(t, sumBody)

	wantKeys := []string{"approval", "content_sha256", "created_at", "documents", "expires_at", "id", "locale", "patient", "pdf",
		"reconsent_due", "renewal_due", "signatures", "signed_at", "status", "status_changed_at", "superseded_by", "supersedes",
		"template", "template_content_sha256", "url", "version"}
	if d := cmp.Diff(wantKeys, keysOf(sum)); d != "" {
		t.Errorf("summary fields (-want +got):\n%s", d)
	}
	for _, k := range []string{"id", "status", "template", "version", "template_content_sha256", "locale", "content_sha256",
		"created_at", "expires_at", "signed_at", "pdf", "approval", "reconsent_due", "renewal_due", "supersedes", "superseded_by"} {
		if !cmp.Equal(full[k], sum[k]) {
			t.Errorf("%s: summary %v, full %v", k, sum[k], full[k])
		}
	}
	if d := cmp.Diff(map[string]any{"id": full["patient"].(map[string]any)["id"]}, sum["patient"]); d != "" {
		t.Errorf("patient reference, only the ID (-want +got):\n%s", d)
	}
	if sum["url"] != "/v1/consents/"+id {
		t.Errorf("url %v", sum["url"])
	}
	// Signatures: every field of the full view but the drawing.
	fs, ss := full["signatures"].([]any), sum["signatures"].([]any)
	if len(ss) != 2 || len(fs) != 2 {
		t.Fatalf("%d summary signatures, %d full", len(ss), len(fs))
	}
	for i := range ss {
		f, g := fs[i].(map[string]any), ss[i].(map[string]any)
		mark := f["signature"].(map[string]any)
		if d := cmp.Diff(map[string]any{"type": mark["type"]}, g["signature"]); d != "" {
			t.Errorf("signature %d mark (-want +got):\n%s", i, d)
		}
		delete(f, "signature")
		delete(g, "signature")
		if d := cmp.Diff(f, g); d != "" {
			t.Errorf("signature %d (-full +summary):\n%s", i, d)
		}
	}
	if strings.Contains(string(sumBody), "strokes") {
		t.Error("the summary carries the drawn signature's strokes")
	}
	// Documents: hash and link per locale, no text.
	docs := sum["documents"].(map[string]any)
	if d := cmp.Diff([]string{"en", "es"}, keysOf(docs)); d != "" {
		t.Fatalf("summary document locales (-want +got):\n%s", d)
	}
	for l, v := range docs {
		ref := v.(map[string]any)
		fullDoc := full["documents"].(map[string]any)[l].(map[string]any)
		if d := cmp.Diff(map[string]any{"content_sha256": fullDoc["content_sha256"], "url": "/v1/consents/" + id + "/documents/" + l}, ref); d != "" {
			t.Errorf("documents[%s] (-want +got):\n%s", l, d)
		}
		got := wantJSON(t, s, 200, "GET", ref["url"].(string), s.AdminKey, nil)
		if d := cmp.Diff(fullDoc, got); d != "" {
			t.Errorf("GET %s differs from the full view's documents[%s] (-full +got):\n%s", ref["url"], l, d)
		}
	}
	firstSection := full["document"].(map[string]any)["sections"].([]any)[0].(map[string]any)["body"].(string)
	if bytes.Contains(sumBody, []byte(firstSection[:40])) {
		t.Error("the summary carries document text")
	}
	if len(sumBody)*10 > len(fullBody) {
		t.Errorf("summary is %d bytes, full %d: want under a tenth", len(sumBody), len(fullBody))
	}
	// The default is unchanged, and view=full is the same answer.
	if b := want(t, s, 200, "GET", "/v1/consents/"+id+"?view=full", s.AdminKey, nil); !bytes.Equal(b, want(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)) {
		t.Error("view=full differs from the default")
	}
	wantError(t, s, 404, "locale", "GET", "/v1/consents/"+id+"/documents/fr", s.AdminKey, nil)
	wantError(t, s, 404, "", "GET", "/v1/consents/01NOSUCHCONSENT/documents/en", s.AdminKey, nil)
}

// TestConsentSummaryAudited checks every lean read is on record, with the
// view or the document's locale, written before the answer: a read whose
// audit event cannot be written is refused, not answered.
func TestConsentSummaryAudited(t *testing.T) {
	dir := t.TempDir()
	s := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	id := s.SignedConsent(t, "en")
	before := len(eventsOf(t, s, consent.EventConsentViewed))
	want(t, s, 200, "GET", "/v1/consents/"+id+"?view=summary", s.AdminKey, nil)
	want(t, s, 200, "GET", "/v1/consents?patient_id=MRN-1001&view=summary", s.AdminKey, nil)
	want(t, s, 200, "GET", "/v1/consents/"+id+"/documents/es", s.AdminKey, nil)
	views := eventsOf(t, s, consent.EventConsentViewed)[before:]
	var got []map[string]any
	for _, e := range views {
		if e.ConsentID != id {
			t.Errorf("viewed event for %s", e.ConsentID)
		}
		got = append(got, e.Details)
	}
	wantDetails := []map[string]any{{"view": "summary"}, {"view": "summary", "via": "list"}, {"document": "es"}}
	if d := cmp.Diff(wantDetails, got); d != "" {
		t.Errorf("viewed events' details (-want +got):\n%s", d)
	}
	// The full read's event keeps its shape.
	want(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if last := eventsOf(t, s, consent.EventConsentViewed); last[len(last)-1].Details != nil && len(last[len(last)-1].Details) > 0 {
		t.Errorf("full read's event details %v, want none", last[len(last)-1].Details)
	}

	if storagetest.Postgres() {
		return // the fault below is made with a SQLite trigger
	}
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "consentd.db")+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER test_no_views BEFORE INSERT ON audit_events
		WHEN NEW.type = 'consent.viewed' BEGIN SELECT RAISE(ABORT, 'views refused'); END`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/consents/" + id + "?view=summary", "/v1/consents/" + id + "/documents/en",
		"/v1/consents?patient_id=MRN-1001&view=summary"} {
		st, b := s.Do(t, "GET", path, s.AdminKey, nil)
		if st != 500 || bytes.Contains(b, []byte(id)) {
			t.Errorf("GET %s with the audit log refusing: %d %.200s; want 500 without the consent", path, st, b)
		}
	}
}

// TestConsentSummaryScopesAndViews checks the lean view hands out nothing a
// scope should hide, creates and transitions honour it, and an unknown view
// is refused before anything is written.
func TestConsentSummaryScopesAndViews(t *testing.T) {
	s := apptest.New(t)
	writer := s.Key(t, consent.ScopeConsentsWrite)
	reader := s.Key(t, consent.ScopeConsentsRead)
	id := s.SignedConsent(t, "en")

	// consents:read is needed for the summary and the documents.
	wantError(t, s, 403, "", "GET", "/v1/consents/"+id+"?view=summary", writer, nil)
	wantError(t, s, 403, "", "GET", "/v1/consents/"+id+"/documents/en", writer, nil)
	wantError(t, s, 403, "", "GET", "/v1/consents?view=summary", writer, nil)
	want(t, s, 200, "GET", "/v1/consents/"+id+"/documents/en", reader, nil)

	// An unknown view: 400 naming the field, and no consent created.
	var n int
	for _, c := range []string{"/v1/consents/" + id + "?view=lean", "/v1/consents?view=SUMMARY", "/v1/consents/" + id + "?view="} {
		wantError(t, s, 400, "view", "GET", c, s.AdminKey, nil)
	}
	listed := wantJSON(t, s, 200, "GET", "/v1/consents?limit=200", s.AdminKey, nil)["data"].([]any)
	n = len(listed)
	wantError(t, s, 400, "view", "POST", "/v1/consents?view=brief", s.AdminKey, apptest.ConsentRequest("en"))
	if after := len(wantJSON(t, s, 200, "GET", "/v1/consents?limit=200", s.AdminKey, nil)["data"].([]any)); after != n {
		t.Errorf("a create with an unknown view stored a consent: %d → %d", n, after)
	}

	// A create in the summary view keeps the one-time signing link, and a
	// retry with the same key answers the same consent.
	created := wantJSON(t, s, 201, "POST", "/v1/consents?view=summary", writer, apptest.ConsentRequest("en"), "Idempotency-Key", "sum-1")
	if _, ok := created["document"]; ok {
		t.Error("summary create carries the document")
	}
	sg, _ := created["signing"].(map[string]any)
	if sg == nil || sg["code"] == "" || created["status"] != "pending" {
		t.Fatalf("summary create: %v", created)
	}
	again := wantJSON(t, s, 201, "POST", "/v1/consents?view=summary", writer, apptest.ConsentRequest("en"), "Idempotency-Key", "sum-1")
	if d := cmp.Diff(created, again); d != "" {
		t.Errorf("replayed summary create (-first +replay):\n%s", d)
	}

	// A transition by a key without consents:read stays state-only in any view.
	st := wantJSON(t, s, 200, "POST", "/v1/consents/"+created["id"].(string)+"/cancel?view=summary", writer, map[string]any{"reason": "wrong patient"})
	if _, ok := st["patient"]; ok || st["status"] != "cancelled" {
		t.Errorf("write-only transition in the summary view: %v", st)
	}
	// With consents:read it is the summary.
	other := s.CreateConsent(t, "en")
	sum := wantJSON(t, s, 200, "POST", "/v1/consents/"+other["id"].(string)+"/decline?view=summary", s.AdminKey, map[string]any{"reason": "changed mind"})
	if _, ok := sum["documents"].(map[string]any)["en"].(map[string]any)["url"]; !ok || sum["document"] != nil || sum["status"] != "declined" {
		t.Errorf("transition in the summary view: %v", keysOf(sum))
	}

	// The summary list holds summaries.
	page := wantJSON(t, s, 200, "GET", "/v1/consents?view=summary&limit=3", reader, nil)
	for _, e := range page["data"].([]any) {
		m := e.(map[string]any)
		if _, ok := m["documents"].(map[string]any); !ok || m["document"] != nil || m["variables"] != nil {
			t.Errorf("list entry in the summary view: %v", keysOf(m))
		}
	}
	var raw json.RawMessage = want(t, s, 200, "GET", "/v1/consents?view=summary&limit=3", reader, nil)
	if bytes.Contains(raw, []byte(`"sections"`)) {
		t.Error("the summary list carries document sections")
	}
}
