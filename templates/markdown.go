package templates

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/consentd/consentd/consent"
)

var _ consent.MarkdownRenderer = (*Markdown)(nil)

// sharedMarkdown serves a zero Markdown value; goldmark instances are safe
// for concurrent Convert calls once built.
var sharedMarkdown = goldmark.New()

// Markdown renders Markdown to sanitised HTML with goldmark; implements consent.MarkdownRenderer.
//
// It uses goldmark's default (safe) renderer: raw HTML is omitted and links or
// images whose destination starts with javascript:, vbscript:, file: or data:
// (other than inline PNG, GIF, JPEG or WebP images) are emptied. It is safe for
// concurrent use.
type Markdown struct {
	md goldmark.Markdown

	// Every consent of a clinic renders the same section bodies with the same
	// variable values, so recent results are kept (Markdown → HTML is a pure
	// function). Bounded: the map is dropped when it reaches cacheMax entries.
	mu    sync.Mutex
	cache map[string]string
}

// cacheMax bounds the entries the renderer remembers.
const cacheMax = 4096

// NewMarkdown returns a renderer; build it once and share it.
func NewMarkdown() *Markdown {
	return &Markdown{md: goldmark.New(), cache: map[string]string{}}
}

// MarkdownToHTML renders CommonMark Markdown to HTML safe to embed in a page.
func (m *Markdown) MarkdownToHTML(md string) (string, error) {
	g := sharedMarkdown
	if m != nil && m.md != nil {
		g = m.md
	}
	if m != nil && m.cache != nil {
		m.mu.Lock()
		html, ok := m.cache[md]
		m.mu.Unlock()
		if ok {
			return html, nil
		}
	}
	var buf bytes.Buffer
	if err := g.Convert([]byte(md), &buf); err != nil {
		return "", fmt.Errorf("templates: rendering Markdown: %w", err)
	}
	html := buf.String()
	if m != nil && m.cache != nil {
		m.mu.Lock()
		if len(m.cache) >= cacheMax {
			clear(m.cache)
		}
		m.cache[md] = html
		m.mu.Unlock()
	}
	return html, nil
}

// nestingParser is shared: goldmark parsers keep no state between parses.
var nestingParser = goldmark.DefaultParser()

// MarkdownNesting returns how deeply lists and block quotes nest in md: 0
// for none, 1 for a list or a quote, 2 for a list inside a quote, and so on.
func (m *Markdown) MarkdownNesting(md string) int {
	root := nestingParser.Parse(text.NewReader([]byte(md)))
	depth, deepest := 0, 0
	// Walk's callback never fails here, so its error is always nil.
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if n.Kind() != ast.KindList && n.Kind() != ast.KindBlockquote {
			return ast.WalkContinue, nil
		}
		if entering {
			depth++
			deepest = max(deepest, depth)
		} else {
			depth--
		}
		return ast.WalkContinue, nil
	})
	return deepest
}
