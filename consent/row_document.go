package consent

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
)

// A consent's row digest covers its frozen documents, about 100 KB of text
// in each locale, and is computed again each time the row changes (created,
// signed: after and before). The text never changes, so the canonical
// encoding of a document is kept and written verbatim the next time.
//
// Why a kept encoding can never vouch for other text: it is used only for a
// document equal, field for field (reflect.DeepEqual), to a private deep
// copy taken when it was encoded. A row edited in the database, even with
// its content_sha256 left alone, is not equal, so it is encoded afresh.
// Documents include the values filled into the template's placeholders (a
// clinician's name, a procedure), so the memo is small and holds the same
// documents storage's document cache already holds.

// frozenDocument is a consent's frozen document as row content: writeCanonical
// writes it as it would write d.rowContent(), through the memo.
type frozenDocument struct{ d *Document }

// documentMemoSize bounds the encodings kept: enough for the consents being
// signed at once, each in two or three locales.
const documentMemoSize = 64

// documentMemoKey names a kept encoding; the document is still compared whole.
type documentMemoKey struct{ locale, contentSHA256 string }

type documentMemoEntry struct {
	doc   Document // a deep copy: the caller's slices and map may change later
	canon []byte
}

// documentMemo is a small first-in, first-out cache of canonical encodings.
type documentMemo struct {
	fifo[documentMemoKey, *documentMemoEntry]
}

var documentEncodings = &documentMemo{}

// canonical returns the RFC 8785 encoding of d.rowContent().
func (f frozenDocument) canonical() ([]byte, error) {
	return documentEncodings.canonical(f.d)
}

func (m *documentMemo) canonical(d *Document) ([]byte, error) {
	key := documentMemoKey{locale: d.Locale, contentSHA256: d.ContentSHA256}
	if e, _ := m.get(key); e != nil && reflect.DeepEqual(&e.doc, d) {
		return e.canon, nil
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, d.rowContent()); err != nil {
		return nil, err
	}
	m.add(key, &documentMemoEntry{doc: cloneDocument(*d), canon: buf.Bytes()}, documentMemoSize)
	return buf.Bytes(), nil
}

// cloneDocument copies d so that nothing in the copy shares memory the
// caller could change; strings are immutable and stay shared.
func cloneDocument(d Document) Document {
	d.Meanings = maps.Clone(d.Meanings)
	d.Sections = slices.Clone(d.Sections)
	for i := range d.Sections {
		qs := slices.Clone(d.Sections[i].Questions)
		for j := range qs {
			qs[j].Choices = slices.Clone(qs[j].Choices)
			if qs[j].Correct != nil {
				c := *qs[j].Correct
				qs[j].Correct = &c
			}
		}
		d.Sections[i].Questions = qs
	}
	return d
}
