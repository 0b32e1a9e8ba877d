package api_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"golang.org/x/crypto/bcrypt"
)

// awaitingClinician creates a consent the patient has signed and returns it
// with its signing token (an unenrolled tablet's signing session).
func awaitingClinician(t *testing.T, s *apptest.Server) (id, token string) {
	t.Helper()
	c := s.CreateConsent(t, "en")
	signPatient(t, s, c)
	return c["id"].(string), signingToken(t, c)
}

func wrongPIN() map[string]any {
	b := apptest.ClinicianSignature()
	b["staff"] = map[string]any{"id": apptest.StaffID, "pin": "000000"}
	return b
}

// TestPINLockoutStaysOnItsDevice: five wrong PINs typed on one tablet lock
// that tablet's session for the clinician, not the clinician everywhere.
func TestPINLockoutStaysOnItsDevice(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	_, tokA := awaitingClinician(t, s)
	for range 5 {
		wantError(t, s, 400, "staff.pin", "POST", "/v1/signing/"+tokA+"/signatures", "", wrongPIN(), "X-Device-ID", "tablet-a")
	}
	wantError(t, s, 429, "staff.pin", "POST", "/v1/signing/"+tokA+"/signatures", "", apptest.ClinicianSignature())

	// Another tablet (another signing session) and the EHR's API key still work.
	_, tokB := awaitingClinician(t, s)
	want(t, s, 201, "POST", "/v1/signing/"+tokB+"/signatures", "", apptest.ClinicianSignature(), "X-Device-ID", "tablet-b")
	idC, _ := awaitingClinician(t, s)
	want(t, s, 201, "POST", "/v1/consents/"+idC+"/signatures", s.AdminKey, apptest.ClinicianSignature())

	// Wrong PINs through one API key lock that key for the clinician, not another key.
	other := s.Key(t, consent.ScopeConsentsWrite, consent.ScopeConsentsRead)
	idD, _ := awaitingClinician(t, s)
	for range 5 {
		wantError(t, s, 400, "staff.pin", "POST", "/v1/consents/"+idD+"/signatures", other, wrongPIN())
	}
	wantError(t, s, 429, "staff.pin", "POST", "/v1/consents/"+idD+"/signatures", other, apptest.ClinicianSignature())
	want(t, s, 201, "POST", "/v1/consents/"+idD+"/signatures", s.AdminKey, apptest.ClinicianSignature())
}

// TestPINParallelGuessesStayWithinTheLimit: twenty wrong PINs sent at once
// from one session: five answer "wrong", the other fifteen as the limit does.
func TestPINParallelGuessesStayWithinTheLimit(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	// A production bcrypt cost takes tens of milliseconds: the guesses overlap.
	s.Service.PINs = slowHasher{s.Service.PINs}
	_, tok := awaitingClinician(t, s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 20 {
		wg.Go(func() {
			st, _ := s.Do(t, "POST", "/v1/signing/"+tok+"/signatures", "", wrongPIN())
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[400] != 5 || statuses[429] != 15 {
		t.Fatalf("statuses %v, want 5 checked (400) and 15 refused (429)", statuses)
	}
}

// TestPINCeilingAlertsWithoutLockingOut: 25 wrong PINs for one clinician
// from five tablets reach the per-staff ceiling. That alerts (audit event and
// webhook); further unenrolled sessions are refused for the hour, but the
// EHR (an API key) keeps working.
func TestPINCeilingAlertsWithoutLockingOut(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	apptest.FreshWindows(s)
	rcv := newReceiver(t)
	hook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"staff.pin_attempts"}})
	for range 5 {
		_, tok := awaitingClinician(t, s)
		for range 5 {
			wantError(t, s, 400, "staff.pin", "POST", "/v1/signing/"+tok+"/signatures", "", wrongPIN())
		}
	}
	alerts := wantJSON(t, s, 200, "GET", "/v1/audit?type=staff.pin_attempts", s.AdminKey, nil)["data"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("%d staff.pin_attempts events, want 1", len(alerts))
	}
	d := alerts[0].(map[string]any)["details"].(map[string]any)
	if d["staff_id"] != apptest.StaffID || d["failures"] != 25.0 || d["window_end"] == nil {
		t.Fatalf("alert details %v", d)
	}
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("webhook deliveries: %d %v", n, err)
	}
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if got := rcv.received(); len(got) != 1 || json.Unmarshal(got[0].body, &ev) != nil || ev.Type != "staff.pin_attempts" ||
		ev.Data["staff_id"] != apptest.StaffID || ev.Data["failures"] != 25.0 {
		t.Fatalf("webhook %s: %+v", hook["id"], ev)
	}

	_, fresh := awaitingClinician(t, s)
	wantError(t, s, 429, "staff.pin", "POST", "/v1/signing/"+fresh+"/signatures", "", apptest.ClinicianSignature())
	id, _ := awaitingClinician(t, s)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
}

