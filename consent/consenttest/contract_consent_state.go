package consenttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractConsentState checks the lean read a signature re-checks its
// consent with: the status, the locale and the number of signatures and
// answer attempts of that consent only, as the transaction itself wrote them.
func contractConsentState(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	createConsent(t, st, newConsent("C2", "tpl", T0))
	state := func(id string) consent.ConsentState {
		t.Helper()
		var s consent.ConsentState
		update(t, st, func(tx consent.Tx) (err error) {
			s, err = tx.Consents().FindConsentState(ctx, id)
			return err
		})
		return s
	}
	err := st.Update(ctx, func(tx consent.Tx) error {
		_, err := tx.Consents().FindConsentState(ctx, "C9")
		return err
	})
	wantCode(t, "FindConsentState of a missing consent", err, consent.ENOTFOUND)
	same(t, "a new consent", state("C1"), consent.ConsentState{Status: consent.StatusPending, Locale: "en"})

	// Reads see the transaction's own writes; a rollback leaves no trace.
	ev := consent.Evidence{Channel: "tablet", Actor: "token:C1"}
	errUndo := errors.New("undo")
	for _, commit := range []bool{false, true} {
		err := st.Update(ctx, func(tx consent.Tx) error {
			if err := tx.Consents().SetConsentLocale(ctx, "C1", "es"); err != nil {
				return err
			}
			for i := range 2 {
				if err := tx.Consents().CreateAnswerAttempt(ctx, &consent.AnswerAttempt{ConsentID: "C1", SectionKey: "risks",
					QuestionKey: "q", Locale: "es", Choice: i, At: T0, Evidence: ev}); err != nil {
					return err
				}
			}
			if err := tx.Consents().CreateSignature(ctx, newSignature("S1", "C1", consent.RolePatient, T0.Add(time.Minute))); err != nil {
				return err
			}
			got, err := tx.Consents().FindConsentState(ctx, "C1")
			if err != nil {
				return err
			}
			same(t, "the transaction's own writes", got, consent.ConsentState{Status: consent.StatusPending, Locale: "es", Signatures: 1, Answers: 2})
			if !commit {
				return errUndo
			}
			return nil
		})
		if !commit && !errors.Is(err, errUndo) {
			t.Fatalf("Update = %v, want the unit's own error", err)
		} else if commit && err != nil {
			t.Fatal(err)
		}
		if !commit {
			same(t, "after a rollback", state("C1"), consent.ConsentState{Status: consent.StatusPending, Locale: "en"})
		}
	}
	update(t, st, func(tx consent.Tx) error {
		clinician := newSignature("S2", "C1", consent.RoleClinician, T0.Add(2*time.Minute))
		clinician.StaffID = "st1"
		if err := tx.Consents().CreateSignature(ctx, clinician); err != nil {
			return err
		}
		return tx.Consents().TransitionConsent(ctx, "C1", consent.StatusPending, consent.StatusSigned, T0.Add(2*time.Minute), "")
	})
	same(t, "a signed consent", state("C1"), consent.ConsentState{Status: consent.StatusSigned, Locale: "es", Signatures: 2, Answers: 2})
	same(t, "another consent's parts are not counted", state("C2"), consent.ConsentState{Status: consent.StatusPending, Locale: "en"})
}
