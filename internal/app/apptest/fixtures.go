package apptest

import (
	"testing"
)

// Variables are values for the variables of the current ketamine-iv version
// (3, with version 2's variables) that have no default.
var Variables = map[string]string{"clinic_name": "Calm Waters Ketamine Clinic", "clinician_name": "Dr. Ana Ruiz",
	"clinic_phone": "+1 555 0100", "after_hours_phone": "+1 555 0199", "infusion_fee": "$450"}

// VariablesV1 are values for ketamine-iv version 1's variables.
var VariablesV1 = map[string]string{"clinic_name": "Calm Waters Ketamine Clinic", "clinician_name": "Dr. Ana Ruiz", "clinic_phone": "+1 555 0100"}

// ConsentRequest returns a valid POST /v1/consents body for the ketamine template.
func ConsentRequest(locale string) map[string]any {
	return map[string]any{"template": "ketamine-iv", "locale": locale,
		"patient":   map[string]any{"id": "MRN-1001", "given_name": "Zoë", "family_name": "Müller", "birth_date": "1980-04-02"},
		"variables": Variables}
}

// ConsentRequestV1 returns a valid POST /v1/consents body pinned to
// ketamine-iv version 1, for tests whose expectations depend on its text.
func ConsentRequestV1(locale string) map[string]any {
	r := ConsentRequest(locale)
	r["version"], r["variables"] = 1, VariablesV1
	return r
}

// Strokes is a plausible drawn signature on a 600x200 canvas.
func Strokes() []any {
	var a, b []any
	for i := 0; i < 12; i++ {
		a = append(a, map[string]any{"x": 20 + i*15, "y": 100 + (i%3)*25 - 25, "t": i * 16})
		b = append(b, map[string]any{"x": 220 + i*20, "y": 60 + (i%4)*20, "t": 400 + i*16})
	}
	return []any{a, b}
}

// Acknowledged lists the ketamine template's sections that require acknowledgment.
func Acknowledged(tb testing.TB, consentJSON map[string]any) []string {
	tb.Helper()
	var out []string
	doc := consentJSON["document"].(map[string]any)
	for _, s := range doc["sections"].([]any) {
		sec := s.(map[string]any)
		if sec["requires_acknowledgment"].(bool) {
			out = append(out, sec["key"].(string))
		}
	}
	return out
}

// PatientSignature returns a valid patient signature body.
func PatientSignature(acks []string) map[string]any {
	return map[string]any{"role": "patient", "name": "Zoë Müller", "acknowledged_sections": acks,
		"electronic_records_consent": true,
		"signature":                  map[string]any{"type": "drawn", "width": 600, "height": 200, "strokes": Strokes()}}
}

// ClinicianSignature returns a valid clinician countersignature body.
func ClinicianSignature() map[string]any {
	return map[string]any{"role": "clinician", "staff": map[string]any{"id": StaffID, "pin": StaffPIN},
		"identity_verified": true, "signature": map[string]any{"type": "typed", "text": StaffName}}
}

// CreateConsent creates a consent and returns its JSON.
func (s *Server) CreateConsent(tb testing.TB, locale string) map[string]any {
	tb.Helper()
	st, b := s.Do(tb, "POST", "/v1/consents", s.AdminKey, ConsentRequest(locale))
	if st != 201 {
		tb.Fatalf("create consent: %d %s", st, b)
	}
	return JSON(tb, b)
}

// SignedConsent creates a consent signed by patient and clinician and returns its ID.
func (s *Server) SignedConsent(tb testing.TB, locale string) string {
	tb.Helper()
	return s.signed(tb, s.CreateConsent(tb, locale))
}

// SignedConsentV1 is SignedConsent on ketamine-iv version 1.
func (s *Server) SignedConsentV1(tb testing.TB, locale string) string {
	tb.Helper()
	st, b := s.Do(tb, "POST", "/v1/consents", s.AdminKey, ConsentRequestV1(locale))
	if st != 201 {
		tb.Fatalf("create consent on version 1: %d %s", st, b)
	}
	return s.signed(tb, JSON(tb, b))
}

func (s *Server) signed(tb testing.TB, c map[string]any) string {
	tb.Helper()
	id := c["id"].(string)
	if st, b := s.Do(tb, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, PatientSignature(Acknowledged(tb, c))); st != 201 {
		tb.Fatalf("patient signature: %d %s", st, b)
	}
	if st, b := s.Do(tb, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, ClinicianSignature()); st != 201 {
		tb.Fatalf("clinician signature: %d %s", st, b)
	}
	return id
}

// CorrectAnswers returns, per section key, each teach-back question's key
// and correct choice in the consent's document (the API's JSON shows them).
func CorrectAnswers(tb testing.TB, consentJSON map[string]any) map[string]map[string]int {
	tb.Helper()
	out := map[string]map[string]int{}
	for _, raw := range consentJSON["document"].(map[string]any)["sections"].([]any) {
		sec := raw.(map[string]any)
		qs, _ := sec["questions"].([]any)
		for _, q := range qs {
			qm := q.(map[string]any)
			if out[sec["key"].(string)] == nil {
				out[sec["key"].(string)] = map[string]int{}
			}
			out[sec["key"].(string)][qm["key"].(string)] = int(qm["correct"].(float64))
		}
	}
	return out
}

// AnswerAll answers every teach-back question correctly through a signing
// token, as a tablet would after the patient read each section.
func (s *Server) AnswerAll(tb testing.TB, token string, consentJSON map[string]any) {
	tb.Helper()
	for sec, qs := range CorrectAnswers(tb, consentJSON) {
		for q, choice := range qs {
			if st, b := s.Do(tb, "POST", "/v1/signing/"+token+"/answers", "", map[string]any{"section": sec, "question": q, "choice": choice}); st != 201 {
				tb.Fatalf("answer %s/%s: %d %s", sec, q, st, b)
			}
		}
	}
}
