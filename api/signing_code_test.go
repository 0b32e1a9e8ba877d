package api_test

import (
	"context"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// TestSigningCodesStoredAsHMAC: a new consent's signing code is stored as an
// HMAC under a key derived from the server secret (a database reader cannot
// test the 40-bit code space against it), and codes of consents created
// before the upgrade (stored as plain SHA-256) keep working.
func TestSigningCodesStoredAsHMAC(t *testing.T) {
	ctx := context.Background()
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	code := c["signing"].(map[string]any)["code"].(string)
	stored, err := s.DB.FindConsentByID(ctx, c["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if stored.SigningCodeHash == consent.HashSecret(consent.NormalizeSigningCode(code)) || len(stored.SigningCodeHash) != 64 {
		t.Fatalf("new signing code stored as %q: plain SHA-256 of the code", stored.SigningCodeHash)
	}
	x := wantJSON(t, s, 200, "POST", "/v1/signing/codes/"+code, "", nil)
	want(t, s, 200, "GET", "/v1/signing/"+x["token"].(string), "", nil)

	// A consent written before the upgrade: code stored as its plain SHA-256.
	old := *stored
	old.ID, old.Signatures, old.Acknowledgments, old.PDF = "01OLDFORMATCONSENT00000000", nil, nil, nil
	const oldCode = "K7QM-4XPD"
	old.SigningTokenHash = consent.HashSecret("old-format-signing-token-old-format-signing")
	old.SigningCodeHash = consent.HashSecret(consent.NormalizeSigningCode(oldCode))
	if err := s.DB.Update(ctx, func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, &old) }); err != nil {
		t.Fatal(err)
	}
	x = wantJSON(t, s, 200, "POST", "/v1/signing/codes/k7qm4xpd", "", nil)
	if x["consent_id"] != old.ID {
		t.Fatalf("old-format code opened %v", x["consent_id"])
	}
	if got := wantJSON(t, s, 200, "GET", "/v1/signing/"+x["token"].(string), "", nil); got["consent_id"] != old.ID {
		t.Fatalf("old-format session token opens %v", got["consent_id"])
	}
	want(t, s, 200, "GET", "/v1/signing/old-format-signing-token-old-format-signing", "", nil)
}
