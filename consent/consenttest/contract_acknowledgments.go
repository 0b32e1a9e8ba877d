package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractAcknowledgments checks acknowledgments stored together: IDs set
// ascending in the order given (twice the same section included), each read
// back with its consent as stored one by one would be, and none stored when
// one names a missing consent.
func contractAcknowledgments(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	createConsent(t, st, newConsent("C2", "tpl", T0))
	ev := consent.Evidence{Channel: "api", IP: "10.0.0.5", UserAgent: "ehr/1.0", Actor: "apikey:k1", ClientTime: "2026-03-02T10:00:00Z"}
	ack := func(id, section, locale string, sec int) consent.Acknowledgment {
		return consent.Acknowledgment{ConsentID: id, SectionKey: section, Locale: locale, At: T0.Add(time.Duration(sec) * time.Second), Evidence: ev}
	}
	var one consent.Acknowledgment
	update(t, st, func(tx consent.Tx) error {
		one = ack("C1", "risks", "en", 0)
		return tx.Consents().CreateAcknowledgment(ctx, &one)
	})
	acks := []consent.Acknowledgment{ack("C1", "risks", "es", 1), ack("C2", "risks", "en", 2), ack("C1", "benefits", "en", 3),
		ack("C1", "risks", "es", 4), ack("C1", "alternatives", "en", 5)}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Consents().CreateAcknowledgments(ctx, nil); err != nil {
			return err
		}
		return tx.Consents().CreateAcknowledgments(ctx, acks)
	})
	last := one.ID
	for i, a := range acks {
		if a.ID <= last {
			t.Errorf("acknowledgment %d has ID %d after %d: want IDs ascending in order", i, a.ID, last)
		}
		last = a.ID
	}
	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "C1's acknowledgments", got.Acknowledgments, []consent.Acknowledgment{one, acks[0], acks[2], acks[3], acks[4]})
	got = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C2"))
	same(t, "C2's acknowledgments", got.Acknowledgments, []consent.Acknowledgment{acks[1]})

	err := st.Update(ctx, func(tx consent.Tx) error {
		return tx.Consents().CreateAcknowledgments(ctx, []consent.Acknowledgment{ack("C2", "benefits", "en", 6), ack("C9", "risks", "en", 6)})
	})
	wantCode(t, "CreateAcknowledgments naming a missing consent", err, consent.ENOTFOUND)
	got = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C2"))
	same(t, "C2's acknowledgments after the refusal", got.Acknowledgments, []consent.Acknowledgment{acks[1]})
}
