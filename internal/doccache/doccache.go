// Package doccache keeps consents' frozen documents in memory: one bounded
// least-recently-used cache (hashicorp/golang-lru) whose entry for a
// consent holds its decoded documents (filled by storage) and, once asked
// for, their encoding (filled by api). A consent's documents are frozen at
// creation — a trigger refuses any change — so an entry stays true for good;
// callers treat what it holds as read-only.
package doccache

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/consentd/consentd/consent"
)

// DefaultSize is how many consents a cache holds by default. A consent of
// the shipped ketamine template holds about 70 KB decoded and as much
// encoded (English and Spanish), so a full cache holds about 570 MB.
const DefaultSize = 4096

// Cache maps consent IDs to their frozen documents. A nil *Cache keeps
// nothing: audit verification decodes every row afresh, so an edited row
// cannot hide behind a copy decoded before.
type Cache struct {
	lru *lru.Cache[string, *entry]
}

// entry is one consent's documents, decoded and, lazily, encoded.
type entry struct {
	docs map[string]consent.Document

	mu      sync.Mutex
	encoded map[string][]byte // locale → encoding; nil until asked for
}

// New returns a cache of at most size consents (DefaultSize when size <= 0).
func New(size int) *Cache {
	if size <= 0 {
		size = DefaultSize
	}
	c, err := lru.New[string, *entry](size)
	if err != nil {
		panic("doccache: " + err.Error()) // only for a size <= 0
	}
	return &Cache{lru: c}
}

// Documents returns the decoded documents of consent id, if cached.
func (c *Cache) Documents(id string) (map[string]consent.Document, bool) {
	if c == nil {
		return nil, false
	}
	e, ok := c.lru.Get(id)
	if !ok {
		return nil, false
	}
	return e.docs, true
}

// Add caches the decoded documents of consent id, unless it is cached (an
// entry may already hold their encoding).
func (c *Cache) Add(id string, docs map[string]consent.Document) {
	if c != nil {
		c.lru.ContainsOrAdd(id, &entry{docs: docs})
	}
}

// Encoded returns the documents of cs by locale as encode encodes them,
// encoding a consent's documents once and keeping the result with them;
// encode must give the same bytes for the same document every time.
func (c *Cache) Encoded(cs *consent.Consent, encode func(consent.Document) ([]byte, error)) (map[string][]byte, error) {
	if c == nil {
		return encodeAll(cs.Documents, encode)
	}
	e, ok := c.lru.Get(cs.ID)
	if !ok {
		e = &entry{docs: cs.Documents}
		if found, _ := c.lru.ContainsOrAdd(cs.ID, e); found {
			if cur, ok := c.lru.Peek(cs.ID); ok {
				e = cur
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.encoded == nil {
		encoded, err := encodeAll(e.docs, encode)
		if err != nil {
			return nil, err
		}
		e.encoded = encoded
	}
	return e.encoded, nil
}

func encodeAll(docs map[string]consent.Document, encode func(consent.Document) ([]byte, error)) (map[string][]byte, error) {
	out := make(map[string][]byte, len(docs))
	for l, d := range docs {
		b, err := encode(d)
		if err != nil {
			return nil, err
		}
		out[l] = b
	}
	return out, nil
}

// Len returns how many consents the cache holds.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	return c.lru.Len()
}
