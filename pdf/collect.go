package pdf

import (
	"crypto/sha256"
	"encoding/binary"
	"html"
	"reflect"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/consentd/consentd/consent"
)

// collectRunes returns every character a document may draw from its data:
// the strings of the consent (its document in the consent's locale only),
// the audit events and the options, sanitised as the layout will sanitise
// them (so Arabic presentation forms and ⟨U+XXXX⟩ fallbacks are included),
// and with Markdown character references resolved. The fonts are cut to
// these and the renderer's own characters (baseRunes); a character missed
// here would print as ⟨U+XXXX⟩, never as a box.
func collectRunes(c *consent.Consent, doc consent.Document, events []*consent.AuditEvent, opts RenderOptions) map[rune]bool {
	out := map[rune]bool{}
	add := runeCollector(out)
	shallow := *c
	shallow.Documents = nil
	walkStrings(reflect.ValueOf(shallow), add)
	if opts.noLayoutCache {
		walkStrings(reflect.ValueOf(doc), add)
	} else {
		for r := range documentRunes(doc) {
			out[r] = true
		}
	}
	for _, e := range events {
		walkStrings(reflect.ValueOf(*e), add)
	}
	walkStrings(reflect.ValueOf(opts), add)
	return out
}

// runeCollector returns a function that adds the characters of a string,
// sanitised as the layout will sanitise it, to out.
func runeCollector(out map[rune]bool) func(string) {
	p := &pen{fonts: fullFonts}
	return func(s string) {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				for _, r := range p.sanitize(s) {
					out[r] = true
				}
				if strings.Contains(s, "&") {
					for _, r := range p.sanitize(html.UnescapeString(s)) {
						out[r] = true
					}
				}
				return
			}
		}
		if strings.Contains(s, "&") {
			for _, r := range p.sanitize(html.UnescapeString(s)) {
				out[r] = true
			}
		}
	}
}

// documentRuneSets keeps the characters of each frozen document, by the
// SHA-256 of its strings: the same for every patient of a template version
// and locale, so they are collected once. Never changed once stored.
var documentRuneSets = func() *lru.Cache[[sha256.Size]byte, map[rune]bool] {
	c, err := lru.New[[sha256.Size]byte, map[rune]bool](256)
	if err != nil {
		panic("pdf: " + err.Error())
	}
	return c
}()

// documentRunes returns the characters of a document's strings (see
// collectRunes), collected once per distinct document.
func documentRunes(doc consent.Document) map[rune]bool {
	h := sha256.New()
	var buf []byte // one buffer for the strings, not a copy of each
	walkStrings(reflect.ValueOf(doc), func(s string) {
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(s)))
		buf = append(buf, s...)
		h.Write(buf)
	})
	var key [sha256.Size]byte
	h.Sum(key[:0])
	if set, ok := documentRuneSets.Get(key); ok {
		return set
	}
	set := map[rune]bool{}
	walkStrings(reflect.ValueOf(doc), runeCollector(set))
	documentRuneSets.Add(key, set)
	return set
}

// stringless remembers which types hold no string at all (a drawn
// signature's points), so walkStrings skips them instead of visiting
// every number by reflection.
var stringless sync.Map // reflect.Type → bool

// holdsNoString reports whether no value of t can hold a string.
func holdsNoString(t reflect.Type) bool {
	if v, ok := stringless.Load(t); ok {
		return v.(bool)
	}
	stringless.Store(t, false) // until known: a type that holds itself is walked
	none := true
	switch t.Kind() {
	case reflect.String, reflect.Interface, reflect.Pointer, reflect.Map:
		none = false // maps and pointers may be recursive: walk them
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() && !holdsNoString(t.Field(i).Type) {
				none = false
			}
		}
	case reflect.Slice, reflect.Array:
		none = holdsNoString(t.Elem())
	}
	stringless.Store(t, none)
	return none
}

// walkStrings calls fn with every string reachable from v.
func walkStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkStrings(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		if holdsNoString(v.Type().Elem()) {
			return // bytes (an image) or numbers (strokes), not text
		}
		for i := range v.Len() {
			walkStrings(v.Index(i), fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			walkStrings(iter.Key(), fn)
			walkStrings(iter.Value(), fn)
		}
	}
}
