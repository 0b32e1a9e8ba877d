package api_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// templateContent returns a fresh, valid two-locale version content.
func templateContent() map[string]any {
	locale := func(title, heading, body, disclosure string) map[string]any {
		return map[string]any{"title": title, "disclosure": disclosure,
			"sections": []any{
				map[string]any{"key": "overview", "kind": "overview", "heading": heading, "body": body, "requires_acknowledgment": true},
				map[string]any{"key": "risks", "kind": "risks_long_term", "heading": "Risks", "body": "Some **risk**.", "requires_acknowledgment": false},
			},
			"meanings": map[string]any{"patient": "I agree.", "representative": "I agree for the patient.", "clinician": "I explained it."}}
	}
	return map[string]any{
		"locales": map[string]any{
			"en": locale("Test treatment", "Overview", "Given at {{clinic}}.", "Electronic records disclosure."),
			"es": locale("Tratamiento", "Resumen", "En {{clinic}}.", "Divulgación de registros electrónicos."),
		},
		"variables":           []any{map[string]any{"name": "clinic", "label": "Clinic", "required": true}},
		"required_signers":    []any{"patient", "clinician"},
		"signature_forms":     []any{"drawn", "typed"},
		"expires_after_hours": 48,
	}
}

func locale(c map[string]any, l string) map[string]any {
	return c["locales"].(map[string]any)[l].(map[string]any)
}

func section(c map[string]any, l string, i int) map[string]any {
	return locale(c, l)["sections"].([]any)[i].(map[string]any)
}

// consentFor is a consent request for the test template.
func consentFor(slug string, version int) map[string]any {
	m := map[string]any{"template": slug, "locale": "en",
		"patient":   map[string]any{"id": "MRN-77", "given_name": "Ana", "family_name": "Díaz", "birth_date": "1975-06-30"},
		"variables": map[string]any{"clinic": "Calm Waters"}}
	if version > 0 {
		m["version"] = version
	}
	return m
}

func currentVersion(t *testing.T, s *apptest.Server, slug string) any {
	t.Helper()
	return wantJSON(t, s, 200, "GET", "/v1/templates/"+slug, s.AdminKey, nil)["current_version"]
}

func TestTemplateCreate(t *testing.T) {
	s := apptest.New(t)
	m := wantJSON(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "botox-test", "title": "Botox"})
	if m["slug"] != "botox-test" || m["current_version"] != nil {
		t.Fatalf("created %v", m)
	}
	wantError(t, s, 409, "slug", "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "botox-test", "title": "Again"})
	for _, slug := range []string{"Bad Slug!", "", "UPPER", "a/b", "-lead"} {
		wantError(t, s, 400, "slug", "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": slug, "title": "X"})
	}
	wantError(t, s, 404, "", "POST", "/v1/templates/nope/versions", s.AdminKey, templateContent())
	// The first version needs content: an empty body has nothing to copy.
	wantError(t, s, 400, "", "POST", "/v1/templates/botox-test/versions", s.AdminKey, nil)

	t.Run("templates:read cannot write", func(t *testing.T) {
		ro := s.Key(t, "templates:read")
		want(t, s, 200, "GET", "/v1/templates", ro, nil)
		wantError(t, s, 403, "", "POST", "/v1/templates", ro, map[string]any{"slug": "ro-test", "title": "X"})
		wantError(t, s, 403, "", "POST", "/v1/templates/botox-test/versions", ro, templateContent())
		wantError(t, s, 403, "", "PUT", "/v1/templates/ketamine-iv/versions/1", ro, templateContent())
		wantError(t, s, 403, "", "POST", "/v1/templates/ketamine-iv/versions/1/publish", ro, apptest.Approval())
		wantError(t, s, 403, "", "POST", "/v1/templates/ketamine-iv/versions/1/retire", ro, nil)
		cw := s.Key(t, "consents:write", "consents:read")
		wantError(t, s, 403, "", "GET", "/v1/templates", cw, nil)
		wantError(t, s, 403, "", "POST", "/v1/templates", cw, map[string]any{"slug": "cw-test", "title": "X"})
	})
	if n := len(wantJSON(t, s, 200, "GET", "/v1/templates/botox-test/versions", s.AdminKey, nil)["data"].([]any)); n != 0 {
		t.Fatalf("%d versions after refused writes", n)
	}
}

