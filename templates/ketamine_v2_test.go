package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// ketamineV1FileSHA256 pins 1.yaml byte for byte: consents were signed on
// version 1, so even its comments and line breaks stay as shipped.
const ketamineV1FileSHA256 = "cf98b5ec6e02b4454d8a1c929850b7a1ca77ff45ee069874ce5347f03eb039a2"

func TestKetamineV1FileUnchanged(t *testing.T) {
	data, err := files.ReadFile("files/ketamine-iv/1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != ketamineV1FileSHA256 {
		t.Errorf("files/ketamine-iv/1.yaml SHA-256 = %s, want %s; version 1 is frozen, change 2.yaml or add 3.yaml", got, ketamineV1FileSHA256)
	}
}

// TestShippedReadability holds every shipped version to the plain-language
// limits, except the grandfathered version 1, whose figures are only logged.
func TestShippedReadability(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, s := range all {
		r := CheckReadability(s)
		var b strings.Builder
		if err := r.Write(&b); err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", b.String())
		if s.Slug == "ketamine-iv" && s.Version == 1 {
			if !r.Grandfathered {
				t.Error("ketamine-iv v1 is not grandfathered")
			}
			continue
		}
		if r.Grandfathered {
			t.Errorf("%s v%d is grandfathered; only ketamine-iv v1 may be", s.Slug, s.Version)
		}
		checked++
		for _, f := range r.Failures() {
			t.Errorf("%s v%d: %s", s.Slug, s.Version, f)
		}
	}
	if checked == 0 {
		t.Error("no shipped version was held to the limits")
	}
}

