package templates

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every expected count below was made by hand from a dictionary's syllable
// breaks (Merriam-Webster for English, the RAE's rules for Spanish).

func TestSyllablesEnglish(t *testing.T) {
	tests := []struct {
		word string
		want int
	}{
		{"a", 1}, {"I", 1}, {"the", 1}, {"be", 1}, {"see", 1}, {"are", 1}, {"cat", 1},
		{"make", 1}, {"makes", 1}, {"times", 1}, {"types", 1}, {"pines", 1},
		{"boxes", 2}, {"uses", 2}, {"changes", 2}, {"places", 2}, {"wishes", 2}, {"goes", 1},
		{"walked", 1}, {"trained", 1}, {"used", 1}, {"approved", 2}, {"allowed", 2},
		{"wanted", 2}, {"needed", 2}, {"related", 3}, {"seed", 1}, {"red", 1},
		{"table", 2}, {"able", 2}, {"people", 2}, {"tables", 2}, {"while", 1}, {"possible", 3},
		{"being", 2}, {"doing", 2}, {"seeing", 2}, {"saying", 2},
		{"ketamine", 3}, {"medicine", 3}, {"medicines", 3}, {"anesthetic", 4}, {"infusion", 3},
		{"depression", 3}, {"emotion", 3}, {"decision", 3}, {"religion", 3}, {"million", 2},
		{"period", 3}, {"radio", 3}, {"opioids", 3}, {"serious", 3}, {"previous", 3},
		{"anxious", 2}, {"conscious", 2}, {"unconscious", 3}, {"psychiatric", 4}, {"dial", 2},
		{"special", 2}, {"anesthesia", 4}, {"medium", 3}, {"actual", 3}, {"usually", 4},
		{"quality", 3}, {"language", 2}, {"equal", 2}, {"continuous", 4},
		{"benzodiazepines", 6}, {"stimulants", 3}, {"lamotrigine", 4}, {"dependence", 3},
		{"patient", 2}, {"patients", 2}, {"yourself", 2}, {"you", 1}, {"very", 2},
		{"safely", 2}, {"completely", 3}, {"absolutely", 4}, {"careful", 2},
		{"blood", 1}, {"pressure", 2}, {"doctor", 2}, {"happy", 2}, {"monitor", 3},
		{"light-headed", 3}, {"don't", 1}, {"staff's", 1},
		// Acronyms are read letter by letter; numbers digit by digit.
		{"FDA", 3}, {"NMDA", 4}, {"IV", 2}, {"MAO", 3}, {"WHO", 5},
		{"911", 3}, {"988", 3}, {"7", 2}, {"40", 3},
	}
	for _, tt := range tests {
		if got := syllables(english, tt.word); got != tt.want {
			t.Errorf("English %q: %d syllables, want %d", tt.word, got, tt.want)
		}
	}
}

