package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

func ids(cs []*consent.Consent) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// seedConsents creates n consents; several share a created_at, so the id
// tiebreak of the keyset is exercised.
func seedConsents(t *testing.T, db *storage.DB, n int) []string {
	t.Helper()
	var newestFirst []string
	update(t, db, func(tx consent.Tx) error {
		for i := range n {
			c := newConsent(fmt.Sprintf("C%03d", i), "k", t0.Add(time.Duration(i/3)*time.Second))
			if i%2 == 1 {
				c.Patient.ID, c.Status = "MRN-odd", consent.StatusPending
			}
			if err := tx.Consents().CreateConsent(context.Background(), c); err != nil {
				return err
			}
			newestFirst = append([]string{c.ID}, newestFirst...)
		}
		return nil
	})
	return newestFirst
}

func TestListConsentsPaging(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	all := seedConsents(t, db, 25)

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, next, err := db.ListConsents(ctx, consent.ConsentFilter{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page)...)
		// Insert while paging: newer consents must not shift the pages.
		createConsent(t, db, newConsent(fmt.Sprintf("N%d", pages), "k", t0.Add(time.Hour)))
		if next == "" {
			break
		}
		cursor = next
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestListConsentsFilters(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	seedTemplate(t, db, "other")
	all := seedConsents(t, db, 6)
	createConsent(t, db, newConsent("X1", "other", t0))
	update(t, db, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "C004", consent.StatusPending, consent.StatusDeclined, t0, "no")
	})
	tests := []struct {
		name string
		f    consent.ConsentFilter
		want []string
	}{
		{"template", consent.ConsentFilter{TemplateSlug: "k"}, all},
		{"patient", consent.ConsentFilter{PatientID: "MRN-odd"}, []string{"C005", "C003", "C001"}},
		{"status", consent.ConsentFilter{Status: consent.StatusDeclined}, []string{"C004"}},
		{"patient and template", consent.ConsentFilter{PatientID: "MRN-X1", TemplateSlug: "other"}, []string{"X1"}},
		{"nothing", consent.ConsentFilter{Status: consent.StatusVoided}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := db.ListConsents(ctx, tt.f)
			if err != nil || next != "" {
				t.Fatalf("next %q, err %v", next, err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if n, err := db.CountConsents(ctx, tt.f); err != nil || n != len(tt.want) {
				t.Errorf("CountConsents = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
	t.Run("bad cursor", func(t *testing.T) {
		_, _, err := db.ListConsents(ctx, consent.ConsentFilter{Cursor: "not a cursor"})
		wantCode(t, err, consent.EINVALID)
	})
}

func TestListConsentsLimit(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	seedConsents(t, db, storage.MaxListLimit+5)
	for _, tt := range []struct{ limit, want int }{{0, storage.DefaultListLimit}, {-1, storage.DefaultListLimit},
		{3, 3}, {1000, storage.MaxListLimit}} {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			got, next, err := db.ListConsents(ctx, consent.ConsentFilter{Limit: tt.limit})
			if err != nil || len(got) != tt.want || next == "" {
				t.Fatalf("limit %d: %d consents, next %q, err %v; want %d and a next page", tt.limit, len(got), next, err, tt.want)
			}
		})
	}
}

func TestListExpiredPending(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	for i, exp := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour} {
		c := newConsent(fmt.Sprintf("E%d", i), "k", t0)
		c.ExpiresAt = t0.Add(exp)
		createConsent(t, db, c)
	}
	update(t, db, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "E0", consent.StatusPending, consent.StatusCancelled, t0, "")
	})
	got, err := db.ListExpiredPending(ctx, t0.Add(2*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"E1"}, ids(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
