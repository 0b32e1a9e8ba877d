package webtest_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestReconsentShowsChangesFirst opens a re-consent on the kiosk: after the
// language, the first screen is what changed since the last version (the
// document's frozen change summary), then section 1; Back returns to it.
func TestReconsentShowsChangesFirst(t *testing.T) {
	s := apptest.New(t)
	old := s.SignedConsent(t, "en")
	st, b := s.Do(t, "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey, nil)
	if st != 201 {
		t.Fatalf("new version: %d %s", st, b)
	}
	n := apptest.JSON(t, b)["version"].(float64)
	path := "/v1/templates/ketamine-iv/versions/" + strconv.Itoa(int(n)) + "/publish"
	if st, b := s.Do(t, "POST", path, s.AdminKey, apptest.Publish("required")); st != 200 {
		t.Fatalf("publish: %d %s", st, b)
	}
	st, b = s.Do(t, "POST", "/v1/consents/"+old+"/reconsent", s.AdminKey, nil)
	if st != 201 {
		t.Fatalf("reconsent: %d %s", st, b)
	}
	re := apptest.JSON(t, b)
	doc := re["documents"].(map[string]any)["es"].(map[string]any)
	summary, _ := doc["change_summary"].(string)
	first := doc["sections"].([]any)[0].(map[string]any)["heading"].(string)
	if summary == "" {
		t.Fatal("the current version has no Spanish change summary to show")
	}

	p := newPage(t)
	p.open(s.URL + signingPath(t, re))
	p.waitFor("[data-choose=es]")
	p.click("[data-choose=es]")
	p.waitFor("#change-summary")
	text := p.text()
	if !strings.Contains(text, "Qué cambió desde que firmó") {
		t.Errorf("first screen is not the change summary:\n%s", text)
	}
	var shown string
	p.js(`document.getElementById('change-summary').textContent`, &shown)
	if words := strings.Fields(summary); len(words) < 3 || !strings.Contains(shown, strings.Trim(words[1], "*_")) {
		t.Errorf("change summary shown %q, want the document's %q", shown, summary)
	}
	p.checkPage("changes")
	p.click("#next")
	p.wait(`document.getElementById('section-heading') && !document.getElementById('change-summary')`)
	var heading string
	p.js(`document.getElementById('section-heading').textContent`, &heading)
	if heading != first {
		t.Errorf("after the changes: heading %q, want section 1 %q", heading, first)
	}
	p.click("#back")
	p.waitFor("#change-summary")
}
