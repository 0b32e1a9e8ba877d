package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// withMembers returns m as JSON with raw members (e.g. `"role":"x"`) put first,
// so a body can carry what a map cannot: duplicate or differently cased keys.
func withMembers(t *testing.T, m map[string]any, raw string) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 {
		return "{" + raw + "}"
	}
	return "{" + raw + "," + string(b[1:])
}

func without(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// A consent service reads exactly what was sent: a key given twice, or one
// that matches a field only when case is ignored, is refused with 400 naming
// it, on every body.
func TestAmbiguousJSONIsRefused(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	token := signingToken(t, c)
	signed := s.SignedConsent(t, "en")
	patient := apptest.PatientSignature(apptest.Acknowledged(t, c))
	consentReq := apptest.ConsentRequest("en")
	tests := []struct {
		name, method, path, key, body, field string
	}{
		{"duplicate role signs as patient", "POST", "/v1/consents/" + id + "/signatures", s.AdminKey,
			withMembers(t, without(patient, "role"), `"role":"clinician","role":"patient"`), "role"},
		{"duplicate role on the tablet", "POST", "/v1/signing/" + token + "/signatures", "",
			withMembers(t, without(patient, "role"), `"role":"clinician","role":"patient"`), "role"},
		{"duplicate locale with NUL", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "locale"), `"locale":"\u0000","locale":"en"`), "locale"},
		{"duplicate nested key", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "patient"), `"patient":{"id":"MRN-1","id":"MRN-2","given_name":"A","family_name":"B","birth_date":"1980-01-01"}`), "patient.id"},
		{"duplicate map key", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "variables"), `"variables":{"clinic_name":"A","clinic_name":"B","clinician_name":"C","clinic_phone":"D"}`), "variables.clinic_name"},
		{"upper-case key", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "template"), `"TEMPLATE":"ketamine-iv"`), "TEMPLATE"},
		{"capitalised nested key", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "patient"), `"Patient":{"ID":"MRN-1","given_name":"A","family_name":"B","birth_date":"1980-01-01"}`), "Patient"},
		{"capitalised key inside", "POST", "/v1/consents", s.AdminKey,
			withMembers(t, without(consentReq, "patient"), `"patient":{"ID":"MRN-1","given_name":"A","family_name":"B","birth_date":"1980-01-01"}`), "patient.ID"},
		{"duplicate in signature mark", "POST", "/v1/consents/" + id + "/signatures", s.AdminKey,
			withMembers(t, without(patient, "signature"), `"signature":{"type":"typed","type":"drawn","width":600,"height":200,"strokes":[]}`), "signature.type"},
		{"duplicate staff id", "POST", "/v1/staff", s.AdminKey,
			`{"id":"nurse-1","id":"nurse-2","name":"N","role":"witness","pin":"123456"}`, "id"},
		{"duplicate scopes", "POST", "/v1/api-keys", s.AdminKey, `{"name":"a","scopes":["admin"],"scopes":["consents:read"]}`, "scopes"},
		{"upper-case template slug key", "POST", "/v1/templates", s.AdminKey, `{"Slug":"x-1","title":"X"}`, "Slug"},
		{"duplicate in version content", "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey,
			`{"expires_after_hours":1,"expires_after_hours":2}`, "expires_after_hours"},
		{"duplicate webhook url", "POST", "/v1/webhooks", s.AdminKey, `{"url":"https://a.example/x","url":"https://b.example/x","events":["consent.signed"]}`, "url"},
		{"duplicate ack section", "POST", "/v1/signing/" + token + "/acknowledgments", "", `{"section":"a","section":"b"}`, "section"},
		{"duplicate download ttl", "POST", "/v1/consents/" + signed + "/download-links", s.AdminKey, `{"ttl_seconds":60,"ttl_seconds":70}`, "ttl_seconds"},
		{"duplicate approver", "POST", "/v1/templates/ketamine-iv/versions/1/publish", s.AdminKey, `{"approved_by":"A","approved_by":"B"}`, "approved_by"},
		{"duplicate reason", "POST", "/v1/consents/" + id + "/cancel", s.AdminKey, `{"reason":"a","reason":"b"}`, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.Do(t, tt.method, tt.path, tt.key, tt.body)
			if st != 400 {
				t.Fatalf("status %d, want 400: %.300s", st, b)
			}
			code, field, msg := errorOf(t, b)
			if code != "invalid" || field != tt.field || !strings.HasPrefix(msg, tt.field+":") {
				t.Fatalf("error %s field %q %q, want invalid naming %q", code, field, msg, tt.field)
			}
		})
	}
	if sigs := getConsent(t, s, id)["signatures"].([]any); len(sigs) != 0 {
		t.Fatalf("%d signatures stored from ambiguous bodies", len(sigs))
	}
	if n := countConsents(t, s); n != 2 {
		t.Fatalf("%d consents after ambiguous creates, want 2", n)
	}
}

