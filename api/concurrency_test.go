package api_test

import (
	"sync"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// race sends the requests at once and returns their statuses and bodies in order.
func race(t *testing.T, s *apptest.Server, reqs ...func() (int, []byte)) ([]int, [][]byte) {
	t.Helper()
	statuses, bodies := make([]int, len(reqs)), make([][]byte, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], bodies[i] = r()
		}()
	}
	close(start)
	wg.Wait()
	return statuses, bodies
}

func post(t *testing.T, s *apptest.Server, path string, body any) func() (int, []byte) {
	return func() (int, []byte) { return s.Do(t, "POST", path, s.AdminKey, body) }
}

// checkWhole fails on any half-signed state: the stored status, signatures and
// PDF must agree with each other.
func checkWhole(t *testing.T, s *apptest.Server, id string) map[string]any {
	t.Helper()
	c := getConsent(t, s, id)
	roles := map[string]bool{}
	for _, sig := range c["signatures"].([]any) {
		r := sig.(map[string]any)["role"].(string)
		if roles[r] {
			t.Fatalf("role %s signed twice", r)
		}
		roles[r] = true
	}
	patientSide := roles["patient"] || roles["representative"]
	complete := patientSide && roles["clinician"]
	switch {
	case roles["patient"] && roles["representative"]:
		t.Fatal("patient and representative both signed")
	case roles["clinician"] && !patientSide:
		t.Fatal("clinician signed before the patient side")
	case c["status"] == "signed" && (!complete || c["pdf"] == nil || c["signed_at"] == nil):
		t.Fatalf("signed without every signature or a PDF: %v %v", roles, c["pdf"])
	case c["status"] != "signed" && (complete || c["pdf"] != nil):
		t.Fatalf("%v with signatures %v and pdf %v", c["status"], roles, c["pdf"])
	}
	st, _ := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if (c["status"] == "signed") != (st == 200) {
		t.Fatalf("status %v but GET pdf %d", c["status"], st)
	}
	return c
}

func TestConcurrentPatientAndClinician(t *testing.T) {
	s := apptest.New(t)
	outcomes := map[string]int{}
	for i := 0; i < 6; i++ {
		c := s.CreateConsent(t, "en")
		id := c["id"].(string)
		path := "/v1/consents/" + id + "/signatures"
		st, b := race(t, s, post(t, s, path, apptest.PatientSignature(apptest.Acknowledged(t, c))), post(t, s, path, apptest.ClinicianSignature()))
		if st[0] != 201 {
			t.Fatalf("patient: %d %s", st[0], b[0])
		}
		got := checkWhole(t, s, id)
		switch st[1] {
		case 201:
			outcomes["clinician after patient"]++
			if got["status"] != "signed" {
				t.Fatalf("both 201 but status %v", got["status"])
			}
		case 409:
			outcomes["clinician refused"]++
			if got["status"] != "pending" || len(got["signatures"].([]any)) != 1 {
				t.Fatalf("clinician 409 but status %v, %d signatures", got["status"], len(got["signatures"].([]any)))
			}
			want(t, s, 201, "POST", path, s.AdminKey, apptest.ClinicianSignature())
			checkWhole(t, s, id)
		default:
			t.Fatalf("clinician: %d %s", st[1], b[1])
		}
	}
	t.Logf("outcomes %v", outcomes)
}

func TestConcurrentPatientAndRepresentative(t *testing.T) {
	s := apptest.New(t)
	for i := 0; i < 4; i++ {
		c := s.CreateConsent(t, "en")
		id := c["id"].(string)
		rep := apptest.PatientSignature(apptest.Acknowledged(t, c))
		rep["role"], rep["name"], rep["relationship"] = "representative", "Hans Müller", "spouse"
		path := "/v1/consents/" + id + "/signatures"
		st, b := race(t, s, post(t, s, path, apptest.PatientSignature(apptest.Acknowledged(t, c))), post(t, s, path, rep))
		if !(st[0] == 201 && st[1] == 409) && !(st[0] == 409 && st[1] == 201) {
			t.Fatalf("patient %d, representative %d: %s %s", st[0], st[1], b[0], b[1])
		}
		if n := len(checkWhole(t, s, id)["signatures"].([]any)); n != 1 {
			t.Fatalf("%d signatures", n)
		}
	}
}

func TestConcurrentFinalSignatureAndCancel(t *testing.T) {
	s := apptest.New(t)
	for i := 0; i < 4; i++ {
		c := s.CreateConsent(t, "en")
		id := c["id"].(string)
		signPatient(t, s, c)
		st, b := race(t, s, post(t, s, "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature()),
			post(t, s, "/v1/consents/"+id+"/cancel", map[string]any{"reason": "wrong patient"}))
		got := checkWhole(t, s, id)
		switch {
		case st[0] == 201 && st[1] == 409:
			if got["status"] != "signed" {
				t.Fatalf("signature won but status %v", got["status"])
			}
		case st[0] == 409 && st[1] == 200:
			if got["status"] != "cancelled" {
				t.Fatalf("cancel won but status %v", got["status"])
			}
		default:
			t.Fatalf("sign %d, cancel %d: %s %s", st[0], st[1], b[0], b[1])
		}
		if n := len(eventsOfType(auditEvents(t, s, id), "consent.signed")) + len(eventsOfType(auditEvents(t, s, id), "consent.cancelled")); n != 1 {
			t.Fatalf("%d final-state audit events", n)
		}
	}
}

func TestConcurrentIdempotentCreates(t *testing.T) {
	s := apptest.New(t)
	body := apptest.ConsentRequest("en")
	var reqs []func() (int, []byte)
	for i := 0; i < 6; i++ {
		reqs = append(reqs, func() (int, []byte) {
			return s.Do(t, "POST", "/v1/consents", s.AdminKey, body, "Idempotency-Key", "same-key")
		})
	}
	st, b := race(t, s, reqs...)
	var first any
	for i := range st {
		if st[i] != 201 {
			t.Fatalf("request %d: %d %s", i, st[i], b[i])
		}
		id := apptest.JSON(t, b[i])["id"]
		if first == nil {
			first = id
		} else if id != first {
			t.Fatalf("two consents for one key: %v and %v", first, id)
		}
	}
	if n := countConsents(t, s); n != 1 {
		t.Fatalf("%d consents, want 1", n)
	}
	if n := len(eventsOfType(auditEvents(t, s, first.(string)), "consent.created")); n != 1 {
		t.Fatalf("%d consent.created events", n)
	}
}
