package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// postBirthDateFrom posts a birth date as a client at ip (believed through
// X-Forwarded-For from a trusted proxy).
func postBirthDateFrom(t *testing.T, s *apptest.Server, path, date, ip string) (int, []byte) {
	t.Helper()
	return s.Do(t, "POST", path, "", url.Values{"birth_date": {date}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "X-Forwarded-For", ip)
}

// TestBirthDateGateLocksTheLink: rotating addresses and servers gains
// nothing; the fifth wrong date locks the link for good, which is audited and
// sent as a webhook. Other links to the same consent keep working.
func TestBirthDateGateLocksTheLink(t *testing.T) {
	dir := t.TempDir()
	opts := func(c *app.Config) { c.DataDir, c.TrustedProxies, c.WebhookAllowNets = dir, "127.0.0.1", "127.0.0.0/8" }
	one := apptest.New(t, opts)
	two := apptest.New(t, opts)
	rcv := newReceiver(t)
	wantJSON(t, one, 201, "POST", "/v1/webhooks", one.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"download_link.locked"}})
	id := one.SignedConsent(t, "en")
	link := createLink(t, one, id, map[string]any{"require_birth_date": true})
	p := link["url"].(string)
	for i := range 5 {
		s := []*apptest.Server{one, two}[i%2]
		st, b := postBirthDateFrom(t, s, p, fmt.Sprintf("1980-04-%02d", 10+i), fmt.Sprintf("203.0.113.%d", i+1))
		if i < 4 && st != 403 {
			t.Fatalf("wrong date %d: %d %.200s", i+1, st, b)
		}
		if i == 4 {
			if code, field, msg := errorOf(t, b); st != 410 || code != "gone" || field != "locked_at" || !strings.Contains(msg, "ask the clinic for a new one") {
				t.Fatalf("fifth wrong date: %d %s", st, b)
			}
		}
	}
	for _, s := range []*apptest.Server{one, two} {
		if st, b := postBirthDateFrom(t, s, p, "1980-04-02", "198.51.100.7"); st != 410 || bytes.Contains(b, []byte("%PDF")) {
			t.Fatalf("right date on a locked link: %d %.100s", st, b)
		}
		wantError(t, s, 410, "locked_at", "GET", p, "", nil)
	}
	events := auditEvents(t, one, id)
	if n := len(eventsOfType(events, "auth.failed")); n != 5 {
		t.Fatalf("%d auth.failed events, want 5", n)
	}
	locked := eventsOfType(events, "download_link.locked")
	if len(locked) != 1 || locked[0]["details"].(map[string]any)["link_id"] != link["id"] {
		t.Fatalf("download_link.locked events: %v", locked)
	}
	if n, err := dispatcher(one).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("webhook deliveries: %d %v", n, err)
	}
	var ev struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if got := rcv.received(); len(got) != 1 || json.Unmarshal(got[0].body, &ev) != nil || ev.Type != "download_link.locked" ||
		ev.Data["link_id"] != link["id"] || ev.Data["consent_id"] != id || bytes.Contains(got[0].body, []byte("1980-")) {
		t.Fatalf("webhook: %+v", ev)
	}
	other := createLink(t, two, id, map[string]any{"require_birth_date": true})["url"].(string)
	if st, b := postBirthDateFrom(t, two, other, "1980-04-02", "203.0.113.1"); st != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("a new link: %d %.100s", st, b)
	}
}

// TestBirthDateGateParallelGuesses: twenty wrong dates sent at once still
// get only five checks.
func TestBirthDateGateParallelGuesses(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.TrustedProxies = "127.0.0.1" })
	id := s.SignedConsent(t, "en")
	p := createLink(t, s, id, map[string]any{"require_birth_date": true})["url"].(string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 20 {
		wg.Go(func() {
			st, _ := postBirthDateFrom(t, s, p, fmt.Sprintf("1970-01-%02d", i+1), fmt.Sprintf("192.0.2.%d", i+1))
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[403] != 4 || statuses[410] != 16 {
		t.Fatalf("statuses %v, want 4 × 403 then 410 for the rest", statuses)
	}
	if n := len(eventsOfType(auditEvents(t, s, id), "auth.failed")); n != 5 {
		t.Fatalf("%d dates checked, want 5", n)
	}
}

// TestGoneLinksAnswerBeforeTheBirthDate: a revoked or expired link, or a link
// to a voided consent, answers 410 without asking for or checking a date.
func TestGoneLinksAnswerBeforeTheBirthDate(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	voided := createLink(t, s, id, map[string]any{"require_birth_date": true})["url"].(string)
	revoked := createLink(t, s, id, map[string]any{"require_birth_date": true})
	want(t, s, 200, "DELETE", "/v1/consents/"+id+"/download-links/"+revoked["id"].(string), s.AdminKey, nil)
	expired := createLink(t, s, id, map[string]any{"require_birth_date": true, "ttl_seconds": 1})["url"].(string)
	s.Clock.Advance(2e9)
	for name, c := range map[string]struct{ path, field string }{
		"revoked": {revoked["url"].(string), "revoked_at"}, "expired": {expired, "expires_at"},
	} {
		wantError(t, s, 410, c.field, "GET", c.path, "", nil)
		if st, b := postBirthDate(t, s, c.path, "1999-09-09"); st.StatusCode != 410 {
			t.Fatalf("%s link, wrong date: %d %s", name, st.StatusCode, b)
		}
	}
	want(t, s, 200, "POST", "/v1/consents/"+id+"/void", s.AdminKey, map[string]any{"reason": "wrong patient"})
	wantError(t, s, 410, "status", "GET", voided, "", nil)
	if st, b := postBirthDate(t, s, voided, "1999-09-09"); st.StatusCode != 410 {
		t.Fatalf("voided consent, wrong date: %d %s", st.StatusCode, b)
	}
	if n := len(eventsOfType(auditEvents(t, s, id), "auth.failed")); n != 0 {
		t.Fatalf("%d dates checked on gone links, want none", n)
	}
	// A browser gets a page that says what to do, not JSON.
	req, _ := http.NewRequest("GET", s.URL+revoked["url"].(string), nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	r, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	buf := new(bytes.Buffer)
	buf.ReadFrom(r.Body)
	if r.StatusCode != 410 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(buf.String(), "ask the clinic for a new one") {
		t.Fatalf("browser on a revoked link: %d %s %.300s", r.StatusCode, r.Header.Get("Content-Type"), buf)
	}
}

// TestBirthDateGateLocksAfterAnInterruptedLock: if the process died after
// counting the fifth wrong date but before locking the link, the next
// request locks it (audited once) instead of only refusing.
func TestBirthDateGateLocksAfterAnInterruptedLock(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	link := createLink(t, s, id, map[string]any{"require_birth_date": true})
	key := consent.CounterKey{Kind: "birth_date", Subject: link["id"].(string), Window: time.UnixMilli(0)}
	if _, err := s.DB.UpdateCounters(context.Background(), consent.CounterUpdate{Key: key, Add: 5, Expires: s.Clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if st, b := postBirthDate(t, s, link["url"].(string), "1980-04-02"); st.StatusCode != 410 {
			t.Fatalf("right date after five wrong ones: %d %s", st.StatusCode, b)
		}
	}
	wantError(t, s, 410, "locked_at", "GET", link["url"].(string), "", nil)
	if n := len(eventsOfType(auditEvents(t, s, id), "download_link.locked")); n != 1 {
		t.Fatalf("%d download_link.locked events, want 1", n)
	}
}
