package api_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// unprintable are characters the PDF cannot print as typed, with the code
// point the 400 must name (issue 9 item 1).
var unprintable = []struct{ name, text, code string }{
	{"Devanagari", "नमन", "U+0928"},
	{"Ethiopic", "ሀይሉ", "U+1200"},
	{"Thai", "สมชาย", "U+0E2A"},
	{"outside the BMP", "𠮷野", "U+20BB7"},
	{"emoji", "Ana 😀", "U+1F600"},
	{"right-to-left override", "Ana\u202Eazor", "U+202E"},
	{"isolate", "Ana\u2067x\u2069", "U+2067"},
	{"Arabic vowel mark", "مُحمد", "U+064F"},
}

// TestUnprintableRefusedAtIntake: every place a person's or a template's
// text enters refuses what the PDF cannot print, with 400, the field, and a
// message naming the character. Before, these were accepted (201) and printed
// as boxes, or (outside the BMP) crashed the renderer.
func TestUnprintableRefusedAtIntake(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	acks := apptest.Acknowledged(t, c)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "print-test", "title": "Print"})
	check := func(t *testing.T, b []byte, field, code string) {
		t.Helper()
		gotCode, gotField, msg := errorOf(t, b)
		if gotCode != "invalid" || gotField != field || !strings.Contains(msg, code) {
			t.Fatalf("got %s %s %q, want invalid, field %s and a message naming %s", gotCode, gotField, msg, field, code)
		}
	}
	for _, tt := range unprintable {
		t.Run(tt.name, func(t *testing.T) {
			req := apptest.ConsentRequest("en")
			req["patient"].(map[string]any)["family_name"] = tt.text
			check(t, want(t, s, 400, "POST", "/v1/consents", s.AdminKey, req), "patient.family_name", tt.code)

			req = apptest.ConsentRequest("en")
			vars := map[string]any{}
			for k, v := range apptest.Variables {
				vars[k] = v
			}
			vars["clinician_name"] = "Dr. " + tt.text
			req["variables"] = vars
			check(t, want(t, s, 400, "POST", "/v1/consents", s.AdminKey, req), "variables.clinician_name", tt.code)

			sig := apptest.PatientSignature(acks)
			sig["name"] = tt.text
			check(t, want(t, s, 400, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, sig), "name", tt.code)

			staff := map[string]any{"id": "W-9", "name": tt.text, "role": "witness", "pin": "135792"}
			check(t, want(t, s, 400, "POST", "/v1/staff", s.AdminKey, staff), "name", tt.code)

			tc := templateContent()
			section(tc, "es", 1)["body"] = "Riesgo: " + tt.text
			check(t, want(t, s, 400, "POST", "/v1/templates/print-test/versions", s.AdminKey, tc), "locales.es.sections[1].body", tt.code)
		})
	}
	t.Run("character reference in a template", func(t *testing.T) {
		tc := templateContent()
		section(tc, "en", 0)["body"] = "Given at {{clinic}} &#x928; &rlm;"
		check(t, want(t, s, 400, "POST", "/v1/templates/print-test/versions", s.AdminKey, tc), "locales.en.sections[0].body", "U+0928")
	})
}

// TestEveryScriptSignsAndSeals: names in every printable script go through
// the real API to a sealed PDF.
func TestEveryScriptSignsAndSeals(t *testing.T) {
	s := apptest.New(t)
	for _, name := range [][2]string{{"Nguyễn Thị Ánh", "Trần"}, {"דוד", "כהן"}, {"محمد", "عبد الله"}, {"小明", "王"}, {"さくら", "山田"}, {"민준", "김"}} {
		t.Run(name[1], func(t *testing.T) {
			req := apptest.ConsentRequest("en")
			req["patient"].(map[string]any)["given_name"], req["patient"].(map[string]any)["family_name"] = name[0], name[1]
			c := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, req)
			id := c["id"].(string)
			sig := apptest.PatientSignature(apptest.Acknowledged(t, c))
			sig["name"] = name[0] + " " + name[1]
			want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, sig)
			want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
			want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
		})
	}
}
