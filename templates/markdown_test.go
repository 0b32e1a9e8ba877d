package templates

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentd/consentd/consent"
)

func TestMarkdownRendersCommonMark(t *testing.T) {
	m := NewMarkdown()
	tests := []struct{ in, want string }{
		{"**bold** and *it*", "<p><strong>bold</strong> and <em>it</em></p>\n"},
		{"- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"},
		{"[site](https://example.org/a?b=1&c=2)", `<p><a href="https://example.org/a?b=1&amp;c=2">site</a></p>` + "\n"},
		{"Tel. (555) 010-0199", "<p>Tel. (555) 010-0199</p>\n"},
		{`\*\*x\*\*`, "<p>**x**</p>\n"},
		{`\<script\>`, "<p>&lt;script&gt;</p>\n"},
		{"a & b < c", "<p>a &amp; b &lt; c</p>\n"},
		{"¿Qué es la ketamina? Sí, señor.", "<p>¿Qué es la ketamina? Sí, señor.</p>\n"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := m.MarkdownToHTML(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestMarkdownDropsActiveContent feeds common XSS vectors and checks the HTML
// with a real HTML5 parser, as a browser would read it.
func TestMarkdownDropsActiveContent(t *testing.T) {
	inputs := []string{
		"<script>alert(1)</script>",
		"hello <script>alert(1)</script> world",
		"[x](javascript:alert(1))",
		"[x](JavaScript:alert(1))",
		"[x](java&#115;cript:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"[x](javascript&#58;alert(1))",
		"[x](<javascript:alert(1)>)",
		"[x](vbscript:msgbox(1))",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x](file:///etc/passwd)",
		"<javascript:alert(1)>",
		"![x](javascript:alert(1))",
		"[x][r]\n\n[r]: javascript:alert(1)",
		"<img src=x onerror=alert(1)>",
		"text <img src=x onerror=alert(1)> text",
		`<a href="javascript:alert(1)">x</a>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<svg onload=alert(1)>`,
		`<style>body{display:none}</style>`,
		`<!-- x --><script>alert(1)</script>`,
		"# <script>alert(1)</script>",
		`[x](https://ok.example "t\" onmouseover=\"alert(1)")`,
		"<form action=https://evil.example><input name=pin></form>",
		"<details open ontoggle=alert(1)>",
	}
	m := NewMarkdown()
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			out, err := m.MarkdownToHTML(in)
			if err != nil {
				t.Fatal(err)
			}
			if problem := activeContent(t, out); problem != "" {
				t.Errorf("%s in %q", problem, out)
			}
		})
	}
}

// TestActiveContentCheckerCatches keeps the checker honest: it must flag the
// raw payloads the renderer is expected to neutralise.
func TestActiveContentCheckerCatches(t *testing.T) {
	for _, raw := range []string{
		"<script>alert(1)</script>", `<a href="javascript:alert(1)">x</a>`, `<a href=" JaVaScRiPt:alert(1)">x</a>`,
		`<img src=x onerror=alert(1)>`, `<a href="java&#115;cript:alert(1)">x</a>`, `<iframe src=x></iframe>`,
		`<a href="data:text/html,x">x</a>`,
	} {
		if activeContent(t, raw) == "" {
			t.Errorf("checker missed %q", raw)
		}
	}
}

var activeElements = map[string]bool{"script": true, "style": true, "iframe": true, "object": true, "embed": true,
	"svg": true, "math": true, "form": true, "input": true, "button": true, "link": true, "meta": true, "base": true,
	"frame": true, "frameset": true, "details": true, "textarea": true, "select": true}

// activeContent returns a description of the first element, event handler or
// URL in s that could run script, or "".
func activeContent(t *testing.T, s string) string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var found string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found != "" {
			return
		}
		if n.Type == html.ElementNode {
			if activeElements[n.Data] {
				found = "element <" + n.Data + ">"
				return
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					found = "event handler " + a.Key
					return
				}
				if k := strings.ToLower(a.Key); k == "href" || k == "src" || k == "action" || k == "formaction" {
					if scheme := urlScheme(a.Val); scheme == "javascript" || scheme == "vbscript" || scheme == "data" || scheme == "file" {
						found = fmt.Sprintf("%s URL %q", scheme, a.Val)
						return
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return found
}

// urlScheme returns the scheme a browser would see: it strips leading and
// embedded ASCII whitespace and control characters, as the URL standard does,
// and also percent-decodes, to be strict.
func urlScheme(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	v = strings.Map(func(r rune) rune {
		if r <= 0x20 {
			return -1
		}
		return r
	}, v)
	if i := strings.IndexByte(v, ':'); i > 0 {
		return strings.ToLower(v[:i])
	}
	return ""
}

// TestMarkdownEscapedValuesRenderLiterally checks the domain's escaping of
// variable values together with this renderer: what a clinic types is shown
// as text, never as markup.
func TestMarkdownEscapedValuesRenderLiterally(t *testing.T) {
	m := NewMarkdown()
	for _, v := range []string{
		"**x**", "<script>alert(1)</script>", "[a](javascript:alert(1))", "_a_ `b` ~c~", "# h", "1. x", "- x",
		"Dr. O'Brien & Søn", "(555) 010-0199", `a\b`, "![i](x)", "&lt;", "&#60;script&#62;", "<https://a.example>",
	} {
		t.Run(v, func(t *testing.T) {
			out, err := m.MarkdownToHTML("Call " + consent.EscapeMarkdown(v) + " now.")
			if err != nil {
				t.Fatal(err)
			}
			if got := textOf(t, out); got != "Call "+v+" now." {
				t.Errorf("text = %q, want %q (html %q)", got, "Call "+v+" now.", out)
			}
			if problem := activeContent(t, out); problem != "" {
				t.Errorf("%s in %q", problem, out)
			}
			if strings.Count(out, "<") != 2 { // only <p> and </p>
				t.Errorf("markup leaked: %q", out)
			}
		})
	}
}

func textOf(t *testing.T, s string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.TrimSpace(b.String())
}

func TestMarkdownConcurrentUse(t *testing.T) {
	m := NewMarkdown()
	s, err := All()
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{}
	for _, sec := range s[0].Content.Locales["en"].Sections {
		bodies = append(bodies, sec.Body)
	}
	want := make([]string, len(bodies))
	for i, b := range bodies {
		if want[i], err = m.MarkdownToHTML(b); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(bodies))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, b := range bodies {
				if got, err := m.MarkdownToHTML(b); err != nil || got != want[i] {
					errs <- fmt.Sprintf("body %d: err %v, output differs: %v", i, err, got != want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMarkdownZeroValue(t *testing.T) {
	var m Markdown
	got, err := m.MarkdownToHTML("*a*")
	if err != nil || got != "<p><em>a</em></p>\n" {
		t.Errorf("zero Markdown: %q, %v", got, err)
	}
}

func BenchmarkMarkdownToHTML(b *testing.B) {
	s, err := All()
	if err != nil {
		b.Fatal(err)
	}
	body := s[0].Content.Locales["es"].Sections[4].Body
	m := NewMarkdown()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := m.MarkdownToHTML(body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMarkdownCacheIsBoundedAndTransparent(t *testing.T) {
	m := NewMarkdown()
	first, err := m.MarkdownToHTML("**a** <script>x</script>")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.MarkdownToHTML("**a** <script>x</script>")
	if first != again || strings.Contains(first, "<script>") {
		t.Fatalf("cached result differs or is unsafe: %q %q", first, again)
	}
	for i := 0; i <= cacheMax; i++ {
		if _, err := m.MarkdownToHTML(fmt.Sprintf("item %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(m.cache); n > cacheMax {
		t.Fatalf("cache holds %d entries, bound %d", n, cacheMax)
	}
}
