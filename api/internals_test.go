package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// internalsInBody is what no response body may show: internal mechanisms,
// databases, drivers and libraries, Go types, stack frames.
var internalsInBody = regexp.MustCompile(`(?i)canonical json|cannot be hashed|\bsql\b|sqlite|\bgorm\b|\bpgx\b|postgres|\bpq:|sqlstate|` +
	`\bgin\b|gofpdf|pdfsign|goldmark|goroutine|\.go:\d+|\bpanic\b|runtime error|nil pointer|(?-i:\b(consent|api|storage|fhir|pdf|main)\.[A-Z])|` +
	`(?-i:json: )|unmarshal|jsontext|reflect\.|\bdriver\b|constraint|syntax error at|relation "|duplicate key value|` +
	`invalid byte sequence|\bint64\b|\bfloat64\b|\bstruct\b|map\[string\]`)

// malformedBodies are bodies every route must answer without showing internals.
var malformedBodies = []string{
	``, `{`, `}`, `[]`, `null`, `"x"`, `1e999`, `{"a":1}`, `{"x":1,"x":2}`, "{\"reason\":\"\xff\"}",
	`{"reason":"\u0000","name":"\ud800","slug":"\u202e"}`, `{"version":1e999,"ttl_seconds":-1e400}`,
	`{"id":1,"name":[],"role":{},"pin":true,"slug":null,"title":1.5,"template":[],"locale":{},"patient":"x",` +
		`"signature":[],"role ":1,"url":7,"events":"x","scopes":"admin","section":[],"approved_by":{}}`,
	`{"signature":{"type":"drawn","width":1e300,"height":-1,"strokes":[[{"x":"a"}]]}}`,
	`{"signature":{"type":"image","png_base64":"!!!"}}`,
	strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
	`{"locales":{"en":{"sections":[{"key":{}}]}}}`,
}

// badParams are path parameter values no route may answer with internals.
var badParams = []string{"nope", "%ff%fe", "a%2Fb", "%00", "%C0%AF", "..", strings.Repeat("z", 3000), "%E2%80%AE", "1e999", "-1"}

// badQueries are query strings for every route.
var badQueries = []string{"?limit=abc&cursor=%ff", "?limit=99999999999999999999&cursor=-1", "?status=%00&patient_id=%ff&template=%ff",
	"?since=notatime&type=%ff", "?_count=x&patient:identifier=%ff%fe", "?patient:identifier=a|b|c&_cursor=%00",
	"?patient_id=%ff", "?template=%00", "?type=%C0%AF", "?patient:identifier=%ff%fe", "?patient:identifier=x|%00", "?cursor=%ff",
	"?_cursor=%ff&patient:identifier=x", "?%ff=1"}

// TestNoErrorShowsInternals sends malformed input to every route the router
// has (so a new route cannot escape) and checks that no response is a 500 and
// no body mentions internal mechanisms.
func TestNoErrorShowsInternals(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	realParams := map[string]string{"id": c["id"].(string), "slug": "ketamine-iv", "version": "1", "token": signingToken(t, c),
		"code": c["signing"].(map[string]any)["code"].(string), "link_id": "nope", "file": "app.js"}
	h, err := s.API.Handler()
	if err != nil {
		t.Fatal(err)
	}
	routes := h.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes from the router", len(routes))
	}
	seen, checked := map[string]bool{}, 0
	check := func(method, path, key string, body []byte, headers ...string) {
		t.Helper()
		req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %.200s: %v", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checked++
		if resp.StatusCode >= 500 {
			t.Errorf("%s %.200s (body %.80q, headers %q): status %d: %.300s", method, path, body, headers, resp.StatusCode, b)
		}
		for _, msg := range messages(resp.StatusCode, b) {
			if m := internalsInBody.FindString(msg); m != "" && !seen[m+path] {
				seen[m+path] = true
				t.Errorf("%s %.200s (body %.80q): message shows %q: %.300s", method, path, body, m, msg)
			}
		}
	}
	fill := func(path string, param func(name string) string) string {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				parts[i] = param(p[1:])
			}
		}
		return strings.Join(parts, "/")
	}
	real := func(name string) string { return realParams[name] }
	for _, r := range routes {
		path := fill(r.Path, real)
		for _, b := range malformedBodies {
			check(r.Method, path, s.AdminKey, []byte(b), "Content-Type", "application/json")
		}
		for _, p := range badParams {
			check(r.Method, fill(r.Path, func(string) string { return p }), s.AdminKey, []byte(`{}`))
		}
		for _, q := range badQueries {
			check(r.Method, path+q, s.AdminKey, nil)
		}
		check(r.Method, path, "cdk_bad", nil, "User-Agent", "\xff\xfe", "X-Device-ID", "\xc3", "X-Client-Time", "\xe2\x82")
		check(r.Method, path, s.AdminKey, []byte(`{}`), "Idempotency-Key", "\xff\xfe")
		check(r.Method, path, s.AdminKey, []byte(`{}`), "Idempotency-Key", "clé ünïcode")
		check(r.Method, path, s.AdminKey, []byte(`{}`), "Content-Encoding", "gzip")
		check(r.Method, path, "", nil, "X-Forwarded-For", "not-an-ip, \xff")
		check("PATCH", path, s.AdminKey, nil)
	}
	for _, p := range []string{"/nope", "/v1/nope/%ff", "/fhir/r4/Nope/%00", "/v1/consents/a/b/c/d"} {
		check("GET", p, s.AdminKey, nil)
	}
	t.Logf("%d requests over %d routes", checked, len(routes))
}

