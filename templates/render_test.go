package templates

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestShippedRendersThroughDomain renders every locale of every shipped
// version the way a new consent does, with hostile variable values, and checks
// that no placeholder survives and no value turns into markup.
func TestShippedRendersThroughDomain(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	md := NewMarkdown()
	hostile := "<script>alert(1)</script> **[x](javascript:alert(1))**"
	for _, s := range all {
		v := &consent.TemplateVersion{Slug: s.Slug, Version: s.Version}
		if err := v.SetContent(s.Content); err != nil {
			t.Fatal(err)
		}
		vals := map[string]string{}
		for _, vr := range s.Content.Variables {
			vals[vr.Name] = vr.Name + " " + hostile
		}
		if err := consent.CheckVariables(v.Variables, vals); err != nil {
			t.Fatalf("%s v%d: %v", s.Slug, s.Version, err)
		}
		for _, locale := range v.SortedLocales() {
			t.Run(s.Slug+"/"+locale, func(t *testing.T) {
				d, err := consent.RenderDocument(v, locale, vals, md)
				if err != nil {
					t.Fatal(err)
				}
				htmls := []string{d.DisclosureHTML}
				texts := []string{d.Title, d.Disclosure}
				for _, sec := range d.Sections {
					htmls = append(htmls, sec.BodyHTML)
					texts = append(texts, sec.Heading, sec.Body)
				}
				for _, m := range d.Meanings {
					texts = append(texts, m)
				}
				for _, txt := range texts {
					if strings.Contains(txt, "{{") || strings.Contains(txt, "}}") {
						t.Errorf("placeholder left in %q", txt)
					}
				}
				joined := strings.Join(htmls, "\n")
				if problem := activeContent(t, joined); problem != "" {
					t.Errorf("%s in rendered HTML", problem)
				}
				for name := range vals {
					if !strings.Contains(textOf(t, joined), name+" "+hostile) {
						t.Errorf("value of %s is not shown literally", name)
					}
				}
				if !strings.Contains(joined, "<strong>") || !strings.Contains(joined, "<li>") {
					t.Error("template Markdown (bold, lists) was not rendered")
				}
			})
		}
	}
}
