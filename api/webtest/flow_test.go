package webtest_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
)

// signature is a two-stroke scrawl in the pad's logical 600x200 coordinates.
func signature() [][][2]float64 {
	var a, b [][2]float64
	for i := 0; i < 14; i++ {
		a = append(a, [2]float64{40 + float64(i)*16, 100 + 40*math.Sin(float64(i)/2)})
		b = append(b, [2]float64{300 + float64(i)*18, 70 + float64(i%4)*18})
	}
	return [][][2]float64{a, b}
}

func get(t *testing.T, s *apptest.Server, path string) map[string]any {
	t.Helper()
	st, b := s.Do(t, "GET", path, s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, b)
	}
	return apptest.JSON(t, b)
}

// signingPath is the path of a consent's signing URL (the server's public URL differs from the test server's).
func signingPath(t *testing.T, c map[string]any) string {
	t.Helper()
	u := c["signing"].(map[string]any)["url"].(string)
	i := strings.Index(u, "/sign/")
	if i < 0 {
		t.Fatalf("signing url %q", u)
	}
	return u[i:]
}

// TestSignInSpanishWithCountersignature walks the whole kiosk flow and checks the result through the API.
func TestSignInSpanishWithCountersignature(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	code := c["signing"].(map[string]any)["code"].(string)
	// The current template version decides how many sections there are and
	// which need “Entiendo”.
	sections := len(c["document"].(map[string]any)["sections"].([]any))
	wantAcks := len(apptest.Acknowledged(t, c))
	p := newPage(t)

	p.open(s.URL + "/sign?done=1")
	p.waitFor("#code")
	p.checkPage("start")
	p.shot("start")
	p.typeInto("#code", strings.ToLower(strings.ReplaceAll(code, "-", ""))) // case and dashes do not matter
	p.click("#start")

	p.waitFor("[data-choose=es]")
	p.shot("language")
	p.click("[data-choose=es]")
	p.waitFor("#section-heading")
	var lang string
	p.js(`document.documentElement.lang`, &lang)
	if lang != "es" {
		t.Errorf("html lang = %q, want es", lang)
	}

	var acked []string
	for i := 0; ; i++ {
		p.waitFor("#section-heading")
		var sec struct {
			Heading  string
			Required bool
			Pressed  string
		}
		p.js(`({Heading: document.getElementById('section-heading').textContent, Required: !!document.getElementById('ack'),
			Pressed: document.getElementById('ack')?.getAttribute('aria-pressed') || ''})`, &sec)
		if sec.Required {
			var disabled bool
			p.js(`document.getElementById('next').disabled`, &disabled)
			if !disabled {
				t.Errorf("section %d (%s): Next is enabled before “Entiendo”", i, sec.Heading)
			}
			if i == 2 {
				p.shot("section-before-ack")
			}
			p.click("#ack")
			p.waitFor("#ack-time")
			if !strings.Contains(p.text(), "Registrado a las") {
				t.Errorf("section %d: no recorded time shown", i)
			}
			acked = append(acked, sec.Heading)
			if i == 2 {
				p.checkPage("section")
				p.shot("section-acknowledged")
			}
		}
		answerSection(p, c, i) // teach-back questions, answered right
		var last bool
		p.js(fmt.Sprintf(`document.querySelector('.sub').textContent.startsWith('Sección %d de')`, sections), &last)
		p.click("#next")
		if last {
			break
		}
	}
	if len(acked) != wantAcks {
		t.Errorf("acknowledged %d sections, want %d", len(acked), wantAcks)
	}

	p.waitFor("#accept")
	p.shot("disclosure")
	p.click("#accept")
	p.click("#next")

	p.waitFor("#name")
	var disabled bool
	p.js(`document.getElementById('submit').disabled`, &disabled)
	if !disabled {
		t.Error("submit enabled before name and signature")
	}
	p.typeInto("#name", "Zoë Müller")
	scribble := [][][2]float64{{{500, 20}, {520, 60}, {560, 30}, {580, 90}}}
	p.draw(scribble) // cleared below
	p.click("#clear")
	strokes := signature()
	points := p.draw(strokes)
	p.draw(scribble) // undone below
	p.click("#undo")
	p.wait(`!document.getElementById('submit').disabled`)
	p.checkPage("signature")
	p.shot("signature")
	p.click("#submit")

	p.waitFor("#handoff-continue")
	p.shot("handoff")
	noPatientData(t, p, "handoff")
	p.click("#handoff-continue")

	p.waitFor("#staff-id")
	noPatientData(t, p, "staff ID and PIN")
	p.checkPage("clinician PIN")
	p.typeInto("#staff-id", apptest.StaffID)
	p.typeInto("#staff-pin", "000000")
	p.click("#staff-check")
	p.wait(`document.getElementById('staff-error').textContent.includes('PIN incorrecto')`)
	var pin string
	p.js(`document.getElementById('staff-pin').value`, &pin)
	if pin != "" {
		t.Error("wrong PIN left in the field")
	}
	noPatientData(t, p, "wrong PIN")
	p.checkPage("clinician wrong PIN")
	p.shot("clinician-wrong-pin")
	p.typeInto("#staff-pin", apptest.StaffPIN)
	p.click("#staff-check")

	// The right PIN shows whom the clinician attests to.
	p.waitFor("#patient-identity")
	if text := p.text(); !strings.Contains(text, "Zoë Müller") || !strings.Contains(text, "2 de abril de 1980 (1980-04-02)") {
		t.Errorf("identity check does not show the patient's name and date of birth:\n%s", text)
	}
	p.checkPage("clinician, patient shown")
	p.shot("clinician-patient")
	p.click("#identity")
	p.click("#mode-typed")
	p.typeInto("#typed", apptest.StaffName)
	p.click("#staff-submit")

	p.waitFor(".done")
	p.shot("done")
	noPatientData(t, p, "thank-you")
	var path string
	p.js(`location.pathname`, &path)
	if path != "/sign" {
		t.Errorf("the thank-you screen keeps the address %q, want /sign", path)
	}
	p.waitFor("#code") // back at the kiosk start
	noPatientData(t, p, "start after signing")

	got := get(t, s, "/v1/consents/"+id)
	if got["status"] != "signed" || got["locale"] != "es" {
		t.Fatalf("consent status %v locale %v, want signed es", got["status"], got["locale"])
	}
	sigs := got["signatures"].([]any)
	if len(sigs) != 2 {
		t.Fatalf("%d signatures, want 2", len(sigs))
	}
	patient := sigs[0].(map[string]any)
	if patient["role"] != "patient" || patient["name"] != "Zoë Müller" || patient["locale"] != "es" {
		t.Errorf("patient signature: role %v name %v locale %v", patient["role"], patient["name"], patient["locale"])
	}
	checkDrawn(t, patient["signature"].(map[string]any), strokes, points)
	if ev := patient["evidence"].(map[string]any); ev["channel"] != "tablet" || ev["device_id"] == nil {
		t.Errorf("patient evidence %v: want channel tablet and a device id", ev)
	}
	clin := sigs[1].(map[string]any)
	if clin["role"] != "clinician" || clin["staff_id"] != apptest.StaffID || clin["identity_verified"] != true ||
		clin["signature"].(map[string]any)["type"] != "typed" {
		t.Errorf("clinician signature: %v", clin)
	}
	checkAcks(t, got, patient["signed_at"].(string))

	st, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("pdf: %d", st)
	}
	if v := s.Sealer.Verify(pdf); !v.Valid {
		t.Errorf("sealed PDF does not verify: %s", v.Reason)
	}
	if st, _ := s.Do(t, "POST", "/v1/signing/codes/"+code, "", nil); st != 410 {
		t.Errorf("code exchange after signing: %d, want 410", st)
	}
	if st, _ := s.Do(t, "GET", "/v1/signing/"+strings.TrimPrefix(signingPath(t, c), "/sign/"), "", nil); st != 410 {
		t.Errorf("signing view after signing: %d, want 410 (no document shown)", st)
	}
}

