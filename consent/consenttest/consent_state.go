package consenttest

import (
	"context"

	"github.com/consentd/consentd/consent"
)

// FindConsentState returns a consent's status, locale and how many
// signatures and answer attempts it has; ENOTFOUND if none.
func (v view) FindConsentState(ctx context.Context, id string) (consent.ConsentState, error) {
	st := v.st()
	c, ok := st.consents[id]
	if !ok {
		return consent.ConsentState{}, notFound("Consent not found.")
	}
	return consent.ConsentState{Status: c.Status, Locale: c.Locale, Signatures: len(st.signatures[id]),
		Answers: len(st.answers[id])}, nil
}
