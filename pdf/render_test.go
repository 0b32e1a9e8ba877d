package pdf

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
	"github.com/jung-kurt/gofpdf"
	"github.com/yuin/goldmark/text"
)

func renderFixture(tb testing.TB, locale string) []byte {
	tb.Helper()
	c := fixtureConsent(tb, locale)
	b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena · Ketamine Therapy", TimeZone: madrid(tb),
		CertSHA256: "5d41402abc4b2a76b9719d911017c592ae1f5e6d3c4b2a19f8e7d6c5b4a39281"})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRenderDeterministic(t *testing.T) {
	a, b := renderFixture(t, "en"), renderFixture(t, "en")
	if !bytes.Equal(a, b) {
		t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
	}
	if dir := os.Getenv("PDF_OUT"); dir != "" {
		os.WriteFile(dir+"/en.pdf", a, 0o644)
		os.WriteFile(dir+"/es.pdf", renderFixture(t, "es"), 0o644)
	}
}

func TestWriteSealedSample(t *testing.T) {
	dir := os.Getenv("PDF_OUT")
	if dir == "" {
		t.Skip("set PDF_OUT to write sample files")
	}
	s := newTestSealer(t, t.TempDir())
	for _, l := range []string{"en", "es"} {
		os.WriteFile(dir+"/sealed-"+l+".pdf", sealFixture(t, s, l).Bytes, 0o644)
	}
}

func TestInlineSpans(t *testing.T) {
	tests := []struct {
		md   string
		want []span
	}{
		{"plain **bold** and *italic*", []span{{text: "plain "}, {text: "bold", style: styleBold}, {text: " and "}, {text: "italic", style: styleItalic}}},
		{"***both***", []span{{text: "both", style: styleBold | styleItalic}}},
		{`\*not italic\* 5 \> 3`, []span{{text: "*not italic* 5 > 3"}}},
		{"a &amp; b &#233;", []span{{text: "a & b é"}}},
		{"line one\nline two", []span{{text: "line one"}, {text: " "}, {text: "line two"}}},
		{"x <b>raw</b> y", []span{{text: "x "}, {text: "raw"}, {text: " y"}}},
		{"see [the leaflet](https://example.org/l)", []span{{text: "see "}, {text: "the leaflet"}, {text: " <https://example.org/l>"}}},
		{"`code`", []span{{text: "code"}}},
	}
	for _, tt := range tests {
		t.Run(tt.md, func(t *testing.T) {
			src := []byte(tt.md)
			root := mdParser.Parse(text.NewReader(src))
			got := mergeSpans(inlineSpans(root.FirstChild(), src, 0, nil))
			if diff := cmp.Diff(mergeSpans(tt.want), got, cmp.AllowUnexported(span{})); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
		})
	}
}

// mergeSpans joins neighbouring spans of one style, so tests do not depend on
// how goldmark splits text nodes.
func mergeSpans(in []span) []span {
	var out []span
	for _, s := range in {
		if n := len(out); n > 0 && out[n-1].style == s.style {
			out[n-1].text += s.text
			continue
		}
		out = append(out, s)
	}
	return out
}

func TestLayoutNeverOverflows(t *testing.T) {
	f := gofpdf.New("P", "mm", "A4", "")
	p := &pen{f: f, fonts: register(f, nil)}
	hash := strings.Repeat("9f2c4e1b7a6d5c3e", 8)
	ua := "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for _, w := range []float64{8, 18, 40, 174} {
		for _, s := range [][]span{{{text: hash}}, {{text: ua}}, {{text: "Zoë Müller " + hash, style: styleBold}}} {
			lines := p.layout(s, w, 7)
			var got strings.Builder
			for _, ln := range lines {
				width := 0.0
				for i, wd := range ln.words {
					if wd.space && i > 0 {
						width += p.measure(" ", wd.style, 7)
						got.WriteString(" ")
					}
					width += wd.width
					got.WriteString(wd.text)
				}
				if width > w+1e-9 {
					t.Errorf("width %v: line %q is %.2f mm wide", w, got.String(), width)
				}
			}
			joined := strings.ReplaceAll(got.String(), " ", "")
			if want := strings.ReplaceAll(s[0].text, " ", ""); joined != want {
				t.Errorf("width %v: text changed by layout: %q", w, joined)
			}
		}
	}
}

func TestLabelsFallBackToEnglish(t *testing.T) {
	for locale, want := range map[string]string{"en": "Signatures", "es": "Firmas", "es-MX": "Firmas", "fr": "Signatures", "": "Signatures"} {
		if got := labelsFor(locale).Signatures; got != want {
			t.Errorf("labelsFor(%q).Signatures = %q, want %q", locale, got, want)
		}
	}
}

func TestRenderUnusualInput(t *testing.T) {
	c := fixtureConsent(t, "en")
	// No glyph in the font, and outside the BMP: must not fail.
	c.Patient.GivenName = "李雷 😀"
	// No canvas size: falls back to the printed name.
	c.Signatures[0].Mark = consent.Mark{Type: "drawn", Strokes: drawnStrokes()}
	c.Signatures[1].Mark = consent.Mark{Type: "typed", Text: strings.Repeat("Averyveryverylongtypedname", 4)}
	doc := c.Documents["en"]
	doc.Sections = append(doc.Sections, consent.DocumentSection{Key: "long", Heading: "Long",
		Body: strings.Repeat("A long paragraph that must flow across pages. ", 600)})
	c.Documents["en"] = doc
	b, err := Render(c, fixtureEvents(c), RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}

	// A stored image that cannot be drawn is named by its hash: the consent
	// must never be left unsealable (issue 9 item 2).
	c.Signatures[2].Mark = consent.Mark{Type: "image", PNG: []byte("\x89PNG\r\n\x1a\nbroken")}
	if _, err := Render(c, nil, RenderOptions{}); err != nil {
		t.Errorf("a broken stored PNG failed the render: %v", err)
	}
}
