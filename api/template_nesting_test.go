package api_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// nestedList returns a Markdown list nested depth levels deep.
func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- level\n")
	}
	return b.String()
}

// TestTemplateNestingRefused: a section nested deeper than 4 levels of lists
// and quotes is refused with a message naming the section (issue 16 item 1:
// before, such a template was accepted and published, and the signature that
// completed a consent from it never answered).
func TestTemplateNestingRefused(t *testing.T) {
	s := apptest.New(t)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "nest-test", "title": "Nesting"})
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"60 quotes", strings.Repeat("> ", 60) + "deep", false},
		{"list 30 deep", nestedList(30), false},
		{"quotes in lists 5 deep", "- a\n  > b\n  > - c\n  >   > d\n  >   > - e\n", false},
		{"4 quotes", strings.Repeat("> ", 4) + "ok", true},
		{"list 4 deep", nestedList(4), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := templateContent()
			section(c, "es", 1)["body"] = tt.body
			if tt.ok {
				want(t, s, 201, "POST", "/v1/templates/nest-test/versions", s.AdminKey, c)
				return
			}
			b := want(t, s, 400, "POST", "/v1/templates/nest-test/versions", s.AdminKey, c)
			code, field, msg := errorOf(t, b)
			if code != "invalid" || field != "locales.es.sections[1].body" || !strings.Contains(msg, `"risks"`) {
				t.Fatalf("got %s %s %q, want invalid, the section body's field and a message naming section \"risks\"", code, field, msg)
			}
		})
	}
}
