package storage

import (
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/consentd/consentd/consent"
)

// documentCache keeps decoded consent documents. A consent's documents are
// frozen at creation (a trigger refuses any change), so a decoded copy stays
// true forever; reads skip the ~80 KB column and its JSON decoding. Callers
// must treat the returned maps as read-only. Bounded by entry count, LRU.
type documentCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type documentEntry struct {
	id   string
	docs map[string]consent.Document
}

func newDocumentCache(max int) *documentCache {
	return &documentCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *documentCache) get(id string) (map[string]consent.Document, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[id]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*documentEntry).docs, true
}

func (c *documentCache) put(id string, docs map[string]consent.Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[id]; ok {
		return
	}
	c.items[id] = c.order.PushFront(&documentEntry{id: id, docs: docs})
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Back()).(*documentEntry)
		delete(c.items, old.id)
	}
}

// consentColumns are the consent columns read for a consent; the documents
// column is loaded separately, and only when not cached.
var consentColumns = []string{"id", "status", "template_slug", "template_version", "template_sha256", "locale",
	"patient_id", "patient_given_name", "patient_family_name", "patient_birth_date", "variables", "created_at",
	"expires_at", "created_by", "signing_token_hash", "signing_code_hash", "signed_at", "status_changed_at", "status_reason"}

// loadDocuments fills the documents of consents whose row omitted them, from
// the cache or with one query for the misses.
func (r reader) loadDocuments(ctx context.Context, out []*consent.Consent) error {
	var missing []string
	byID := map[string]*consent.Consent{}
	for _, c := range out {
		if docs, ok := r.docs.get(c.ID); ok {
			c.Documents = docs
		} else {
			missing = append(missing, c.ID)
			byID[c.ID] = c
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var rows []struct {
		ID        string `gorm:"column:id"`
		Documents string `gorm:"column:documents"`
	}
	if err := r.q(ctx).Table("consents").Select("id", "documents").Where("id IN ?", missing).Find(&rows).Error; err != nil {
		return translate("load documents", err, msgs{})
	}
	for _, row := range rows {
		docs, err := decodeDocuments(row.Documents)
		if err != nil {
			return fmt.Errorf("storage: consent %s documents: %w", row.ID, err)
		}
		byID[row.ID].Documents = docs
		r.docs.put(row.ID, docs)
	}
	return nil
}

func decodeDocuments(s string) (map[string]consent.Document, error) {
	var docs map[string]documentJSON
	if err := json.Unmarshal([]byte(s), &docs); err != nil {
		return nil, err
	}
	out := make(map[string]consent.Document, len(docs))
	for code, dj := range docs {
		d := consent.Document{Locale: dj.Locale, Title: dj.Title, Disclosure: dj.Disclosure,
			DisclosureHTML: dj.DisclosureHTML, Meanings: dj.Meanings, ContentSHA256: dj.ContentSHA256}
		for _, s := range dj.Sections {
			d.Sections = append(d.Sections, consent.DocumentSection(s))
		}
		out[code] = d
	}
	return out, nil
}
