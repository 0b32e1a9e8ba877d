package api_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestConcurrentSigningCommitsIndependently sends signatures and creations
// at once, so the server commits them in shared transactions: the 409s
// (a second patient signature, a countersignature before the patient) leave
// the others committed, three retries of one countersignature under one
// Idempotency-Key sign once and answer byte for byte alike, and the audit
// log verifies, rows included.
func TestConcurrentSigningCommitsIndependently(t *testing.T) {
	s := apptest.New(t)
	a := s.CreateConsent(t, "en")
	aID := a["id"].(string)
	if st, b := s.Do(t, "POST", "/v1/consents/"+aID+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, a))); st != 201 {
		t.Fatalf("patient signature: %d %s", st, b)
	}
	b := s.CreateConsent(t, "en")
	bID := b["id"].(string)
	cID := s.CreateConsent(t, "en")["id"].(string)
	before := countConsents(t, s)

	counter := func() (int, []byte) {
		return s.Do(t, "POST", "/v1/consents/"+aID+"/signatures", s.AdminKey, apptest.ClinicianSignature(), "Idempotency-Key", "countersign-a")
	}
	create := func(key string) func() (int, []byte) {
		return func() (int, []byte) {
			return s.Do(t, "POST", "/v1/consents", s.AdminKey, apptest.ConsentRequest("en"), "Idempotency-Key", key)
		}
	}
	st, bodies := race(t, s,
		counter, counter, counter,
		post(t, s, "/v1/consents/"+aID+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, a))), // 409: signed
		post(t, s, "/v1/consents/"+bID+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, b))),
		post(t, s, "/v1/consents/"+cID+"/signatures", apptest.ClinicianSignature()), // 409: patient first
		create("create-1"), create("create-2"),
	)
	want := []int{201, 201, 201, 409, 201, 409, 201, 201}
	for i := range want {
		if st[i] != want[i] {
			t.Errorf("request %d: %d %s, want %d", i, st[i], bodies[i], want[i])
		}
	}
	if !bytes.Equal(bodies[0], bodies[1]) || !bytes.Equal(bodies[0], bodies[2]) {
		t.Errorf("one Idempotency-Key, three different answers:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
	if c := checkWhole(t, s, aID); c["status"] != "signed" {
		t.Errorf("consent A is %v, want signed once", c["status"])
	}
	if n := len(eventsOfType(auditEvents(t, s, aID), "consent.signature_recorded")); n != 2 {
		t.Errorf("consent A has %d consent.signature_recorded events, want 2 (patient, clinician)", n)
	}
	if c := checkWhole(t, s, bID); len(c["signatures"].([]any)) != 1 {
		t.Errorf("consent B: %v, want the patient's signature", c["signatures"])
	}
	if c := checkWhole(t, s, cID); len(c["signatures"].([]any)) != 0 || len(eventsOfType(auditEvents(t, s, cID), "consent.signature_recorded")) != 0 {
		t.Errorf("consent C: the refused countersignature left %v", c["signatures"])
	}
	if n := countConsents(t, s); n != before+2 {
		t.Errorf("%d consents, want %d", n, before+2)
	}
	report, err := s.DB.VerifyIntegrity(context.Background(), nil)
	if err != nil || !report.Intact() {
		t.Fatalf("VerifyIntegrity: %+v, %v", report, err)
	}
}
