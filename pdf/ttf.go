package pdf

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sort"
)

// ttf is a TrueType font parsed once per process: what the layout needs to
// measure text (which runes it has, their advances) and what subset needs to
// cut a small font per document from it. gofpdf parses the font it is given
// for every document, in time that grows with the number of glyphs, so each
// document registers only the glyphs it draws.
type ttf struct {
	tables    map[string][]byte
	upem      int
	glyphs    map[rune]uint16 // cmap (3,1) format 4
	advance   []uint16        // per glyph, from hmtx
	lsb       []int16         // per glyph
	loca      []uint32        // numGlyphs+1 offsets into glyf
	numGlyphs int
	// widths holds width(r) for every rune of the BMP (cmap format 4 maps
	// nothing else): layout measures every character of a document, and a
	// slice index is several times cheaper than the glyphs map.
	widths []int32
}

var errBadFont = errors.New("pdf: malformed TrueType font")

// parseTTF reads the tables the layout and the subsetter use.
func parseTTF(b []byte) (*ttf, error) {
	if len(b) < 12 {
		return nil, errBadFont
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	t := &ttf{tables: map[string][]byte{}}
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			return nil, errBadFont
		}
		tag := string(b[rec : rec+4])
		off, size := int(binary.BigEndian.Uint32(b[rec+8:])), int(binary.BigEndian.Uint32(b[rec+12:]))
		if off < 0 || size < 0 || off+size > len(b) {
			return nil, errBadFont
		}
		t.tables[tag] = b[off : off+size]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "OS/2", "name", "post"} {
		if t.tables[tag] == nil {
			return nil, errBadFont
		}
	}
	head, hhea, maxp := t.tables["head"], t.tables["hhea"], t.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errBadFont
	}
	t.upem = int(binary.BigEndian.Uint16(head[18:]))
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	t.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	numH := int(binary.BigEndian.Uint16(hhea[34:]))
	hmtx := t.tables["hmtx"]
	if t.upem == 0 || numH == 0 || numH > t.numGlyphs || len(hmtx) < 4*numH+2*(t.numGlyphs-numH) {
		return nil, errBadFont
	}
	t.advance, t.lsb = make([]uint16, t.numGlyphs), make([]int16, t.numGlyphs)
	for g := range t.numGlyphs {
		if g < numH {
			t.advance[g], t.lsb[g] = binary.BigEndian.Uint16(hmtx[4*g:]), int16(binary.BigEndian.Uint16(hmtx[4*g+2:]))
		} else {
			t.advance[g], t.lsb[g] = t.advance[numH-1], int16(binary.BigEndian.Uint16(hmtx[4*numH+2*(g-numH):]))
		}
	}
	loca := t.tables["loca"]
	t.loca = make([]uint32, t.numGlyphs+1)
	for g := range t.numGlyphs + 1 {
		if longLoca {
			if 4*g+4 > len(loca) {
				return nil, errBadFont
			}
			t.loca[g] = binary.BigEndian.Uint32(loca[4*g:])
		} else {
			if 2*g+2 > len(loca) {
				return nil, errBadFont
			}
			t.loca[g] = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		}
	}
	if int(t.loca[t.numGlyphs]) > len(t.tables["glyf"]) {
		return nil, errBadFont
	}
	var err error
	if t.glyphs, err = parseCmap4(t.tables["cmap"]); err != nil {
		return nil, err
	}
	t.widths = make([]int32, 0x10000)
	for r, g := range t.glyphs {
		if r >= 0 && r < 0x10000 {
			t.widths[r] = int32(t.glyphWidth(g))
		}
	}
	return t, nil
}

// parseCmap4 reads the Windows Unicode BMP (3,1) format 4 subtable.
func parseCmap4(c []byte) (map[rune]uint16, error) {
	if len(c) < 4 {
		return nil, errBadFont
	}
	for i := range int(binary.BigEndian.Uint16(c[2:])) {
		rec := 4 + 8*i
		if rec+8 > len(c) {
			break
		}
		if binary.BigEndian.Uint16(c[rec:]) != 3 || binary.BigEndian.Uint16(c[rec+2:]) != 1 {
			continue
		}
		sub := c[min(int(binary.BigEndian.Uint32(c[rec+4:])), len(c)):]
		if len(sub) < 14 || binary.BigEndian.Uint16(sub) != 4 {
			continue
		}
		segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
		if len(sub) < 16+8*segs {
			return nil, errBadFont
		}
		out := map[rune]uint16{}
		for s := range segs {
			end := int(binary.BigEndian.Uint16(sub[14+2*s:]))
			start := int(binary.BigEndian.Uint16(sub[16+2*segs+2*s:]))
			delta := binary.BigEndian.Uint16(sub[16+4*segs+2*s:])
			roPos := 16 + 6*segs + 2*s
			ro := int(binary.BigEndian.Uint16(sub[roPos:]))
			for r := start; r <= end && r != 0xFFFF; r++ {
				var g uint16
				if ro == 0 {
					g = uint16(r) + delta
				} else {
					p := roPos + ro + 2*(r-start)
					if p+2 > len(sub) {
						return nil, errBadFont
					}
					if g = binary.BigEndian.Uint16(sub[p:]); g != 0 {
						g += delta
					}
				}
				if g != 0 {
					out[rune(r)] = g
				}
			}
		}
		return out, nil
	}
	return nil, errBadFont
}

// has reports whether the font has a real glyph (not .notdef) for r.
func (t *ttf) has(r rune) bool { _, ok := t.glyphs[r]; return ok }

// width returns r's advance in thousandths of the font size, rounded as
// gofpdf rounds the widths it writes (a zero advance is zero).
func (t *ttf) width(r rune) int {
	if r >= 0 && r < rune(len(t.widths)) {
		return int(t.widths[r])
	}
	g, ok := t.glyphs[r]
	if !ok {
		return 0
	}
	return t.glyphWidth(g)
}