// messages returns the texts a response addresses to people: an error's
// message and field, an OperationOutcome's diagnostics, a verification's
// reason, or the whole body of an error that is not JSON.
func messages(status int, b []byte) []string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		if status >= 400 {
			return []string{string(b)}
		}
		return nil
	}
	var out []string
	if e, ok := m["error"].(map[string]any); ok {
		out = append(out, fmt.Sprint(e["message"]), fmt.Sprint(e["field"]))
	}
	if issues, ok := m["issue"].([]any); ok && m["resourceType"] == "OperationOutcome" {
		for _, i := range issues {
			out = append(out, fmt.Sprint(i.(map[string]any)["diagnostics"]))
		}
	}
	if r, ok := m["reason"].(string); ok {
		out = append(out, r)
	}
	return out
}

// oddStrings are texts a client can put in any JSON string: NUL, a lone
// surrogate escape, bidi and other control characters, a very long text.
var oddStrings = []string{"\u0000", `\ud800`, "a\u0000b", "\u202e\u0007", strings.Repeat("é", 20000)}

// leaves returns a copy of v for each string leaf replaced by each odd string.
func leaves(v any, replace func(string) any) []any {
	var out []any
	switch v := v.(type) {
	case string:
		for _, s := range oddStrings {
			out = append(out, replace(s))
		}
	case map[string]any:
		for k, e := range v {
			for _, alt := range leaves(e, replace) {
				m := map[string]any{}
				for k2, e2 := range v {
					m[k2] = e2
				}
				m[k] = alt
				out = append(out, m)
			}
		}
	case []any:
		for i, e := range v {
			for _, alt := range leaves(e, replace) {
				a := append([]any{}, v...)
				a[i] = alt
				out = append(out, a)
			}
		}
	}
	return out
}

// Odd text in any string field of a valid body is refused or stored, never a
// 500 (PostgreSQL refuses NUL in text) and never shown as an internal message.
func TestOddTextInEveryStringFieldNeverFails(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	signed := s.SignedConsent(t, "en")
	version := wantJSON(t, s, 200, "GET", "/v1/templates/ketamine-iv/versions/1", s.AdminKey, nil)
	for _, k := range []string{"slug", "version", "status", "content_sha256", "published_at", "approved_by", "approval", "created_at", "retired_at"} {
		delete(version, k)
	}
	valid := []struct {
		path string
		body map[string]any
	}{
		{"/v1/consents", apptest.ConsentRequest("en")},
		{"/v1/consents/" + id + "/signatures", apptest.PatientSignature(apptest.Acknowledged(t, c))},
		{"/v1/consents/" + id + "/signatures", apptest.ClinicianSignature()},
		{"/v1/staff", map[string]any{"id": "nurse-1", "name": "Nurse Joy", "role": "witness", "pin": "135790"}},
		{"/v1/api-keys", map[string]any{"name": "ehr", "scopes": []any{"consents:read"}}},
		{"/v1/templates", map[string]any{"slug": "odd-1", "title": "Odd"}},
		{"/v1/templates/ketamine-iv/versions", version},
		{"/v1/consents/" + id + "/decline", map[string]any{"reason": "no"}},
		{"/v1/consents/" + signed + "/download-links", map[string]any{"ttl_seconds": 60, "require_birth_date": true}},
		{"/v1/webhooks", map[string]any{"url": "https://ehr.example/hook", "events": []any{"consent.signed"}}},
		{"/v1/signing/" + signingToken(t, c) + "/acknowledgments", map[string]any{"section": "benefits", "locale": "en"}},
	}
	n := 0
	for _, v := range valid {
		b, _ := json.Marshal(v.body)
		var generic any
		_ = json.Unmarshal(b, &generic)
		for _, alt := range leaves(generic, func(s string) any { return "\x00RAW" + s }) {
			j, _ := json.Marshal(alt)
			// Raw escapes (a lone surrogate) go into the JSON text as written.
			body := strings.NewReplacer(`\u0000RAW\\ud800`, `\ud800`, `\u0000RAW`, ``).Replace(string(j))
			st, resp := s.Do(t, "POST", v.path, s.AdminKey, body)
			n++
			if st >= 500 {
				t.Errorf("POST %s %.200s: status %d: %.200s", v.path, body, st, resp)
			}
			for _, msg := range messages(st, resp) {
				if m := internalsInBody.FindString(msg); m != "" {
					t.Errorf("POST %s %.200s: message shows %q: %s", v.path, body, m, msg)
				}
			}
		}
	}
	t.Logf("%d bodies", n)
}
