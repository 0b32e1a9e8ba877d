package api

import (
	"encoding/json"
	"sort"

	"github.com/consentd/consentd/consent"
)

// encodeDocument is a frozen document as the API shows it. The encoding is
// kept beside the decoded document in the frozen-document cache, so it is
// made once per consent and reused by every later read.
func encodeDocument(d consent.Document) ([]byte, error) { return json.Marshal(documentJSON(d)) }

// appendDocuments appends `"document":…,"documents":{…},` for c to b.
func appendDocuments(b []byte, docs map[string][]byte, locale string) []byte {
	b = append(b, `"document":`...)
	b = append(b, docs[locale]...)
	b = append(b, `,"documents":{`...)
	locales := make([]string, 0, len(docs))
	for l := range docs {
		locales = append(locales, l)
	}
	sort.Strings(locales)
	for i, l := range locales {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, l...)
		b = append(b, `":`...)
		b = append(b, docs[l]...)
	}
	return append(b, "},"...)
}
