package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// A small JSON Schema checker for the subset the document uses ($ref, type,
// enum, const, pattern, properties, required, additionalProperties, items,
// anyOf, oneOf); go.mod has no OpenAPI library and the tests need none.

// walkOA calls f on every object in v.
func walkOA(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, c := range x {
			walkOA(c, f)
		}
	case []any:
		for _, c := range x {
			walkOA(c, f)
		}
	}
}

// resolveOA follows a local JSON pointer reference.
func resolveOA(root map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	var cur any = root
	for _, tok := range strings.Split(ptr, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok || m[tok] == nil {
			return nil, fmt.Errorf("%q not found", tok)
		}
		cur = m[tok]
	}
	return cur, nil
}

// oaValidate checks v against schema strictly: an object may only carry the
// properties its schema declares, unless additionalProperties says otherwise,
// so a field the server sends but the document omits fails the test.
func oaValidate(root map[string]any, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		s, err := resolveOA(root, ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		return oaValidate(root, s.(map[string]any), v, at)
	}
	if alts, ok := schema["anyOf"].([]any); ok {
		return oaAlternatives(root, alts, v, at, false)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		return oaAlternatives(root, alts, v, at, true)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if c, ok := schema["const"]; ok && c != v {
		fail("want %v, got %v", c, v)
	}
	if e, ok := schema["enum"].([]any); ok && !slices.Contains(e, v) {
		fail("%v not in %v", v, e)
	}
	if !oaTypeOK(schema["type"], v) {
		fail("want type %v, got %T %v", schema["type"], v, v)
		return errs
	}
	switch x := v.(type) {
	case string:
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			fail("%q does not match %s", x, p)
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, it := range x {
				errs = append(errs, oaValidate(root, items, it, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := x[r]; !ok {
				fail("missing required property %q", r)
			}
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range x {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, oaValidate(root, p, x[k], at+"."+k)...)
			} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
				errs = append(errs, oaValidate(root, ap, x[k], at+"."+k)...)
			} else if schema["additionalProperties"] != true && props != nil {
				fail("undocumented property %q", k)
			}
		}
	}
	return errs
}

func oaAlternatives(root map[string]any, alts []any, v any, at string, exactlyOne bool) []string {
	matched := 0
	var all []string
	for _, a := range alts {
		errs := oaValidate(root, a.(map[string]any), v, at)
		if len(errs) == 0 {
			matched++
		}
		all = append(all, errs...)
	}
	switch {
	case matched == 0:
		return append([]string{at + ": matches no alternative"}, all...)
	case exactlyOne && matched > 1:
		return []string{at + ": matches more than one oneOf alternative"}
	}
	return nil
}

func oaTypeOK(t any, v any) bool {
	var types []string
	switch x := t.(type) {
	case nil:
		return true
	case string:
		types = []string{x}
	default:
		types = asStrings(x)
	}
	for _, ty := range types {
		switch x := v.(type) {
		case nil:
			if ty == "null" {
				return true
			}
		case string:
			if ty == "string" {
				return true
			}
		case bool:
			if ty == "boolean" {
				return true
			}
		case float64:
			if ty == "number" || (ty == "integer" && x == math.Trunc(x)) {
				return true
			}
		case []any:
			if ty == "array" {
				return true
			}
		case map[string]any:
			if ty == "object" {
				return true
			}
		}
	}
	return false
}

func asStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, s := range x {
			out = append(out, s.(string))
		}
	case []string:
		out = x
	}
	sort.Strings(out)
	return out
}

func TestOAValidateCatchesMismatches(t *testing.T) {
	doc := loadOADoc(t)
	schema := map[string]any{"$ref": "#/components/schemas/Error"}
	good := `{"error":{"code":"not_found","message":"No such consent.","field":"id"}}`
	for name, body := range map[string]string{
		"unknown code":           `{"error":{"code":"nope","message":"m"}}`,
		"missing message":        `{"error":{"code":"invalid"}}`,
		"undocumented field":     `{"error":{"code":"invalid","message":"m","hint":"x"}}`,
		"wrong type":             `{"error":{"code":"invalid","message":7}}`,
		"not an object":          `[]`,
		"bad timestamp (APIKey)": `{"id":"k","name":"n","scopes":["admin"],"prefix":"p","created_at":"2026-11-25T09:44:00Z","revoked_at":null}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		s := schema
		if strings.Contains(name, "APIKey") {
			s = map[string]any{"$ref": "#/components/schemas/APIKey"}
		}
		if errs := oaValidate(doc.root, s, v, "$"); len(errs) == 0 {
			t.Errorf("%s: %s validated", name, body)
		}
	}
	var v any
	_ = json.Unmarshal([]byte(good), &v)
	if errs := oaValidate(doc.root, schema, v, "$"); len(errs) > 0 {
		t.Errorf("valid error rejected: %v", errs)
	}
}
