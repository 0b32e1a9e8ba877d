package templates

import (
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// sentences returns the sentences of a Markdown text as plain text: blocks
// (paragraphs, list items, headings) are split at sentence ends, and every
// block ends a sentence. Code blocks and raw HTML are left out.
func sentences(lang *language, markdown string) []string {
	src := []byte(markdown)
	root := nestingParser.Parse(text.NewReader(src))
	var out []string
	// Walk's callback never fails, so its error is always nil.
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading:
			var b strings.Builder
			inlineText(&b, n, src)
			out = append(out, splitSentences(lang, b.String())...)
			return ast.WalkSkipChildren, nil
		case ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindHTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return out
}

// inlineText appends the text of n's inline children: line breaks become
// spaces, backslash escapes are resolved, raw HTML is dropped, and links and
// images keep only their text.
func inlineText(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(util.UnescapePunctuations(c.Segment.Value(src)))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.RawHTML:
		case *ast.AutoLink:
			b.Write(c.Label(src))
		default:
			inlineText(b, c, src)
		}
	}
}

// closers may follow a sentence's final punctuation and still belong to it.
const closers = `"')]»”’`

// splitSentences splits one block's text at sentence ends; see the package's
// readability notes for the rules.
func splitSentences(lang *language, s string) []string {
	rs := []rune(s)
	var out []string
	start := 0
	emit := func(end int) {
		if sent := strings.Join(strings.Fields(string(rs[start:end])), " "); len(words(sent)) > 0 {
			out = append(out, sent)
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		if !strings.ContainsRune(".!?…", rs[i]) {
			continue
		}
		j := i
		for j < len(rs) && strings.ContainsRune(".!?…", rs[j]) {
			j++
		}
		for j < len(rs) && strings.ContainsRune(closers, rs[j]) {
			j++
		}
		if j < len(rs) && !unicode.IsSpace(rs[j]) {
			i = j - 1
			continue
		}
		if j-i == 1 && rs[i] == '.' && notAnEnd(lang, rs[start:i+1]) {
			i = j - 1
			continue
		}
		emit(j)
		i = j - 1
	}
	emit(len(rs))
	return out
}

// notAnEnd reports whether the full stop closing text ends an abbreviation or
// an initial rather than a sentence.
func notAnEnd(lang *language, text []rune) bool {
	k := len(text) - 1
	for k > 0 && !unicode.IsSpace(text[k-1]) {
		k--
	}
	token := strings.TrimLeftFunc(string(text[k:]), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if lang.abbreviations[strings.ToLower(token)] {
		return true
	}
	r := []rune(token)
	return len(r) == 2 && unicode.IsLetter(r[0])
}
