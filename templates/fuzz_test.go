package templates

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// FuzzParse: any file content parses or fails with a field-naming EINVALID, never a panic.
func FuzzParse(f *testing.F) {
	all, err := All()
	if err != nil {
		f.Fatal(err)
	}
	_ = all
	f.Add([]byte("slug: x\n"))
	f.Add([]byte("{{{"))
	f.Add([]byte("slug: ketamine-iv\ntitle: T\nversion: 1\nlocales: {en: {sections: [{key: a, kind: nope}]}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse("fuzz.yaml", b); err != nil && consent.ErrorCode(err) != consent.EINVALID {
			t.Fatalf("Parse: %v", err)
		}
	})
}

// FuzzRenderVariables renders the shipped template with arbitrary variable
// values: the HTML must never carry an element or link the template did not have.
func FuzzRenderVariables(f *testing.F) {
	all, err := All()
	if err != nil {
		f.Fatal(err)
	}
	v := &consent.TemplateVersion{Slug: all[0].Slug, Version: all[0].Version}
	if err := v.SetContent(all[0].Content); err != nil {
		f.Fatal(err)
	}
	md := NewMarkdown()
	for _, seed := range []string{"<script>alert(1)</script>", "[x](javascript:alert(1))", "**bold**", "<img src=x onerror=alert(1)>", "`code`", "\\"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals := map[string]string{}
		for _, d := range v.Variables {
			vals[d.Name] = s
		}
		if consent.CheckVariables(v.Variables, vals) != nil {
			return // the API refuses such values before rendering
		}
		doc, err := consent.RenderDocument(v, "en", vals, md)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range doc.Sections {
			if found := activeContent(t, sec.BodyHTML); found != "" {
				t.Fatalf("value %q produced %s in section %s", s, found, sec.Key)
			}
			if strings.Contains(sec.BodyHTML, "<a ") && !strings.Contains(v.Locales["en"].Sections[indexOf(doc, sec.Key)].Body, "](") {
				t.Fatalf("value %q injected a link in section %s", s, sec.Key)
			}
		}
	})
}

func indexOf(d consent.Document, key string) int {
	for i, s := range d.Sections {
		if s.Key == key {
			return i
		}
	}
	return 0
}
