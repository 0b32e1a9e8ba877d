package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// createRemote creates a remote-signing link and returns its JSON.
func createRemote(t *testing.T, s *apptest.Server, id string, body map[string]any) map[string]any {
	t.Helper()
	return wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, body)
}

// remoteToken returns the token of a remote link's path.
func remoteToken(t *testing.T, l map[string]any) string {
	t.Helper()
	tok, ok := strings.CutPrefix(l["path"].(string), "/remote/")
	if !ok || tok == "" || l["url"] != "https://consent.example.test"+l["path"].(string) {
		t.Fatalf("remote link %v", l)
	}
	return tok
}

// openRemote proves a birth date (and code) on a remote link as a client at ip.
func openRemote(t *testing.T, s *apptest.Server, token, birthDate, code, ip string) (int, []byte) {
	t.Helper()
	body := map[string]any{"birth_date": birthDate}
	if code != "" {
		body["code"] = code
	}
	return s.Do(t, "POST", "/v1/remote/"+token+"/open", "", body, "X-Forwarded-For", ip)
}

// openedSession opens a remote link with the right answers and returns the signing session token.
func openedSession(t *testing.T, s *apptest.Server, token, code string) string {
	t.Helper()
	st, b := openRemote(t, s, token, "1980-04-02", code, "198.51.100.20")
	if st != 200 {
		t.Fatalf("open with the right answers: %d %s", st, b)
	}
	return apptest.JSON(t, b)["token"].(string)
}