// The message says why a differently cased key is refused.
func TestCaseMismatchedKeyNamesTheField(t *testing.T) {
	s := apptest.New(t)
	st, b := s.Do(t, "POST", "/v1/templates", s.AdminKey, `{"slug":"x-1","Title":"X"}`)
	_, field, msg := errorOf(t, b)
	if st != 400 || field != "Title" || !strings.Contains(msg, `"title"`) || !strings.Contains(msg, "case") {
		t.Fatalf("%d %s: want 400 on Title suggesting \"title\"", st, b)
	}
}

// Earlier strictness stays: one value, valid UTF-8, unknown fields with their
// path, wrong types named, oversized bodies 413.
func TestStrictJSONKeepsEarlierRules(t *testing.T) {
	s := apptest.New(t)
	tests := []struct {
		name, body string
		status     int
		field, msg string
	}{
		{"trailing value", `{"slug":"x-1","title":"X"} {}`, 400, "", "exactly one JSON value"},
		{"trailing garbage", `{"slug":"x-1","title":"X"}x`, 400, "", ""},
		{"invalid utf-8", "{\"slug\":\"x-1\",\"title\":\"X\xff\"}", 400, "", "UTF-8"},
		{"unknown field", `{"slug":"x-1","title":"X","colour":"red"}`, 400, "colour", "unknown field"},
		{"wrong type", `{"slug":1,"title":"X"}`, 400, "slug", "expected a string, got number"},
		{"array body", `[1]`, 400, "", "JSON object"},
		{"truncated", `{"slug":"x-1",`, 400, "", ""},
		{"empty", ``, 400, "", "empty"},
		{"bare string", `"x"`, 400, "", "JSON object"},
		{"too large", `{"slug":"x-1","title":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.Do(t, "POST", "/v1/templates", s.AdminKey, tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %.300s", st, tt.status, b)
			}
			_, field, msg := errorOf(t, b)
			if field != tt.field || !strings.Contains(msg, tt.msg) {
				t.Fatalf("field %q message %q, want field %q containing %q", field, msg, tt.field, tt.msg)
			}
		})
	}
	// Nested unknown fields and wrong types keep their full path.
	req := apptest.ConsentRequest("en")
	req["patient"].(map[string]any)["ssn"] = "1"
	wantError(t, s, 400, "patient.ssn", "POST", "/v1/consents", s.AdminKey, req)
	v := map[string]any{"locales": map[string]any{"en": map[string]any{"title": "T", "sections": []any{map[string]any{"key": 1}}}}}
	wantError(t, s, 400, "locales.en.sections[0].key", "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey, v)
	v = map[string]any{"locales": map[string]any{"en": map[string]any{"title": "T", "sections": []any{map[string]any{"colour": "x"}}}}}
	wantError(t, s, 400, "locales.en.sections[0].colour", "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey, v)
}

// Compressed bodies are refused (415), not decoded or misread.
func TestContentEncodingOtherThanIdentityIs415(t *testing.T) {
	s := apptest.New(t)
	for _, enc := range []string{"gzip", "deflate", "br", "gzip, identity"} {
		st, b := s.Do(t, "POST", "/v1/templates", s.AdminKey, `{"slug":"x-1","title":"X"}`, "Content-Encoding", enc)
		if st != 415 {
			t.Fatalf("Content-Encoding %s: status %d, want 415: %s", enc, st, b)
		}
		if code, _, _ := errorOf(t, b); code != "unsupported_media_type" {
			t.Fatalf("Content-Encoding %s: code %s", enc, code)
		}
	}
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, `{"slug":"x-1","title":"X"}`, "Content-Encoding", "identity")
}