func TestSyllablesSpanish(t *testing.T) {
	tests := []struct {
		word string
		want int
	}{
		{"y", 1}, {"a", 1}, {"o", 1}, {"la", 1}, {"que", 1}, {"hoy", 1}, {"muy", 1}, {"ley", 1},
		{"ketamina", 4}, {"depresión", 3}, {"infusión", 3}, {"presión", 2}, {"medicamento", 5},
		{"aturdimiento", 5}, {"sustancia", 3}, {"controlada", 4}, {"confidencial", 4},
		{"usted", 2}, {"guerra", 2}, {"guitarra", 3}, {"pingüino", 3}, {"Uruguay", 3}, {"buey", 1},
		{"país", 2}, {"día", 2}, {"río", 2}, {"baúl", 2}, {"ahí", 2}, {"leer", 2}, {"poeta", 3},
		{"aéreo", 4}, {"ciudad", 2}, {"cuidado", 3}, {"neuroplasticidad", 6},
		{"benzodiacepinas", 6}, {"esquizofrenia", 5}, {"psicológica", 5}, {"anestésico", 5},
		{"usa", 2}, {"como", 2}, {"quiere", 2}, {"seguimiento", 4}, {"averigüe", 4},
		{"FDA", 4}, {"TEC", 3}, {"EE", 2}, {"988", 6}, {"911", 6}, {"2", 1}, {"40", 4},
	}
	for _, tt := range tests {
		if got := syllables(spanish, tt.word); got != tt.want {
			t.Errorf("Spanish %q: %d syllables, want %d", tt.word, got, tt.want)
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		lang *language
		md   string
		want []string
	}{
		{"two sentences", english, "The cat sat. It was happy.", []string{"The cat sat.", "It was happy."}},
		{"title abbreviation", english, "Dr. Ruiz will see you. Then you go home.",
			[]string{"Dr. Ruiz will see you.", "Then you go home."}},
		{"e.g. and U.S.", english, "Some drugs, e.g. opioids, add to it. The U.S. FDA has not approved it.",
			[]string{"Some drugs, e.g. opioids, add to it.", "The U.S. FDA has not approved it."}},
		{"initial", english, "Approved by A. Medical Director. Done.", []string{"Approved by A. Medical Director.", "Done."}},
		{"decimal and numbers", english, "It takes 2.5 hours. Call 911 or text 988. Rest!",
			[]string{"It takes 2.5 hours.", "Call 911 or text 988.", "Rest!"}},
		{"question and ellipsis", english, "Any questions? Ask us... We listen.",
			[]string{"Any questions?", "Ask us...", "We listen."}},
		{"markdown stripped", english, "**Tell staff at once** if you feel *unwell*. See [the page](https://x.test/a.b).",
			[]string{"Tell staff at once if you feel unwell.", "See the page."}},
		{"soft line breaks join", english, "This sentence\nwraps over\nthree lines.", []string{"This sentence wraps over three lines."}},
		{"list items end sentences", english, "Ketamine may not be safe if you:\n\n- have psychosis\n- are pregnant;\n- have had a bad reaction.\n",
			[]string{"Ketamine may not be safe if you:", "have psychosis", "are pregnant;", "have had a bad reaction."}},
		{"nested list and paragraphs", english, "- **Before:** we check you.\n  - blood pressure\n\nLast one",
			[]string{"Before: we check you.", "blood pressure", "Last one"}},
		{"raw HTML dropped", english, "Plain <b>text</b> here.", []string{"Plain text here."}},
		{"closing quote", english, "It is called \"off-label.\" That is legal.", []string{"It is called \"off-label.\"", "That is legal."}},
		{"spanish p. ej. and EE. UU.", spanish, "Use ropa cómoda, p. ej. una camiseta. La FDA de EE. UU. no la aprobó.",
			[]string{"Use ropa cómoda, p. ej. una camiseta.", "La FDA de EE. UU. no la aprobó."}},
		{"spanish questions", spanish, "¿Tiene preguntas? Pregunte a la Dra. Ruiz.", []string{"¿Tiene preguntas?", "Pregunte a la Dra. Ruiz."}},
		{"empty", english, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, sentences(tt.lang, tt.md)); d != "" {
				t.Errorf("sentences (-want +got):\n%s", d)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		s    string
		want []string
	}{
		{"Call 911 — or text 988.", []string{"Call", "911", "or", "text", "988"}},
		{"light-headed and/or dizzy", []string{"light-headed", "and", "or", "dizzy"}},
		{"«¿Sí?» ¡Claro!", []string{"Sí", "Claro"}},
		{"$450 per infusion (about 2.5 hours)", []string{"450", "per", "infusion", "about", "2.5", "hours"}},
		{"staff's - list", []string{"staff's", "list"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, words(tt.s)); d != "" {
			t.Errorf("words(%q) (-want +got):\n%s", tt.s, d)
		}
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name, locale, md string
		want             Figures
	}{
		{
			// 9 words, 2 sentences, 10 syllables (hap-py):
			// 0.39*9/2 + 11.8*10/9 - 15.59 = -0.7239
			name: "easy English", locale: "en", md: "The cat sat on the mat. It was happy.",
			want: Figures{Formula: FleschKincaid, Words: 9, Sentences: 2, Syllables: 10, Score: -0.7239,
				LongestWords: 6, Longest: "The cat sat on the mat."},
		},
		{
			// Ket-a-mine(3) is(1) a(1) med-i-cine(3) that(1) doc-tors(2) have(1) used(1)
			// for(1) dec-ades(2) as(1) an(1) an-es-thet-ic(4) be-fore(2) sur-ger-y(3):
			// 15 words, 27 syllables, 1 sentence.
			// 0.39*15 + 11.8*27/15 - 15.59 = 5.85 + 21.24 - 15.59 = 11.5
			name: "harder English", locale: "en-US", md: "Ketamine is a medicine that doctors have used for decades as an anesthetic before surgery.",
			want: Figures{Formula: FleschKincaid, Words: 15, Sentences: 1, Syllables: 27, Score: 11.5,
				LongestWords: 15, Longest: "Ketamine is a medicine that doctors have used for decades as an anesthetic before surgery."},
		},
		{
			// La(1) ke-ta-mi-na(4) es(1) un(1) me-di-ca-men-to(5) = 12 syllables, 5 words;
			// Se(1) u-sa(2) co-mo(2) a-nes-té-si-co(5) = 10 syllables, 4 words.
			// 206.84 - 60*22/9 - 1.02*9/2 = 206.84 - 146.6667 - 4.59 = 55.5833
			name: "Spanish", locale: "es", md: "La ketamina es un medicamento. Se usa como anestésico.",
			want: Figures{Formula: FernandezHuerta, Words: 9, Sentences: 2, Syllables: 22, Score: 55.5833,
				LongestWords: 5, Longest: "La ketamina es un medicamento."},
		},
		{
			// Lla-me(2) al(1) 911(6) si(1) tie-ne(2) do-lor(2) en(1) el(1) pe-cho(2) = 18 syllables, 9 words.
			// 206.84 - 60*18/9 - 1.02*9 = 206.84 - 120 - 9.18 = 77.66
			name: "Spanish with a number", locale: "es-MX", md: "- Llame al **911** si tiene dolor en el pecho",
			want: Figures{Formula: FernandezHuerta, Words: 9, Sentences: 1, Syllables: 18, Score: 77.66,
				LongestWords: 9, Longest: "Llame al 911 si tiene dolor en el pecho"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Measure(tt.locale, tt.md)
			if !ok {
				t.Fatalf("no formula for %s", tt.locale)
			}
			if math.Abs(got.Score-tt.want.Score) > 0.0001 {
				t.Errorf("score = %.4f, want %.4f", got.Score, tt.want.Score)
			}
			got.Score = tt.want.Score
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("figures (-want +got):\n%s", d)
			}
		})
	}
	if _, ok := Measure("fr", "Bonjour."); ok {
		t.Error("French has no formula here, but Measure reported one")
	}
}

func TestFormulas(t *testing.T) {
	if got := fleschKincaidGrade(100, 10, 150); math.Abs(got-(0.39*10+11.8*1.5-15.59)) > 1e-9 {
		t.Errorf("FK grade = %v", got)
	}
	if got := fernandezHuerta(100, 5, 200); math.Abs(got-(206.84-120-20.4)) > 1e-9 {
		t.Errorf("Fernández-Huerta = %v", got)
	}
	if got := fleschKincaidGrade(0, 0, 0); got != 0 {
		t.Errorf("FK grade of nothing = %v, want 0", got)
	}
}
