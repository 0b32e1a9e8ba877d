package storage

import (
	"context"
	"encoding/json"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/doccache"
)

// caches are the decoded-content caches one database shares between its pool
// and its transactions. A consent's documents are frozen at creation (a
// trigger refuses any change) and a version's content is named by its
// content hash, so a decoded copy stays true forever. A nil cache keeps
// nothing: audit verification decodes every row afresh, so an edited row
// cannot hide behind a copy decoded before.
type caches struct {
	documents *doccache.Cache                            // by consent ID; shared with api, which adds the encoding
	versions  *lru.Cache[string, consent.VersionContent] // by content_sha256
	// hashes are the documents as a summary shows them (locale and content
	// hash), by consent ID; frozen like the documents they come from.
	hashes *lru.Cache[string, map[string]consent.Document]
}

// versionCacheSize bounds the decoded template versions kept; clinics have few.
const versionCacheSize = 256

// hashCacheSize bounds the consents whose document hashes are kept: about
// 300 bytes each, so a full cache holds about 20 MB.
const hashCacheSize = 1 << 16

func newCaches(documents *doccache.Cache) *caches {
	if documents == nil {
		documents = doccache.New(0)
	}
	versions, err := lru.New[string, consent.VersionContent](versionCacheSize)
	if err != nil {
		panic("storage: " + err.Error())
	}
	hashes, err := lru.New[string, map[string]consent.Document](hashCacheSize)
	if err != nil {
		panic("storage: " + err.Error())
	}
	return &caches{documents: documents, versions: versions, hashes: hashes}
}

// Documents returns the cache of the consents' frozen documents, which the
// API shares to keep their encoding beside them.
func (db *DB) Documents() *doccache.Cache { return db.cache.documents }

// consentColumns are the consent columns read for a consent; the documents
// column is loaded separately, and only when not cached.
var consentColumns = []string{"id", "status", "template_slug", "template_version", "template_sha256", "locale",
	"patient_id", "patient_given_name", "patient_family_name", "patient_birth_date", "variables", "created_at",
	"expires_at", "created_by", "signing_token_hash", "signing_code_hash", "signed_at", "status_changed_at", "status_reason",
	"supersedes"}

// loadDocuments fills the documents of consents whose row omitted them, from
// the cache or with one query for the misses.
func (r reader) loadDocuments(ctx context.Context, out []*consent.Consent) error {
	var missing []string
	byID := map[string]*consent.Consent{}
	for _, c := range out {
		if docs, ok := r.cache.documents.Documents(c.ID); ok {
			c.Documents = docs
		} else {
			missing = append(missing, c.ID)
			byID[c.ID] = c
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return r.eachDocuments(ctx, missing, func(id, text string) error {
		docs, err := decodeDocuments(text)
		if err != nil {
			return fmt.Errorf("storage: consent %s documents: %w", id, err)
		}
		byID[id].Documents = docs
		r.cache.documents.Add(id, docs)
		return nil
	})
}

// eachDocuments calls fn with the stored documents (JSON) of each consent
// of ids that exists, read with one query (documentsOfQuery).
func (r reader) eachDocuments(ctx context.Context, ids []string, fn func(id, text string) error) error {
	rows, err := r.query(ctx, documentsOfQuery, r.idsArg(ids))
	if err != nil {
		return translate("load documents", err, msgs{})
	}
	defer rows.Close()
	for rows.Next() {
		var id, text string
		if err := rows.Scan(&id, &text); err != nil {
			return translate("load documents", err, msgs{})
		}
		if err := fn(id, text); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return translate("load documents", err, msgs{})
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
			DisclosureHTML: dj.DisclosureHTML, Meanings: dj.Meanings, ContentSHA256: dj.ContentSHA256,
			ChangeSummary: dj.ChangeSummary, ChangeSummaryHTML: dj.ChangeSummaryHTML}
		for _, s := range dj.Sections {
			d.Sections = append(d.Sections, s.toDomain())
		}
		out[code] = d
	}
	return out, nil
}

// decodeDocumentRefs decodes consent id's documents column to locale and
// content hash alone: the text is skipped.
func decodeDocumentRefs(id, text string) (map[string]consent.Document, error) {
	var lean map[string]struct {
		Locale        string `json:"locale"`
		ContentSHA256 string `json:"content_sha256"`
	}
	if err := json.Unmarshal([]byte(text), &lean); text != "" && err != nil {
		return nil, fmt.Errorf("storage: consent %s documents: %w", id, err)
	}
	out := make(map[string]consent.Document, len(lean))
	for l, d := range lean {
		out[l] = consent.Document{Locale: d.Locale, ContentSHA256: d.ContentSHA256}
	}
	return out, nil
}
