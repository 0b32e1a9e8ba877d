package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/consentd/consentd/consent"
)

// summaryListSQL is summarySQL for a page of consents: the page's IDs are
// selected by the list's filter, order and limit in a subquery (%s: its
// WHERE, if any), then each consent's summary columns are read as
// FindConsentSummary reads them (%s: on SQLite, from the covering index,
// and after the page: CROSS JOIN fixes the order of the join, which SQLite's
// planner would otherwise start from a scan of that index), with
// its PDFs and re-consents. Rows come in no particular order; Go sorts them.
const summaryListSQL = summaryColumns + `
FROM (SELECT id FROM consents %s ORDER BY created_at DESC, id DESC LIMIT ?) page
%s ON c.id = page.id
` + summaryJoins

// listQueries keeps the summary list's query per filter shape (the WHERE
// text), so PostgreSQL's numbering is done once per shape; there are a few
// dozen shapes at most.
var listQueries sync.Map // WHERE text -> plainQuery

func summaryListQuery(where string) plainQuery {
	if q, ok := listQueries.Load(where); ok {
		return q.(plainQuery)
	}
	clause := ""
	if where != "" {
		clause = "WHERE " + where
	}
	q := plainQuery{sqlite: fmt.Sprintf(summaryListSQL, clause, "CROSS JOIN consents c INDEXED BY consents_summary"),
		postgres: newPlainQuery(fmt.Sprintf(summaryListSQL, clause, "JOIN consents c")).postgres}
	listQueries.Store(where, q)
	return q
}

// summarySignaturesOfQuery reads the signatures of one or many consents
// without their drawings (strokes, image, typed text, canvas size), in
// signing order. The consents are named by one parameter (idsArg): a JSON
// array on SQLite, an array on PostgreSQL, so the statement's text, and its
// preparation, is the same for any page.
var summarySignaturesOfQuery = plainQuery{
	sqlite:   fmt.Sprintf(summarySignaturesOfSQL, "IN (SELECT value FROM json_each(?))"),
	postgres: fmt.Sprintf(summarySignaturesOfSQL, "= ANY($1)"),
}

const summarySignaturesOfSQL = `SELECT consent_id, id, role, name, relationship, locale, meaning, signed_at, mark_type,
	staff_id, identity_verified, electronic_records_consent_at, acknowledged, discussed_sections,
	channel, ip, user_agent, device_id, actor, client_time
FROM signatures WHERE consent_id %s ORDER BY signed_at, id`

// documentsOfQuery reads the frozen documents of many consents (idsArg):
// a row's own column when the consent predates migration 13, else its
// consent_documents row.
var documentsOfQuery = plainQuery{
	sqlite: `SELECT c.id, COALESCE(NULLIF(c.documents, ''), d.documents, '') FROM consents c
		LEFT JOIN consent_documents d ON d.consent_id = c.id WHERE c.id IN (SELECT value FROM json_each(?))`,
	postgres: `SELECT c.id, COALESCE(NULLIF(c.documents, ''), d.documents, '') FROM consents c
		LEFT JOIN consent_documents d ON d.consent_id = c.id WHERE c.id = ANY($1)`,
}

