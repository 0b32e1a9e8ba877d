package pdf

import (
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// mdParser parses CommonMark; goldmark parsers hold no per-parse state, so one
// is shared by all documents.
var mdParser parser.Parser = goldmark.New().Parser()

// markdown draws Markdown source as paragraphs and lists in a column at x of width w.
// Raw HTML is dropped: the PDF shows text only.
func (d *doc) markdown(src string, x, w float64) {
	md, ok := parsedMarkdown.Get(src)
	if !ok || d.layouts == nil {
		md = parseMarkdown(src)
		if d.layouts != nil {
			parsedMarkdown.Add(src, md)
		}
	}
	d.md = md
	d.blocks(md.root, md.source, x, w, false)
	d.md = nil
}

// parsedDoc is Markdown source, its syntax tree and the styled text of
// its paragraphs and headings, which drawing only reads.
type parsedDoc struct {
	source []byte
	root   ast.Node
	spans  map[ast.Node][]span // as inlineSpans returns them for block
}

// parseMarkdown parses src and collects the text of every paragraph and
// heading once, with entities and escapes resolved.
func parseMarkdown(src string) *parsedDoc {
	md := &parsedDoc{source: []byte(src), spans: map[ast.Node][]span{}}
	md.root = mdParser.Parse(text.NewReader(md.source))
	ast.Walk(md.root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *ast.Paragraph, *ast.TextBlock:
			md.spans[n] = inlineSpans(n, md.source, 0, nil)
		case *ast.Heading:
			md.spans[n] = inlineSpans(n, md.source, styleBold, nil)
		}
		return ast.WalkContinue, nil
	})
	return md
}

// spansOf returns the styled text of a paragraph or heading of the
// Markdown being drawn.
func (d *doc) spansOf(n ast.Node, src []byte, st style) []span {
	if d.md != nil {
		if sp, ok := d.md.spans[n]; ok {
			return sp
		}
	}
	return inlineSpans(n, src, st, nil)
}

// parsedMarkdown keeps the parsed sections of documents (like the layout
// cache, the document's own text only: the same for every patient of a
// template version and locale). An entry holds a section's text about three
// times over (source, tree, spans), and a section's text includes its
// variables' values, so an integration could fill it with distinct values:
// 512 entries is a few dozen template versions' worth of sections in two
// locales, and bounds the memory at 512 sections.
var parsedMarkdown = func() *lru.Cache[string, *parsedDoc] {
	c, err := lru.New[string, *parsedDoc](512)
	if err != nil {
		panic("pdf: " + err.Error())
	}
	return c
}()

// blocks draws the block children of n.
func (d *doc) blocks(n ast.Node, src []byte, x, w float64, tight bool) {
	for c := n.FirstChild(); c != nil && d.err == nil; c = c.NextSibling() {
		d.block(c, src, x, w, tight)
	}
}

// block draws one block node.
func (d *doc) block(n ast.Node, src []byte, x, w float64, tight bool) {
	gap := 2.0
	if tight {
		gap = 0.6
	}
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		d.color(colorText)
		d.writeText(d.spansOf(n, src, 0), x, w, bodySize, bodyLeading)
		if n.NextSibling() != nil || !tight {
			d.space(gap)
		}
	case *ast.Heading:
		d.color(colorText)
		d.ensure(3 * bodyLeading)
		d.writeText(d.spansOf(n, src, styleBold), x, w, bodySize+1, bodyLeading+0.4)
		d.space(1)
	case *ast.List:
		d.list(n, src, x, w)
		if !tight {
			d.space(1)
		}
	case *ast.Blockquote:
		top := d.f.GetY()
		ix, iw := indent(x, w, 5)
		d.blocks(n, src, ix, iw, tight)
		if d.f.GetY() > top {
			d.f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
			d.f.SetLineWidth(0.6)
			d.f.Line(x+1.5, top, x+1.5, d.f.GetY()-gap)
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var s []byte
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			s = append(s, seg.Value(src)...)
		}
		d.color(colorText)
		cx, cw := indent(x, w, 4)
		d.writeText([]span{{text: string(trimNewline(s))}}, cx, cw, bodySize-0.5, bodyLeading)
		d.space(gap)
	case *ast.ThematicBreak:
		d.ensure(4)
		y := d.f.GetY() + 1.5
		d.f.SetDrawColor(colorRule[0], colorRule[1], colorRule[2])
		d.f.SetLineWidth(0.2)
		d.f.Line(x, y, x+w, y)
		d.space(4)
	case *ast.HTMLBlock:
		// No HTML in the PDF.
	default:
		d.blocks(n, src, x, w, tight)
	}
}

// list draws a bullet or numbered list with hanging indentation.
func (d *doc) list(l *ast.List, src []byte, x, w float64) {
	const listIndent = 6.0
	num := l.Start
	ix, iw := indent(x, w, listIndent)
	for item := l.FirstChild(); item != nil && d.err == nil; item = item.NextSibling() {
		marker := "•"
		if l.IsOrdered() {
			marker = strconv.Itoa(num) + string(l.Marker)
			num++
		}
		d.ensure(bodyLeading)
		d.color(colorText)
		d.p.drawLine(line{words: []word{{text: marker}}}, x+1, d.f.GetY(), bodySize)
		d.blocks(item, src, ix, iw, l.IsTight)
	}
}

// inlineSpans collects the styled text of n's inline children.
func inlineSpans(n ast.Node, src []byte, st style, out []span) []span {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(src)
			if !c.IsRaw() {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			out = append(out, span{text: string(v), style: st})
			if c.HardLineBreak() {
				out = append(out, span{text: "\n", style: st})
			} else if c.SoftLineBreak() {
				out = append(out, span{text: " ", style: st})
			}
		case *ast.String:
			out = append(out, span{text: string(c.Value), style: st})
		case *ast.Emphasis:
			s := st | styleItalic
			if c.Level >= 2 {
				s = st | styleBold
			}
			out = inlineSpans(c, src, s, out)
		case *ast.CodeSpan:
			out = inlineSpans(c, src, st, out)
		case *ast.Link:
			out = inlineSpans(c, src, st, out)
			if dest := string(c.Destination); dest != "" {
				out = append(out, span{text: " <" + dest + ">", style: st})
			}
		case *ast.AutoLink:
			out = append(out, span{text: string(c.Label(src)), style: st})
		case *ast.RawHTML:
			// No HTML in the PDF.
		default:
			out = inlineSpans(c, src, st, out)
		}
	}
	return out
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
