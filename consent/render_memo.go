package consent

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"strconv"
)

// A new consent renders its version in every locale with the clinic's
// values (names, telephone numbers, fees), which are the same for most
// consents: rendering and hashing the same ~100 KB of text again took about
// 0.8 ms of CPU per consent created. renderMemo keeps recent renderings.
// RenderDocument is a pure function of the version's content, the locale,
// the values and the Markdown renderer (one per Service), so a kept
// rendering is the one RenderDocument would return; each caller gets its own
// deep copy.

// renderMemoSize bounds the renderings kept (each about 100 KB of text):
// a clinic's templates, versions and locales, for a few sets of values.
const renderMemoSize = 64

// renderMemo is a first-in, first-out cache of renderings; the zero value
// is ready to use.
type renderMemo struct {
	fifo[[sha256.Size]byte, Document]
}

// render returns RenderDocument(v, locale, vals, md), from the memo when v
// names its content by hash.
func (m *renderMemo) render(v *TemplateVersion, locale string, vals map[string]string, md MarkdownRenderer) (Document, error) {
	if v.ContentSHA256 == "" { // not named by its content: nothing to key on
		return RenderDocument(v, locale, vals, md)
	}
	key := renderKey(v, locale, vals)
	if d, ok := m.get(key); ok {
		return cloneDocument(d), nil
	}
	d, err := RenderDocument(v, locale, vals, md)
	if err != nil {
		return Document{}, err
	}
	m.add(key, cloneDocument(d), renderMemoSize)
	return d, nil
}

// renderKey hashes what a rendering depends on, each string prefixed with
// its length so that no two inputs share a key.
func renderKey(v *TemplateVersion, locale string, vals map[string]string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(v.Slug)
	put(strconv.Itoa(v.Version))
	put(v.ContentSHA256)
	put(locale)
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		put(k)
		put(vals[k])
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}
