package webtest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// toSignScreen acknowledges the required sections through the API, opens the
// consent's link and pages through to the signing screen in English.
func toSignScreen(t *testing.T, s *apptest.Server, p *page, base string, c map[string]any, query string) {
	t.Helper()
	path := signingPath(t, c)
	for _, key := range apptest.Acknowledged(t, c) {
		st, b := s.Do(t, "POST", "/v1/signing/"+strings.TrimPrefix(path, "/sign/")+"/acknowledgments", "",
			map[string]any{"section": key, "locale": "en"})
		if st != 201 {
			t.Fatalf("acknowledge %s: %d %s", key, st, b)
		}
	}
	s.AnswerAll(t, strings.TrimPrefix(path, "/sign/"), c) // teach-back questions do not block Next
	p.open(base + path + query)
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	p.waitFor("#section-heading")
	p.js(`(() => { for (let i = 0; i < 20 && !document.getElementById('accept'); i++) document.getElementById('next').click(); })()`)
	p.waitFor("#accept")
	p.click("#accept")
	p.click("#next")
	p.waitFor("#name")
}

func countSignatures(t *testing.T, s *apptest.Server, id string) (int, map[string]any) {
	t.Helper()
	c := get(t, s, "/v1/consents/"+id)
	return len(c["signatures"].([]any)), c
}

// TestDoubleSubmit double-clicks the submit button: one request, one signature.
func TestDoubleSubmit(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	p := newPage(t)
	toSignScreen(t, s, p, s.URL, c, "")
	p.typeInto("#name", "Zoë Müller")
	p.draw(signature())
	p.wait(`!document.getElementById('submit').disabled`)
	p.js(`(() => { window.__posts = 0; const f = window.fetch;
		window.fetch = (u, o) => { if (String(u).endsWith('/signatures')) window.__posts++; return f(u, o); }; })()`)
	x, y := p.center("#submit")
	p.do(chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(2)),
		chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(2)))
	p.waitFor("#handoff-continue")
	var posts int
	p.js(`window.__posts`, &posts)
	if posts != 1 {
		t.Errorf("%d signature requests sent, want 1", posts)
	}
	if n, got := countSignatures(t, s, c["id"].(string)); n != 1 || got["status"] != "pending" {
		t.Errorf("%d signatures, status %v; want 1 and pending", n, got["status"])
	}
}