// glyphWidth is a glyph's advance in thousandths of the font size, rounded.
func (t *ttf) glyphWidth(g uint16) int {
	return int(math.Round(1000 / float64(t.upem) * float64(t.advance[g])))
}

// Composite glyph flags (TrueType glyf table).
const (
	argsAreWords    = 0x0001
	weHaveAScale    = 0x0008
	moreComponents  = 0x0020
	weHaveXYScale   = 0x0040
	weHaveTwoByTwo  = 0x0080
	compositeHeader = 10
)

// glyph returns a glyph's outline bytes.
func (t *ttf) glyph(g uint16) []byte {
	return t.tables["glyf"][t.loca[g]:t.loca[g+1]]
}

// components calls fn with the offset of every component glyph index in a
// composite glyph's bytes; it does nothing for a simple glyph.
func components(b []byte, fn func(pos int)) {
	if len(b) < compositeHeader || int16(binary.BigEndian.Uint16(b)) >= 0 {
		return
	}
	pos := compositeHeader
	for pos+4 <= len(b) {
		flags := binary.BigEndian.Uint16(b[pos:])
		fn(pos + 2)
		pos += 4
		if flags&argsAreWords != 0 {
			pos += 4
		} else {
			pos += 2
		}
		switch {
		case flags&weHaveAScale != 0:
			pos += 2
		case flags&weHaveXYScale != 0:
			pos += 4
		case flags&weHaveTwoByTwo != 0:
			pos += 8
		}
		if flags&moreComponents == 0 {
			return
		}
	}
}

// subset returns a TrueType font with .notdef and the glyphs of runes (and
// the components they are built from), renumbered, for gofpdf to register.
// Runes the font lacks are left out.
func (t *ttf) subset(runes []rune) []byte {
	runes = slices.Clone(runes)
	slices.Sort(runes)
	runes = slices.Compact(runes)
	newID := map[uint16]uint16{0: 0}
	order := []uint16{0}
	add := func(g uint16) {
		if _, ok := newID[g]; !ok && int(g) < t.numGlyphs {
			newID[g] = uint16(len(order))
			order = append(order, g)
		}
	}
	var mapped []rune
	for _, r := range runes {
		if g, ok := t.glyphs[r]; ok {
			add(g)
			mapped = append(mapped, r)
		}
	}
	for i := 0; i < len(order); i++ { // order grows as components are found
		components(t.glyph(order[i]), func(pos int) {
			add(binary.BigEndian.Uint16(t.glyph(order[i])[pos:]))
		})
	}
	var glyf, loca, hmtx []byte
	for _, g := range order {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		b := slices.Clone(t.glyph(g))
		components(b, func(pos int) {
			binary.BigEndian.PutUint16(b[pos:], newID[binary.BigEndian.Uint16(b[pos:])])
		})
		glyf = append(glyf, b...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		hmtx = binary.BigEndian.AppendUint16(hmtx, t.advance[g])
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(t.lsb[g]))
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	head := slices.Clone(t.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment: gofpdf recomputes it
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(t.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(order)))
	maxp := slices.Clone(t.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(order)))
	post := slices.Clone(t.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)
	tables := map[string][]byte{"head": head, "hhea": hhea, "maxp": maxp, "post": post, "OS/2": t.tables["OS/2"],
		"name": t.tables["name"], "cmap": cmap4(mapped, func(r rune) uint16 { return newID[t.glyphs[r]] }),
		"glyf": glyf, "loca": loca, "hmtx": hmtx}
	return assemble(tables)
}

// cmap4 writes a cmap table with one (3,1) format 4 subtable mapping runes.
func cmap4(runes []rune, gid func(rune) uint16) []byte {
	type seg struct{ start, end, first uint16 }
	var segs []seg
	for _, r := range runes {
		g := gid(r)
		if n := len(segs); n > 0 && uint16(r) == segs[n-1].end+1 && g == segs[n-1].first+(uint16(r)-segs[n-1].start) {
			segs[n-1].end = uint16(r)
			continue
		}
		segs = append(segs, seg{uint16(r), uint16(r), g})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1}) // first-start wraps to delta 1
	n := len(segs)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	entry := 0
	for 1<<(entry+1) <= search {
		entry++
	}
	sub := make([]byte, 0, 16+8*n)
	sub = binary.BigEndian.AppendUint16(sub, 4)
	sub = binary.BigEndian.AppendUint16(sub, uint16(16+8*n))
	sub = binary.BigEndian.AppendUint16(sub, 0)
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*n))
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*search))
	sub = binary.BigEndian.AppendUint16(sub, uint16(entry))
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*n-2*search))
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.end)
	}
	sub = binary.BigEndian.AppendUint16(sub, 0)
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.start)
	}
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.first-s.start)
	}
	for range segs {
		sub = binary.BigEndian.AppendUint16(sub, 0)
	}
	out := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(out, sub...)
}

// assemble writes a TrueType file from its tables.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	n := len(tags)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	entry := 0
	for 1<<(entry+1) <= search {
		entry++
	}
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16*search))
	out = binary.BigEndian.AppendUint16(out, uint16(entry))
	out = binary.BigEndian.AppendUint16(out, uint16(16*n-16*search))
	off := 12 + 16*n
	for _, tag := range tags {
		data := tables[tag]
		out = append(out, tag...)
		out = binary.BigEndian.AppendUint32(out, checksum(data))
		out = binary.BigEndian.AppendUint32(out, uint32(off))
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		off += (len(data) + 3) &^ 3
	}
	for _, tag := range tags {
		out = append(out, tables[tag]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// checksum is a TrueType table checksum.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
