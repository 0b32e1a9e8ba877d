package api

import (
	"container/list"
	"encoding/json"
	"sort"
	"sync"

	"github.com/consentd/consentd/consent"
)

// docCache keeps the encoded JSON of consents' frozen documents. A consent's
// documents never change after creation, so their encoding can be reused by
// every later read; the cache is bounded by bytes and evicts the least
// recently used consent.
type docCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List
	items map[string]*list.Element
}

type docEntry struct {
	id   string
	docs map[string][]byte // locale → encoded document
	size int
}

func newDocCache(maxBytes int) *docCache {
	return &docCache{max: maxBytes, order: list.New(), items: map[string]*list.Element{}}
}

// documents returns the encoded documents of c by locale, encoding and caching
// them on first use.
func (d *docCache) documents(c *consent.Consent) (map[string][]byte, error) {
	d.mu.Lock()
	if el, ok := d.items[c.ID]; ok {
		d.order.MoveToFront(el)
		docs := el.Value.(*docEntry).docs
		d.mu.Unlock()
		return docs, nil
	}
	d.mu.Unlock()
	e := &docEntry{id: c.ID, docs: map[string][]byte{}}
	for l, doc := range c.Documents {
		b, err := json.Marshal(documentJSON(doc))
		if err != nil {
			return nil, err
		}
		e.docs[l] = b
		e.size += len(b)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.items[c.ID]; !ok && e.size <= d.max {
		d.items[c.ID] = d.order.PushFront(e)
		d.size += e.size
		for d.size > d.max {
			old := d.order.Remove(d.order.Back()).(*docEntry)
			delete(d.items, old.id)
			d.size -= old.size
		}
	}
	return e.docs, nil
}

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
