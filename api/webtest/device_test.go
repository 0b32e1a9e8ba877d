package webtest_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// enrolDevice registers a tablet through the admin API and returns its ID and token.
func enrolDevice(t *testing.T, s *apptest.Server, name string) (id, token string) {
	t.Helper()
	st, b := s.Do(t, "POST", "/v1/devices", s.AdminKey, map[string]any{"name": name})
	if st != 201 {
		t.Fatalf("create device: %d %s", st, b)
	}
	d := apptest.JSON(t, b)
	return d["id"].(string), d["token"].(string)
}

// TestEnrolledTablet opens an admin's enrolment link on a tablet, then shows
// that the tablet is counted on its own: behind one router (one IP) another
// client's wrong codes block unenrolled tablets, not this one, and its
// signature names the device.
func TestEnrolledTablet(t *testing.T) {
	// The guesses below are refused by the count in the database, as they
	// are across replicas; the in-memory limit (burst 10, refilled every 5 s)
	// would refuse them first, and let the browser's code through once a
	// slow machine takes 5 s to reach it.
	s := apptest.New(t, func(c *app.Config) { c.CodeLimit = app.Limit{} })
	apptest.FreshWindows(s)
	devID, token := enrolDevice(t, s, "Front desk 1")
	p := newPage(t)
	p.open(s.URL + "/enrol#" + token)
	p.wait(`location.pathname === '/sign' && (document.getElementById('device-note') || {}).textContent === 'This tablet is enrolled as “Front desk 1”.'`)
	p.checkPage("enrolled start")
	p.shot("enrolled")
	var leaked bool
	p.js(`location.href.includes(`+jsString(token)+`) || document.cookie.includes(`+jsString(token)+`)`, &leaked)
	if leaked {
		t.Fatal("the device token is readable by the page or left in the address bar")
	}
	ctx, cancel := p.step()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.URL + "/v1/signing/device"}})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	var dc *network.Cookie
	for _, c := range res.Cookies {
		if c.Name == "consentd_device" {
			dc = c
		}
	}
	if dc == nil || dc.Value != token || !dc.HTTPOnly || dc.SameSite != network.CookieSameSiteStrict || dc.Path != "/v1/signing" {
		t.Fatalf("device cookie in the browser: %+v", dc)
	}

	// The front desk creates a consent (sections acknowledged ahead, as in
	// toSignScreen); then another client on the clinic's IP uses up the
	// unenrolled guesses.
	c := s.CreateConsent(t, "en")
	code := c["signing"].(map[string]any)["code"].(string)
	for _, key := range apptest.Acknowledged(t, c) {
		if st, b := s.Do(t, "POST", "/v1/signing/"+strings.TrimPrefix(signingPath(t, c), "/sign/")+"/acknowledgments", "",
			map[string]any{"section": key, "locale": "en"}); st != 201 {
			t.Fatalf("acknowledge %s: %d %s", key, st, b)
		}
	}
	s.AnswerAll(t, strings.TrimPrefix(signingPath(t, c), "/sign/"), c) // teach-back questions do not block Next
	for _, l := range "ABCDEFGHJKMNPQRSTUVW" {
		s.Do(t, "POST", "/v1/signing/codes/ZZZZ-ZZZ"+string(l), "", nil)
	}
	other := newPage(t)
	other.open(s.URL + "/sign")
	other.waitFor("#code")
	other.typeInto("#code", code)
	other.click("#start")
	other.wait(`document.getElementById('code-error').textContent !== ''`)
	if got := other.text(); !strings.Contains(got, "Too many attempts") {
		t.Fatalf("an unenrolled tablet behind the same IP:\n%s", got)
	}

	// The enrolled tablet opens the consent and the patient signs on it.
	p.typeInto("#code", code)
	p.click("#start")
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	p.waitFor("#section-heading")
	p.js(`(() => { for (let i = 0; i < 20 && !document.getElementById('accept'); i++) document.getElementById('next').click(); })()`)
	p.waitFor("#accept")
	p.click("#accept")
	p.click("#next")
	p.waitFor("#name")
	p.typeInto("#name", "Zoë Müller")
	p.draw(signature())
	p.wait(`!document.getElementById('submit').disabled`)
	p.click("#submit")
	p.waitFor("#handoff-continue")
	got := get(t, s, "/v1/consents/"+c["id"].(string))
	sigs := got["signatures"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("%d signatures", len(sigs))
	}
	if dev := sigs[0].(map[string]any)["evidence"].(map[string]any)["device_id"]; dev != "enrolled:"+devID {
		t.Fatalf("signature evidence names device %v, want enrolled:%s", dev, devID)
	}
}

// TestEnrolmentLinkRevoked: a revoked device's link says so and enrols nothing.
func TestEnrolmentLinkRevoked(t *testing.T) {
	s := apptest.New(t)
	id, token := enrolDevice(t, s, "Lost tablet")
	if st, b := s.Do(t, "DELETE", "/v1/devices/"+id, s.AdminKey, nil); st != 200 {
		t.Fatalf("revoke: %d %s", st, b)
	}
	p := newPage(t)
	p.open(s.URL + "/enrol#" + token)
	p.waitFor("#enrol-failed")
	p.checkPage("enrolment refused")
	var href string
	p.js(`location.href`, &href)
	if strings.Contains(href, token) {
		t.Fatalf("the token stays in the address bar: %s", href)
	}
	if got := p.text(); !strings.Contains(got, "ask the clinic's administrator for a new one") {
		t.Fatalf("refused enrolment says:\n%s", got)
	}
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
