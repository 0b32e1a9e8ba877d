package consenttest

import (
	"testing"

	"github.com/consentd/consentd/consent"
)

func TestStoreContract(t *testing.T) {
	RunStoreContract(t, func(t *testing.T) consent.Store { return New(nil) })
}
