package pdf

import (
	"html"
	"reflect"
	"strings"

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
	p := &pen{fonts: fullFonts}
	out := map[rune]bool{}
	add := func(s string) {
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
	shallow := *c
	shallow.Documents = nil
	walkStrings(reflect.ValueOf(shallow), add)
	walkStrings(reflect.ValueOf(doc), add)
	for _, e := range events {
		walkStrings(reflect.ValueOf(*e), add)
	}
	walkStrings(reflect.ValueOf(opts), add)
	return out
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
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes (an image), not text
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
