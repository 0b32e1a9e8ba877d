package consent_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestSigningCodeExchange(t *testing.T) {
	w := ready(t)
	c := w.create()
	ctx := tablet("10.0.0.40", "")
	token, got, err := w.svc.ExchangeSigningCode(ctx, " "+c.SigningCode[:4]+" "+c.SigningCode[5:]+" ")
	if err != nil || got.ID != c.Consent.ID {
		t.Fatalf("exchange of a typed code: %v, %v", got, err)
	}
	// The session token opens the consent, like the token issued at creation.
	s := must[*consent.SigningSession](t)(w.svc.OpenSigning(ctx, token))
	if s.Consent.ID != c.Consent.ID || len(s.SignedRoles) != 0 || s.RequiredSigners[0] != consent.RolePatient {
		t.Errorf("session: %+v", s)
	}
	_, err = w.svc.OpenSigning(ctx, token[:len(token)-2]+"xx")
	wantCode(t, "a forged session token", err, consent.ENOTFOUND, "")

	for _, tc := range []struct {
		code string
		want string
	}{{"ABCD", consent.ENOTFOUND}, {"AAAA-AAAA", consent.ENOTFOUND}, {"0000-0000", consent.ENOTFOUND}} {
		_, _, err := w.svc.ExchangeSigningCode(ctx, tc.code)
		wantCode(t, "code "+tc.code, err, tc.want, "")
	}
	// Unknown tokens and codes are audited, folded per address: the first
	// at once, the rest when the window ends.
	var reasons []any
	for _, e := range w.events("") {
		if e.Type == consent.EventAuthFailed {
			reasons = append(reasons, e.Details["reason"])
		}
	}
	if d := cmp.Diff([]any{"unknown signing token"}, reasons); d != "" {
		t.Errorf("auth.failed written at once (-want +got):\n%s", d)
	}
	must[int](t)(0, w.svc.FailedAuthLog().Flush(ctx, w.clock.Now()))
	last := w.events("")[len(w.events(""))-1]
	wantReasons := map[string]any{"malformed signing code": float64(2), "unknown signing code": float64(1)}
	if d := cmp.Diff(wantReasons, last.Details["reasons"]); last.Type != consent.EventAuthFailed || last.Details["count"] != float64(3) || d != "" {
		t.Errorf("folded failures: %+v (-want +got reasons):\n%s", last.Details, d)
	}
	// A code of a consent no longer awaiting signatures is gone.
	must[*consent.Consent](t)(w.svc.Transition(w.admin, c.Consent.ID, consent.StatusCancelled, "wrong patient"))
	_, _, err = w.svc.ExchangeSigningCode(ctx, c.SigningCode)
	wantCode(t, "code of a cancelled consent", err, consent.EGONE, "status")
}

func TestSigningGuessesAreLimited(t *testing.T) {
	w := ready(t)
	w.svc.Limits.SigningGuesses = consent.Limit{Kind: "signing_guess", Max: 3, Window: 10 * time.Minute}
	w.clock.Set(w.clock.Now().Truncate(time.Hour).Add(time.Hour))
	c := w.create()
	guesser, neighbour := tablet("10.0.0.50", ""), tablet("10.0.0.50", "D7")
	for i := range 3 {
		_, _, err := w.svc.ExchangeSigningCode(guesser, "ZZZZ-ZZZ"+string(rune('A'+i)))
		wantCode(t, "guess", err, consent.ENOTFOUND, "")
	}
	_, _, err := w.svc.ExchangeSigningCode(guesser, c.SigningCode)
	wantCode(t, "the right code after the guesses are used up", err, consent.ERATELIMITED, "")
	_, err = w.svc.OpenSigning(guesser, c.SigningToken)
	wantCode(t, "a real token from the guesser", err, consent.ERATELIMITED, "")
	// An enrolled tablet behind the same address has its own count.
	if _, _, err := w.svc.ExchangeSigningCode(neighbour, c.SigningCode); err != nil {
		t.Errorf("enrolled tablet on the same address: %v", err)
	}
	// Right codes give their reservation back.
	for range 5 {
		if _, _, err := w.svc.ExchangeSigningCode(neighbour, c.SigningCode); err != nil {
			t.Fatalf("repeated right code: %v", err)
		}
	}
	w.clock.Add(10 * time.Minute)
	if _, _, err := w.svc.ExchangeSigningCode(guesser, c.SigningCode); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestAcknowledge(t *testing.T) {
	w := ready(t)
	c := w.create()
	ctx := tablet("10.0.0.60", "D1")
	a := must[*consent.Acknowledgment](t)(w.svc.Acknowledge(ctx, c.SigningToken, "risks", ""))
	want := &consent.Acknowledgment{ID: a.ID, ConsentID: c.Consent.ID, SectionKey: "risks", Locale: "en", At: w.clock.Now(),
		Evidence: consent.Evidence{Channel: consent.ChannelTablet, IP: "10.0.0.60", UserAgent: "Kiosk", DeviceID: "enrolled:D1", Actor: "token:t"}}
	if d := cmp.Diff(want, a); d != "" {
		t.Errorf("acknowledgment (-want +got):\n%s", d)
	}
	// Repeating returns the first record and writes nothing.
	w.clock.Add(time.Minute)
	before := w.head()
	again := must[*consent.Acknowledgment](t)(w.svc.Acknowledge(ctx, c.SigningToken, "risks", "en"))
	if d := cmp.Diff(a, again); d != "" || w.head() != before {
		t.Errorf("repeat (-first +repeat):\n%s; %d new events", d, w.head()-before)
	}
	for _, tc := range []struct {
		name, section, locale, code, field string
	}{
		{"unknown section", "nope", "", consent.EINVALID, "section"},
		{"unknown locale", "risks", "fr", consent.EINVALID, "locale"},
		{"another locale before signing", "risks", "es", "", ""},
	} {
		_, err := w.svc.Acknowledge(ctx, c.SigningToken, tc.section, tc.locale)
		wantCode(t, tc.name, err, tc.code, tc.field)
	}
	// The patient signs in English: the acknowledgment made then counts, the
	// Spanish one does not; afterwards Spanish is refused.
	// On a tablet each section is acknowledged by its own call first: listing
	// it with the signature alone is refused.
	in := patientSig()
	in.AcknowledgedSections = []string{"overview"}
	_, err := w.svc.SignWithToken(ctx, c.SigningToken, in)
	wantCode(t, "a listed but unacknowledged section", err, consent.EINVALID, "acknowledged_sections")
	must[*consent.Acknowledgment](t)(w.svc.Acknowledge(ctx, c.SigningToken, "overview", "en"))
	res := must[*consent.SignResult](t)(w.svc.SignWithToken(ctx, c.SigningToken, in))
	if d := cmp.Diff([]string{"overview", "risks"}, res.Signature.Acknowledged); d != "" {
		t.Errorf("acknowledged with the signature (-want +got):\n%s", d)
	}
	_, err = w.svc.Acknowledge(ctx, c.SigningToken, "risks", "es")
	wantCode(t, "Spanish after an English signature", err, consent.EINVALID, "locale")
	_, err = w.svc.Acknowledge(ctx, "unknown-token", "risks", "")
	wantCode(t, "unknown token", err, consent.ENOTFOUND, "")
	w.intact()
}
