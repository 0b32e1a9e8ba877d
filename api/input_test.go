package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// countConsents returns how many consents the server holds.
func countConsents(t *testing.T, s *apptest.Server) int {
	t.Helper()
	st, b := s.Do(t, "GET", "/v1/consents?limit=200", s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("list: %d %s", st, b)
	}
	return len(apptest.JSON(t, b)["data"].([]any))
}

func errorOf(t *testing.T, b []byte) (code, field, message string) {
	t.Helper()
	e, ok := apptest.JSON(t, b)["error"].(map[string]any)
	if !ok {
		t.Fatalf("not an error body: %s", b)
	}
	field, _ = e["field"].(string)
	return e["code"].(string), field, e["message"].(string)
}

func TestCreateConsentBadInput(t *testing.T) {
	s := apptest.New(t)
	valid := func(edit func(m map[string]any)) map[string]any {
		m := apptest.ConsentRequest("en")
		edit(m)
		return m
	}
	patient := func(k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["patient"].(map[string]any)[k] = v }
	}
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed json", `{"template": "ketamine-iv",`, 400, "invalid", ""},
		{"two json values", `{"template":"ketamine-iv"} {}`, 400, "invalid", ""},
		{"empty body", ``, 400, "invalid", ""},
		{"array not object", `[1,2]`, 400, "invalid", ""},
		{"invalid utf-8", []byte("{\"template\":\"ketamine-iv\xff\"}"), 400, "invalid", ""},
		{"unknown field", valid(func(m map[string]any) { m["colour"] = "red" }), 400, "invalid", "colour"},
		{"unknown nested field", valid(patient("ssn", "123")), 400, "invalid", "patient.ssn"},
		{"wrong type", valid(func(m map[string]any) { m["version"] = "one" }), 400, "invalid", "version"},
		{"wrong nested type", valid(patient("birth_date", 19800402)), 400, "invalid", "patient.birth_date"},
		{"zero version", valid(func(m map[string]any) { m["version"] = 0 }), 400, "invalid", "version"},
		{"bad birth date", valid(patient("birth_date", "1980-02-30")), 400, "invalid", "patient.birth_date"},
		{"future birth date", valid(patient("birth_date", "2999-01-01")), 400, "invalid", "patient.birth_date"},
		{"birth date format", valid(patient("birth_date", "02/04/1980")), 400, "invalid", "patient.birth_date"},
		{"missing patient id", valid(patient("id", "")), 400, "invalid", "patient.id"},
		{"control char in name", valid(patient("given_name", "Zo\u0007ë")), 400, "invalid", "patient.given_name"},
		{"newline in name", valid(patient("family_name", "Mül\nler")), 400, "invalid", "patient.family_name"},
		{"overlong name", valid(patient("family_name", strings.Repeat("x", 101))), 400, "invalid", "patient.family_name"},
		{"unknown template", valid(func(m map[string]any) { m["template"] = "botox" }), 404, "not_found", "template"},
		{"unknown version", valid(func(m map[string]any) { m["version"] = 99 }), 404, "not_found", "version"},
		{"unknown locale", valid(func(m map[string]any) { m["locale"] = "fr" }), 400, "invalid", "locale"},
		{"missing variable", valid(func(m map[string]any) {
			m["variables"] = map[string]any{"clinic_name": "x", "clinician_name": "y"}
		}), 400, "invalid", "variables.clinic_phone"},
		{"unknown variable", valid(func(m map[string]any) {
			v := map[string]any{"extra": "z"}
			for k, x := range apptest.Variables {
				v[k] = x
			}
			m["variables"] = v
		}), 400, "invalid", "variables.extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.Do(t, "POST", "/v1/consents", s.AdminKey, tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, b)
			}
			code, field, msg := errorOf(t, b)
			if code != tt.code || (tt.field != "" && field != tt.field) || msg == "" {
				t.Fatalf("error %s/%s %q, want %s/%s", code, field, msg, tt.code, tt.field)
			}
		})
	}
	if n := countConsents(t, s); n != 0 {
		t.Fatalf("%d consents stored by bad requests", n)
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	s := apptest.New(t)
	big := `{"template":"ketamine-iv","locale":"en","variables":{"clinic_name":"` + strings.Repeat("a", 2<<20) + `"}}`
	st, b := s.Do(t, "POST", "/v1/consents", s.AdminKey, big)
	if st != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d: %.200s", st, b)
	}
	if code, _, _ := errorOf(t, b); code != "too_large" {
		t.Fatalf("code %s", code)
	}
}

