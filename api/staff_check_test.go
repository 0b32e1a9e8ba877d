package api_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

func staffCheck(pin string) map[string]any {
	return map[string]any{"role": "clinician", "staff": map[string]any{"id": apptest.StaffID, "pin": pin}}
}

// TestStaffCheckShowsPatientOnlyAfterPIN: on the tablet, the clinician's
// staff ID and PIN (checked within the PIN limits) unlock the patient's name
// and date of birth for the identity check; nothing of the patient before
// the patient signed, with a wrong PIN, or once the consent is signed.
func TestStaffCheckShowsPatientOnlyAfterPIN(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	path := "/v1/signing/" + token + "/staff-check"
	noPatient := func(where string, b []byte) {
		t.Helper()
		for _, w := range []string{"Zoë", "Müller", "1980-04-02", "MRN-1001"} {
			if strings.Contains(string(b), w) {
				t.Errorf("%s: answer shows %q: %s", where, w, b)
			}
		}
	}

	st, b := s.Do(t, "POST", path, "", staffCheck(apptest.StaffPIN))
	if st != 409 {
		t.Errorf("before the patient signed: %d %s, want 409", st, b)
	}
	noPatient("before the patient signed", b)
	acknowledgeAll(t, s, token, c)
	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(apptest.Acknowledged(t, c)))

	st, b = s.Do(t, "POST", path, "", staffCheck("000000"))
	if st != 400 || !strings.Contains(string(b), `"field":"staff.pin"`) {
		t.Errorf("wrong PIN: %d %s, want 400 on staff.pin", st, b)
	}
	noPatient("wrong PIN", b)
	for _, bad := range []map[string]any{
		{"role": "clinician", "staff": map[string]any{"id": apptest.StaffID}},
		{"role": "clinician"},
		{"role": "witness", "staff": map[string]any{"id": apptest.StaffID, "pin": apptest.StaffPIN}},
		{"role": "clinician", "staff": map[string]any{"id": apptest.StaffID, "pin": apptest.StaffPIN}, "patient": true},
	} {
		st, b := s.Do(t, "POST", path, "", bad)
		if st != 400 && st != 409 {
			t.Errorf("%v: %d %s, want 400 or 409", bad, st, b)
		}
		noPatient("bad request", b)
	}

	got := wantJSON(t, s, 200, "POST", path, "", staffCheck(apptest.StaffPIN))
	p, _ := got["patient"].(map[string]any)
	if p["given_name"] != "Zoë" || p["family_name"] != "Müller" || p["birth_date"] != "1980-04-02" {
		t.Errorf("patient %v, want name and date of birth", got["patient"])
	}
	if _, ok := p["id"]; ok {
		t.Errorf("patient ID shown: %v", p)
	}
	if staff, _ := got["staff"].(map[string]any); staff["id"] != apptest.StaffID || staff["name"] != apptest.StaffName {
		t.Errorf("staff %v", got["staff"])
	}
	if evs := eventsOfType(auditEvents(t, s, id), "consent.patient_shown"); len(evs) != 1 ||
		evs[0]["details"].(map[string]any)["staff_id"] != apptest.StaffID {
		t.Errorf("consent.patient_shown events: %v", evs)
	}

	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.ClinicianSignature())
	st, b = s.Do(t, "POST", path, "", staffCheck(apptest.StaffPIN))
	if st != 410 {
		t.Errorf("after signing: %d %s, want 410", st, b)
	}
	noPatient("after signing", b)
	if st, _ := s.Do(t, "POST", "/v1/signing/not-a-token/staff-check", "", staffCheck(apptest.StaffPIN)); st != 404 {
		t.Errorf("unknown token: %d", st)
	}
}

// TestStaffCheckSharesPINLimits: wrong PINs at the hand-over and on the
// countersignature count toward one per-place limit, so the identity check
// is no side door for guessing.
func TestStaffCheckSharesPINLimits(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	c := s.CreateConsent(t, "en")
	token := signingToken(t, c)
	acknowledgeAll(t, s, token, c)
	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(apptest.Acknowledged(t, c)))
	wrong := apptest.ClinicianSignature()
	wrong["staff"] = map[string]any{"id": apptest.StaffID, "pin": "000000"}
	for i := range 5 {
		path, body := "/v1/signing/"+token+"/staff-check", staffCheck("000000")
		if i%2 == 1 {
			path, body = "/v1/signing/"+token+"/signatures", wrong
		}
		wantError(t, s, 400, "staff.pin", "POST", path, "", body)
	}
	st, b := s.Do(t, "POST", "/v1/signing/"+token+"/staff-check", "", staffCheck(apptest.StaffPIN))
	if st != 429 || strings.Contains(string(b), "Müller") {
		t.Errorf("right PIN after 5 wrong ones here: %d %s, want 429", st, b)
	}
	wantError(t, s, 429, "staff.pin", "POST", "/v1/signing/"+token+"/signatures", "", apptest.ClinicianSignature())
}