func TestTemplateInvalidContent(t *testing.T) {
	s := apptest.New(t)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "v-test", "title": "V"})
	draft := wantJSON(t, s, 201, "POST", "/v1/templates/v-test/versions", s.AdminKey, templateContent())
	tests := []struct {
		name  string
		edit  func(c map[string]any)
		field string
	}{
		{"duplicate section key", func(c map[string]any) { section(c, "en", 1)["key"] = "overview" }, "locales.en.sections[1].key"},
		{"unknown kind", func(c map[string]any) { section(c, "en", 0)["kind"] = "miracles" }, "locales.en.sections[0].kind"},
		{"locale missing a section", func(c map[string]any) {
			locale(c, "es")["sections"] = locale(c, "es")["sections"].([]any)[:1]
		}, "locales.es.sections"},
		{"locale with another section key", func(c map[string]any) { section(c, "es", 1)["key"] = "riesgos" }, "locales.es.sections[1]"},
		{"locale missing the disclosure", func(c map[string]any) { locale(c, "es")["disclosure"] = " " }, "locales.es.disclosure"},
		{"locale missing a meaning", func(c map[string]any) {
			delete(locale(c, "es")["meanings"].(map[string]any), "clinician")
		}, "locales.es.meanings.clinician"},
		{"undeclared variable", func(c map[string]any) { section(c, "es", 1)["body"] = "Call {{phone}}." }, "locales.es.sections[1].body"},
		{"undeclared variable in title", func(c map[string]any) { locale(c, "en")["title"] = "{{who}}" }, "locales.en.title"},
		{"bad required role", func(c map[string]any) { c["required_signers"] = []any{"patient", "nurse"} }, "required_signers[1]"},
		{"representative required", func(c map[string]any) { c["required_signers"] = []any{"representative"} }, "required_signers[0]"},
		{"no signers", func(c map[string]any) { c["required_signers"] = []any{} }, "required_signers"},
		{"bad meaning role", func(c map[string]any) { locale(c, "en")["meanings"].(map[string]any)["nurse"] = "x" }, "locales.en.meanings.nurse"},
		{"unknown field in locale", func(c map[string]any) { locale(c, "en")["colour"] = "red" }, "locales.en.colour"},
		{"unknown field in section", func(c map[string]any) { section(c, "es", 0)["colour"] = "red" }, "locales.es.sections[0].colour"},
		{"unknown top field", func(c map[string]any) { c["status"] = "published" }, "status"},
		{"bad signature form", func(c map[string]any) { c["signature_forms"] = []any{"drawn", "fax"} }, "signature_forms[1]"},
		{"expiry zero", func(c map[string]any) { c["expires_after_hours"] = 0 }, "expires_after_hours"},
		{"bad locale code", func(c map[string]any) {
			c["locales"].(map[string]any)["english!"] = locale(c, "en")
		}, "locales.english!"},
		{"no locales", func(c map[string]any) { c["locales"] = map[string]any{} }, "locales"},
		{"bad variable name", func(c map[string]any) {
			c["variables"] = []any{map[string]any{"name": "Clinic Name", "label": "x", "required": true}}
		}, "variables[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := templateContent()
			tt.edit(c)
			wantError(t, s, 400, tt.field, "POST", "/v1/templates/v-test/versions", s.AdminKey, c)
			wantError(t, s, 400, tt.field, "PUT", "/v1/templates/v-test/versions/1", s.AdminKey, c)
		})
	}
	after := wantJSON(t, s, 200, "GET", "/v1/templates/v-test/versions/1", s.AdminKey, nil)
	if diff := cmp.Diff(draft, after); diff != "" {
		t.Fatalf("refused edits changed the draft (-before +after):\n%s", diff)
	}
	if n := len(wantJSON(t, s, 200, "GET", "/v1/templates/v-test/versions", s.AdminKey, nil)["data"].([]any)); n != 1 {
		t.Fatalf("%d versions after refused creates, want 1", n)
	}
}

