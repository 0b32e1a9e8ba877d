package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Regular expressions of R4 primitive types and references, from the spec
// (datatypes.html and references.html), anchored.
var (
	reInstant  = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
	reDateTime = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	reID       = regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`)
	reCode     = regexp.MustCompile(`^[^\s]+(\s[^\s]+)*$`)
	reBase64   = regexp.MustCompile(`^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$`)
	reRelRef   = regexp.MustCompile(`^(Consent|DocumentReference|Patient|Practitioner|RelatedPerson|Organization)/[A-Za-z0-9\-\.]{1,64}$`)
)

// decode marshals a resource and decodes it back as generic JSON (numbers as
// json.Number), i.e. what a FHIR client receives.
func decode(t *testing.T, r map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

// at walks a decoded resource: keys for objects, decimal indexes for arrays.
// It returns nil when the path does not exist.
func at(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// jsonProblems lists breaches of FHIR JSON rules every element obeys: no null,
// no empty string, array or object (ele-1 and json.html), strings trimmed.
func jsonProblems(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case nil:
		out = append(out, path+": null")
	case string:
		if x == "" || strings.TrimSpace(x) != x {
			out = append(out, fmt.Sprintf("%s: empty or untrimmed string %q", path, x))
		}
	case []any:
		if len(x) == 0 {
			out = append(out, path+": empty array")
		}
		for i, e := range x {
			out = append(out, jsonProblems(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case map[string]any:
		if len(x) == 0 {
			out = append(out, path+": empty object")
		}
		for k, e := range x {
			out = append(out, jsonProblems(e, path+"."+k)...)
		}
	}
	return out
}

func TestJSONRules(t *testing.T) {
	for name, r := range allResources(t) {
		t.Run(name, func(t *testing.T) {
			for _, p := range jsonProblems(decode(t, r), str(r["resourceType"])) {
				t.Error(p)
			}
		})
	}
}

// TestJSONRulesCatch proves the checks used here can fail.
func TestJSONRulesCatch(t *testing.T) {
	for _, v := range []any{
		map[string]any{"a": ""}, map[string]any{"a": []any{}}, map[string]any{"a": map[string]any{}},
		map[string]any{"a": nil}, map[string]any{"a": []any{" x"}},
	} {
		if len(jsonProblems(v, "x")) == 0 {
			t.Errorf("jsonProblems accepted %#v", v)
		}
	}
	for _, s := range []string{"2026-11-25T09:44:00", "2026-11-25 09:44:00Z", "2026-13-01T00:00:00Z", "2026-11-25"} {
		if reInstant.MatchString(s) {
			t.Errorf("instant regex accepted %q", s)
		}
	}
	for _, s := range []string{"2026-11-25T09:44:00", "2026-11-25T09:44Z", "26-11-25"} {
		if reDateTime.MatchString(s) {
			t.Errorf("dateTime regex accepted %q", s)
		}
	}
	for _, s := range []string{"Consent/", "/Consent/x", "Foo/x", "Consent/a b"} {
		if reRelRef.MatchString(s) {
			t.Errorf("reference regex accepted %q", s)
		}
	}
	if reID.MatchString(strings.Repeat("a", 65)) || reCode.MatchString("a  b") || reBase64.MatchString("abc!") {
		t.Error("id, code or base64 regex too lax")
	}
}

// checkLogicalRef checks a Reference that identifies its target by identifier
// (and/or display) or by a relative literal reference, with a valid type.
func checkLogicalRef(t *testing.T, what string, v any, types ...string) {
	t.Helper()
	ref, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a Reference: %#v", what, v)
	}
	if typ := str(ref["type"]); typ != "" && !contains(types, typ) {
		t.Errorf("%s: type %q not one of %v", what, typ, types)
	}
	if r := ref["reference"]; r != nil && !reRelRef.MatchString(str(r)) {
		t.Errorf("%s: reference %q is not relative Type/id", what, r)
	}
	if id := ref["identifier"]; id != nil {
		u, err := url.Parse(str(at(id, "system")))
		if err != nil || !u.IsAbs() {
			t.Errorf("%s: identifier.system %q is not an absolute URI", what, at(id, "system"))
		}
		if str(at(id, "value")) == "" {
			t.Errorf("%s: identifier without value", what)
		}
	}
	if ref["reference"] == nil && ref["identifier"] == nil && ref["display"] == nil {
		t.Errorf("%s: empty Reference", what)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// hasCoding reports whether a CodeableConcept has the system and code.
func hasCoding(cc any, system, code string) bool {
	for _, c := range list(at(cc, "coding")) {
		if str(at(c, "system")) == system && str(at(c, "code")) == code {
			return true
		}
	}
	return false
}
