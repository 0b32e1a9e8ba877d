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

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

// oaSchema returns a component schema, failing the test if it is missing.
func (d *oaDoc) schema(t *testing.T, name string) map[string]any {
	t.Helper()
	v, err := resolveOA(d.root, "#/components/schemas/"+name)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return v.(map[string]any)
}

// oaEnum follows a dotted path of properties (and "items") to an enum.
func (d *oaDoc) enum(t *testing.T, schema string, path ...string) []string {
	t.Helper()
	cur := d.schema(t, schema)
	for _, p := range path {
		if p == "items" {
			cur, _ = cur["items"].(map[string]any)
		} else {
			cur, _ = cur["properties"].(map[string]any)[p].(map[string]any)
		}
		if cur == nil {
			t.Fatalf("%s.%s: no such property", schema, strings.Join(path, "."))
		}
	}
	var out []string
	for _, v := range cur["enum"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := loadOADoc(t)
	codes := []string{consent.EINVALID, consent.EUNAUTHORIZED, consent.EFORBIDDEN, consent.ENOTFOUND, consent.ECONFLICT,
		consent.EGONE, consent.ETOOLARGE, consent.ERATELIMITED, consent.EINTERNAL}
	states := []string{consent.StatusPending, consent.StatusSigned, consent.StatusDeclined, consent.StatusCancelled,
		consent.StatusExpired, consent.StatusWithdrawn, consent.StatusVoided}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"error codes", doc.enum(t, "Error", "error", "code"), codes},
		{"scopes", doc.enum(t, "APIKey", "scopes", "items"), consent.Scopes},
		{"request scopes", doc.enum(t, "CreateAPIKeyRequest", "scopes", "items"), consent.Scopes},
		{"roles", doc.enum(t, "Signature", "role"), consent.Roles},
		{"request roles", doc.enum(t, "SignatureRequest", "role"), consent.Roles},
		{"staff roles", doc.enum(t, "Staff", "role"), consent.StaffRoles},
		{"section kinds", doc.enum(t, "Section", "kind"), consent.SectionKinds},
		{"template section kinds", doc.enum(t, "TemplateSectionInput", "kind"), consent.SectionKinds},
		{"signature forms", doc.enum(t, "SignatureMark", "type"), consent.SignatureForms},
		{"consent states", doc.enum(t, "Consent", "status"), states},
		{"version states", doc.enum(t, "TemplateVersion", "status"), []string{consent.VersionDraft, consent.VersionPublished, consent.VersionRetired}},
		{"webhook events", doc.enum(t, "Webhook", "events", "items"), consent.WebhookEventTypes},
		{"delivery states", doc.enum(t, "WebhookDelivery", "status"), []string{consent.DeliveryPending, consent.DeliveryDelivered, consent.DeliveryFailed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, want := slices.Sorted(slices.Values(c.got)), slices.Sorted(slices.Values(c.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("enum differs from the consent package (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpenAPIRequestBodiesAreClosed: the server rejects unknown fields, nested
// ones included, so every object in a JSON request body must say so.
func TestOpenAPIRequestBodiesAreClosed(t *testing.T) {
	doc := loadOADoc(t)
	bodies := 0
	for key, o := range doc.ops {
		rb, _ := o["requestBody"].(map[string]any)
		content, _ := rb["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		if media == nil {
			continue
		}
		bodies++
		seen := map[string]bool{}
		var check func(s map[string]any, at string)
		check = func(s map[string]any, at string) {
			if ref, ok := s["$ref"].(string); ok {
				if seen[ref] {
					return
				}
				seen[ref] = true
				v, err := resolveOA(doc.root, ref)
				if err != nil {
					t.Errorf("%s: %v", key, err)
					return
				}
				check(v.(map[string]any), ref)
				return
			}
			if _, hasProps := s["properties"]; hasProps && s["additionalProperties"] != false {
				t.Errorf("%s: request object at %s allows unknown properties", key, at)
			}
			walkOASubschemas(s, func(sub map[string]any) { check(sub, at) })
		}
		check(media["schema"].(map[string]any), key)
	}
	if bodies < 15 {
		t.Errorf("only %d JSON request bodies found", bodies)
	}
}

// walkOASubschemas calls f on the direct subschemas of s.
func walkOASubschemas(s map[string]any, f func(map[string]any)) {
	for _, k := range []string{"items", "additionalProperties"} {
		if sub, ok := s[k].(map[string]any); ok {
			f(sub)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			f(p.(map[string]any))
		}
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if list, ok := s[k].([]any); ok {
			for _, sub := range list {
				f(sub.(map[string]any))
			}
		}
	}
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