// TestRetryAfterDroppedResponse drops the connection after the server recorded
// a representative's signature: the page retries with the same Idempotency-Key
// and moves on, and there is still one signature.
func TestRetryAfterDroppedResponse(t *testing.T) {
	s := apptest.New(t)
	var mu sync.Mutex
	var keys []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/signatures") {
			s.Config.Handler.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if !first {
			s.Config.Handler.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.Config.Handler.ServeHTTP(rec, r)
		if rec.Code != 201 {
			t.Errorf("first submission: %d %s", rec.Code, rec.Body)
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(proxy.Close)
	c := s.CreateConsent(t, "en")
	p := newPage(t)
	toSignScreen(t, s, p, proxy.URL, c, "")
	p.click("#role-representative")
	p.typeInto("#relationship", "Mother")
	p.typeInto("#name", "Ana Müller")
	p.draw(signature())
	p.wait(`!document.getElementById('submit').disabled`)
	p.click("#submit")
	p.waitFor("#handoff-continue")
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Keys %q: want two equal keys", keys)
	}
	n, got := countSignatures(t, s, c["id"].(string))
	if n != 1 {
		t.Fatalf("%d signatures, want 1", n)
	}
	sig := got["signatures"].([]any)[0].(map[string]any)
	if sig["role"] != "representative" || sig["relationship"] != "Mother" || sig["name"] != "Ana Müller" {
		t.Errorf("signature %v %v %v, want representative Mother Ana Müller", sig["role"], sig["relationship"], sig["name"])
	}
}

// TestExpiredAndCancelled shows the bilingual "can no longer be signed" screens.
func TestExpiredAndCancelled(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	cancelled := s.CreateConsent(t, "es")
	if st, b := s.Do(t, "POST", "/v1/consents/"+cancelled["id"].(string)+"/cancel", s.AdminKey, map[string]any{"reason": "wrong patient"}); st != 200 {
		t.Fatalf("cancel: %d %s", st, b)
	}
	p := newPage(t)
	p.open(s.URL + signingPath(t, c))
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	p.waitFor("#section-heading")
	s.Clock.Advance(200 * time.Hour)
	p.js(`(() => { for (let i = 0; i < 5 && !document.getElementById('ack'); i++) document.getElementById('next').click(); })()`)
	p.click("#ack")
	p.waitFor("#gone[data-reason=expired]")
	p.checkPage("expired")
	p.shot("expired")
	text := p.text()
	if !strings.Contains(text, "This consent has expired") || !strings.Contains(text, "Se acabó el plazo") {
		t.Errorf("expired screen:\n%s", text)
	}
	noPatientData(t, p, "expired")

	p.open(s.URL + "/sign")
	p.waitFor("#code")
	p.typeInto("#code", c["signing"].(map[string]any)["code"].(string))
	p.click("#start")
	p.waitFor("#gone[data-reason=expired]")

	p.open(s.URL + signingPath(t, cancelled))
	p.waitFor("#gone[data-reason=gone]")
	if text := p.text(); !strings.Contains(text, "can no longer be signed here") || !strings.Contains(text, "Ya se firmó o se canceló") {
		t.Errorf("cancelled screen:\n%s", text)
	}
	p.click("#gone button")
	p.waitFor("#code")
}

// TestInactivityLock warns after the idle time, and locks and clears the screen after the countdown.
func TestInactivityLock(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	p := newPage(t)
	p.open(s.URL + signingPath(t, c) + "?idle=1&warn=2")
	p.waitFor("[data-choose=es]")
	p.click("[data-choose=es]")
	p.waitFor("#section-heading")
	p.wait(`document.getElementById('idle').open`)
	p.shot("idle-warning")
	if text := p.text(); !strings.Contains(text, "¿Sigue ahí?") {
		t.Errorf("warning not shown in Spanish:\n%s", text)
	}
	p.click("#still-here")
	var open bool
	p.js(`document.getElementById('idle').open`, &open)
	if open {
		t.Error("warning still open after “Sigo aquí”")
	}
	p.wait(`document.getElementById('idle').open`)
	p.wait(`document.getElementById('code') && !document.getElementById('idle').open`)
	p.shot("locked")
	var path string
	p.js(`location.pathname`, &path)
	if path != "/sign" {
		t.Errorf("after the lock the address is %q, want /sign", path)
	}
	text := p.text()
	if !strings.Contains(text, "session was closed") {
		t.Errorf("no lock notice:\n%s", text)
	}
	noPatientData(t, p, "locked")
	for _, w := range []string{"Posibles", "Sección", "Entiendo", "ketamina"} {
		if strings.Contains(text, w) {
			t.Errorf("locked screen still shows %q", w)
		}
	}
}

// TestCodeEntry checks the kiosk start's messages: malformed, unknown, rate-limited.
func TestCodeEntry(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.CodeLimit = app.Limit{PerSecond: 0.001, Burst: 3} })
	p := newPage(t)
	p.open(s.URL + "/sign")
	p.waitFor("#code")
	try := func(code, want string) {
		t.Helper()
		p.js(`document.getElementById('code-error').textContent = ''`)
		p.typeInto("#code", code)
		p.click("#start")
		p.wait(`document.getElementById('code-error').textContent !== ''`)
		if got := p.text(); !strings.Contains(got, want) {
			t.Errorf("code %q: page does not say %q:\n%s", code, want, got)
		}
	}
	// Keyboard only: the code field has focus on load and Enter submits.
	p.do(chromedp.KeyEvent("abc\r"))
	p.wait(`document.getElementById('code-error').textContent !== ''`)
	if got := p.text(); !strings.Contains(got, "8 letters and numbers") {
		t.Errorf("short code: page does not ask for 8 letters and numbers:\n%s", got)
	}
	try("abc", "8 letters and numbers")
	for range 3 {
		try("zzzz-zzzz", "could not find that code")
	}
	try("zzzz-zzzz", "Too many attempts")
	p.checkPage("code errors")
	p.shot("rate-limited")
}

// TestLayouts checks the reading and signing screens at landscape-tablet and
// phone sizes and with the largest text.
func TestLayouts(t *testing.T) {
	s := apptest.New(t)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"landscape", 1024, 768}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			c := s.CreateConsent(t, "en")
			p := newPage(t)
			p.do(chromedp.EmulateViewport(size.w, size.h))
			toSignScreen(t, s, p, s.URL, c, "")
			p.checkPage(size.name + " sign")
			p.shot("sign")
			for range 6 {
				p.click("#larger")
			}
			p.checkPage(size.name + " sign, largest text")
			p.click("#back")
			p.checkPage(size.name + " disclosure, largest text")
			p.shot("disclosure-largest")
		})
	}
}

// TestOpenLinkOffline opens a signing link while the API is unreachable: the
// page says so and keeps the link, and "Try again" opens the consent.
func TestOpenLinkOffline(t *testing.T) {
	s := apptest.New(t)
	var mu sync.Mutex
	down := true
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		drop := down && strings.HasPrefix(r.URL.Path, "/v1/")
		mu.Unlock()
		if drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		s.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c := s.CreateConsent(t, "en")
	p := newPage(t)
	p.open(proxy.URL + signingPath(t, c))
	p.waitFor("#gone[data-reason=network]")
	var path string
	p.js(`location.pathname`, &path)
	if path != signingPath(t, c) {
		t.Errorf("address %q after a failed open, want the signing link kept", path)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	p.click("#gone button") // reloads the page: wait through the DOM, not a script context
	p.do(chromedp.WaitVisible(chromedp.CSS("[data-choose=en]")))
}
