package storage

import (
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/consentd/consentd/consent"
)

// lru is a small bounded least-recently-used map for decoded values of
// content that never changes (frozen consent documents, template version
// content by hash). Callers must treat the values as read-only.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// get and put on a nil cache find and keep nothing: audit verification
// decodes every row afresh, so an edited row cannot hide behind a cached copy.
func (c *lru[V]) get(key string) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).val, true
}

func (c *lru[V]) put(key string, val V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry[V]{key: key, val: val})
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Back()).(*lruEntry[V])
		delete(c.items, old.key)
	}
}

// caches are the decoded-content caches one database shares between its pool
// and its transactions. A consent's documents are frozen at creation (a trigger
// refuses any change) and a version's content is named by its content hash, so
// a decoded copy stays true forever.
type caches struct {
	documents *lru[map[string]consent.Document] // by consent ID
	versions  *lru[consent.VersionContent]      // by content_sha256
}

func newCaches() *caches {
	return &caches{documents: newLRU[map[string]consent.Document](4096), versions: newLRU[consent.VersionContent](256)}
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
		if docs, ok := r.cache.documents.get(c.ID); ok {
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
		r.cache.documents.put(row.ID, docs)
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
