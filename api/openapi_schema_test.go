package api_test

import (
	"slices"
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
	codes := []string{consent.EINVALID, consent.EUNAUTHORIZED, consent.EFORBIDDEN, consent.ENOTFOUND, consent.EMETHOD, consent.ECONFLICT,
		consent.EGONE, consent.ETOOLARGE, consent.EUNSUPPORTED, consent.EUNPROCESSABLE, consent.ERATELIMITED, consent.EINTERNAL, consent.EUNAVAILABLE}
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