func TestTemplateVersionLifecycle(t *testing.T) {
	s := apptest.New(t)
	const base = "/v1/templates/life-test"
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "life-test", "title": "Life"})
	v1 := wantJSON(t, s, 201, "POST", base+"/versions", s.AdminKey, templateContent())
	if v1["status"] != "draft" || v1["version"] != 1.0 || !sha256Hex.MatchString(v1["content_sha256"].(string)) {
		t.Fatalf("new version: %v %v %v", v1["status"], v1["version"], v1["content_sha256"])
	}
	hash1 := v1["content_sha256"].(string)
	wantError(t, s, 409, "template", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 0))
	wantError(t, s, 409, "version", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 1))

	// Editing a draft changes the hash; the same content again gives the same hash.
	edited := templateContent()
	section(edited, "en", 1)["body"] = "Some **other** risk."
	e := wantJSON(t, s, 200, "PUT", base+"/versions/1", s.AdminKey, edited)
	if e["content_sha256"] == hash1 || e["status"] != "draft" {
		t.Fatalf("edit kept hash %v (status %v)", e["content_sha256"], e["status"])
	}
	if b := wantJSON(t, s, 200, "PUT", base+"/versions/1", s.AdminKey, templateContent()); b["content_sha256"] != hash1 {
		t.Fatalf("same content, hash %v, want %v", b["content_sha256"], hash1)
	}

	wantError(t, s, 400, "approved_by", "POST", base+"/versions/1/publish", s.AdminKey, map[string]any{"approved_by": "Dr. A"})
	wantError(t, s, 400, "staff_id", "POST", base+"/versions/1/publish", s.AdminKey, map[string]any{})
	p := wantJSON(t, s, 200, "POST", base+"/versions/1/publish", s.AdminKey, apptest.Approval())
	if p["status"] != "published" || p["approved_by"] != nil || p["published_at"] == nil || p["content_sha256"] != hash1 ||
		p["approval"].(map[string]any)["staff_id"] != apptest.ApproverID {
		t.Fatalf("published: %v", p)
	}
	if cv := currentVersion(t, s, "life-test"); cv != 1.0 {
		t.Fatalf("current_version %v, want 1", cv)
	}
	frozen := want(t, s, 200, "GET", base+"/versions/1", s.AdminKey, nil)
	wantError(t, s, 409, "", "PUT", base+"/versions/1", s.AdminKey, edited)
	wantError(t, s, 409, "", "POST", base+"/versions/1/publish", s.AdminKey, apptest.Approval())
	if after := want(t, s, 200, "GET", base+"/versions/1", s.AdminKey, nil); string(after) != string(frozen) {
		t.Fatalf("published version changed:\n%s\n%s", frozen, after)
	}

	c1 := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 0))
	id1 := c1["id"].(string)
	if c1["version"] != 1.0 || c1["template_content_sha256"] != hash1 {
		t.Fatalf("consent on %v (%v)", c1["version"], c1["template_content_sha256"])
	}
	if d := parseTS(t, c1["expires_at"]).Sub(parseTS(t, c1["created_at"])); d != 48*time.Hour {
		t.Fatalf("expires after %v, want the version's 48 h", d)
	}
	before := want(t, s, 200, "GET", "/v1/consents/"+id1, s.AdminKey, nil)

	// A second version copies the newest when the body is empty.
	v2 := wantJSON(t, s, 201, "POST", base+"/versions", s.AdminKey, nil)
	if v2["version"] != 2.0 || v2["status"] != "draft" || v2["content_sha256"] != hash1 {
		t.Fatalf("copied version: %v %v %v", v2["version"], v2["status"], v2["content_sha256"])
	}
	v2 = wantJSON(t, s, 200, "PUT", base+"/versions/2", s.AdminKey, edited)
	hash2 := v2["content_sha256"].(string)
	wantError(t, s, 400, "reconsent", "POST", base+"/versions/2/publish", s.AdminKey, apptest.Approval())
	want(t, s, 200, "POST", base+"/versions/2/publish", s.AdminKey, apptest.Publish("none"))
	if cv := currentVersion(t, s, "life-test"); cv != 2.0 {
		t.Fatalf("current_version %v, want 2", cv)
	}
	if after := want(t, s, 200, "GET", "/v1/consents/"+id1, s.AdminKey, nil); string(after) != string(before) {
		t.Fatalf("a new version changed an existing consent:\n%s\n%s", before, after)
	}
	c2 := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 0))
	if c2["version"] != 2.0 || c2["template_content_sha256"] != hash2 || c2["content_sha256"] == c1["content_sha256"] {
		t.Fatalf("default consent: version %v hash %v", c2["version"], c2["content_sha256"])
	}
	c1b := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 1))
	if c1b["version"] != 1.0 || c1b["content_sha256"] != c1["content_sha256"] {
		t.Fatalf("explicit version 1: %v %v, want hash %v", c1b["version"], c1b["content_sha256"], c1["content_sha256"])
	}

	// Retiring version 2 falls back to 1; retired and draft versions take no consents.
	r := wantJSON(t, s, 200, "POST", base+"/versions/2/retire", s.AdminKey, nil)
	if r["status"] != "retired" {
		t.Fatalf("retire: %v", r["status"])
	}
	if cv := currentVersion(t, s, "life-test"); cv != 1.0 {
		t.Fatalf("current_version after retire %v, want 1", cv)
	}
	wantError(t, s, 409, "", "POST", base+"/versions/2/retire", s.AdminKey, nil)
	wantError(t, s, 409, "", "POST", base+"/versions/2/publish", s.AdminKey, apptest.Approval())
	wantError(t, s, 409, "", "PUT", base+"/versions/2", s.AdminKey, templateContent())
	wantError(t, s, 409, "version", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 2))
	if c := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 0)); c["version"] != 1.0 {
		t.Fatalf("default after retire: version %v", c["version"])
	}
	want(t, s, 201, "POST", base+"/versions", s.AdminKey, nil) // version 3, a draft
	wantError(t, s, 409, "version", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 3))
	wantError(t, s, 409, "", "POST", base+"/versions/3/retire", s.AdminKey, nil)
	wantError(t, s, 404, "version", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 4))

	// Retiring the last published version leaves no current version.
	want(t, s, 200, "POST", base+"/versions/1/retire", s.AdminKey, nil)
	if cv := currentVersion(t, s, "life-test"); cv != nil {
		t.Fatalf("current_version %v with every version retired", cv)
	}
	wantError(t, s, 409, "template", "POST", "/v1/consents", s.AdminKey, consentFor("life-test", 0))

	list := wantJSON(t, s, 200, "GET", base+"/versions", s.AdminKey, nil)["data"].([]any)
	var got []string
	for _, v := range list {
		got = append(got, v.(map[string]any)["status"].(string))
	}
	if diff := cmp.Diff([]string{"retired", "retired", "draft"}, got); diff != "" {
		t.Fatalf("version statuses (-want +got):\n%s", diff)
	}
	if after := want(t, s, 200, "GET", "/v1/consents/"+id1, s.AdminKey, nil); string(after) != string(before) {
		t.Fatalf("retiring changed an existing consent")
	}
	counts := map[string]int{}
	for _, e := range wantJSON(t, s, 200, "GET", "/v1/audit?limit=200", s.AdminKey, nil)["data"].([]any) {
		e := e.(map[string]any)
		if e["details"].(map[string]any)["slug"] == "life-test" {
			counts[e["type"].(string)]++
		}
	}
	wantCounts := map[string]int{"template.created": 1, "template.version_created": 3, "template.version_updated": 3,
		"template.version_published": 2, "template.version_approved": 2, "template.version_retired": 2}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Fatalf("template audit events (-want +got):\n%s", diff)
	}
}

