package gofpdf

// consentd patch (see PATCHES.md): a program that writes many documents with
// the same embedded UTF-8 font parses the font, derives its ID (a JSON
// encoding of a 65,536-entry width table) and cuts and compresses the subset
// again for every document. With SetUTF8FontCache(true) a document shares
// those results with earlier documents: each is a pure function of the font
// file's bytes (and the font key and the set of used runes), so the output
// is byte for byte the one written without the cache. Nothing a document
// draws goes into the cache except which glyphs it used.

import (
	"container/list"
	"crypto/sha256"
	"sort"
	"sync"
)

// SetUTF8FontCache makes fonts added afterwards with AddUTF8FontFromBytes
// share their parsed metrics and their cut, compressed font program with
// other documents that embed the same font file and use the same runes.
func (f *Fpdf) SetUTF8FontCache(on bool) {
	f.utf8FontCache = on
}

// utf8Metrics is what AddUTF8FontFromBytes keeps of a parsed font. Cw is
// shared by every document using the font and never written.
type utf8Metrics struct {
	desc   FontDescType
	up, ut int
	cw     []int
	id     string
}

// utf8Cut is a font program cut to a set of runes, ready to embed.
type utf8Cut struct {
	size     int    // length of the uncompressed font program
	font     []byte // the font program, zlib-compressed
	cidToGID []byte // the CIDToGIDMap stream, zlib-compressed
	lastRune int
	widths   string // the CIDFont's /W entry
}

// lruCache is a small least-recently-used cache safe for concurrent use.
type lruCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type lruEntry struct {
	key   string
	value interface{}
}

func newLRU(max int) *lruCache {
	return &lruCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lruCache) get(key string) (interface{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry).value, true
	}
	return nil, false
}

func (c *lruCache) add(key string, value interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		e.Value.(*lruEntry).value = value
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, value: value})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

// The bounds: a metrics entry holds a 512 KB width table, a cut font tens
// of kilobytes.
var (
	utf8MetricsCache = newLRU(16)
	utf8CutCache     = newLRU(64)
)

// parseUTF8Metrics parses a font file as addFontFromBytes does.
func parseUTF8Metrics(fontkey string, utf8Bytes []byte) (*utf8Metrics, *utf8FontFile, error) {
	reader := fileReader{readerPosition: 0, array: utf8Bytes}
	utf8File := newUTF8Font(&reader)
	if err := utf8File.parseFile(); err != nil {
		return nil, nil, err
	}
	m := &utf8Metrics{
		desc: FontDescType{
			Ascent:       int(utf8File.Ascent),
			Descent:      int(utf8File.Descent),
			CapHeight:    utf8File.CapHeight,
			Flags:        utf8File.Flags,
			FontBBox:     utf8File.Bbox,
			ItalicAngle:  utf8File.ItalicAngle,
			StemV:        utf8File.StemV,
			MissingWidth: round(utf8File.DefaultWidth),
		},
		up: int(round(utf8File.UnderlinePosition)),
		ut: round(utf8File.UnderlineThickness),
		cw: utf8File.CharWidths,
	}
	m.id, _ = generateFontID(fontDefType{Tp: "UTF8", Name: fontkey, Desc: m.desc, Up: m.up, Ut: m.ut, Cw: m.cw})
	return m, utf8File, nil
}

// cachedUTF8Metrics returns the parsed metrics of a font file under a font
// key, from the cache when there.
func cachedUTF8Metrics(fontkey string, utf8Bytes []byte) (*utf8Metrics, [32]byte, error) {
	sum := sha256.Sum256(utf8Bytes)
	key := fontkey + "\x00" + string(sum[:])
	if v, ok := utf8MetricsCache.get(key); ok {
		return v.(*utf8Metrics), sum, nil
	}
	m, _, err := parseUTF8Metrics(fontkey, utf8Bytes)
	if err != nil {
		return nil, sum, err
	}
	utf8MetricsCache.add(key, m)
	return m, sum, nil
}

// cutUTF8 cuts a parsed font to the used runes and compresses it, as
// putfonts always did.
func cutUTF8(utf8File *utf8FontFile, font *fontDefType) *utf8Cut {
	stream := utf8File.GenerateCutFont(font.usedRunes)
	c := &utf8Cut{size: len(stream), font: sliceCompress(stream), lastRune: utf8File.LastRune}
	codeSymbol := utf8File.CodeSymbolDictionary
	delete(codeSymbol, 0)
	cidToGidMap := make([]byte, 256*256*2)
	for cc, glyph := range codeSymbol {
		cidToGidMap[cc*2] = byte(glyph >> 8)
		cidToGidMap[cc*2+1] = byte(glyph & 0xFF)
	}
	c.cidToGID = sliceCompress(cidToGidMap)
	c.widths = generateCIDFontMap(font, c.lastRune)
	return c
}

// utf8CutFor returns a font's program cut to its used runes. Without the
// cache it cuts the font's own parsed file; with it, the cut is shared by
// documents that embed the same font file and use the same runes.
func utf8CutFor(font *fontDefType) (*utf8Cut, error) {
	if font.utf8File != nil {
		return cutUTF8(font.utf8File, font), nil
	}
	runes := make([]int, 0, len(font.usedRunes))
	for r := range font.usedRunes {
		runes = append(runes, r)
	}
	sort.Ints(runes)
	key := make([]byte, 0, 32+4*len(runes))
	key = append(key, font.utf8Sum[:]...)
	for _, r := range runes {
		key = append(key, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	if v, ok := utf8CutCache.get(string(key)); ok {
		return v.(*utf8Cut), nil
	}
	reader := fileReader{readerPosition: 0, array: font.utf8Bytes}
	utf8File := newUTF8Font(&reader)
	if err := utf8File.parseFile(); err != nil {
		return nil, err
	}
	c := cutUTF8(utf8File, font)
	utf8CutCache.add(string(key), c)
	return c, nil
}
