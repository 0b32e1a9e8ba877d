package consent

import "context"

// ConsentState is what a write checks again of a consent inside its
// transaction: the fields that change once it is created, without the
// frozen text, the patient or the parts themselves.
type ConsentState struct {
	Status     string
	Locale     string
	Signatures int // how many signatures are stored
	Answers    int // how many teach-back answer attempts are stored
}

// ConsentStateFinder reads a consent's state cheaply, for the hot writes
// (a signature re-checks its consent in the shared write transaction).
type ConsentStateFinder interface {
	// FindConsentState returns the consent's state; ENOTFOUND if none.
	FindConsentState(ctx context.Context, id string) (ConsentState, error)
}
