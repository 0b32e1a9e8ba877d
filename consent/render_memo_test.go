package consent

import (
	"html"
	"reflect"
	"testing"
)

// upperMarkdown is a Markdown renderer for tests: the text, escaped, in a paragraph.
type upperMarkdown struct{ calls *int }

func (m upperMarkdown) MarkdownToHTML(md string) (string, error) {
	*m.calls++
	return "<p>" + html.EscapeString(md) + "</p>", nil
}
func (upperMarkdown) MarkdownNesting(string) int { return 0 }

func memoVersion(t *testing.T, body string) *TemplateVersion {
	t.Helper()
	correct := 0
	lc := LocaleContent{Title: "Ketamine at {{clinic_name}}", Disclosure: "Records of {{clinic_name}}.",
		Meanings: map[string]string{"patient": "I agree, {{clinic_name}}."}, ChangeSummary: "Changed.",
		Sections: []Section{{Key: "risks", Kind: "risks", Heading: "Risks", Body: body, RequiresAcknowledgment: true,
			Questions: []Question{{Key: "q", Question: "Call {{clinic_phone}}?", Choices: []string{"Yes", "No"}, Correct: &correct}}}}}
	v := &TemplateVersion{Slug: "ketamine-iv", Version: 2}
	if err := v.SetContent(VersionContent{Locales: map[string]LocaleContent{"en": lc}}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRenderMemoMatchesRenderDocument: a kept rendering is what
// RenderDocument returns for the same version, locale and values; other
// values, or other content under the same version number, render afresh;
// and a caller changing its copy changes nothing kept.
func TestRenderMemoMatchesRenderDocument(t *testing.T) {
	var m renderMemo
	calls := 0
	md := upperMarkdown{&calls}
	v := memoVersion(t, "Call {{clinic_phone}} at {{clinic_name}}.")
	vals := map[string]string{"clinic_name": "Calm *Waters*", "clinic_phone": "555 0100"}
	check := func(name string, v *TemplateVersion, vals map[string]string, wantRendered bool) Document {
		t.Helper()
		before := calls
		got, err := m.render(v, "en", vals, md)
		if err != nil {
			t.Fatal(err)
		}
		want, err := RenderDocument(v, "en", vals, md)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: memo gave %+v, RenderDocument %+v", name, got, want)
		}
		if rendered := calls-before > len(want.Sections)+2; rendered != wantRendered {
			t.Errorf("%s: rendered afresh = %v, want %v", name, rendered, wantRendered)
		}
		return got
	}
	first := check("first", v, vals, true)
	// The caller's copy is its own.
	first.Sections[0].Body, first.Meanings["patient"], *first.Sections[0].Questions[0].Correct = "edited", "edited", 1
	first.Sections[0].Questions[0].Choices[0] = "edited"
	hit := check("again", v, vals, false)
	hit.Sections[0].Body, hit.Meanings["patient"], *hit.Sections[0].Questions[0].Correct = "edited", "edited", 1
	check("after editing a kept copy", v, vals, false)
	check("other values", v, map[string]string{"clinic_name": "Calm Waters", "clinic_phone": "555 0100"}, true)
	// Keys do not run together: a=bc and ab=c are different values.
	check("shifted values", v, map[string]string{"clinic_name": "Calm *Waters*555 0100", "clinic_phone": ""}, true)
	check("other content, same version number", memoVersion(t, "Call {{clinic_phone}}."), vals, true)
	if _, err := m.render(v, "fr", vals, md); ErrorCode(err) != EINVALID {
		t.Errorf("unknown locale: %v, want EINVALID", err)
	}
	// A version not named by its content is never kept.
	unnamed := *v
	unnamed.ContentSHA256 = ""
	check("unnamed", &unnamed, vals, true)
	check("unnamed again", &unnamed, vals, true)
}
