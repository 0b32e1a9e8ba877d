package consenttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractDocuments: a consent's frozen documents are written with it and
// never change after: every status change leaves them (and so the part of
// its row digest they make) as they were, whichever way the consent is read;
// a creation that fails or is rolled back leaves no documents behind.
func contractDocuments(t *testing.T, st consent.Store) {
	ctx := context.Background()
	key := consent.RowDigestKey(AuditKey)
	seedTemplate(t, st, "tpl")
	c := newConsent("C1", "tpl", T0)
	createConsent(t, st, c)
	docsOnly := func(c *consent.Consent) string {
		t.Helper()
		d, err := consent.RowDigest(key, &consent.Consent{ID: c.ID, Documents: c.Documents})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want := docsOnly(c)
	at := T0.Add(time.Hour)
	for _, step := range [][2]string{{consent.StatusPending, consent.StatusSigned}, {consent.StatusSigned, consent.StatusWithdrawn}} {
		update(t, st, func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, "C1", step[0], step[1], at, "")
		})
		got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
		same(t, "documents after "+step[1], got.Documents, c.Documents)
		if d := docsOnly(got); d != want {
			t.Errorf("after %s the documents' digest is %s, want %s", step[1], d, want)
		}
		sum := must[*consent.Consent](t, "FindConsentSummary")(st.Consents().FindConsentSummary(ctx, "C1"))
		same(t, "summary documents after "+step[1], sum.Documents, consent.DocumentRefs(c.Documents))
		list, _, err := st.Consents().ListConsents(ctx, consent.ConsentFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("listed %d consents, want 1", len(list))
		}
		same(t, "listed documents after "+step[1], list[0].Documents, c.Documents)
	}

	// A creation rolled back leaves nothing that would refuse it again.
	again := newConsent("C2", "tpl", T0)
	err := st.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Consents().CreateConsent(ctx, again); err != nil {
			return err
		}
		return errors.New("rolled back")
	})
	if err == nil {
		t.Fatal("the rolled-back update succeeded")
	}
	wantCode(t, "the rolled-back consent", errOnly(st.Consents().FindConsentByID(ctx, "C2")), consent.ENOTFOUND)
	createConsent(t, st, again)
	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C2"))
	same(t, "documents of the consent created after a rollback", got.Documents, again.Documents)

	// A refused creation (its ID taken) leaves the first one's documents.
	dup := newConsent("C2", "tpl", T0)
	dup.SigningTokenHash, dup.SigningCodeHash = "tok-dup", "code-dup"
	dup.Documents = map[string]consent.Document{"en": {Locale: "en", Title: "Other", ContentSHA256: "other"}}
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, dup) })
	wantCode(t, "a consent with a taken ID", err, consent.ECONFLICT)
	got = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C2"))
	same(t, "documents after a refused duplicate", got.Documents, again.Documents)
}

// errOnly keeps the error of a two-valued call.
func errOnly[T any](_ T, err error) error { return err }