func TestValuesAreEscapedInMarkdown(t *testing.T) {
	s := apptest.New(t)
	req := apptest.ConsentRequest("en")
	req["variables"] = map[string]any{"clinic_name": "<script>alert(1)</script>", "clinician_name": "**Dr. X**", "clinic_phone": "[x](javascript:alert(1))",
		"after_hours_phone": "+1 555 0199", "infusion_fee": "$450 <b>"}
	st, b := s.Do(t, "POST", "/v1/consents", s.AdminKey, req)
	if st != 201 {
		t.Fatalf("%d %s", st, b)
	}
	if bytes.Contains(b, []byte("<script>")) || bytes.Contains(b, []byte(`href=\"javascript`)) || bytes.Contains(b, []byte("<strong>Dr. X</strong>")) {
		t.Fatalf("variable value was interpreted as markup")
	}
	if !bytes.Contains(b, []byte(`\u0026lt;script\u0026gt;`)) && !bytes.Contains(b, []byte("&lt;script&gt;")) {
		t.Fatalf("escaped value missing from body_html")
	}
}

func TestAuthAndScopes(t *testing.T) {
	s := apptest.New(t)
	reader := s.Key(t, "consents:read")
	tmplReader := s.Key(t, "templates:read")
	st, b := s.Do(t, "POST", "/v1/api-keys", s.AdminKey, map[string]any{"name": "doomed", "scopes": []string{"consents:read"}})
	if st != 201 {
		t.Fatalf("create key: %d %s", st, b)
	}
	doomed := apptest.JSON(t, b)
	// Used first, so its lookup is cached: revoking must still end it at once.
	if st, _ := s.Do(t, "GET", "/v1/consents", doomed["key"].(string), nil); st != 200 {
		t.Fatalf("the key before revocation: %d", st)
	}
	if st, _ := s.Do(t, "DELETE", "/v1/api-keys/"+doomed["id"].(string), s.AdminKey, nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	revoked := doomed["key"].(string)
	tests := []struct {
		name, method, path, key string
		body                    any
		status                  int
	}{
		{"no key", "GET", "/v1/consents", "", nil, 401},
		{"garbage key", "GET", "/v1/consents", "cdk_nope", nil, 401},
		{"revoked key", "GET", "/v1/consents", revoked, nil, 401},
		{"read key lists", "GET", "/v1/consents", reader, nil, 200},
		{"read key cannot create", "POST", "/v1/consents", reader, apptest.ConsentRequest("en"), 403},
		{"read key cannot audit", "GET", "/v1/audit", reader, nil, 403},
		{"templates key cannot read consents", "GET", "/v1/consents", tmplReader, nil, 403},
		{"templates key reads templates", "GET", "/v1/templates", tmplReader, nil, 200},
		{"templates:read cannot write", "POST", "/v1/templates", tmplReader, map[string]any{"slug": "x", "title": "X"}, 403},
		{"non-admin cannot make keys", "POST", "/v1/api-keys", reader, map[string]any{"name": "x", "scopes": []string{"admin"}}, 403},
		{"non-admin cannot add staff", "GET", "/v1/staff", reader, nil, 403},
		{"admin implies every scope", "GET", "/v1/audit", s.AdminKey, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.Do(t, tt.method, tt.path, tt.key, tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, b)
			}
		})
	}
	// Failed authentication is audited, without the presented secret.
	s.FlushAuthFailures(t)
	_, b = s.Do(t, "GET", "/v1/audit?type=auth.failed", s.AdminKey, nil)
	if n := failedCount(t, apptest.JSON(t, b)["data"].([]any)); n < 2 {
		t.Fatalf("%d auth.failed events, want >= 2 (garbage and revoked key)", n)
	}
	if bytes.Contains(b, []byte(revoked)) || bytes.Contains(b, []byte("cdk_nope")) {
		t.Fatal("audit log contains a presented secret")
	}
}

func TestLogsCarryRouteTemplateNotPath(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	s.Do(t, "GET", "/v1/consents?patient_id=MRN-SECRET-42", s.AdminKey, nil)
	token := strings.TrimPrefix(c["signing"].(map[string]any)["url"].(string), "/sign/")
	s.Do(t, "GET", "/v1/signing/"+token, "", nil)
	logs := s.Logs.String()
	for _, secret := range []string{"MRN-SECRET-42", token, "Müller", s.AdminKey} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q", secret)
		}
	}
	if !strings.Contains(logs, `"route":"/v1/signing/:token"`) || !strings.Contains(logs, `"request_id"`) {
		t.Fatalf("logs lack route template or request id: %s", logs)
	}
}
