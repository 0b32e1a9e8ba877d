package consenttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func ids(list []*consent.Consent) []string {
	out := []string{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func contractConsentList(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	seedTemplate(t, st, "other")
	// C01..C07, one a second apart, C05 and C06 at the same millisecond.
	for i := 1; i <= 7; i++ {
		c := newConsent(fmt.Sprintf("C%02d", i), "tpl", T0.Add(time.Duration(i)*time.Second))
		switch i {
		case 2:
			c.TemplateSlug = "other"
		case 3:
			c.Patient.ID = "MRN-shared"
		case 4:
			c.Patient.ID, c.ExpiresAt = "MRN-shared", T0.Add(time.Minute) // pending, past its expiry at now below
		case 6:
			c.CreatedAt = T0.Add(5 * time.Second)
		}
		createConsent(t, st, c)
	}
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "C01", consent.StatusPending, consent.StatusDeclined, T0, "no")
	})
	now := T0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		f    consent.ConsentFilter
		want []string
	}{
		{"all, newest first (ties by ID)", consent.ConsentFilter{}, []string{"C07", "C06", "C05", "C04", "C03", "C02", "C01"}},
		{"by patient", consent.ConsentFilter{PatientID: "MRN-shared"}, []string{"C04", "C03"}},
		{"by template", consent.ConsentFilter{TemplateSlug: "other"}, []string{"C02"}},
		{"by stored status", consent.ConsentFilter{Status: consent.StatusPending}, []string{"C07", "C06", "C05", "C04", "C03", "C02"}},
		{"by status shown at now: pending", consent.ConsentFilter{Status: consent.StatusPending, Now: now}, []string{"C07", "C06", "C05", "C03", "C02"}},
		{"by status shown at now: expired", consent.ConsentFilter{Status: consent.StatusExpired, Now: now}, []string{"C04"}},
		{"declined", consent.ConsentFilter{Status: consent.StatusDeclined}, []string{"C01"}},
		{"patient and status", consent.ConsentFilter{PatientID: "MRN-shared", Status: consent.StatusPending, Now: now}, []string{"C03"}},
		{"nothing", consent.ConsentFilter{PatientID: "MRN-none"}, []string{}},
	} {
		list, next, err := st.Consents().ListConsents(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		same(t, tc.name, ids(list), tc.want)
		if next != "" {
			t.Errorf("%s: a single page returned cursor %q", tc.name, next)
		}
		n := must[int](t, "CountConsents")(st.Consents().CountConsents(ctx, tc.f))
		same(t, tc.name+": count", n, len(tc.want))
	}

	// Pages of 3 walk the list once, in order; a consent created meanwhile
	// sorts before the cursor and does not disturb the pages.
	var walked []string
	cursor := ""
	for page := 0; ; page++ {
		list, next, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		walked = append(walked, ids(list)...)
		if page == 0 {
			createConsent(t, st, newConsent("C08", "tpl", T0.Add(8*time.Second)))
		}
		if next == "" {
			break
		}
		cursor = next
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	same(t, "pages of 3", walked, []string{"C07", "C06", "C05", "C04", "C03", "C02", "C01"})
	n := must[int](t, "CountConsents")(st.Consents().CountConsents(ctx, consent.ConsentFilter{Limit: 1, Cursor: cursor}))
	same(t, "CountConsents ignores cursor and limit", n, 8)

	// Each consent in a page carries its parts.
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().CreateSignature(ctx, newSignature("S1", "C07", consent.RolePatient, T0))
	})
	list, _, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{Limit: 2})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListConsents: %d consents, %v", len(list), err)
	}
	same(t, "signatures of a listed consent", len(list[1].Signatures), 1)
	same(t, "documents of a listed consent", list[1].Documents, newConsent("C07", "tpl", T0).Documents)

	for _, bad := range []string{"garbage!", "e30", "bm90IGpzb24"} { // not base64, {}, "not json"
		_, _, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{Cursor: bad})
		wantCode(t, "cursor "+bad, err, consent.EINVALID)
		if consent.ErrorField(err) != "cursor" {
			t.Errorf("cursor %s: field %q, want cursor", bad, consent.ErrorField(err))
		}
	}
}

func contractExpiredPending(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	for i, exp := range []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour, 5 * time.Hour} {
		c := newConsent(fmt.Sprintf("C%d", i+1), "tpl", T0)
		c.ExpiresAt = T0.Add(exp)
		createConsent(t, st, c)
	}
	c5 := newConsent("C5", "tpl", T0)
	c5.ExpiresAt = T0
	createConsent(t, st, c5)
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "C5", consent.StatusPending, consent.StatusCancelled, T0, "")
	})
	list := must[[]*consent.Consent](t, "ListExpiredPending")(st.Consents().ListExpiredPending(ctx, T0.Add(3*time.Hour), 10))
	same(t, "expired pending at +3h, soonest first (cancelled left out)", ids(list), []string{"C2", "C3", "C1"})
	list = must[[]*consent.Consent](t, "ListExpiredPending")(st.Consents().ListExpiredPending(ctx, T0.Add(3*time.Hour), 2))
	same(t, "limit", ids(list), []string{"C2", "C3"})
	list = must[[]*consent.Consent](t, "ListExpiredPending")(st.Consents().ListExpiredPending(ctx, T0, 10))
	same(t, "none yet", ids(list), []string{})
}
