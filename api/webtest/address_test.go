package webtest_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app/apptest"
)

// TestFinishedConsentLeavesTheLink: a consent shown as finished (signed,
// cancelled, unknown) replaces the dead /sign/<token> in the address bar with
// /sign, so a reload or a bookmark opens the kiosk start, not a dead link.
func TestFinishedConsentLeavesTheLink(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	for _, body := range []map[string]any{apptest.PatientSignature(apptest.Acknowledged(t, c)), apptest.ClinicianSignature()} {
		if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body); st != 201 {
			t.Fatalf("sign: %d %s", st, b)
		}
	}
	p := newPage(t)
	for _, tc := range []struct{ name, path, reason string }{
		{"signed", signingPath(t, c), "gone"},
		{"unknown", "/sign/not-a-token", "notfound"},
	} {
		p.open(s.URL + tc.path + "?done=1")
		p.waitFor("#gone[data-reason=" + tc.reason + "]")
		var loc string
		p.js(`location.pathname + location.search`, &loc)
		if loc != "/sign?done=1" {
			t.Errorf("%s: address %q, want /sign?done=1", tc.name, loc)
		}
		p.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#code")))
	}
}

// TestFavicon: the page names its icon, served from its own assets under the
// page's Content-Security-Policy.
func TestFavicon(t *testing.T) {
	s := apptest.New(t)
	p := newPage(t)
	p.open(s.URL + "/sign")
	p.waitFor("#code")
	var href string
	p.js(`document.querySelector('link[rel=icon]')?.getAttribute('href') || ''`, &href)
	if href == "" {
		t.Fatal("no <link rel=icon>")
	}
	st, body, hdr := getHeader(t, s.URL+href)
	if st != 200 || hdr.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "<svg") {
		t.Fatalf("%s: %d %s", href, st, hdr.Get("Content-Type"))
	}
	p.checkPage("start with its icon")
}
