package consenttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// sameSummaryLists checks ListConsentSummaries against its definition,
// consent.SummaryOf each consent ListConsents returns, with the same
// cursors, under every kind of filter, whole and page by page.
func sameSummaryLists(t *testing.T, st consent.Store, when string) {
	t.Helper()
	ctx := context.Background()
	later := T0.Add(400 * 24 * time.Hour)
	filters := []consent.ConsentFilter{{}, {PatientID: "MRN-W"}, {PatientID: "MRN-none"}, {TemplateSlug: "tpl"},
		{Status: consent.StatusSigned}, {Status: consent.StatusPending, Now: T0}, {Status: consent.StatusExpired, Now: later},
		{Status: consent.StatusPending, Now: later}, {ReconsentDue: true}, {RenewalDue: true, Now: later},
		{PatientID: "MRN-S", Status: consent.StatusSigned, Now: T0}}
	for _, f := range filters {
		for _, limit := range []int{0, 1, 2} {
			f := f
			f.Limit = limit
			name := fmt.Sprintf("%s: %+v", when, f)
			for page := 0; ; page++ {
				// The summaries first: a store may keep what one load read for the other.
				got, next, err := st.Consents().ListConsentSummaries(ctx, f)
				if err != nil {
					t.Fatalf("%s: ListConsentSummaries: %v", name, err)
				}
				full, fullNext, err := st.Consents().ListConsents(ctx, f)
				if err != nil {
					t.Fatalf("%s: ListConsents: %v", name, err)
				}
				want := make([]*consent.Consent, len(full))
				for i, c := range full {
					want[i] = consent.SummaryOf(c)
				}
				same(t, fmt.Sprintf("%s, page %d: ListConsentSummaries = SummaryOf(ListConsents)", name, page), got, want)
				same(t, fmt.Sprintf("%s, page %d: the next cursor", name, page), next, fullNext)
				if next == "" || next != fullNext || page > 10 {
					break
				}
				f.Cursor = next
			}
		}
	}
	_, _, err := st.Consents().ListConsentSummaries(ctx, consent.ConsentFilter{Cursor: "bm90IGEgY3Vyc29y"})
	wantCode(t, when+": ListConsentSummaries with a cursor it did not return", err, consent.EINVALID)
}
