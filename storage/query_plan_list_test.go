package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// TestSummaryListUsesIndexes asks SQLite for the plan of the summary list's
// statement (ListConsentSummaries) as run, with its bound values, under the
// list's filters: the page's IDs come from an index in the list's order, so
// no filter sorts the whole table, and each consent of the page is read from
// the covering index (never its row, whose frozen documents SQLite would
// walk), its PDFs and re-consents by their indexes.
func TestSummaryListUsesIndexes(t *testing.T) {
	if testURL(t) != "" {
		t.Skip("query plans are SQLite's")
	}
	db := openForGroup(t)
	cur := consentCursor{CreatedMS: 1700000000000, ID: "C1"}.encode()
	for _, tc := range []struct {
		name  string
		f     consent.ConsentFilter
		index string // the index the page's IDs come from
	}{
		{"all", consent.ConsentFilter{}, "COVERING INDEX consents_created"},
		{"all, next page", consent.ConsentFilter{Cursor: cur}, "COVERING INDEX consents_created"},
		{"by patient", consent.ConsentFilter{PatientID: "MRN-1"}, "COVERING INDEX consents_patient_created (patient_id=?)"},
		{"by patient, next page", consent.ConsentFilter{PatientID: "MRN-1", Cursor: cur}, "COVERING INDEX consents_patient_created (patient_id=?"},
		{"by patient and status", consent.ConsentFilter{PatientID: "MRN-1", Status: consent.StatusPending, Now: time.Now()},
			"COVERING INDEX consents_patient_created (patient_id=?)"},
		{"by status", consent.ConsentFilter{Status: consent.StatusSigned, Now: time.Now()}, "COVERING INDEX consents_status_created (status=?)"},
		{"pending, shown at now", consent.ConsentFilter{Status: consent.StatusPending, Now: time.Now()},
			"COVERING INDEX consents_status_created (status=?)"},
		{"by status, next page", consent.ConsentFilter{Status: consent.StatusSigned, Cursor: cur},
			"COVERING INDEX consents_status_created (status=?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := db.ListConsentSummaries(context.Background(), tc.f); err != nil {
				t.Fatal(err)
			}
			where, args, err := summaryListWhere(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			sql := summaryListQuery(where).sqlite
			plan := explainPlan(t, db, sql, append(args, 51, consent.PDFKindWithdrawn))
			for _, want := range []string{"USING " + tc.index, "SEARCH c USING COVERING INDEX consents_summary (id=?)",
				"SEARCH s USING INDEX consents_supersedes (supersedes=?)"} {
				if !strings.Contains(plan, want) {
					t.Errorf("%s\nplan:\n%s\nwant %q", sql, plan, want)
				}
			}
			if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") && !strings.Contains(plan, "LAST TERM OF ORDER BY") {
				t.Errorf("the page is sorted, not read in order:\n%s", plan)
			}
			if strings.Contains(plan, "SCAN c\n") || strings.Contains(plan, "SCAN c ") || strings.Contains(plan, "SCAN p ") ||
				strings.Contains(plan, "SCAN w ") || strings.Contains(plan, "AUTOMATIC") {
				t.Errorf("a table is scanned:\n%s", plan)
			}
		})
	}
}

// TestSummaryListPartsUseIndexes: the summary list's signatures and
// documents are read for a page's IDs (one JSON array parameter) by index.
func TestSummaryListPartsUseIndexes(t *testing.T) {
	if testURL(t) != "" {
		t.Skip("query plans are SQLite's")
	}
	db := openForGroup(t)
	ids := `["C1","C2"]`
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"signatures", summarySignaturesOfQuery.sqlite, "SEARCH signatures USING INDEX sqlite_autoindex_signatures_3 (consent_id=?)"},
		{"documents", documentsOfQuery.sqlite, "SEARCH c USING INDEX sqlite_autoindex_consents_1 (id=?)"},
		{"documents since migration 13", documentsOfQuery.sqlite, "SEARCH d USING INDEX sqlite_autoindex_consent_documents_1 (consent_id=?)"},
	} {
		if plan := explainPlan(t, db, tc.sql, []any{ids}); !strings.Contains(plan, tc.want) {
			t.Errorf("%s: %s\nplan:\n%s\nwant %q", tc.name, tc.sql, plan, tc.want)
		}
	}
}