func TestTemplateConcurrentVersionsAndPublish(t *testing.T) {
	s := apptest.New(t)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "race-test", "title": "R"})
	want(t, s, 201, "POST", "/v1/templates/race-test/versions", s.AdminKey, templateContent())
	const n = 4
	var reqs []func() (int, []byte)
	for i := 0; i < n; i++ {
		reqs = append(reqs, post(t, s, "/v1/templates/race-test/versions", nil))
	}
	st, b := race(t, s, reqs...)
	versions := map[float64]bool{}
	for i := range st {
		if st[i] != 201 {
			t.Fatalf("concurrent version %d: %d %s", i, st[i], b[i])
		}
		versions[apptest.JSON(t, b[i])["version"].(float64)] = true
	}
	if len(versions) != n || !versions[2] || !versions[n+1] {
		t.Fatalf("version numbers %v, want 2..%d once each", versions, n+1)
	}
	pub := apptest.Approval()
	st, b = race(t, s, post(t, s, "/v1/templates/race-test/versions/1/publish", pub), post(t, s, "/v1/templates/race-test/versions/1/publish", pub))
	if !(st[0] == 200 && st[1] == 409) && !(st[0] == 409 && st[1] == 200) {
		t.Fatalf("concurrent publish: %d %d: %s %s", st[0], st[1], b[0], b[1])
	}
	evs := wantJSON(t, s, 200, "GET", "/v1/audit?type=template.version_published&limit=200", s.AdminKey, nil)["data"].([]any)
	count := 0
	for _, e := range evs {
		if d := e.(map[string]any)["details"].(map[string]any); d["slug"] == "race-test" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d publish events for one publication", count)
	}
}
