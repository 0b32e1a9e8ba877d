package storage

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// Page sizes of the row scan: PDF rows carry their bytes.
const (
	rowPage = 500
	pdfPage = 16
)

// baselineTables are the tables that exist at migration 4, whose rows its
// baseline vouches for. Frozen with that migration: a table added later (the
// devices and additional_pdfs of migration 5, the template_approvals of
// migration 7) is empty when created, and each of its rows is vouched for by
// the event that writes it.
var baselineTables = []string{consent.TableTemplates, consent.TableTemplateVersions, consent.TableConsents,
	consent.TableSignatures, consent.TableAcknowledgments, consent.TablePDFs, consent.TableAPIKeys, consent.TableStaff,
	consent.TableDownloadLinks, consent.TableWebhooks}

// eachRow passes every row of tables to fn, table by table in the order
// given and by key within a table. Rows are decoded afresh, never from the
// content caches, so an edited row cannot hide behind a copy decoded before
// the edit.
func eachRow(g *gorm.DB, tables []string, fn func(consent.Row) error) error {
	for _, table := range tables {
		scan := rowScanners[table]
		if scan == nil {
			return fmt.Errorf("storage: no row scanner for table %s", table)
		}
		if err := scan(g, fn); err != nil {
			return err
		}
	}
	return nil
}

// rowScanners reads each vouched table.
var rowScanners = map[string]func(g *gorm.DB, fn func(consent.Row) error) error{
	consent.TableTemplates: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "slug", rowPage, func(r *templateRow) any { return r.Slug }, func(r *templateRow) error {
			t, err := r.toDomain(nil)
			if err != nil {
				return err
			}
			return fn(t)
		})
	},
	consent.TableTemplateVersions: func(g *gorm.DB, fn func(consent.Row) error) error {
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
		return nil
	},
	consent.TableConsents: scanConsents,
	consent.TableSignatures: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *signatureRow) any { return r.ID }, func(r *signatureRow) error {
			s, err := r.toDomain()
			if err != nil {
				return err
			}
			return fn(&s)
		})
	},
	consent.TableAcknowledgments: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *acknowledgmentRow) any { return r.ID }, func(r *acknowledgmentRow) error {
			a := r.toDomain()
			return fn(&a)
		})
	},
	consent.TableAnswerAttempts: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *answerAttemptRow) any { return r.ID }, func(r *answerAttemptRow) error {
			a := r.toDomain()
			return fn(&a)
		})
	},
	consent.TablePDFs: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "consent_id", pdfPage, func(r *pdfRow) any { return r.ConsentID }, func(r *pdfRow) error {
			return fn(&consent.SealedPDF{ConsentID: r.ConsentID, Info: r.info(), Bytes: r.Bytes})
		})
	},
	consent.TableAdditionalPDFs: scanAdditionalPDFs,
	consent.TableAPIKeys: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *apiKeyRow) any { return r.ID }, func(r *apiKeyRow) error {
			k, err := r.toDomain()
			if err != nil {
				return err
			}
			return fn(k)
		})
	},
	consent.TableStaff: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *staffRow) any { return r.ID }, func(r *staffRow) error {
			return fn(r.toDomain())
		})
	},
	consent.TableDownloadLinks: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *downloadLinkRow) any { return r.ID }, func(r *downloadLinkRow) error {
			return fn(r.toDomain())
		})
	},
	consent.TableWebhooks: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *webhookRow) any { return r.ID }, func(r *webhookRow) error {
			w, err := r.toDomain()
			if err != nil {
				return err
			}
			return fn(w)
		})
	},
	consent.TableDevices: func(g *gorm.DB, fn func(consent.Row) error) error {
		return scanRows(g, "id", rowPage, func(r *deviceRow) any { return r.ID }, func(r *deviceRow) error {
			return fn(r.toDomain())
		})
	},
	consent.TableTemplateApprovals: func(g *gorm.DB, fn func(consent.Row) error) error {
		var rows []approvalRow // one per version at most: few
		if err := g.Order("slug, version").Find(&rows).Error; err != nil {
			return translate("scan template approvals", err, msgs{})
		}
		for _, r := range rows {
			if err := fn(r.toDomain()); err != nil {
				return err
			}
		}
		return nil
	},
}

// scanAdditionalPDFs reads the later sealed PDFs a page at a time in
// (consent_id, kind) order, bytes included.
func scanAdditionalPDFs(g *gorm.DB, fn func(consent.Row) error) error {
	var afterID, afterKind string
	for first := true; ; first = false {
		var rows []additionalPDFRow
		q := g.Order("consent_id, kind").Limit(pdfPage)
		if !first {
			q = q.Where("consent_id > ? OR (consent_id = ? AND kind > ?)", afterID, afterID, afterKind)
		}
		if err := q.Find(&rows).Error; err != nil {
			return translate("scan additional pdfs", err, msgs{})
		}
		for _, r := range rows {
			if err := fn(&consent.SealedPDF{ConsentID: r.ConsentID, Kind: r.Kind, Info: r.info(), Bytes: r.Bytes}); err != nil {
				return err
			}
		}
		if len(rows) < pdfPage {
			return nil
		}
		afterID, afterKind = rows[len(rows)-1].ConsentID, rows[len(rows)-1].Kind
	}
}

// scanConsents reads the consents a page at a time in ID order, each with
// its frozen documents from where they are stored: its own column (before
// migration 13) or consent_documents, so an edit in either is found.
func scanConsents(g *gorm.DB, fn func(consent.Row) error) error {
	const size = rowPage / 5 // each with about 100 KB of documents
	after := ""
	for first := true; ; first = false {
		var rows []consentRow
		q := g.Order("id").Limit(size)
		if !first {
			q = q.Where("id > ?", after)
		}
		if err := q.Find(&rows).Error; err != nil {
			return translate("scan consents", err, msgs{})
		}
		if err := fillDocuments(g, rows); err != nil {
			return err
		}
		for i := range rows {
			c, err := rows[i].toDomain()
			if err != nil {
				return err
			}
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(rows) < size {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// fillDocuments sets the documents of rows whose own column is empty (every
// consent created since migration 13) from consent_documents, in one query.
func fillDocuments(g *gorm.DB, rows []consentRow) error {
	at := map[string]int{}
	var ids []string
	for i, r := range rows {
		if r.Documents == "" {
			at[r.ID] = i
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var docs []struct {
		ConsentID string `gorm:"column:consent_id"`
		Documents string `gorm:"column:documents"`
	}
	if err := g.Table("consent_documents").Select("consent_id", "documents").Where("consent_id IN ?", ids).Find(&docs).Error; err != nil {
		return translate("scan consent documents", err, msgs{})
	}
	for _, d := range docs {
		rows[at[d.ConsentID]].Documents = d.Documents
	}
	return nil
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