func TestKetamineV2Shape(t *testing.T) {
	s := shipped(t, "ketamine-iv", 2)
	c := s.Content
	if d := cmp.Diff([]string{"en", "es"}, sortedLocales(c)); d != "" {
		t.Errorf("locales (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"patient", "clinician"}, c.RequiredSigners); d != "" {
		t.Errorf("required signers (-want +got):\n%s", d)
	}
	wantKeys := []string{"overview", "procedure", "benefits", "relapse_and_suicide", "side_effects_short_term",
		"risks_long_term", "misuse_risk", "contraindications", "interactions", "safety_measures", "aftercare",
		"alternatives", "cost", "rights"}
	wantAck := []string{"overview", "benefits", "relapse_and_suicide", "side_effects_short_term", "risks_long_term",
		"misuse_risk", "contraindications", "interactions", "aftercare", "alternatives", "cost", "rights"}
	kinds := map[string]string{"relapse_and_suicide": "other", "interactions": "contraindications"}
	for _, code := range []string{"en", "es"} {
		lc := c.Locales[code]
		var keys, acks []string
		for _, sec := range lc.Sections {
			keys = append(keys, sec.Key)
			if sec.RequiresAcknowledgment {
				acks = append(acks, sec.Key)
			}
			want := kinds[sec.Key]
			if want == "" {
				want = sec.Key
			}
			if sec.Kind != want {
				t.Errorf("%s %s: kind %q, want %q", code, sec.Key, sec.Kind, want)
			}
			if n := len(strings.Fields(sec.Body)); n < 60 || n > 250 {
				t.Errorf("%s %s: %d words, want 60-250", code, sec.Key, n)
			}
		}
		if d := cmp.Diff(wantKeys, keys); d != "" {
			t.Errorf("%s section keys (-want +got):\n%s", code, d)
		}
		if d := cmp.Diff(wantAck, acks); d != "" {
			t.Errorf("%s acknowledged sections (-want +got):\n%s", code, d)
		}
		if strings.TrimSpace(lc.ChangeSummary) == "" {
			t.Errorf("%s: no change summary", code)
		}
		for _, role := range consent.Roles {
			if strings.TrimSpace(lc.Meanings[role]) == "" {
				t.Errorf("%s: no meaning for %s", code, role)
			}
		}
	}
	defaults := map[string]string{}
	for _, v := range c.Variables {
		if !v.Required {
			t.Errorf("variable %s is optional; every variable of v2 is used in the text", v.Name)
		}
		defaults[v.Name] = v.Default
	}
	want := map[string]string{"clinic_name": "", "clinician_name": "", "clinic_phone": "", "after_hours_phone": "",
		"infusion_fee": "", "infusion_minutes": "40", "observation_minutes": "60", "series_infusions": "6",
		"series_weeks": "3", "fasting_food_hours": "6", "fasting_liquids_hours": "2"}
	if d := cmp.Diff(want, defaults); d != "" {
		t.Errorf("variables and defaults (-want +got):\n%s", d)
	}
}

// TestKetamineV2Says checks each point of the review that led to version 2,
// in both languages (case-insensitive, whitespace-insensitive substrings).
func TestKetamineV2Says(t *testing.T) {
	s := shipped(t, "ketamine-iv", 2)
	tests := []struct {
		section string
		en, es  []string
	}{
		{"overview", []string{"not approved", "has not reviewed whether ketamine is safe or whether it works for depression", `"off-label"`, "legally", "esketamine"},
			[]string{"no ha aprobado", "no ha revisado si es segura ni si funciona para la depresión", `"fuera de indicación"`, "legal", "esketamina"}},
		{"procedure", []string{"most people stay awake", "very sleepy", "passes out (loses consciousness) for a short time", "staff watch you",
			"{{infusion_minutes}} minutes", "at least {{observation_minutes}} minutes", "{{series_infusions}} infusions over about {{series_weeks}} weeks",
			"do not eat for {{fasting_food_hours}}", "until {{fasting_liquids_hours}} hours before"},
			[]string{"la mayoría de las personas permanecen despiertas", "mucho sueño", "pierde el conocimiento por poco tiempo", "el personal está pendiente de usted",
				"{{infusion_minutes}} minutos", "al menos {{observation_minutes}} minutos", "{{series_infusions}} infusiones en unas {{series_weeks}} semanas",
				"no coma nada durante {{fasting_food_hours}}", "hasta {{fasting_liquids_hours}} horas antes"}},
		{"benefits", []string{"not guaranteed", "does not mean that ketamine prevents suicide"}, []string{"no están garantizados", "no significa que la ketamina prevenga el suicidio"}},
		{"relapse_and_suicide", []string{"wears off", "depression may come back", "thoughts of suicide may come back", "has not been shown to prevent suicide", "988", "911"},
			[]string{"suele pasar", "su depresión puede volver", "pensamientos de suicidio también pueden volver", "no se ha demostrado que la ketamina prevenga el suicidio", "988", "marque el 2", "911", "confidencial"}},
		{"side_effects_short_term", []string{"light-headed", "very sleepy", "passing out", "dissociation"}, []string{"aturdimiento", "mucho sueño", "pérdida del conocimiento", "disociación"}},
		{"risks_long_term", []string{"ulcerative cystitis", "liver and bile duct", "memory or thinking", "repeated ketamine as medical treatment", "no one knows yet how often", "too few studies"},
			[]string{"cistitis ulcerosa", "hígado y de las vías biliares", "memoria o de razonamiento", "ketamina repetidas veces como tratamiento médico", "nadie sabe todavía con qué frecuencia", "muy pocos estudios"}},
		{"misuse_risk", []string{"controlled substance", "tolerance", "psychological", "physical", "little evidence on misuse", "medical care", "take home"},
			[]string{"sustancia controlada", "tolerancia", "psicológica", "física", "pocos datos sobre el mal uso", "atención médica", "llevar a casa"}},
		{"contraindications", []string{"psychosis", "bipolar disorder", "mania", "aneurysm", "arteriovenous malformation", "bleeding in the brain", "recent stroke", "high blood pressure", "heart", "liver", "pregnant", "breastfeeding"},
			[]string{"psicosis", "trastorno bipolar", "manía", "aneurisma", "malformación arteriovenosa", "sangrado en el cerebro", "derrame cerebral reciente", "presión alta", "corazón", "hígado", "embarazada", "amamantando"}},
		{"interactions", []string{"benzodiazepines", "opioid", "alcohol", "sleep medicines", "more sleepy", "stimulants", "mao inhibitors", "blood pressure even more", "lamotrigine", "work less well", "do not stop or change your medicines on your own. tell us first."},
			[]string{"benzodiacepinas", "opioides", "alcohol", "medicamentos para dormir", "más sueño", "estimulantes", "inhibidores de la mao", "aún más la presión", "lamotrigina", "funcione peor", "no deje ni cambie sus medicamentos por su cuenta. avísenos primero."}},
		{"aftercare", []string{"adult", "do not drive", "{{clinic_phone}}", "{{after_hours_phone}}", "if nobody answers", "911", "988"},
			[]string{"adulta", "no maneje", "{{clinic_phone}}", "{{after_hours_phone}}", "si nadie contesta", "911", "988"}},
		{"alternatives", []string{"antidepressant", "talk therapy", "esketamine", "tms", "ect", "no new treatment"},
			[]string{"antidepresivos", "psicoterapia", "esketamina", "emt", "tec", "ningún tratamiento nuevo"}},
		{"cost", []string{"{{infusion_fee}}", "most health insurance plans do not pay", "off-label", "stop the series at any time", "payment policy in writing", "stop early"},
			[]string{"{{infusion_fee}}", "la mayoría de los seguros médicos no pagan", "fuera de indicación", "dejar el ciclo en cualquier momento", "por escrito nuestra política de pagos", "antes de terminarlo"}},
		{"rights", []string{"refuse", "withdraw", "private"}, []string{"rechazarlo", "retirar", "confidencial"}},
	}
	for _, tt := range tests {
		for code, phrases := range map[string][]string{"en": tt.en, "es": tt.es} {
			t.Run(code+"/"+tt.section, func(t *testing.T) {
				flat := flatten(section(t, s, code, tt.section).Body)
				for _, p := range phrases {
					if !strings.Contains(flat, flatten(p)) {
						t.Errorf("does not say %q", p)
					}
				}
			})
		}
	}
}

// flatten lowercases text and drops Markdown emphasis and line breaks, so a
// phrase matches however the YAML wraps or bolds it.
func flatten(s string) string {
	s = strings.NewReplacer("**", "", "*", "").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// v2Refuted are claims the review found wrong or unsafe; version 2 must not
// make them in any section or change summary.
var v2Refuted = regexp.MustCompile(`(?i)no known long-term|no se conocen efectos|\. you stay awake\.|usted permanece consciente|much less likely|mucho menos probables|(legal|legally) and common|legal y frecuente|risk of misuse or dependence is low|es bajo, pero|is guaranteed|completely safe|\bcures?\b|está garantizad|totalmente segur`)

func TestKetamineV2DoesNotSay(t *testing.T) {
	found := map[string]bool{}
	for _, sec := range shipped(t, "ketamine-iv", 1).Content.Locales["en"].Sections {
		for _, m := range v2Refuted.FindAllString(flatten(sec.Body), -1) {
			found[m] = true
		}
	}
	for _, m := range []string{". you stay awake.", "much less likely", "legal and common", "risk of misuse or dependence is low"} {
		if !found[m] {
			t.Errorf("the detector misses %q in version 1", m)
		}
	}
	s := shipped(t, "ketamine-iv", 2)
	for _, code := range []string{"en", "es"} {
		lc := s.Content.Locales[code]
		texts := map[string]string{"change_summary": lc.ChangeSummary}
		for _, sec := range lc.Sections {
			texts[sec.Key] = sec.Body
		}
		for key, text := range texts {
			if m := v2Refuted.FindString(flatten(text)); m != "" {
				t.Errorf("%s %s: says %q", code, key, m)
			}
		}
	}
}

// TestKetamineV2Spanish guards the Spanish text: accents, usted throughout,
// no tú forms, no English left, the agreed terms, and no common calques.
func TestKetamineV2Spanish(t *testing.T) {
	s := shipped(t, "ketamine-iv", 2)
	lc := s.Content.Locales["es"]
	var all strings.Builder
	all.WriteString(lc.Title + "\n" + lc.Disclosure + "\n" + lc.ChangeSummary + "\n")
	for _, sec := range lc.Sections {
		all.WriteString(sec.Heading + "\n" + sec.Body + "\n")
	}
	text := all.String()
	flat := flatten(text)
	for _, term := range []string{"usted", "sustancia controlada", "aturdimiento", "confidencial", "¿"} {
		if !strings.Contains(flat, term) {
			t.Errorf("Spanish text never says %q", term)
		}
	}
	tu := regexp.MustCompile(`(?i)(?:^|\PL)(tú|tienes|puedes|debes|tu médico|avísanos|llámanos|dinos|léelo|lo atienda|despierto)(?:\PL|$)`)
	if m := tu.FindStringSubmatch(text); m != nil {
		t.Errorf("Spanish text uses %q (tú form, or a form that assumes the reader is a man)", m[1])
	}
	english := regexp.MustCompile(`(?i)\b(the|and|you|your|with|treatment|please|staff)\b`)
	if m := english.FindString(text); m != "" {
		t.Errorf("Spanish text contains the English word %q", m)
	}
	calque := regexp.MustCompile(`(?i)tomar lugar|aplicar para|en base a|hace sentido|llamar para atrás|llamar de vuelta|eventualmente|mareado|desmayo ligero`)
	if m := calque.FindString(flat); m != "" {
		t.Errorf("Spanish text uses the calque or loose term %q", m)
	}
}
