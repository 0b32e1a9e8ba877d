package pdf

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// deepBodies are section bodies that nest deeper than any column can indent:
// 60 block quotes (issue 16) and a list nested 30 levels.
func deepBodies() map[string]string {
	var list strings.Builder
	for i := range 30 {
		list.WriteString(strings.Repeat("  ", i) + "- level\n")
	}
	list.WriteString(strings.Repeat("  ", 30) + "- deep\n")
	return map[string]string{
		"quotes": strings.Repeat("> ", 60) + "deep",
		"lists":  list.String(),
		"mixed":  strings.Repeat("> - ", 40) + "deep",
	}
}

// withBody returns the fixture consent with its first section's body replaced.
func withBody(tb testing.TB, body string) *consent.Consent {
	tb.Helper()
	c := fixtureConsent(tb, "en")
	doc := c.Documents["en"]
	doc.Sections = append([]consent.DocumentSection(nil), doc.Sections...)
	doc.Sections[0].Body = body
	c.Documents = map[string]consent.Document{"en": doc}
	return c
}

// TestRenderDeepNesting renders bodies nested past the column width. Before the
// fix the layout appended empty lines forever once indentation left no width
// (breakWord("") made no progress): this test never returned and the process
// grew until the kernel killed it.
func TestRenderDeepNesting(t *testing.T) {
	pdftotext := requireTool(t, "pdftotext")
	for name, body := range deepBodies() {
		t.Run(name, func(t *testing.T) {
			c := withBody(t, body)
			b, err := Render(c, fixtureEvents(c), RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			text := run(t, pdftotext, writeTemp(t, "c.pdf", b), "-")
			if !strings.Contains(text, "deep") {
				t.Errorf("the innermost text is missing:\n%s", text)
			}
		})
	}
}

// lowLimits lowers the document caps for the rest of the test, so a test can
// reach them quickly (tests in this package do not run in parallel).
func lowLimits(tb testing.TB, pages, lines int) {
	old := docLimits
	docLimits.pages, docLimits.lines = pages, lines
	tb.Cleanup(func() { docLimits = old })
}

// TestRenderCaps: a document past the page or line cap fails with a clear
// domain error instead of growing without bound.
func TestRenderCaps(t *testing.T) {
	body := strings.Repeat("A paragraph that takes a line.\n\n", 400)
	for name, lim := range map[string][2]int{"pages": {3, 60000}, "lines": {1000, 150}} {
		t.Run(name, func(t *testing.T) {
			lowLimits(t, lim[0], lim[1])
			c := withBody(t, body)
			_, err := Render(c, fixtureEvents(c), RenderOptions{})
			if consent.ErrorCode(err) != consent.EINVALID || !strings.Contains(consent.ErrorMessage(err), "too long to print") {
				t.Fatalf("got %v, want an invalid error saying the document is too long", err)
			}
		})
	}
	c := withBody(t, body)
	if _, err := Render(c, fixtureEvents(c), RenderOptions{}); err != nil {
		t.Fatalf("within the default caps: %v", err)
	}
}

// FuzzRenderMarkdown renders arbitrary Markdown section bodies: rendering
// must finish (the caps bound the work, not a clock) with a PDF or the
// too-long error, and never panic. Its seed corpus runs with the ordinary tests.
func FuzzRenderMarkdown(f *testing.F) {
	for _, b := range deepBodies() {
		f.Add(b)
	}
	for _, b := range []string{"", "plain", "- a\n  - b\n    > c", "```\ncode\n```", "1. x\n\n---\n\n# h\n\n<b>raw</b>",
		strings.Repeat("x", 5000), "&#2344;&#x202E;&#x20BB7; &amp;", "* * *\n" + strings.Repeat("- \n", 300),
		strings.Repeat("[", 500) + "link](http://x)", "\t\t\tindented\n\n    code"} {
		f.Add(b)
	}
	lowLimits(f, 40, 2000)
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 20000 {
			body = body[:20000]
		}
		c := withBody(t, body)
		out, err := Render(c, nil, RenderOptions{})
		if err != nil && !strings.Contains(consent.ErrorMessage(err), "too long to print") {
			t.Fatalf("render: %v", err)
		}
		if err == nil && len(out) == 0 {
			t.Fatal("no PDF and no error")
		}
	})
}
