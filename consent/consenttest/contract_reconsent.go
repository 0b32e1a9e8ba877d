package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractReconsent: a version's re-consent policy is set on the draft only
// and kept with its publication; valid_for_days and a document's change
// summary round-trip; a re-consent names the consent it supersedes, which
// lists it as a successor; the reconsent_due and renewal_due filters agree
// with consent.DeriveFlags; the notice job's candidates and cursor.
func contractReconsent(t *testing.T, st consent.Store) {
	ctx := context.Background()
	v1 := newVersion("tpl", 1, consent.VersionPublished)
	c1 := v1.Content()
	c1.ValidForDays = 365 // days in ms overflow a 32-bit integer
	if err := v1.SetContent(c1); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "tpl", Title: "Tpl", CreatedAt: T0}); err != nil {
			return err
		}
		return tx.Templates().CreateVersion(ctx, v1)
	})
	same(t, "valid_for_days round trip", must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "tpl", 1)), v1)

	// Consents on version 1: A, E signed; B signed and re-consented (signed);
	// C pending; D withdrawn.
	signedAt := T0.Add(time.Hour)
	for i, id := range []string{"A", "B", "C", "D", "E"} {
		createConsent(t, st, newConsent(id, "tpl", T0.Add(time.Duration(i)*time.Second)))
		if id == "C" {
			continue
		}
		update(t, st, func(tx consent.Tx) error {
			if err := tx.Consents().TransitionConsent(ctx, id, consent.StatusPending, consent.StatusSigned, signedAt, ""); err != nil {
				return err
			}
			if id == "D" {
				return tx.Consents().TransitionConsent(ctx, id, consent.StatusSigned, consent.StatusWithdrawn, signedAt, "no")
			}
			return nil
		})
	}
	due := func(name string, f consent.ConsentFilter, want []string) {
		t.Helper()
		list, _, err := st.Consents().ListConsents(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		same(t, name, ids(list), want)
		n := must[int](t, "CountConsents")(st.Consents().CountConsents(ctx, f))
		same(t, name+": count", n, len(want))
	}
	due("reconsent_due before any later version", consent.ConsentFilter{ReconsentDue: true}, []string{})

	// Version 2: its policy is set while a draft, then frozen by publishing.
	v2 := newVersion("tpl", 2, consent.VersionDraft)
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateVersion(ctx, v2); err != nil {
			return err
		}
		if err := tx.Templates().SetVersionReconsent(ctx, "tpl", 2, consent.ReconsentRequired); err != nil {
			return err
		}
		return tx.Templates().SetVersionStatus(ctx, "tpl", 2, consent.VersionDraft, consent.VersionPublished, T0.Add(2*time.Hour), "Dr. A")
	})
	err := st.Update(ctx, func(tx consent.Tx) error {
		return tx.Templates().SetVersionReconsent(ctx, "tpl", 2, consent.ReconsentNone)
	})
	wantCode(t, "SetVersionReconsent on a published version", err, consent.ECONFLICT)
	err = st.Update(ctx, func(tx consent.Tx) error {
		return tx.Templates().SetVersionReconsent(ctx, "tpl", 9, consent.ReconsentNone)
	})
	wantCode(t, "SetVersionReconsent on a missing version", err, consent.ENOTFOUND)
	got := must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "tpl", 2))
	same(t, "published policy", got.Reconsent, consent.ReconsentRequired)

	// Re-consents: R1 (pending, with a change summary) supersedes A; R2
	// (signed) supersedes B.
	err = st.Update(ctx, func(tx consent.Tx) error {
		r := newConsent("R0", "tpl", T0.Add(time.Minute))
		r.Supersedes = "nobody"
		return tx.Consents().CreateConsent(ctx, r)
	})
	wantCode(t, "CreateConsent superseding a missing consent", err, consent.ENOTFOUND)
	r1 := newConsent("R1", "tpl", T0.Add(3*time.Hour))
	r1.TemplateVersion, r1.Supersedes = 2, "A"
	doc := r1.Documents["en"]
	doc.ChangeSummary, doc.ChangeSummaryHTML = "What changed: **risks**.", "<p>What changed: <strong>risks</strong>.</p>"
	r1.Documents["en"] = doc
	r2 := newConsent("R2", "tpl", T0.Add(3*time.Hour+time.Second))
	r2.TemplateVersion, r2.Supersedes = 2, "B"
	createConsent(t, st, r1)
	createConsent(t, st, r2)
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "R2", consent.StatusPending, consent.StatusSigned, T0.Add(4*time.Hour), "")
	})
	gotR1 := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "R1"))
	same(t, "re-consent round trip (supersedes, change summary)", gotR1, r1)
	gotA := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "A"))
	same(t, "successors of A", gotA.Successors, []consent.Successor{{ID: "R1", Status: consent.StatusPending, ExpiresAt: r1.ExpiresAt}})
	list, _, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{PatientID: "MRN-B"})
	if err != nil || len(list) != 1 {
		t.Fatalf("list B: %v %v", list, err)
	}
	same(t, "successors of B in a list", list[0].Successors, []consent.Successor{{ID: "R2", Status: consent.StatusSigned, ExpiresAt: r2.ExpiresAt}})

	// The filters, and paging through them.
	due("reconsent_due", consent.ConsentFilter{ReconsentDue: true}, []string{"E", "A"})
	due("reconsent_due and patient", consent.ConsentFilter{ReconsentDue: true, PatientID: "MRN-A"}, []string{"A"})
	page, next, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{ReconsentDue: true, Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %v, next %q", err, next)
	}
	rest, _, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{ReconsentDue: true, Limit: 1, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "reconsent_due pages", append(ids(page), ids(rest)...), []string{"E", "A"})
	validUntil := signedAt.Add(365 * 24 * time.Hour)
	due("renewal_due a millisecond early", consent.ConsentFilter{RenewalDue: true, Now: validUntil.Add(-time.Millisecond)}, []string{})
	due("renewal_due", consent.ConsentFilter{RenewalDue: true, Now: validUntil}, []string{"E", "A"})
	due("both", consent.ConsentFilter{RenewalDue: true, ReconsentDue: true, Now: validUntil, PatientID: "MRN-E"}, []string{"E"})

	// The notice job: candidates in ID order after a cursor, and its queue.
	var cands []string
	update(t, st, func(tx consent.Tx) error {
		first, err := tx.Consents().ListReconsentCandidates(ctx, "tpl", 2, "", 1)
		if err != nil {
			return err
		}
		more, err := tx.Consents().ListReconsentCandidates(ctx, "tpl", 2, "A", 10)
		cands = append(ids(first), ids(more)...)
		return err
	})
	same(t, "re-consent candidates", cands, []string{"A", "E"})

	job := &consent.ReconsentJob{Slug: "tpl", Version: 2, Policy: consent.ReconsentRequired, CreatedAt: T0}
	update(t, st, func(tx consent.Tx) error { return tx.Templates().QueueReconsentJob(ctx, job) })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().QueueReconsentJob(ctx, job) })
	wantCode(t, "QueueReconsentJob twice", err, consent.ECONFLICT)
	jobs := func() []*consent.ReconsentJob {
		var out []*consent.ReconsentJob
		update(t, st, func(tx consent.Tx) (err error) { out, err = tx.Templates().ListReconsentJobs(ctx); return err })
		return out
	}
	same(t, "queued jobs", jobs(), []*consent.ReconsentJob{job})
	update(t, st, func(tx consent.Tx) error { return tx.Templates().AdvanceReconsentJob(ctx, "tpl", 2, "", "A", nil) })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().AdvanceReconsentJob(ctx, "tpl", 2, "", "A", nil) })
	wantCode(t, "AdvanceReconsentJob from a stale cursor", err, consent.ECONFLICT)
	done := T0.Add(time.Hour)
	update(t, st, func(tx consent.Tx) error { return tx.Templates().AdvanceReconsentJob(ctx, "tpl", 2, "A", "E", &done) })
	same(t, "jobs after the last batch", jobs(), []*consent.ReconsentJob{})
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().AdvanceReconsentJob(ctx, "tpl", 2, "E", "F", nil) })
	wantCode(t, "AdvanceReconsentJob when done", err, consent.ECONFLICT)
}
