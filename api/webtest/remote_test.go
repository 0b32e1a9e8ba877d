package webtest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app/apptest"
)

// newPhonePage is a tab the size of a phone (390 × 844 CSS pixels, mobile).
func newPhonePage(t *testing.T) *page {
	t.Helper()
	p := newPage(t)
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	return p
}

// TestRemoteSigningOnAPhone: a patient opens the clinic's link on their own
// phone, proves their date of birth and the code before anything of the
// consent shows, reads, acknowledges and signs; the link is then used up;
// the clinic countersigns the next morning through the API, and the sealed
// PDF's evidence page says the patient signed remotely.
func TestRemoteSigningOnAPhone(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	sections := len(c["document"].(map[string]any)["sections"].([]any))
	wantAcks := len(apptest.Acknowledged(t, c))
	st, b := s.Do(t, "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, map[string]any{"require_code": true})
	if st != 201 {
		t.Fatalf("create remote link: %d %s", st, b)
	}
	link := apptest.JSON(t, b)
	path, code := link["path"].(string), link["code"].(string)

	p := newPhonePage(t)
	p.open(s.URL + path)
	p.waitFor("#birth-date")
	p.waitFor("#remote-code")
	var width int
	p.js(`window.innerWidth`, &width)
	if width != 390 {
		t.Fatalf("viewport %d px wide, want 390", width)
	}
	noPatientData(t, p, "gate")
	p.checkPage("gate")
	p.shot("gate")

	p.typeInto("#birth-date", "1980-04-03")
	p.typeInto("#remote-code", code)
	p.click("#gate-submit")
	p.wait(`document.getElementById('gate-error').textContent.includes('does not match')`)
	noPatientData(t, p, "wrong date of birth")
	p.checkPage("gate, wrong answer")
	p.shot("gate-wrong")

	p.typeInto("#birth-date", "1980-04-02")
	p.typeInto("#remote-code", code)
	p.click("#gate-submit")
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")

	acked := 0
	for i := 0; ; i++ {
		p.waitFor("#section-heading")
		var required bool
		p.js(`!!document.getElementById('ack')`, &required)
		if required {
			p.click("#ack")
			p.waitFor("#ack-time")
			acked++
		}
		answerSection(p, c, i) // teach-back questions, as on the kiosk
		if i == 1 {
			p.checkPage("section")
			p.shot("section")
		}
		var last bool
		p.js(fmt.Sprintf(`document.querySelector('.sub').textContent.startsWith('Section %d of')`, sections), &last)
		p.click("#next")
		if last {
			break
		}
	}
	if acked != wantAcks {
		t.Errorf("acknowledged %d sections, want %d", acked, wantAcks)
	}
	p.waitFor("#accept")
	p.click("#accept")
	p.click("#next")
	p.waitFor("#name")
	p.typeInto("#name", "Zoë Müller")
	p.draw(signature())
	p.wait(`!document.getElementById('submit').disabled`)
	p.checkPage("signature")
	p.shot("signature")
	p.click("#submit")

	p.waitFor("#remote-done")
	if text := p.text(); !strings.Contains(text, "Your signature is recorded") || strings.Contains(text, "hand the tablet") {
		t.Errorf("thank-you screen:\n%s", text)
	}
	noPatientData(t, p, "thank-you")
	p.checkPage("thank-you")
	p.shot("done")

	got := get(t, s, "/v1/consents/"+id)
	sigs := got["signatures"].([]any)
	if got["status"] != "pending" || len(sigs) != 1 {
		t.Fatalf("after the patient: status %v, %d signatures", got["status"], len(sigs))
	}
	if ev := sigs[0].(map[string]any)["evidence"].(map[string]any); ev["channel"] != "remote" {
		t.Errorf("patient evidence %v, want channel remote", ev)
	}
	for _, a := range got["acknowledgments"].([]any) {
		if ch := a.(map[string]any)["channel"]; ch != "remote" {
			t.Errorf("acknowledgment channel %v, want remote", ch)
		}
	}

	// Opening the link again says it was used, and shows nothing else.
	p.open(s.URL + path)
	p.waitFor("#gone[data-reason=used]")
	noPatientData(t, p, "second open")
	p.checkPage("used link")
	p.shot("used")

	// The next morning the clinician countersigns through the EHR.
	s.Clock.Advance(14 * 3600e9)
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature()); st != 201 {
		t.Fatalf("countersign: %d %s", st, b)
	}
	st, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("pdf: %d", st)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "pdftotext"), in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	i := strings.Index(text, "Signing channels")
	if i < 0 || !strings.Contains(text[i:], "Patient: remote (patient's own device, signing link)") ||
		!strings.Contains(text[i:], "Clinician: api") {
		t.Fatalf("evidence page does not say the patient signed remotely:\n%s", text)
	}
}

// TestRemoteSigningIdleLockReturnsToTheGate: a phone left alone clears the
// consent and asks for the date of birth again, never the kiosk start.
func TestRemoteSigningIdleLockReturnsToTheGate(t *testing.T) {
	s := apptest.New(t)
	id := s.CreateConsent(t, "en")["id"].(string)
	st, b := s.Do(t, "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, map[string]any{})
	if st != 201 {
		t.Fatalf("create remote link: %d %s", st, b)
	}
	p := newPhonePage(t)
	p.open(s.URL + apptest.JSON(t, b)["path"].(string) + "?idle=1&warn=1")
	p.waitFor("#birth-date")
	p.typeInto("#birth-date", "1980-04-02")
	p.click("#gate-submit")
	p.waitFor("[data-choose=en]")
	p.wait(`document.getElementById('idle').open`)
	p.wait(`!!document.getElementById('birth-date') && !document.getElementById('idle').open`)
	noPatientData(t, p, "after the idle lock")
	var onKiosk bool
	p.js(`!!document.getElementById('code')`, &onKiosk)
	if onKiosk {
		t.Error("the idle lock opened the kiosk start on the patient's phone")
	}
	p.checkPage("gate after idle lock")
}
