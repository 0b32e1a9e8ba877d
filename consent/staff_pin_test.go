package consent_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestPINLimitsPerPlace: wrong PINs are limited per staff member and place
// (an enrolled device, an API key, an unenrolled tablet's signing session),
// so a lock-out on one tablet never stops the clinician elsewhere; the
// per-staff ceiling alerts and then admits only enrolled devices and API keys.
func TestPINLimitsPerPlace(t *testing.T) {
	w := ready(t)
	w.svc.Limits = consent.Limits{PINPerDevice: consent.Limit{Kind: "pin_device", Max: 3, Window: 15 * time.Minute},
		PINPerStaff: consent.Limit{Kind: "pin_staff", Max: 5, Window: time.Hour}}
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook", []string{consent.EventStaffPINAttempts}))
	// Align to a fresh window of both limits.
	now := w.clock.Now()
	w.clock.Set(now.Truncate(time.Hour).Add(time.Hour))

	places := map[string]func(token string) func(in consent.SignInput) error{}
	viaTablet := func(ip, device string) func(token string) func(in consent.SignInput) error {
		return func(token string) func(in consent.SignInput) error {
			return func(in consent.SignInput) error {
				_, err := w.svc.SignWithToken(tablet(ip, device), token, in)
				return err
			}
		}
	}
	places["tablet D1"] = viaTablet("10.0.0.20", "D1")
	places["tablet D2"] = viaTablet("10.0.0.20", "D2")
	places["unenrolled tablet"] = viaTablet("10.0.0.30", "")
	places["API key"] = func(token string) func(in consent.SignInput) error {
		return func(in consent.SignInput) error {
			c := must[*consent.Consent](t)(w.store.Consents().FindConsentBySigningToken(w.admin, consent.HashSecret(token)))
			_, err := w.svc.Sign(w.admin, c.ID, in)
			return err
		}
	}
	// Each try signs a fresh consent whose patient has signed, so a right
	// PIN completes it and a wrong one changes nothing.
	try := func(place string, right bool) error {
		c := w.create()
		must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.Consent.ID, patientSig()))
		in := staffSig(consent.RoleClinician, "dr")
		if !right {
			in.StaffPIN = "000000"
		}
		return places[place](c.SigningToken)(in)
	}
	steps := []struct {
		place string
		right bool
		code  string
	}{
		{"tablet D1", true, ""},
		{"tablet D1", false, consent.EINVALID},
		{"tablet D1", false, consent.EINVALID},
		{"tablet D1", true, ""}, // right PINs are not counted
		{"tablet D1", false, consent.EINVALID},
		{"tablet D1", true, consent.ERATELIMITED}, // 3 wrong here: the place is locked, even for the right PIN
		{"tablet D2", true, ""},                   // another place is not
		{"tablet D2", false, consent.EINVALID},
		{"API key", false, consent.EINVALID}, // 5 wrong in all: the ceiling
		{"unenrolled tablet", true, consent.ERATELIMITED},
		{"tablet D2", true, ""}, // enrolled devices and API keys still may
		{"API key", true, ""},
	}
	for i, s := range steps {
		err := try(s.place, s.right)
		wantCode(t, "step "+string(rune('a'+i))+" "+s.place, err, s.code, "")
		if s.code == consent.ERATELIMITED && consent.ErrorRetryAfter(err) <= 0 {
			t.Errorf("step %d: a refusal without Retry-After", i)
		}
	}
	var alerts []map[string]any
	for _, e := range w.events("") {
		if e.Type == consent.EventStaffPINAttempts {
			alerts = append(alerts, e.Details)
		}
	}
	start := w.clock.Now().Truncate(time.Hour)
	want := []map[string]any{{"staff_id": "dr", "failures": float64(5), "window_start": consent.FormatTime(start),
		"window_end": consent.FormatTime(start.Add(time.Hour))}}
	if d := cmp.Diff(want, alerts); d != "" {
		t.Errorf("ceiling alerts (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{consent.EventStaffPINAttempts}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	failed := 0
	for _, e := range w.events("") {
		if e.Type == consent.EventStaffAuthFailed {
			failed++
		}
	}
	if failed != 5 {
		t.Errorf("%d staff.auth_failed events, want one per wrong PIN (5)", failed)
	}
	// When the place's window ends, tablet D1 may try again.
	w.clock.Add(15 * time.Minute)
	wantCode(t, "tablet D1 after its window", try("tablet D1", true), "", "")
	// Purging forgets ended windows only.
	w.clock.Add(2 * time.Hour)
	if n := must[int64](t)(w.svc.PurgeCounters(w.admin)); n == 0 {
		t.Error("PurgeCounters removed nothing after every window ended")
	}
}