// idsArg is the one parameter that names a set of IDs in the queries above.
func (r reader) idsArg(ids []string) any {
	if r.g.Dialector.Name() == dialectPostgres {
		return ids
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// ListConsentSummaries returns consent.SummaryOf each consent ListConsents
// returns, with the same cursor, loading only that: one plain query for
// the page's consents with their PDFs and re-consents, one for their
// signatures without drawings; documents' hashes from the cache, and the
// misses in one more query.
func (r reader) ListConsentSummaries(ctx context.Context, f consent.ConsentFilter) ([]*consent.Consent, string, error) {
	limit := consent.PageSize(f.Limit, DefaultListLimit, MaxListLimit)
	where, args, err := summaryListWhere(f)
	if err != nil {
		return nil, "", err
	}
	args = append(args, limit+1, consent.PDFKindWithdrawn)
	rows, err := r.query(ctx, summaryListQuery(where), args...)
	if err != nil {
		return nil, "", translate("list consent summaries", err, msgs{})
	}
	var sc summaryScan
	err = sc.scan(rows)
	rows.Close()
	if err != nil {
		return nil, "", translate("list consent summaries", err, msgs{})
	}
	page := sc.sorted()
	next := ""
	if len(page) > limit {
		page = page[:limit]
		last := page[limit-1]
		next = consentCursor{CreatedMS: last.createdMS, ID: last.c.ID}.encode()
	}
	out := make([]*consent.Consent, len(page))
	for i, s := range page {
		out[i] = s.c
	}
	if err := r.summariesSignatures(ctx, out); err != nil {
		return nil, "", err
	}
	if err := r.documentHashesOf(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// summaryListWhere is consentWhere with the cursor's condition: the
// consents after it in the list's order (created_at DESC, id DESC).
func summaryListWhere(f consent.ConsentFilter) (string, []any, error) {
	where, args := consentWhere(f)
	if f.Cursor == "" {
		return where, args, nil
	}
	cur, err := decodeConsentCursor(f.Cursor)
	if err != nil {
		return "", nil, err
	}
	if where != "" {
		where += " AND "
	}
	return where + "(created_at < ? OR (created_at = ? AND id < ?))", append(args, cur.CreatedMS, cur.CreatedMS, cur.ID), nil
}

// summariesSignatures fills the signatures of consents, without drawings,
// in signing order, with one query.
func (r reader) summariesSignatures(ctx context.Context, list []*consent.Consent) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]string, len(list))
	byID := make(map[string]*consent.Consent, len(list))
	for i, c := range list {
		ids[i], byID[c.ID] = c.ID, c
	}
	rows, err := r.query(ctx, summarySignaturesOfQuery, r.idsArg(ids))
	if err != nil {
		return translate("load signatures", err, msgs{})
	}
	defer rows.Close()
	for rows.Next() {
		// The drawing columns are not read: "null" strokes decode to none.
		row := signatureRow{MarkStrokes: "null"}
		e := &row.Evidence
		if err := rows.Scan(&row.ConsentID, &row.ID, &row.Role, &row.Name, &row.Relationship, &row.Locale, &row.Meaning,
			&row.SignedMS, &row.MarkType, &row.StaffID, &row.IdentityVerified, &row.ERConsentMS, &row.Acknowledged,
			&row.Discussed, &e.Channel, &e.IP, &e.UserAgent, &e.DeviceID, &e.Actor, &e.ClientTime); err != nil {
			return translate("load signatures", err, msgs{})
		}
		s, err := row.toDomain()
		if err != nil {
			return err
		}
		c := byID[row.ConsentID]
		c.Signatures = append(c.Signatures, s)
	}
	if err := rows.Err(); err != nil {
		return translate("load signatures", err, msgs{})
	}
	return nil
}

// documentHashesOf fills the documents of consents reduced to locale and
// content hash: from the cache, else from their decoded documents if
// cached, else read (the cache's misses in one query) and decoded without
// the text.
func (r reader) documentHashesOf(ctx context.Context, list []*consent.Consent) error {
	var missing []string
	byID := map[string]*consent.Consent{}
	for _, c := range list {
		if h, ok := r.cache.hashes.Get(c.ID); ok {
			c.Documents = h
		} else if docs, ok := r.cache.documents.Documents(c.ID); ok {
			c.Documents = consent.DocumentRefs(docs)
			r.cache.hashes.Add(c.ID, c.Documents)
		} else {
			missing = append(missing, c.ID)
			byID[c.ID] = c
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return r.eachDocuments(ctx, missing, func(id, text string) error {
		refs, err := decodeDocumentRefs(id, text)
		if err != nil {
			return err
		}
		byID[id].Documents = refs
		r.cache.hashes.Add(id, refs)
		return nil
	})
}

// summaryScan gathers the rows of summarySQL or summaryListSQL: one consent
// per ID, with its successors, in the order first seen.
type summaryScan struct {
	list []*scannedSummary
	byID map[string]*scannedSummary
}

// scannedSummary is a consent's summary as read, with the sort keys of its
// place in a list and of its successors.
type scannedSummary struct {
	c         *consent.Consent
	createdMS int64
	succMS    []int64 // created_at of each successor
}

// scan reads every row; it does not close rows.
func (sc *summaryScan) scan(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) error {
	if sc.byID == nil {
		sc.byID = map[string]*scannedSummary{}
	}
	for rows.Next() {
		var (
			row                consentRow
			pdf, withdrawn     pdfCols
			succID, succStatus sql.NullString
			succExpires        sql.NullInt64
			succCreated        sql.NullInt64
		)
		dest := []any{&row.ID, &row.Status, &row.TemplateSlug, &row.TemplateVersion, &row.TemplateSHA256, &row.Locale,
			&row.PatientID, &row.CreatedMS, &row.ExpiresMS, &row.SignedMS, &row.StatusChangedMS, &row.StatusReason,
			&row.Supersedes}
		dest = append(append(append(dest, pdf.dest()...), withdrawn.dest()...), &succID, &succStatus, &succExpires, &succCreated)
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		s, ok := sc.byID[row.ID]
		if !ok {
			c := &consent.Consent{ID: row.ID, Status: row.Status, TemplateSlug: row.TemplateSlug,
				TemplateVersion: row.TemplateVersion, TemplateSHA256: row.TemplateSHA256, Locale: row.Locale,
				Patient:   consent.Patient{ID: row.PatientID},
				CreatedAt: fromMS(row.CreatedMS), ExpiresAt: fromMS(row.ExpiresMS),
				SignedAt: fromMSPtr(row.SignedMS), StatusChangedAt: fromMSPtr(row.StatusChangedMS),
				StatusReason: row.StatusReason, PDF: pdf.info()}
			if row.Supersedes != nil {
				c.Supersedes = *row.Supersedes
			}
			// As FindConsentByID: the withdrawal copy shows on withdrawn consents only.
			if c.Status == consent.StatusWithdrawn {
				c.WithdrawalPDF = withdrawn.info()
			}
			s = &scannedSummary{c: c, createdMS: row.CreatedMS}
			sc.byID[row.ID] = s
			sc.list = append(sc.list, s)
		}
		if succID.Valid {
			s.c.Successors = append(s.c.Successors, consent.Successor{ID: succID.String, Status: succStatus.String,
				ExpiresAt: fromMS(succExpires.Int64)})
			s.succMS = append(s.succMS, succCreated.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range sc.list {
		sortSuccessors(s.c.Successors, s.succMS)
	}
	return nil
}

// sorted returns the consents in a list's order: newest first (created_at, then ID, descending).
func (sc *summaryScan) sorted() []*scannedSummary {
	slices.SortFunc(sc.list, func(a, b *scannedSummary) int {
		return cmp.Or(cmp.Compare(b.createdMS, a.createdMS), strings.Compare(b.c.ID, a.c.ID))
	})
	return sc.list
}
