package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractAnswers checks teach-back evidence: answer attempts are numbered,
// kept in recording order and refused without their consent; a document's
// questions and a countersignature's discussed sections read back as written.
func contractAnswers(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	c := newConsent("C1", "tpl", T0)
	second := 1
	for code, d := range c.Documents {
		d.Sections[0].Questions = []consent.Question{{Key: "escort", Question: "Who takes you home? (" + code + ")",
			Choices: []string{"A taxi", "An adult I know"}, Correct: &second, Explanation: "See the section on driving."}}
		c.Documents[code] = d
	}
	createConsent(t, st, c)
	ev := consent.Evidence{Channel: "tablet", IP: "10.0.0.7", UserAgent: "UA", DeviceID: "enrolled:d1", Actor: "token:C1"}
	wrong := consent.AnswerAttempt{ConsentID: "C1", SectionKey: "risks", QuestionKey: "escort", Locale: "en", Choice: 0,
		At: T0.Add(time.Second), Evidence: ev}
	right := consent.AnswerAttempt{ConsentID: "C1", SectionKey: "risks", QuestionKey: "escort", Locale: "en", Choice: 1,
		Correct: true, At: T0.Add(2 * time.Second), Evidence: ev}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Consents().CreateAnswerAttempt(ctx, &wrong); err != nil {
			return err
		}
		return tx.Consents().CreateAnswerAttempt(ctx, &right)
	})
	if wrong.ID <= 0 || right.ID <= wrong.ID {
		t.Errorf("answer attempt IDs %d, %d: want positive and increasing", wrong.ID, right.ID)
	}
	err := st.Update(ctx, func(tx consent.Tx) error {
		return tx.Consents().CreateAnswerAttempt(ctx, &consent.AnswerAttempt{ConsentID: "C9", SectionKey: "risks", QuestionKey: "escort", At: T0})
	})
	wantCode(t, "CreateAnswerAttempt for a missing consent", err, consent.ENOTFOUND)

	clinician := newSignature("S2", "C1", consent.RoleClinician, T0.Add(time.Minute))
	clinician.Mark, clinician.StaffID, clinician.IdentityVerified = consent.Mark{Type: "typed", Text: "Dr. Who"}, "st1", true
	clinician.ElectronicRecordsConsentAt, clinician.Acknowledged = nil, nil
	clinician.DiscussedSections = []string{"risks"}
	update(t, st, func(tx consent.Tx) error { return tx.Consents().CreateSignature(ctx, clinician) })

	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "answer attempts in recording order", got.Answers, []consent.AnswerAttempt{wrong, right})
	same(t, "documents with questions", got.Documents, c.Documents)
	same(t, "signature with discussed sections", got.Signatures, []consent.Signature{*clinician})
}
