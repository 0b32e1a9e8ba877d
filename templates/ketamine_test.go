package templates

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// ketamineV1SHA256 pins the shipped text. A shipped version is frozen once a
// clinic publishes it: change the text in a new file (2.yaml), never in 1.yaml.
const ketamineV1SHA256 = "8acfe178c7e580541fff32f41c406395e7eff92d40310e54aa8c6cdb0cc4bf20"

func TestKetamineV1Shape(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	c := s.Content
	if s.Title != "Ketamine infusion therapy for treatment-resistant depression" {
		t.Errorf("title = %q", s.Title)
	}
	if d := cmp.Diff([]string{"en", "es"}, sortedLocales(c)); d != "" {
		t.Errorf("locales (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"patient", "clinician"}, c.RequiredSigners); d != "" {
		t.Errorf("required signers (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"drawn", "typed", "image"}, c.SignatureForms); d != "" {
		t.Errorf("signature forms (-want +got):\n%s", d)
	}
	if c.ExpiresAfterHours != 168 {
		t.Errorf("expires_after_hours = %d, want 168", c.ExpiresAfterHours)
	}
	wantKeys := []string{"overview", "procedure", "benefits", "side_effects_short_term", "risks_long_term", "misuse_risk",
		"contraindications", "safety_measures", "aftercare", "alternatives", "rights"}
	mustAck := []string{"side_effects_short_term", "risks_long_term", "misuse_risk", "contraindications", "aftercare", "rights"}
	for _, code := range []string{"en", "es"} {
		lc := c.Locales[code]
		var keys []string
		for _, sec := range lc.Sections {
			keys = append(keys, sec.Key)
			if sec.Kind != sec.Key {
				t.Errorf("%s %s: kind %q, want one section per kind keyed by it", code, sec.Key, sec.Kind)
			}
			if slices.Contains(mustAck, sec.Key) && !sec.RequiresAcknowledgment {
				t.Errorf("%s %s: requires_acknowledgment is false", code, sec.Key)
			}
			if n := len(strings.Fields(sec.Body)); n < 80 || n > 250 {
				t.Errorf("%s %s: %d words, want 80-250", code, sec.Key, n)
			}
		}
		if d := cmp.Diff(wantKeys, keys); d != "" {
			t.Errorf("%s section keys (-want +got):\n%s", code, d)
		}
		for _, role := range consent.Roles {
			if strings.TrimSpace(lc.Meanings[role]) == "" {
				t.Errorf("%s: no meaning for %s", code, role)
			}
		}
	}
}

// TestKetamineV1Says checks that each section says what a clinician would
// insist on, in both languages (case-insensitive substrings).
func TestKetamineV1Says(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	tests := []struct {
		section string
		en, es  []string
	}{
		{"overview", []string{"anesthetic", "nmda", "glutamate", "neuroplasticity", "off-label", "not approved"},
			[]string{"anestésico", "nmda", "glutamato", "neuroplasticidad", "fuera de indicación", "no ha\naprobado"}},
		{"procedure", []string{"40 minutes", "body weight", "six infusions", "two to three weeks", "blood pressure", "oxygen", "30 to 60 minutes"},
			[]string{"40 minutos", "peso", "seis infusiones", "dos a tres", "presión arterial", "oxígeno", "30 a 60 minutos"}},
		{"benefits", []string{"hours to days", "not guaranteed", "fades"}, []string{"horas", "no están garantizados", "disminuir"}},
		{"side_effects_short_term", []string{"blood pressure", "nausea", "dizziness", "drowsiness", "dissociation", "headache", "anxiety", "tell staff at once"},
			[]string{"presión arterial", "náuseas", "mareo", "somnolencia", "disociación", "dolor de cabeza", "ansiedad", "de\ninmediato"}},
		{"risks_long_term", []string{"limited", "cystitis", "memory", "cannot promise", "urinary"},
			[]string{"poca investigación", "cistitis", "memoria", "no podemos prometerle", "urinario"}},
		{"misuse_risk", []string{"misused", "tolerance", "dependence", "not zero", "take home", "substance use"},
			[]string{"indebida", "tolerancia", "dependencia", "no es nulo", "llevar a casa", "sustancias"}},
		{"contraindications", []string{"psychosis", "schizophrenia", "high blood pressure", "pregnan", "breastfeeding", "heart", "liver", "all medicines"},
			[]string{"psicosis", "esquizofrenia", "presión arterial alta", "embaraz", "amamantando", "corazón", "hígado", "todos los medicamentos"}},
		{"safety_measures", []string{"screening", "monitoring", "emergency", "follow-up"}, []string{"evaluación", "vigilancia", "emergencia", "seguimiento"}},
		{"aftercare", []string{"do not drive", "machinery", "important decisions", "night's sleep", "adult", "alcohol", "{{clinic_phone}}", "911"},
			[]string{"no maneje", "maquinaria", "decisiones importantes", "noche completa de sueño", "adulta", "alcohol", "{{clinic_phone}}", "911"}},
		{"alternatives", []string{"antidepressant", "psychotherapy", "esketamine", "tms", "ect", "no new treatment"},
			[]string{"antidepresivos", "psicoterapia", "esketamina", "tms", "tec", "ningún tratamiento"}},
		{"rights", []string{"refuse", "withdraw", "{{clinic_name}}", "{{clinician_name}}"},
			[]string{"rechazarlo", "retirar", "{{clinic_name}}", "{{clinician_name}}"}},
	}
	for _, tt := range tests {
		for code, phrases := range map[string][]string{"en": tt.en, "es": tt.es} {
			t.Run(code+"/"+tt.section, func(t *testing.T) {
				body := strings.ToLower(section(t, s, code, tt.section).Body)
				flat := strings.Join(strings.Fields(body), " ")
				for _, p := range phrases {
					if !strings.Contains(flat, strings.Join(strings.Fields(p), " ")) {
						t.Errorf("does not mention %q", p)
					}
				}
			})
		}
	}
}

// overpromise matches claims a consent must not make.
var overpromise = regexp.MustCompile(`(?i)\b(is guaranteed|completely safe|cures?|no existen riesgos|está garantizad[oa]|totalmente segur[oa]|curar?)\b`)

func TestKetamineV1DoesNotOverpromise(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	for _, code := range []string{"en", "es"} {
		for _, sec := range s.Content.Locales[code].Sections {
			body := strings.Join(strings.Fields(sec.Body), " ")
			if m := overpromise.FindString(body); m != "" {
				t.Errorf("%s %s: says %q", code, sec.Key, m)
			}
			hedged := strings.ReplaceAll(body, "cannot promise that there are no long-term risks", "")
			if strings.Contains(strings.ToLower(hedged), "no long-term risk") {
				t.Errorf("%s %s: claims there are no long-term risks", code, sec.Key)
			}
		}
	}
}

func TestKetamineV1Disclosure(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	want := map[string][]string{
		"en": {"electronic", "paper copy", "free of charge", "withdraw", "on paper", "stay valid", "contact details", "pdf reader", "{{clinic_phone}}"},
		"es": {"electrónic", "copia en papel", "sin costo", "retirar", "en papel", "siguen siendo válidos", "datos de contacto", "lector de pdf", "{{clinic_phone}}"},
	}
	for code, phrases := range want {
		d := strings.ToLower(strings.Join(strings.Fields(s.Content.Locales[code].Disclosure), " "))
		for _, p := range phrases {
			if !strings.Contains(d, p) {
				t.Errorf("%s disclosure does not mention %q", code, p)
			}
		}
	}
	if !strings.Contains(s.Content.Locales["en"].Meanings["interpreter"], "interpreted this consent") {
		t.Errorf("en interpreter meaning = %q", s.Content.Locales["en"].Meanings["interpreter"])
	}
}

// TestKetamineV1Spanish guards against a machine-literal or accent-stripped
// translation: accents present, usted register, no tú forms, no English left.
func TestKetamineV1Spanish(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	lc := s.Content.Locales["es"]
	var all strings.Builder
	all.WriteString(lc.Title + "\n" + lc.Disclosure + "\n")
	for _, sec := range lc.Sections {
		all.WriteString(sec.Heading + "\n" + sec.Body + "\n")
	}
	text := all.String()
	for _, r := range "áéíóúñ¿" {
		if !strings.ContainsRune(text, r) {
			t.Errorf("Spanish text never uses %q", r)
		}
	}
	if !strings.Contains(text, "usted") {
		t.Error("Spanish text does not address the patient as usted")
	}
	// RE2's \b is ASCII-only, so word edges are spelled out for accented words.
	tu := regexp.MustCompile(`(?i)(?:^|\PL)(tú|tienes|puedes|debes|tu médico|avísanos|llámanos|dinos|léelo)(?:\PL|$)`)
	if tu.FindString("¿Tú puedes?") == "" || tu.FindString("Avísanos.") == "" {
		t.Fatal("tú detector is broken")
	}
	if m := tu.FindStringSubmatch(text); m != nil {
		t.Errorf("Spanish text uses the tú form %q", m[1])
	}
	english := regexp.MustCompile(`(?i)\b(the|and|you|your|with|treatment|please)\b`)
	if m := english.FindString(text); m != "" {
		t.Errorf("Spanish text contains the English word %q", m)
	}
}

func TestContentHashStable(t *testing.T) {
	data, err := files.ReadFile("files/ketamine-iv/1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hash := func(t *testing.T, b []byte) string {
		t.Helper()
		s, err := Parse("1.yaml", b)
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.Content.SHA256()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	first := hash(t, data)
	if second := hash(t, data); second != first {
		t.Errorf("parsing twice gave %s then %s", first, second)
	}
	if first != ketamineV1SHA256 {
		t.Errorf("ketamine-iv v1 content hash = %s, want %s; shipped versions are frozen, add 2.yaml instead", first, ketamineV1SHA256)
	}
	t.Run("comment change keeps the hash", func(t *testing.T) {
		if got := hash(t, []byte("# reformatted\n"+string(data))); got != first {
			t.Errorf("hash changed to %s", got)
		}
	})
	edits := []struct{ name, old, new string }{
		{"one letter in a body", "anesthetic, to put people", "anesthetiC, to put people"},
		{"one accent", "Léalo con atención", "Lealo con atención"},
		{"acknowledgment flag", "heading: Possible benefits\n        requires_acknowledgment: true", "heading: Possible benefits\n        requires_acknowledgment: false"},
		{"expiry", "expires_after_hours: 168", "expires_after_hours: 167"},
		{"variable label", "label: Clinic name\n", "label: Clinic Name\n"},
		{"meaning", "I verified the patient's identity.", "I verified the patient's identity!"},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			if strings.Count(string(data), e.old) != 1 {
				t.Fatalf("%q does not occur exactly once", e.old)
			}
			changed := strings.Replace(string(data), e.old, e.new, 1)
			if e.name == "acknowledgment flag" { // keep locales consistent so it still validates
				changed = strings.Replace(changed, "heading: Posibles beneficios\n        requires_acknowledgment: true", "heading: Posibles beneficios\n        requires_acknowledgment: false", 1)
			}
			if got := hash(t, []byte(changed)); got == first {
				t.Errorf("hash unchanged after editing %s", e.name)
			}
		})
	}
}
