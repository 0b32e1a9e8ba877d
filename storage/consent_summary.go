package storage

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/consentd/consentd/consent"
)

// summaryColumns and summaryJoins are what a summary reads of a consent,
// all in the consents_summary index (migration 12), with its PDF's and
// withdrawal copy's descriptions and its re-consents: one row per
// re-consent (one row without any), sorted in Go. A consent has at most one
// PDF of each kind, so those joins add no rows.
const (
	summaryColumns = `SELECT c.id, c.status, c.template_slug, c.template_version, c.template_sha256, c.locale,
	c.patient_id, c.created_at, c.expires_at, c.signed_at, c.status_changed_at, c.status_reason, c.supersedes,
	p.sha256, p.size, p.cert_sha256, p.created_at,
	w.sha256, w.size, w.cert_sha256, w.created_at,
	s.id, s.status, s.expires_at, s.created_at`
	summaryJoins = `LEFT JOIN pdfs p ON p.consent_id = c.id
LEFT JOIN additional_pdfs w ON w.consent_id = c.id AND w.kind = ?
LEFT JOIN consents s ON s.supersedes = c.id`
)

// summarySQL reads one consent's summary in one round trip (%s is where
// SQLite is told to use the covering index).
const summarySQL = summaryColumns + `
FROM consents c %s
` + summaryJoins + `
WHERE c.id = ?`

// summaryQuery reads through the covering index on SQLite, whose planner
// would take the primary key's, which leads to the row.
var summaryQuery = plainQuery{sqlite: fmt.Sprintf(summarySQL, "INDEXED BY consents_summary"),
	postgres: newPlainQuery(fmt.Sprintf(summarySQL, "")).postgres}

// pdfCols are a LEFT JOINed PDF description, NULL when there is none.
type pdfCols struct {
	SHA256, CertSHA256 sql.NullString
	Size, CreatedMS    sql.NullInt64
}

func (p *pdfCols) dest() []any { return []any{&p.SHA256, &p.Size, &p.CertSHA256, &p.CreatedMS} }

func (p *pdfCols) info() *consent.PDFInfo {
	if !p.SHA256.Valid {
		return nil
	}
	return &consent.PDFInfo{SHA256: p.SHA256.String, Size: int(p.Size.Int64), CertSHA256: p.CertSHA256.String,
		CreatedAt: fromMS(p.CreatedMS.Int64)}
}

// FindConsentSummary returns consent.SummaryOf the consent, loading only
// that, as ListConsentSummaries does for a page: plain queries (one for the
// consent, its PDFs and re-consents, one for its signatures without
// drawings) scanned without gorm's reflection; the documents' hashes come
// from a cache once read. ENOTFOUND if none.
func (r reader) FindConsentSummary(ctx context.Context, id string) (*consent.Consent, error) {
	c, err := r.summaryRow(ctx, id)
	if err != nil {
		return nil, err
	}
	one := []*consent.Consent{c}
	if err := r.summariesSignatures(ctx, one); err != nil {
		return nil, err
	}
	if err := r.documentHashesOf(ctx, one); err != nil {
		return nil, err
	}
	return c, nil
}

func (r reader) summaryRow(ctx context.Context, id string) (*consent.Consent, error) {
	rows, err := r.query(ctx, summaryQuery, consent.PDFKindWithdrawn, id)
	if err != nil {
		return nil, translate("find consent summary", err, msgs{})
	}
	defer rows.Close()
	var sc summaryScan
	if err := sc.scan(rows); err != nil {
		return nil, translate("find consent summary", err, msgs{})
	}
	if len(sc.list) == 0 {
		return nil, consent.Errorf(consent.ENOTFOUND, "Consent not found.")
	}
	return sc.list[0].c, nil
}

// sortSuccessors puts re-consents in creation order (created_at, then id),
// as FindConsentByID lists them; created holds each one's created_at.
func sortSuccessors(succ []consent.Successor, created []int64) {
	type dated struct {
		s  consent.Successor
		at int64
	}
	all := make([]dated, len(succ))
	for i := range succ {
		all[i] = dated{succ[i], created[i]}
	}
	slices.SortFunc(all, func(a, b dated) int { return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.s.ID, b.s.ID)) })
	for i := range all {
		succ[i] = all[i].s
	}
}