// slowHasher compares as slowly as bcrypt at a production cost.
type slowHasher struct{ consent.PasswordHasher }

func (h slowHasher) Compare(hash, pin string) bool {
	time.Sleep(50 * time.Millisecond)
	return h.PasswordHasher.Compare(hash, pin)
}

// countingHasher counts the PIN comparisons the service makes and the bcrypt
// cost of each hash it compares against.
type countingHasher struct {
	consent.PasswordHasher
	mu    sync.Mutex
	costs []int
}

func (h *countingHasher) Compare(hash, pin string) bool {
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		cost = -1
	}
	h.mu.Lock()
	h.costs = append(h.costs, cost)
	h.mu.Unlock()
	return h.PasswordHasher.Compare(hash, pin)
}

func (h *countingHasher) take() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.costs
	h.costs = nil
	return out
}

// TestUnknownStaffCostsTheSameHashWork: an unknown or deactivated staff ID
// goes through one bcrypt comparison of the same cost as a real staff
// member's wrong PIN, so the answer time does not tell which IDs exist.
func TestUnknownStaffCostsTheSameHashWork(t *testing.T) {
	s := apptest.New(t)
	h := &countingHasher{PasswordHasher: s.Service.PINs}
	s.Service.PINs = h
	want(t, s, 201, "POST", "/v1/staff", s.AdminKey, map[string]any{"id": "W-1", "name": "Ana Gómez", "role": "witness", "pin": "135790"})
	want(t, s, 200, "DELETE", "/v1/staff/W-1", s.AdminKey, nil)
	id, _ := awaitingClinician(t, s)
	h.take()
	try := func(staffID string) []int {
		t.Helper()
		b := apptest.ClinicianSignature()
		b["staff"] = map[string]any{"id": staffID, "pin": "000000"}
		wantError(t, s, 400, "staff.pin", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, b)
		return h.take()
	}
	real := try(apptest.StaffID)
	if len(real) != 1 || real[0] < bcrypt.MinCost {
		t.Fatalf("a real staff ID's wrong PIN made comparisons %v, want one bcrypt", real)
	}
	for _, other := range []string{"NO-SUCH-ID", "W-1"} {
		if got := try(other); len(got) != 1 || got[0] != real[0] {
			t.Errorf("staff ID %s: comparisons of cost %v, want one of cost %d like a real ID", other, got, real[0])
		}
	}
}

// TestPINParallelRightPINsAllSucceed: an EHR countersigning many consents at
// once for one clinician through one API key is never refused: only wrong
// PINs count.
func TestPINParallelRightPINsAllSucceed(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	// Every check is slow, so the countersignatures overlap (no cached PIN).
	s.Service.PINs = uncachedSlowHasher{s.Service.PINs}
	var ids []string
	for range 10 {
		id, _ := awaitingClinician(t, s)
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for _, id := range ids {
		wg.Go(func() {
			st, _ := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[201] != 10 {
		t.Fatalf("statuses %v, want 10 × 201", statuses)
	}
}

// uncachedSlowHasher checks every PIN with bcrypt, slowly.
type uncachedSlowHasher struct{ consent.PasswordHasher }

func (h uncachedSlowHasher) Compare(hash, pin string) bool {
	time.Sleep(50 * time.Millisecond)
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin)) == nil
}

// rightPINLast holds the right PIN's check until released, so a right guess
// among parallel wrong ones finishes last; it says when that check started.
type rightPINLast struct {
	consent.PasswordHasher
	started, release chan struct{}
}

func (h rightPINLast) Compare(hash, pin string) bool {
	if pin == apptest.StaffPIN {
		close(h.started)
		<-h.release
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin)) == nil
}

// TestPINRightGuessAmongParallelWrongOnesIsRefused: when wrong PINs checked
// in parallel use up the limit while a right one is being checked, the right
// one is refused too, so sending guesses in parallel learns nothing beyond the
// limit's worth of sequential guesses.
func TestPINRightGuessAmongParallelWrongOnesIsRefused(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	h := rightPINLast{PasswordHasher: s.Service.PINs, started: make(chan struct{}), release: make(chan struct{})}
	s.Service.PINs = h
	_, tok := awaitingClinician(t, s)
	right := make(chan int, 1)
	go func() {
		st, _ := s.Do(t, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.ClinicianSignature())
		right <- st
	}()
	<-h.started // the right guess passed the limit check and is being checked
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.Do(t, "POST", "/v1/signing/"+tok+"/signatures", "", wrongPIN()) })
	}
	wg.Wait()
	close(h.release)
	if st := <-right; st != 429 {
		t.Fatalf("the right PIN, finished after the limit was used up by parallel guesses: %d, want 429", st)
	}
}
