package webtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app/apptest"
)

// showScreen renders one of the page's screens from its own modules (for
// screens that only last while a request is in flight).
func (p *page) showScreen(script string) {
	p.t.Helper()
	p.js(`import('/sign-assets/app.js').then((m) => { ` + script + `; m.render(); })`)
}

// TestAccessibilityEveryScreen walks every screen of the tablet page and has
// axe-core audit each (checkPage): no critical or serious violation, with the
// page's production Content-Security-Policy unchanged.
func TestAccessibilityEveryScreen(t *testing.T) {
	s := apptest.New(t)
	st, _, hdr := getHeader(t, s.URL+"/sign")
	if csp := hdr.Get("Content-Security-Policy"); st != 200 || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Fatalf("/sign: %d, CSP %q", st, csp)
	}
	p := newPage(t)

	// Kiosk start, its error, and the screens shown while a request runs.
	p.open(s.URL + "/sign")
	p.waitFor("#code")
	p.checkPage("start")
	p.typeInto("#code", "abc")
	p.click("#start")
	p.wait(`document.getElementById('code-error').textContent !== ''`)
	p.checkPage("start, code error")
	p.showScreen(`m.app.opening = true`)
	p.checkPage("opening")
	p.showScreen(`m.app.opening = false; m.app.screen = 'enrol'; m.app.enrolFailed = false`)
	p.checkPage("enrolling")
	p.open(s.URL + "/enrol#cdt_not-a-token")
	p.waitFor("#enrol-failed")
	p.checkPage("enrolment refused")

	// The patient's side, then the clinician's.
	c := s.CreateConsent(t, "en")
	sections := len(c["document"].(map[string]any)["sections"].([]any)) // the current version's
	p.open(s.URL + signingPath(t, c))
	p.waitFor("[data-choose=en]")
	p.checkPage("language")
	p.click("[data-choose=en]")
	p.waitFor("#section-heading")
	p.checkPage("section")
	for i := 0; ; i++ {
		p.waitFor("#section-heading")
		var required, last bool
		p.js(`!!document.getElementById('ack')`, &required)
		if required {
			if i > 0 {
				p.checkPage("section needing acknowledgment")
			}
			p.click("#ack")
			p.waitFor("#ack-time")
			if i > 0 {
				p.checkPage("section acknowledged")
			}
		}
		if qs, _ := c["document"].(map[string]any)["sections"].([]any)[i].(map[string]any)["questions"].([]any); len(qs) > 0 {
			p.checkPage("section with teach-back questions")
		}
		answerSection(p, c, i)
		p.js(fmt.Sprintf(`document.querySelector('.sub').textContent.startsWith('Section %d of')`, sections), &last)
		p.click("#next")
		if last {
			break
		}
	}
	p.waitFor("#accept")
	p.checkPage("disclosure")
	p.click("#accept")
	p.click("#next")
	p.waitFor("#name")
	p.checkPage("patient signature")
	p.click("#role-representative")
	p.checkPage("representative signature")
	p.click("#role-patient")
	if p.has("#mode-typed") {
		p.click("#mode-typed")
		p.checkPage("typed signature")
		p.click("#mode-drawn")
	}
	p.typeInto("#name", "Zoë Müller")
	p.draw(signature())
	p.wait(`!document.getElementById('submit').disabled`)
	p.click("#submit")
	p.waitFor("#handoff-continue")
	p.checkPage("hand-over")
	p.click("#handoff-continue")
	p.waitFor("#staff-id")
	p.checkPage("staff ID and PIN")
	p.typeInto("#staff-id", apptest.StaffID)
	p.typeInto("#staff-pin", "000000")
	p.click("#staff-check")
	p.wait(`document.getElementById('staff-error').textContent !== ''`)
	p.checkPage("staff wrong PIN")
	p.typeInto("#staff-pin", apptest.StaffPIN)
	p.click("#staff-check")
	p.waitFor("#patient-identity")
	p.checkPage("identity check and countersignature")
	p.click("#identity")
	p.draw(signature())
	p.wait(`!document.getElementById('staff-submit').disabled`)
	p.click("#staff-submit")
	p.waitFor(".done")
	p.checkPage("thank you")

	// Inactivity: the warning, then the locked start.
	idle := s.CreateConsent(t, "en")
	p.open(s.URL + signingPath(t, idle) + "?idle=1&warn=3")
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	p.wait(`document.getElementById('idle').open`)
	p.checkPage("inactivity warning")
	p.wait(`document.getElementById('code') && !document.getElementById('idle').open`)
	p.checkPage("locked")

	// Consents that can no longer be signed here.
	cancelled := s.CreateConsent(t, "en")
	if st, b := s.Do(t, "POST", "/v1/consents/"+cancelled["id"].(string)+"/cancel", s.AdminKey, map[string]any{"reason": "wrong patient"}); st != 200 {
		t.Fatalf("cancel: %d %s", st, b)
	}
	p.open(s.URL + signingPath(t, cancelled))
	p.waitFor("#gone[data-reason=gone]")
	p.checkPage("cancelled")
	p.open(s.URL + "/sign/not-a-token")
	p.waitFor("#gone[data-reason=notfound]")
	p.checkPage("unknown link")
	expired := s.CreateConsent(t, "en")
	s.Clock.Advance(200 * time.Hour)
	p.open(s.URL + signingPath(t, expired))
	p.waitFor("#gone[data-reason=expired]")
	p.checkPage("expired")

	offline := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		s.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(offline.Close)
	p.open(offline.URL + "/sign/any-token")
	p.do(chromedp.WaitVisible(chromedp.CSS("#gone[data-reason=network]")))
	p.checkPage("no connection")

	t.Logf("axe-core audited %d screens", p.audited)
	if p.audited < 24 {
		t.Errorf("axe audited %d screens, want every one (24)", p.audited)
	}
}

// has reports whether an element matching sel is in the page.
func (p *page) has(sel string) bool {
	p.t.Helper()
	var ok bool
	p.js(`!!document.querySelector(`+jsString(sel)+`)`, &ok)
	return ok
}

// getHeader fetches url and returns its status, body and headers.
func getHeader(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String(), res.Header
}
