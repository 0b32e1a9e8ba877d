package storage

import (
	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// Page sizes of the row scan: PDF rows carry their bytes.
const (
	rowPage = 500
	pdfPage = 16
)

// eachRow passes every row the audit chain vouches for to fn, table by table
// in consent.VouchedTables' order and by key within a table. Rows are decoded
// afresh, never from the content caches, so an edited row cannot hide behind
// a copy decoded before the edit.
func eachRow(g *gorm.DB, fn func(consent.Row) error) error {
	if err := scanRows(g, "slug", rowPage, func(r *templateRow) any { return r.Slug }, func(r *templateRow) error {
		t, err := r.toDomain(nil)
		if err != nil {
			return err
		}
		return fn(t)
	}); err != nil {
		return err
	}
	var versions []versionRow // few; a composite key
	if err := g.Order("slug, version").Find(&versions).Error; err != nil {
		return translate("scan template versions", err, msgs{})
	}
	for _, r := range versions {
		v, err := r.toDomain(nil)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := scanRows(g, "id", rowPage/5, func(r *consentRow) any { return r.ID }, func(r *consentRow) error {
		c, err := r.toDomain()
		if err != nil {
			return err
		}
		return fn(c)
	}); err != nil {
		return err
	}
	if err := scanRows(g, "id", rowPage, func(r *signatureRow) any { return r.ID }, func(r *signatureRow) error {
		s, err := r.toDomain()
		if err != nil {
			return err
		}
		return fn(&s)
	}); err != nil {
		return err
	}
	if err := scanRows(g, "id", rowPage, func(r *acknowledgmentRow) any { return r.ID }, func(r *acknowledgmentRow) error {
		a := r.toDomain()
		return fn(&a)
	}); err != nil {
		return err
	}
	if err := scanRows(g, "consent_id", pdfPage, func(r *pdfRow) any { return r.ConsentID }, func(r *pdfRow) error {
		return fn(&consent.SealedPDF{ConsentID: r.ConsentID, Info: r.info(), Bytes: r.Bytes})
	}); err != nil {
		return err
	}
	if err := scanRows(g, "id", rowPage, func(r *apiKeyRow) any { return r.ID }, func(r *apiKeyRow) error {
		k, err := r.toDomain()
		if err != nil {
			return err
		}
		return fn(k)
	}); err != nil {
		return err
	}
	if err := scanRows(g, "id", rowPage, func(r *staffRow) any { return r.ID }, func(r *staffRow) error {
		return fn(r.toDomain())
	}); err != nil {
		return err
	}
	if err := scanRows(g, "id", rowPage, func(r *downloadLinkRow) any { return r.ID }, func(r *downloadLinkRow) error {
		return fn(r.toDomain())
	}); err != nil {
		return err
	}
	return scanRows(g, "id", rowPage, func(r *webhookRow) any { return r.ID }, func(r *webhookRow) error {
		w, err := r.toDomain()
		if err != nil {
			return err
		}
		return fn(w)
	})
}

// scanRows reads a table a page at a time in key order (keyset paging on a
// single-column key) and passes each row to each.
func scanRows[R any](g *gorm.DB, key string, size int, keyOf func(*R) any, each func(*R) error) error {
	var after any
	for {
		var rows []R
		q := g.Order(key).Limit(size)
		if after != nil {
			q = q.Where(key+" > ?", after)
		}
		if err := q.Find(&rows).Error; err != nil {
			return translate("scan rows", err, msgs{})
		}
		for i := range rows {
			if err := each(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < size {
			return nil
		}
		after = keyOf(&rows[len(rows)-1])
	}
}
