package webtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consentd/consentd/internal/app/apptest"
)

// answerSection answers, on the page, the teach-back questions of section i
// of consent c (whose API JSON holds the right choices), each still open
// correctly.
func answerSection(p *page, c map[string]any, i int) {
	p.t.Helper()
	sec := c["document"].(map[string]any)["sections"].([]any)[i].(map[string]any)
	qs, _ := sec["questions"].([]any)
	for _, raw := range qs {
		q := raw.(map[string]any)
		id := fmt.Sprintf("q-%s-%s", sec["key"], q["key"])
		var open bool // not answered right or flagged yet
		p.js(fmt.Sprintf(`!!document.querySelector('#%s [data-choice]')`, id), &open)
		if !open {
			continue
		}
		p.click(fmt.Sprintf(`#%s [data-choice="%d"]`, id, int(q["correct"].(float64))))
		p.waitFor("#" + id + ".done")
	}
}

// stubSpeech replaces the page's speechSynthesis before its scripts run with
// one that records speak and cancel calls and offers voices of langs.
// Headless Chromium has no speech voices (getVoices() is empty), so without
// a stub the control could only ever be hidden; the stub lets the test see
// that it appears for a voice, speaks in the section's language, and stops.
func stubSpeech(p *page, langs ...string) {
	p.t.Helper()
	voices := make([]string, len(langs))
	for i, l := range langs {
		voices[i] = fmt.Sprintf(`{lang: %q, name: 'Stub %s', default: false, localService: true}`, l, l)
	}
	script := `(() => {
		const calls = [];
		const synth = new EventTarget();
		synth.getVoices = () => [` + strings.Join(voices, ",") + `];
		synth.speak = (u) => calls.push('speak ' + u.lang + ' ' + u.text.slice(0, 40));
		synth.cancel = () => calls.push('cancel');
		Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
		window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; this.lang = ''; this.voice = null; } };
		window.__speech = calls;
	})();`
	p.do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var none chromedp.Void
		return none, tg.Call(ctx, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": script}, nil)
	})
}

// toSection clicks Next until section key is on screen.
func toSection(p *page, key string) {
	p.t.Helper()
	p.js(fmt.Sprintf(`(() => { for (let i = 0; i < 20 && !document.querySelector('[id^="q-%s-"]') && !document.getElementById('next').disabled; i++) document.getElementById('next').click(); })()`, key))
	p.waitFor(fmt.Sprintf(`[id^="q-%s-"]`, key))
}

// TestTeachBackOnTheTablet: a wrong answer shows the explanation with the
// section's text and asks again; a second wrong answer flags the section
// and lets the patient continue; after the PIN the clinician sees what to
// discuss and cannot countersign without confirming it; the sealed PDF
// lists every answer.
func TestTeachBackOnTheTablet(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, path := c["id"].(string), signingPath(t, c)
	tok := strings.TrimPrefix(path, "/sign/")
	// Every section is acknowledged already, and every question but
	// aftercare's answered, so the test goes straight to aftercare's.
	for _, key := range apptest.Acknowledged(t, c) {
		if st, b := s.Do(t, "POST", "/v1/signing/"+tok+"/acknowledgments", "", map[string]any{"section": key, "locale": "en"}); st != 201 {
			t.Fatalf("acknowledge %s: %d %s", key, st, b)
		}
	}
	for sec, qs := range apptest.CorrectAnswers(t, c) {
		for q, choice := range qs {
			if sec != "aftercare" {
				s.Do(t, "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": sec, "question": q, "choice": choice})
			}
		}
	}
	p := newPage(t)
	p.open(s.URL + path)
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	toSection(p, "aftercare")

	p.click(`#q-aftercare-escort [data-choice="0"]`)
	p.waitFor("#q-aftercare-escort-explanation")
	var st struct {
		Explanation string
		Choices     int
		Next        bool
		Body        bool
	}
	read := func() {
		p.js(`({Explanation: document.getElementById('q-aftercare-escort-explanation')?.textContent || '',
			Choices: document.querySelectorAll('#q-aftercare-escort [data-choice]').length,
			Next: document.getElementById('next').disabled, Body: !!document.querySelector('article .doc li')})`, &st)
	}
	read()
	if !strings.Contains(st.Explanation, "an adult must take you home") || st.Choices != 3 || !st.Next || !st.Body {
		t.Errorf("after a wrong answer: %+v; want the explanation, the section's text, the three choices again and Next blocked", st)
	}
	p.checkPage("teach-back, wrong answer")
	p.shot("teachback-wrong")
	p.click(`#q-aftercare-escort [data-choice="2"]`)
	p.waitFor("#q-aftercare-escort.flagged")
	answerSection(p, c, sectionIndex(t, c, "aftercare")) // the other question, right
	p.wait(`!document.getElementById('next').disabled`)
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
	p.click("#handoff-continue")
	p.waitFor("#staff-id")
	if strings.Contains(p.text(), "After your infusion") {
		t.Error("the flagged section shows before the clinician's PIN")
	}
	p.typeInto("#staff-id", apptest.StaffID)
	p.typeInto("#staff-pin", apptest.StaffPIN)
	p.click("#staff-check")
	p.waitFor("#discuss")
	var flagged []string
	p.js(`[...document.querySelectorAll('#flagged-sections li')].map((li) => li.dataset.section + ': ' + li.textContent)`, &flagged)
	if strings.Join(flagged, "|") != "aftercare: After your infusion" {
		t.Errorf("sections to discuss: %q", flagged)
	}
	p.checkPage("clinician, sections to discuss")
	p.shot("teachback-discuss")
	p.click("#identity")
	p.click("#mode-typed")
	p.typeInto("#typed", apptest.StaffName)
	var blocked bool
	p.js(`document.getElementById('staff-submit').disabled`, &blocked)
	if !blocked {
		t.Error("the countersignature is enabled before the clinician confirmed the discussion")
	}
	p.click("#discussed")
	p.wait(`!document.getElementById('staff-submit').disabled`)
	p.click("#staff-submit")
	p.waitFor(".done")

	got := get(t, s, "/v1/consents/"+id)
	if got["status"] != "signed" {
		t.Fatalf("status %v", got["status"])
	}
	clin := got["signatures"].([]any)[1].(map[string]any)
	if d, _ := clin["discussed_sections"].([]any); len(d) != 1 || d[0] != "aftercare" {
		t.Errorf("discussed_sections %v", clin["discussed_sections"])
	}
	var escort []string
	for _, raw := range got["answer_attempts"].([]any) {
		if a := raw.(map[string]any); a["question"] == "escort" {
			escort = append(escort, fmt.Sprintf("%v:%v", a["choice"], a["correct"]))
		}
	}
	if strings.Join(escort, " ") != "0:false 2:false" {
		t.Errorf("escort attempts %v", escort)
	}
	_, b := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	text := pdfText(t, b)
	for _, w := range []string{"Teach-back answers", "Answer: I can drive", "Answer: I can take a", "(not correct)", "Discussed with the"} {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF lacks %q", w)
		}
	}
}