// TestRemoteLinkGateBeforeText: the page, the link's status and every wrong
// answer show nothing of the patient, the document or the clinic; only the
// right birth date (and code, when asked) opens the signing session.
func TestRemoteLinkGateBeforeText(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.TrustedProxies = "127.0.0.1" })
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	l := createRemote(t, s, id, map[string]any{"require_code": true})
	tok := remoteToken(t, l)
	code, _ := l["code"].(string)
	if !regexp.MustCompile(`^[0-9]{6,8}$`).MatchString(code) || l["require_code"] != true || l["expires_at"] != c["expires_at"] {
		t.Fatalf("created link %v", l)
	}
	secret := []string{"1980", "MRN-", c["patient"].(map[string]any)["family_name"].(string),
		c["patient"].(map[string]any)["given_name"].(string), "Calm Waters", "ketamine", "Ketamine",
		c["document"].(map[string]any)["title"].(string)}
	leaks := func(where string, b []byte) {
		t.Helper()
		for _, w := range secret {
			if bytes.Contains(b, []byte(w)) {
				t.Errorf("%s shows %q before the gate: %.300s", where, w, b)
			}
		}
	}
	st, page := s.Do(t, "GET", "/remote/"+tok, "", nil)
	if st != 200 || !bytes.Contains(page, []byte("/sign-assets/app.js")) {
		t.Fatalf("page: %d %.200s", st, page)
	}
	leaks("the page", page)
	status := wantJSON(t, s, 200, "GET", "/v1/remote/"+tok, "", nil)
	if status["require_code"] != true || status["require_birth_date"] != true || len(status) != 2 {
		t.Fatalf("status %v", status)
	}
	for _, tc := range []struct{ name, date, code string }{
		{"wrong date, right code", "1980-04-03", code},
		{"right date, no code", "1980-04-02", ""},
		{"right date, wrong code", "1980-04-02", fmt.Sprintf("%06d", (atoi(code)+1)%1000000)},
	} {
		st, b := openRemote(t, s, tok, tc.date, tc.code, "198.51.100.9")
		leaks(tc.name, b)
		// Which answer was wrong is not said: that would confirm the other.
		if e, field, msg := errorOf(t, b); st != 403 || e != "forbidden" || field != "birth_date" || !strings.Contains(msg, "date of birth or code") {
			t.Fatalf("%s: %d %s", tc.name, st, b)
		}
	}
	session := openedSession(t, s, tok, code)
	v := wantJSON(t, s, 200, "GET", "/v1/signing/"+session, "", nil)
	if v["consent_id"] != id || v["documents"].(map[string]any)["en"] == nil {
		t.Fatalf("session view %v", v)
	}
	// Three wrong answers, three audited failures; the right one costs none.
	if n := len(eventsOfType(auditEvents(t, s, id), "auth.failed")); n != 3 {
		t.Fatalf("%d auth.failed events, want 3", n)
	}
	opened := eventsOfType(auditEvents(t, s, id), "remote_link.opened")
	if len(opened) != 1 || opened[0]["details"].(map[string]any)["link_id"] != l["id"] {
		t.Fatalf("remote_link.opened events %v", opened)
	}
	// Without require_code the date alone opens it, and the status says so.
	plain := createRemote(t, s, id, nil)
	if _, ok := plain["code"]; ok {
		t.Fatalf("a link without require_code has a code: %v", plain)
	}
	ptok := remoteToken(t, plain)
	if st := wantJSON(t, s, 200, "GET", "/v1/remote/"+ptok, "", nil); st["require_code"] != false {
		t.Fatalf("status %v", st)
	}
	if st, b := openRemote(t, s, ptok, "1980-04-02", "", "198.51.100.9"); st != 200 {
		t.Fatalf("open without code: %d %s", st, b)
	}
	wantError(t, s, 404, "", "GET", "/v1/remote/nope", "", nil)
	if st, _ := openRemote(t, s, "nope", "1980-04-02", "", "198.51.100.9"); st != 404 {
		t.Fatalf("unknown link: %d", st)
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestRemoteLinkLocksAfterFiveWrongAnswers: rotating addresses and servers
// gains nothing; the fifth wrong answer locks the link for good (audited,
// webhook), and twenty parallel guesses on another link get five checks.
func TestRemoteLinkLocksAfterFiveWrongAnswers(t *testing.T) {
	dir := t.TempDir()
	opts := func(c *app.Config) { c.DataDir, c.TrustedProxies, c.WebhookAllowNets = dir, "127.0.0.1", "127.0.0.0/8" }
	one := apptest.New(t, opts)
	two := apptest.New(t, opts)
	rcv := newReceiver(t)
	wantJSON(t, one, 201, "POST", "/v1/webhooks", one.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"remote_link.locked"}})
	id := one.CreateConsent(t, "en")["id"].(string)
	l := createRemote(t, one, id, map[string]any{"require_code": true})
	tok, code := remoteToken(t, l), l["code"].(string)
	for i := range 5 {
		s := []*apptest.Server{one, two}[i%2]
		st, b := openRemote(t, s, tok, fmt.Sprintf("1980-04-%02d", 10+i), code, fmt.Sprintf("203.0.113.%d", i+1))
		if i < 4 && st != 403 {
			t.Fatalf("wrong date %d: %d %.200s", i+1, st, b)
		}
		if _, field, _ := errorOf(t, b); i == 4 && (st != 410 || field != "locked_at") {
			t.Fatalf("fifth wrong date: %d %s", st, b)
		}
	}
	for _, s := range []*apptest.Server{one, two} {
		if st, b := openRemote(t, s, tok, "1980-04-02", code, "198.51.100.7"); st != 410 {
			t.Fatalf("right answers on a locked link: %d %s", st, b)
		}
		wantError(t, s, 410, "locked_at", "GET", "/v1/remote/"+tok, "", nil)
	}
	locked := eventsOfType(auditEvents(t, one, id), "remote_link.locked")
	if len(locked) != 1 || locked[0]["details"].(map[string]any)["link_id"] != l["id"] {
		t.Fatalf("remote_link.locked events: %v", locked)
	}
	if n, err := dispatcher(one).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("webhook deliveries: %d %v", n, err)
	}
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if got := rcv.received(); len(got) != 1 || json.Unmarshal(got[0].body, &ev) != nil || ev.Type != "remote_link.locked" ||
		ev.Data["link_id"] != l["id"] || ev.Data["consent_id"] != id || bytes.Contains(got[0].body, []byte("1980-")) {
		t.Fatalf("webhook: %+v", ev)
	}

	ptok := remoteToken(t, createRemote(t, one, id, nil))
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 20 {
		wg.Go(func() {
			st, _ := openRemote(t, one, ptok, fmt.Sprintf("1970-01-%02d", i+1), "", fmt.Sprintf("192.0.2.%d", i+1))
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[403] != 4 || statuses[410] != 16 {
		t.Fatalf("parallel guesses: statuses %v, want 4 × 403 then 410", statuses)
	}
	if n := len(eventsOfType(auditEvents(t, one, id), "auth.failed")); n != 10 {
		t.Fatalf("%d answers checked, want 5 per link", n)
	}
}

// TestRemoteLinkPerAddressLimit: one address is limited before the database
// is asked, with Retry-After.
func TestRemoteLinkPerAddressLimit(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.LinkLimit = app.Limit{PerSecond: 0.01, Burst: 3} })
	id := s.CreateConsent(t, "en")["id"].(string)
	tok := remoteToken(t, createRemote(t, s, id, nil))
	var last int
	var hdr string
	for range 5 {
		st, _ := s.Do(t, "GET", "/v1/remote/"+tok, "", nil)
		last = st
	}
	r, err := s.Client().Post(s.URL+"/v1/remote/"+tok+"/open", "application/json", strings.NewReader(`{"birth_date":"1980-04-02"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	hdr = r.Header.Get("Retry-After")
	if last != 429 || r.StatusCode != 429 || hdr == "" || hdr == "0" {
		t.Fatalf("after the burst: GET %d, open %d Retry-After %q", last, r.StatusCode, hdr)
	}
}

// TestRemoteSigningSingleUseChannelAndWebhook: the patient signs through the
// link (channel remote), the EHR hears consent.patient_signed, the link and
// its session are used up, the clinic countersigns by API, and the sealed PDF
// says remote.
func TestRemoteSigningSingleUseChannelAndWebhook(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t)
	wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL,
		"events": []string{"consent.patient_signed", "consent.signed"}})
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	l := createRemote(t, s, id, nil)
	tok := remoteToken(t, l)
	session := openedSession(t, s, tok, "")
	for _, sec := range apptest.Acknowledged(t, c) {
		a := wantJSON(t, s, 201, "POST", "/v1/signing/"+session+"/acknowledgments", "", map[string]any{"section": sec, "locale": "en"})
		if a["channel"] != "remote" {
			t.Fatalf("acknowledgment channel %v", a)
		}
	}
	// The clinician does not countersign on the patient's phone.
	wantError(t, s, 403, "role", "POST", "/v1/signing/"+session+"/staff-check", "", map[string]any{"role": "clinician",
		"staff": map[string]any{"id": apptest.StaffID, "pin": apptest.StaffPIN}})
	sig := apptest.PatientSignature(nil)
	sig["locale"] = "en"
	wantJSON(t, s, 201, "POST", "/v1/signing/"+session+"/signatures", "", sig)
	got := getConsent(t, s, id)
	if p := got["signatures"].([]any)[0].(map[string]any); p["evidence"].(map[string]any)["channel"] != "remote" {
		t.Fatalf("patient signature evidence %v", p["evidence"])
	}
	// Used: the link, its session and a second open all say so.
	wantError(t, s, 410, "used_at", "GET", "/v1/remote/"+tok, "", nil)
	if st, b := openRemote(t, s, tok, "1980-04-02", "", "198.51.100.9"); st != 410 {
		t.Fatalf("second open: %d %s", st, b)
	}
	wantError(t, s, 410, "used_at", "GET", "/v1/signing/"+session, "", nil)
	used := eventsOfType(auditEvents(t, s, id), "remote_link.used")
	if len(used) != 1 || used[0]["details"].(map[string]any)["link_id"] != l["id"] {
		t.Fatalf("remote_link.used events %v", used)
	}
	// A link made now: the patient side is done.
	wantError(t, s, 409, "status", "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, map[string]any{})

	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("webhook deliveries: %d %v", n, err)
	}
	var types []string
	for _, d := range rcv.received() {
		var ev struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(d.body, &ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if ev.Type == "consent.patient_signed" && (ev.Data["consent_id"] != id || ev.Data["channel"] != "remote" ||
			ev.Data["role"] != "patient" || ev.Data["status"] != "pending" || bytes.Contains(d.body, []byte("1980-"))) {
			t.Fatalf("patient_signed data %v", ev.Data)
		}
	}
	slices.Sort(types)
	if strings.Join(types, ",") != "consent.patient_signed,consent.signed" {
		t.Fatalf("webhooks %v", types)
	}
	pdf := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if !evidenceSays(t, pdf, "Patient: remote", "Clinician: api") {
		t.Fatalf("the evidence page does not give the signing channels:\n%s", strings.Join(pdfPages(t, pdf), "\f"))
	}
}

// TestPatientSignedFiresForEveryChannel: the kiosk's and the API's patient
// signatures tell the EHR too, and a patient side that completes the consent
// sends consent.signed only.
func TestPatientSignedFiresForEveryChannel(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t)
	wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"consent.patient_signed"}})
	kiosk := s.CreateConsent(t, "en")
	tok := signingToken(t, kiosk)
	for _, sec := range apptest.Acknowledged(t, kiosk) {
		want(t, s, 201, "POST", "/v1/signing/"+tok+"/acknowledgments", "", map[string]any{"section": sec})
	}
	want(t, s, 201, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.PatientSignature(nil))
	signPatient(t, s, s.CreateConsent(t, "en"))
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("webhook deliveries: %d %v", n, err)
	}
	var channels []string
	for _, d := range rcv.received() {
		var ev struct{ Data map[string]any }
		json.Unmarshal(d.body, &ev)
		channels = append(channels, fmt.Sprint(ev.Data["channel"]))
	}
	slices.Sort(channels)
	if strings.Join(channels, ",") != "api,tablet" {
		t.Fatalf("patient_signed channels %v", channels)
	}
}

// TestRemoteLinkGone: expiry with the consent or the link's own TTL,
// revocation and a consent no longer pending answer 410 before any date is
// checked; links are made only for pending consents awaiting the patient.
func TestRemoteLinkGone(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	before := s.Clock.Now()
	short := createRemote(t, s, id, map[string]any{"ttl_seconds": 60})
	if at, _ := time.Parse(time.RFC3339, short["expires_at"].(string)); at.Sub(before) < 59*time.Second || at.Sub(before) > 61*time.Second {
		t.Fatalf("ttl link expires at %v", short["expires_at"])
	}
	// A TTL longer than the consent's life ends with the consent.
	long := createRemote(t, s, id, map[string]any{"ttl_seconds": 30 * 86400})
	if long["expires_at"] != c["expires_at"] {
		t.Fatalf("long link expires at %v, consent at %v", long["expires_at"], c["expires_at"])
	}
	revoked := createRemote(t, s, id, nil)
	r := wantJSON(t, s, 200, "DELETE", "/v1/consents/"+id+"/remote-links/"+revoked["id"].(string), s.AdminKey, nil)
	if r["revoked_at"] == nil {
		t.Fatalf("revoke answer %v", r)
	}
	wantError(t, s, 404, "", "DELETE", "/v1/consents/"+id+"/download-links/"+revoked["id"].(string), s.AdminKey, nil)
	s.Clock.Advance(2 * time.Minute)
	wantError(t, s, 410, "expires_at", "GET", "/v1/remote/"+remoteToken(t, short), "", nil)
	wantError(t, s, 410, "revoked_at", "GET", "/v1/remote/"+remoteToken(t, revoked), "", nil)
	if st, _ := openRemote(t, s, remoteToken(t, revoked), "1999-09-09", "", "198.51.100.1"); st != 410 {
		t.Fatalf("revoked link, wrong date: %d", st)
	}
	s.Clock.AdvanceTo(s.Clock.Now().Add(8 * 24 * time.Hour))
	wantError(t, s, 410, "expires_at", "GET", "/v1/remote/"+remoteToken(t, long), "", nil)
	if n := len(eventsOfType(auditEvents(t, s, id), "auth.failed")); n != 0 {
		t.Fatalf("%d dates checked on gone links, want none", n)
	}
	wantError(t, s, 410, "expires_at", "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, map[string]any{})

	cancelled := s.CreateConsent(t, "en")["id"].(string)
	l := createRemote(t, s, cancelled, nil)
	want(t, s, 200, "POST", "/v1/consents/"+cancelled+"/cancel", s.AdminKey, map[string]any{"reason": "wrong patient"})
	wantError(t, s, 410, "status", "GET", "/v1/remote/"+remoteToken(t, l), "", nil)
	wantError(t, s, 409, "status", "POST", "/v1/consents/"+cancelled+"/remote-links", s.AdminKey, map[string]any{})
	wantError(t, s, 404, "", "POST", "/v1/consents/nope/remote-links", s.AdminKey, map[string]any{})
	wantError(t, s, 400, "ttl_seconds", "POST", "/v1/consents/"+cancelled+"/remote-links", s.AdminKey, map[string]any{"ttl_seconds": 0})
	// A download link's token does not open the signing gate, nor the reverse.
	signed := s.SignedConsent(t, "en")
	dl := createLink(t, s, signed, map[string]any{"require_birth_date": true})
	wantError(t, s, 404, "", "GET", "/v1/remote/"+strings.TrimPrefix(dl["url"].(string), "/d/"), "", nil)
	pend := s.CreateConsent(t, "en")["id"].(string)
	wantError(t, s, 404, "", "GET", "/d/"+remoteToken(t, createRemote(t, s, pend, nil)), "", nil)
}

// TestRemoteLinkScopes: consents:write creates and revokes links (as it
// creates the kiosk's signing code); consents:read alone cannot.
func TestRemoteLinkScopes(t *testing.T) {
	s := apptest.New(t)
	id := s.CreateConsent(t, "en")["id"].(string)
	w := s.Key(t, "consents:write")
	l := wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/remote-links", w, map[string]any{})
	want(t, s, 200, "DELETE", "/v1/consents/"+id+"/remote-links/"+l["id"].(string), w, nil)
	wantError(t, s, 403, "", "POST", "/v1/consents/"+id+"/remote-links", s.Key(t, "consents:read"), map[string]any{})
}

// evidenceSays reports whether the evidence page's signing channels name each of want.
func evidenceSays(t *testing.T, pdf []byte, want ...string) bool {
	t.Helper()
	for _, p := range pdfPages(t, pdf) {
		if i := strings.Index(p, "Signing channels"); i >= 0 {
			line := strings.Join(strings.Fields(p[i:min(len(p), i+400)]), " ")
			for _, w := range want {
				if !strings.Contains(line, w) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// TestRemoteSessionEndsWithItsLink: revoking a link ends a session already
// open on it, and a patient who signs at the kiosk instead ends every remote
// link (410 status), before any date is asked.
func TestRemoteSessionEndsWithItsLink(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	l := createRemote(t, s, id, nil)
	session := openedSession(t, s, remoteToken(t, l), "")
	want(t, s, 200, "DELETE", "/v1/consents/"+id+"/remote-links/"+l["id"].(string), s.AdminKey, nil)
	wantError(t, s, 410, "revoked_at", "GET", "/v1/signing/"+session, "", nil)
	wantError(t, s, 410, "revoked_at", "POST", "/v1/signing/"+session+"/acknowledgments", "", map[string]any{"section": "overview"})

	other := remoteToken(t, createRemote(t, s, id, nil))
	open := openedSession(t, s, other, "")
	tok := signingToken(t, c)
	for _, sec := range apptest.Acknowledged(t, c) {
		want(t, s, 201, "POST", "/v1/signing/"+tok+"/acknowledgments", "", map[string]any{"section": sec})
	}
	want(t, s, 201, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.PatientSignature(nil))
	wantError(t, s, 410, "status", "GET", "/v1/remote/"+other, "", nil)
	wantError(t, s, 410, "status", "GET", "/v1/signing/"+open, "", nil)
	// A forged or altered session token is an unknown signing link.
	wantError(t, s, 404, "", "GET", "/v1/signing/"+open[:len(open)-2]+"AA", "", nil)
	wantError(t, s, 404, "", "GET", "/v1/signing/r.x.y.z", "", nil)
}
