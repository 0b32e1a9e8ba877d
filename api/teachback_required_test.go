package api_test

import (
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestTeachBackRequiredHoldsTheCountersignature publishes a version with
// teach_back: required through the API, on real storage, and checks the
// clinician cannot countersign (409, field teach_back) until the patient
// has answered every question correctly.
func TestTeachBackRequiredHoldsTheCountersignature(t *testing.T) {
	s := apptest.New(t)
	content := templateContent()
	content["teach_back"] = "required"
	for _, l := range []string{"en", "es"} {
		section(content, l, 0)["questions"] = []any{map[string]any{"key": "home", "question": "Who takes you home?",
			"choices": []any{"I drive", "An adult"}, "correct": 1, "explanation": "See the first section."}}
	}
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "tb-required", "title": "Teach-back required"})
	want(t, s, 201, "POST", "/v1/templates/tb-required/versions", s.AdminKey, content)
	v := wantJSON(t, s, 200, "POST", "/v1/templates/tb-required/versions/1/publish", s.AdminKey, apptest.Approval())
	if v["teach_back"] != "required" {
		t.Errorf("published version's teach_back: %v", v["teach_back"])
	}
	c := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("tb-required", 1))
	id, tok := c["id"].(string), signingToken(t, c)
	answer := func(choice int) {
		t.Helper()
		want(t, s, 201, "POST", "/v1/signing/"+tok+"/answers", "", map[string]any{"section": "overview", "question": "home", "choice": choice})
	}
	answer(0)
	signPatient(t, s, c)
	wantError(t, s, 409, "teach_back", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	answer(1)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
}
