package pdf

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
)

// layoutCache keeps the laid-out lines of a document's own text — the
// template's sections and disclosure in one locale, rendered and frozen the
// same for every patient of a template version — so the layout (sanitising,
// measuring every character, wrapping) and the split of each line into
// drawing runs are done once, not once per signed consent. Only the
// document's text goes in, never a patient's name or an audit event, so
// the cache holds no patient data. An entry is a pure function of its key
// (the document's font set, the column width, the size and the styled
// text), so a document drawn from the cache is byte for byte the one drawn
// without it (TestLayoutCacheSameBytes).
type layoutCache struct {
	lru *lru.Cache[string, []line]
}

// layoutCacheSize bounds the paragraphs kept: the shipped consent has about
// 150 per locale, so this holds dozens of template versions and locales.
const layoutCacheSize = 8192

// documentLayouts is the cache every Render shares.
var documentLayouts = newLayoutCache(layoutCacheSize)

func newLayoutCache(size int) *layoutCache {
	c, err := lru.New[string, []line](size)
	if err != nil {
		panic("pdf: " + err.Error())
	}
	return &layoutCache{lru: c}
}

// layoutKey names spans laid out in width w at size with a font set.
func layoutKey(fonts string, spans []span, w, size float64) string {
	var b strings.Builder
	n := len(fonts) + 24
	for _, sp := range spans {
		n += len(sp.text) + 2
	}
	b.Grow(n)
	b.WriteString(fonts)
	var num [16]byte
	binary.LittleEndian.PutUint64(num[:8], math.Float64bits(w))
	binary.LittleEndian.PutUint64(num[8:], math.Float64bits(size))
	b.Write(num[:])
	for _, sp := range spans {
		b.WriteByte(byte(sp.style))
		b.WriteString(sp.text)
		b.WriteByte(0)
	}
	return b.String()
}

// layout returns spans laid out by p, from the cache when there; a nil
// cache lays out afresh. Lines from the cache are shared: never change them.
func (c *layoutCache) layout(p *pen, spans []span, w, size float64) []line {
	if c == nil {
		return p.layout(spans, w, size)
	}
	key := layoutKey(p.fonts.id, spans, w, size)
	if lines, ok := c.lru.Get(key); ok {
		return lines
	}
	lines := p.layout(spans, w, size)
	for i := range lines {
		lines[i].prepared = p.prepare(lines[i], size)
	}
	c.lru.Add(key, lines)
	return lines
}

// preparedRuns is a line split into drawing runs with their widths.
type preparedRuns struct {
	runs   []textRun
	widths []float64
	size   float64
}

// prepare splits a line into its drawing runs and measures them at size,
// as drawLine would.
func (p *pen) prepare(ln line, size float64) *preparedRuns {
	out := &preparedRuns{runs: p.runs(ln), size: size}
	for _, r := range out.runs {
		out.widths = append(out.widths, p.measure(r.text, r.style, size))
	}
	return out
}

// fontSetID names a document's font set by the characters each font holds,
// so layouts are shared only between documents whose fonts draw their text
// the same way.
func fontSetID(latin, cjk map[rune]bool) string {
	h := sha256.New()
	for _, set := range []map[rune]bool{latin, cjk} {
		runes := make([]rune, 0, len(set))
		for r := range set {
			runes = append(runes, r)
		}
		slices.Sort(runes)
		var b [4]byte
		for _, r := range runes {
			binary.LittleEndian.PutUint32(b[:], uint32(r))
			h.Write(b[:])
		}
		h.Write([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