func sectionIndex(t *testing.T, c map[string]any, key string) int {
	t.Helper()
	for i, raw := range c["document"].(map[string]any)["sections"].([]any) {
		if raw.(map[string]any)["key"] == key {
			return i
		}
	}
	t.Fatalf("no section %s", key)
	return -1
}

// TestReadAloud: the control shows only where the device has a voice for
// the section's language, speaks the section in that language, and stops
// when the page changes.
func TestReadAloud(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")

	// A device with an English voice only.
	p := newPage(t)
	stubSpeech(p, "en-US")
	p.open(s.URL + signingPath(t, c))
	p.waitFor("[data-choose=en]")
	p.click("[data-choose=en]")
	p.waitFor("#read-aloud")
	var hidden bool
	p.js(`document.getElementById('read-aloud').hidden`, &hidden)
	if hidden {
		t.Fatal("Read aloud is hidden although the device has an English voice")
	}
	p.checkPage("section with read aloud")
	p.click("#read-aloud")
	var calls []string
	p.js(`window.__speech`, &calls)
	if len(calls) == 0 || !strings.HasPrefix(calls[len(calls)-1], "speak en-US ") {
		t.Fatalf("speech calls %q, want a speak in en-US", calls)
	}
	p.click("#ack")
	p.waitFor("#ack-time")
	p.click("#next") // page change: speech stops
	p.waitFor("#section-heading")
	p.js(`window.__speech`, &calls)
	if calls[len(calls)-1] != "cancel" {
		t.Errorf("speech calls after a page change %q, want a cancel last", calls)
	}

	// The same device shows no control for Spanish: it has no Spanish voice.
	p.click(`[data-lang=es]`)
	p.wait(`document.documentElement.lang === 'es'`)
	p.js(`document.getElementById('read-aloud').hidden`, &hidden)
	if !hidden {
		t.Error("Read aloud shows for Spanish on a device without a Spanish voice")
	}

	// Headless Chromium as it is (no voices): no control.
	q := newPage(t)
	q.open(s.URL + signingPath(t, s.CreateConsent(t, "es")))
	q.waitFor("[data-choose=es]")
	q.click("[data-choose=es]")
	q.waitFor("#section-heading")
	q.js(`document.getElementById('read-aloud').hidden`, &hidden)
	if !hidden {
		t.Error("Read aloud shows on a device without voices")
	}
}

// pdfText returns a PDF's text (pdftotext), whitespace collapsed; skipped
// without pdftotext, a failure in CI.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed (apt-get install -y poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	f := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
