package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// oaSamplePath fills a path template with values no resource has.
func oaSamplePath(p string) string {
	p = strings.ReplaceAll(p, "{file}", "none.js")
	return templateParam.ReplaceAllString(p, "none")
}

// registeredDocumented returns the registered routes, with their documented operations.
func registeredDocumented(t *testing.T, s *apptest.Server, doc *oaDoc) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range registeredOps(t, s) {
		if o := doc.ops[r]; o != nil { // missing ones fail TestOpenAPIDocumentsEveryRoute
			out[r] = o
		}
	}
	return out
}

// TestOpenAPISecurityMatchesServer checks each route's documented security
// against the server: no key → 401 exactly when a key is documented, a key
// lacking any one of x-required-scopes → 403, a key with exactly those scopes → neither.
func TestOpenAPISecurityMatchesServer(t *testing.T) {
	s := apptest.New(t)
	doc := loadOADoc(t)
	only, without := map[string]string{}, map[string]string{}
	for _, sc := range consent.Scopes {
		only[sc] = s.Key(t, sc)
		var rest []string
		for _, o := range consent.Scopes {
			if o != sc && o != consent.ScopeAdmin {
				rest = append(rest, o)
			}
		}
		without[sc] = s.Key(t, rest...)
	}
	for key, o := range registeredDocumented(t, s, doc) {
		method, path, _ := strings.Cut(key, " ")
		url := oaSamplePath(path)
		secured := len(o["security"].([]any)) > 0
		st, b := s.Do(t, method, url, "", nil)
		if secured != (st == http.StatusUnauthorized) {
			t.Errorf("%s without a key: %d %s (documented security: %v)", key, st, b, o["security"])
		}
		if !secured {
			continue
		}
		var scopes []string
		for _, sc := range o["x-required-scopes"].([]any) {
			scopes = append(scopes, sc.(string))
		}
		for _, scope := range scopes {
			if st, b := s.Do(t, method, url, without[scope], nil); st != http.StatusForbidden {
				t.Errorf("%s with a key lacking %s: %d %s", key, scope, st, b)
			}
		}
		exact := only[scopes[0]]
		if len(scopes) > 1 {
			exact = s.Key(t, scopes...)
		}
		if st, b := s.Do(t, method, url, exact, nil); st == http.StatusUnauthorized || st == http.StatusForbidden {
			t.Errorf("%s with a key holding only %v: %d %s", key, scopes, st, b)
		}
	}
}

// TestOpenAPIIdempotencyMatchesServer sends an over-long Idempotency-Key to
// every write: the idempotency middleware refuses it naming the header, so a
// route refuses it exactly when the document lists the header.
func TestOpenAPIIdempotencyMatchesServer(t *testing.T) {
	s := apptest.New(t)
	doc := loadOADoc(t)
	long := strings.Repeat("k", 256)
	checked := 0
	for key, o := range registeredDocumented(t, s, doc) {
		method, path, _ := strings.Cut(key, " ")
		if method == "GET" {
			continue
		}
		params, _ := o["parameters"].([]any)
		documented := slices.ContainsFunc(params, func(p any) bool {
			return p.(map[string]any)["$ref"] == "#/components/parameters/IdempotencyKey"
		})
		apiKey := ""
		if len(o["security"].([]any)) > 0 {
			apiKey = s.AdminKey
		}
		st, b := s.Do(t, method, oaSamplePath(path), apiKey, "{}", "Idempotency-Key", long)
		var e struct{ Error struct{ Field string } }
		_ = json.Unmarshal(b, &e)
		refused := st == http.StatusBadRequest && e.Error.Field == "Idempotency-Key"
		if refused != documented {
			t.Errorf("%s: Idempotency-Key documented %v, but the server answered %d %s", key, documented, st, b)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d writes checked", checked)
	}
}