// noPatientData fails when the page shows document or patient text.
func noPatientData(t *testing.T, p *page, where string) {
	t.Helper()
	text := p.text()
	for _, w := range []string{"Zoë", "Müller", "MRN", "etamin", "Calm Waters", "Dr. Ana Ruiz", "Registros y firmas electrónicos"} {
		if strings.Contains(text, w) {
			t.Errorf("%s: page shows %q:\n%s", where, w, text)
		}
	}
}

// checkDrawn compares the stored strokes with the ones drawn.
func checkDrawn(t *testing.T, mark map[string]any, want [][][2]float64, points int) {
	t.Helper()
	if mark["type"] != "drawn" || mark["width"] != 600.0 || mark["height"] != 200.0 {
		t.Fatalf("signature %v %vx%v, want drawn 600x200", mark["type"], mark["width"], mark["height"])
	}
	got := mark["strokes"].([]any)
	if len(got) != len(want) {
		t.Fatalf("%d strokes, want %d: %v", len(got), len(want), got)
	}
	n := 0
	lastT := -1.0
	for i, st := range got {
		pts := st.([]any)
		n += len(pts)
		if len(pts) != len(want[i]) {
			t.Errorf("stroke %d: %d points, want %d", i, len(pts), len(want[i]))
			continue
		}
		for j, q := range pts {
			pt := q.(map[string]any)
			x, y, tm := pt["x"].(float64), pt["y"].(float64), pt["t"].(float64)
			if math.Abs(x-want[i][j][0]) > 1.5 || math.Abs(y-want[i][j][1]) > 1.5 {
				t.Errorf("stroke %d point %d at (%.1f, %.1f), drawn at (%.1f, %.1f)", i, j, x, y, want[i][j][0], want[i][j][1])
			}
			if tm < lastT {
				t.Errorf("stroke %d point %d: t %v goes back from %v", i, j, tm, lastT)
			}
			lastT = tm
		}
	}
	if n != points {
		t.Errorf("%d points stored, %d drawn", n, points)
	}
}

// checkAcks wants the 7 required sections acknowledged in Spanish, in reading order, before the signature.
func checkAcks(t *testing.T, c map[string]any, signedAt string) {
	t.Helper()
	doc := c["documents"].(map[string]any)["es"].(map[string]any)
	var required []string
	for _, s := range doc["sections"].([]any) {
		if sec := s.(map[string]any); sec["requires_acknowledgment"] == true {
			required = append(required, sec["key"].(string))
		}
	}
	at := map[string]time.Time{}
	for _, a := range c["acknowledgments"].([]any) {
		ack := a.(map[string]any)
		if ack["locale"] != "es" {
			t.Errorf("acknowledgment in %v, want es", ack["locale"])
		}
		tm, err := time.Parse(time.RFC3339Nano, ack["at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		at[ack["section"].(string)] = tm
	}
	signed, _ := time.Parse(time.RFC3339Nano, signedAt)
	prev := time.Time{}
	for _, key := range required {
		tm, ok := at[key]
		if !ok {
			t.Errorf("section %s not acknowledged", key)
			continue
		}
		if tm.Before(prev) || tm.After(signed) {
			t.Errorf("section %s acknowledged at %v: out of order (previous %v, signed %v)", key, tm, prev, signed)
		}
		prev = tm
	}
	if len(at) != len(required) {
		t.Errorf("%d acknowledgments, want %d", len(at), len(required))
	}
}
