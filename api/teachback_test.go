package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestTeachBackOverTheSigningToken drives teach-back through the API on the
// shipped ketamine-iv version 3: a wrong answer returns the explanation, a
// second wrong one flags the section, the clinician sees it at the hand-over
// and must record discussing it; every attempt is in the consent's JSON, the
// audit log (bound to its row) and the sealed PDF's evidence page.
func TestTeachBackOverTheSigningToken(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, tok := c["id"].(string), signingToken(t, c)
	sess := wantJSON(t, s, 200, "GET", "/v1/signing/"+tok, "", nil)
	var asked map[string]any
	for _, raw := range sess["documents"].(map[string]any)["en"].(map[string]any)["sections"].([]any) {
		sec := raw.(map[string]any)
		if sec["key"] == "aftercare" {
			asked = sec["questions"].([]any)[0].(map[string]any)
		}
	}
	if asked == nil || asked["key"] != "escort" || len(asked["choices"].([]any)) != 3 {
		t.Fatalf("aftercare's first question on the tablet: %v", asked)
	}
	if _, leaked := asked["correct"]; leaked || asked["explanation"] != nil {
		t.Errorf("the signing session gives the answer away: %v", asked)
	}

	answer := func(q string, choice int) map[string]any {
		t.Helper()
		return wantJSON(t, s, 201, "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "aftercare", "question": q, "choice": choice})
	}
	r := answer("escort", 0)
	if r["correct"] != false || !strings.Contains(r["explanation"].(string), "adult") || r["section_flagged"] != false || r["attempt"] != 1.0 {
		t.Fatalf("first wrong answer: %v", r)
	}
	if r = answer("escort", 2); r["section_flagged"] != true || r["attempt"] != 2.0 {
		t.Fatalf("second wrong answer: %v", r)
	}
	if r = answer("escort", 1); r["correct"] != true || r["explanation"] != nil {
		t.Fatalf("right answer: %v", r)
	}
	answer("driving", 1)
	wantError(t, s, 409, "question", "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "aftercare", "question": "escort", "choice": 1})
	wantError(t, s, 400, "choice", "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "aftercare", "question": "driving"})
	wantError(t, s, 400, "choice", "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "rights", "question": "withdraw", "choice": 3})
	wantError(t, s, 400, "question", "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "cost", "question": "withdraw", "choice": 0})

	signPatient(t, s, c)
	check := wantJSON(t, s, 200, "POST", "/v1/signing/"+tok+"/staff-check", "", map[string]any{"role": "clinician",
		"staff": map[string]any{"id": apptest.StaffID, "pin": apptest.StaffPIN}})
	flagged := check["flagged_sections"].([]any)
	if len(flagged) != 1 || flagged[0].(map[string]any)["key"] != "aftercare" || flagged[0].(map[string]any)["heading"] != "After your infusion" {
		t.Errorf("staff check's flagged sections: %v", flagged)
	}
	sig := apptest.ClinicianSignature()
	wantError(t, s, 400, "discussed_sections", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, sig)
	sig["discussed_sections"] = []string{"aftercare"}
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, sig)

	got := getConsent(t, s, id)
	var seen []string
	for _, raw := range got["answer_attempts"].([]any) {
		a := raw.(map[string]any)
		seen = append(seen, a["question"].(string)+map[bool]string{true: "+", false: "-"}[a["correct"].(bool)])
		if a["channel"] != "tablet" || a["at"] == "" {
			t.Errorf("attempt without its evidence: %v", a)
		}
	}
	if strings.Join(seen, " ") != "escort- escort- escort+ driving+" {
		t.Errorf("answer attempts %v", seen)
	}
	if f := got["flagged_sections"].([]any); len(f) != 1 || f[0] != "aftercare" {
		t.Errorf("flagged sections %v", f)
	}
	clin := got["signatures"].([]any)[1].(map[string]any)
	if d := clin["discussed_sections"].([]any); len(d) != 1 || d[0] != "aftercare" {
		t.Errorf("countersignature's discussed sections %v", d)
	}
	events := eventsOfType(auditEvents(t, s, id), "consent.answer_recorded")
	if len(events) != 4 {
		t.Fatalf("%d answer events, want 4", len(events))
	}
	for _, e := range events {
		if e["details"].(map[string]any)["row_digests"] == nil {
			t.Errorf("answer event does not vouch for its row: %v", e)
		}
	}
	if e := events[1]["details"].(map[string]any); e["flagged_for_discussion"] != true || e["correct"] != false {
		t.Errorf("second wrong answer's event: %v", e)
	}
	if report, err := s.DB.VerifyIntegrity(context.Background(), nil); err != nil || !report.Intact() {
		t.Errorf("audit verify with answer attempts: %+v, %v", report, err)
	}

	pages := pdfPages(t, want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil))
	text := strings.Join(strings.Fields(strings.Join(pages, " ")), " ")
	// pdftotext -layout interleaves the time column with the answer's
	// wrapped lines, so each answer is checked by its first words.
	for _, w := range []string{"Teach-back answers", "How will you get home after your infusion?",
		"Answer: I can drive", "Answer: I can take a", "Answer: An adult", "When may you drive again after an infusion? — Answer: The next",
		"Flagged to discuss with After your infusion", "Discussed with the After your infusion — " + apptest.StaffName} {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF's evidence page lacks %q", w)
		}
	}
	if n, m := strings.Count(text, "(not correct)"), strings.Count(text, "(correct)"); n != 2 || m != 2 {
		t.Errorf("the PDF's evidence page marks %d answers not correct and %d correct, want 2 and 2", n, m)
	}
}
