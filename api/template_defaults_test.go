package api_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestVersionDefaultsAndChangeSummary: a variable's default and a locale's
// change summary round-trip through a version's content, enter its hash, are
// validated like the rest of the content, and a consent uses the default
// when it gives no value (and keeps the value it used).
func TestVersionDefaultsAndChangeSummary(t *testing.T) {
	s := apptest.New(t)
	const base = "/v1/templates/defaults-test"
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "defaults-test", "title": "Defaults"})
	plain := wantJSON(t, s, 201, "POST", base+"/versions", s.AdminKey, templateContent())
	if _, ok := plain["variables"].([]any)[0].(map[string]any)["default"]; ok {
		t.Errorf("a variable without a default shows one: %v", plain["variables"])
	}
	if _, ok := locale(plain, "en")["change_summary"]; ok {
		t.Errorf("a locale without a change summary shows one: %v", locale(plain, "en"))
	}

	c := templateContent()
	c["variables"] = []any{map[string]any{"name": "clinic", "label": "Clinic", "required": true, "default": "Calm Waters"}}
	locale(c, "en")["change_summary"] = "- New **cost** section at {{clinic}}."
	locale(c, "es")["change_summary"] = "- Nueva sección sobre el **costo** en {{clinic}}."
	v := wantJSON(t, s, 200, "PUT", base+"/versions/1", s.AdminKey, c)
	if v["content_sha256"] == plain["content_sha256"] {
		t.Error("default and change summary did not change the content hash")
	}
	got := wantJSON(t, s, 200, "GET", base+"/versions/1", s.AdminKey, nil)
	if d := cmp.Diff(c["variables"], got["variables"]); d != "" {
		t.Errorf("variables (-sent +read):\n%s", d)
	}
	for _, l := range []string{"en", "es"} {
		if locale(got, l)["change_summary"] != locale(c, l)["change_summary"] {
			t.Errorf("%s change summary read back as %v", l, locale(got, l)["change_summary"])
		}
	}

	bad := templateContent()
	bad["variables"] = []any{map[string]any{"name": "clinic", "label": "Clinic", "required": true, "default": "two\nlines"}}
	wantError(t, s, 400, "variables[0].default", "PUT", base+"/versions/1", s.AdminKey, bad)
	bad = templateContent()
	locale(bad, "es")["change_summary"] = "{{nope}}"
	wantError(t, s, 400, "locales.es.change_summary", "PUT", base+"/versions/1", s.AdminKey, bad)
	bad = templateContent()
	locale(bad, "en")["change_summary"] = "> > > > > too deep"
	wantError(t, s, 400, "locales.en.change_summary", "PUT", base+"/versions/1", s.AdminKey, bad)

	want(t, s, 200, "POST", base+"/versions/1/publish", s.AdminKey, apptest.Approval())
	req := consentFor("defaults-test", 1)
	req["variables"] = map[string]any{}
	made := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, req)
	if d := cmp.Diff(map[string]any{"clinic": "Calm Waters"}, made["variables"]); d != "" {
		t.Errorf("consent variables (-want +got):\n%s", d)
	}
	if body := made["document"].(map[string]any)["sections"].([]any)[0].(map[string]any)["body"]; body != "Given at Calm Waters." {
		t.Errorf("body = %q, want the default filled in", body)
	}
	req["variables"] = map[string]any{"clinic": "Other Clinic"}
	made = wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, req)
	if made["variables"].(map[string]any)["clinic"] != "Other Clinic" {
		t.Errorf("a given value lost to the default: %v", made["variables"])
	}
}

// TestShippedVersionsOnFreshInstall: version 3 (version 2's text with
// teach-back questions) is current; versions 1 and 2 stay published for
// consents that ask for them, with their own variables and sections.
func TestShippedVersionsOnFreshInstall(t *testing.T) {
	s := apptest.New(t)
	if cv := currentVersion(t, s, "ketamine-iv"); cv != 3.0 {
		t.Fatalf("current_version %v, want 3", cv)
	}
	c := s.CreateConsent(t, "en")
	if c["version"] != 3.0 || c["variables"].(map[string]any)["infusion_minutes"] != "40" {
		t.Errorf("default consent: version %v, variables %v", c["version"], c["variables"])
	}
	if n := len(apptest.CorrectAnswers(t, c)); n != 5 {
		t.Errorf("version 3 asks questions on %d sections, want 5", n)
	}
	// Version 2 stays signable, without questions.
	req2 := apptest.ConsentRequest("en")
	req2["version"] = 2
	v2 := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, req2)
	if v2["version"] != 2.0 || len(apptest.CorrectAnswers(t, v2)) != 0 {
		t.Errorf("version 2 consent: version %v, questions %v", v2["version"], apptest.CorrectAnswers(t, v2))
	}
	id := s.SignedConsentV1(t, "es")
	v1 := getConsent(t, s, id)
	if v1["version"] != 1.0 || v1["status"] != "signed" || len(v1["document"].(map[string]any)["sections"].([]any)) != 11 {
		t.Errorf("version 1 consent: version %v, status %v", v1["version"], v1["status"])
	}
	req := apptest.ConsentRequestV1("en")
	req["variables"] = apptest.Variables // version 2's values
	wantError(t, s, 400, "variables.after_hours_phone", "POST", "/v1/consents", s.AdminKey, req)
}
