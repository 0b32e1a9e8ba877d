package templates

import (
	"fmt"
	"io"
	"strings"

	"github.com/consentd/consentd/consent"
)

// Plain-language limits held to every section (and change summary) of every
// template version consentd ships, except the grandfathered ones; see
// readability.go for how the figures are counted.
const (
	// MaxGradeEnglish is the highest Flesch–Kincaid grade an English text may have.
	MaxGradeEnglish = 8.0
	// MinEaseSpanish is the lowest Fernández-Huerta ease a Spanish text may have.
	MinEaseSpanish = 60.0
	// MaxSentenceWords is the longest sentence allowed, in any language.
	MaxSentenceWords = 25
)

// grandfathered lists, by slug/version and content hash, the shipped versions
// written before the readability check: they are frozen (consents were signed
// on them), so their figures are reported but do not fail.
var grandfathered = map[string]string{
	"ketamine-iv/1": "8acfe178c7e580541fff32f41c406395e7eff92d40310e54aa8c6cdb0cc4bf20",
}

// TextReadability is the readability of one patient-facing text of a version.
type TextReadability struct {
	Locale string
	// Key is the section's key, or "change_summary".
	Key string
	Figures
	// Measured is false for a language without a formula here; only the
	// sentence length is checked then.
	Measured bool
	// Problems says which limits the text breaks, empty when it keeps them.
	Problems []string
}

// Readability is the readability of every section of one template version.
type Readability struct {
	Slug    string
	Version int
	// Grandfathered versions are reported but never fail.
	Grandfathered bool
	Texts         []TextReadability
}

// standIn takes the place of a variable without a default when measuring: one
// word of two syllables in English and in Spanish.
const standIn = "Valor"

// CheckReadability measures every section body and change summary of a
// version, in every locale, with its variables filled in by their defaults.
func CheckReadability(s *Shipped) *Readability {
	r := &Readability{Slug: s.Slug, Version: s.Version}
	if sum, err := s.Content.SHA256(); err == nil && grandfathered[fmt.Sprintf("%s/%d", s.Slug, s.Version)] == sum {
		r.Grandfathered = true
	}
	vals := consent.WithDefaults(s.Content.Variables, nil)
	for _, v := range s.Content.Variables {
		if _, ok := vals[v.Name]; !ok {
			vals[v.Name] = standIn
		}
	}
	fill := func(md string) string { return consent.FillMarkdown(md, vals) }
	v := consent.TemplateVersion{VersionContent: consent.VersionContent{Locales: s.Content.Locales}}
	for _, code := range v.SortedLocales() {
		lc := s.Content.Locales[code]
		for _, sec := range lc.Sections {
			r.Texts = append(r.Texts, measureText(code, sec.Key, fill(sec.Body)))
		}
		if strings.TrimSpace(lc.ChangeSummary) != "" {
			r.Texts = append(r.Texts, measureText(code, "change_summary", fill(lc.ChangeSummary)))
		}
	}
	return r
}

func measureText(locale, key, md string) TextReadability {
	t := TextReadability{Locale: locale, Key: key}
	t.Figures, t.Measured = Measure(locale, md)
	if !t.Measured {
		t.Figures = measure(english, md) // sentence and word counts only
		t.Formula, t.Score = "", 0
	}
	switch {
	case !t.Measured:
	case t.Formula == FleschKincaid && t.Score > MaxGradeEnglish:
		t.Problems = append(t.Problems, fmt.Sprintf("grade %.1f is above %.0f", t.Score, MaxGradeEnglish))
	case t.Formula == FernandezHuerta && t.Score < MinEaseSpanish:
		t.Problems = append(t.Problems, fmt.Sprintf("ease %.1f is below %.0f", t.Score, MinEaseSpanish))
	}
	if t.LongestWords > MaxSentenceWords {
		t.Problems = append(t.Problems, fmt.Sprintf("a sentence of %d words (at most %d): %q", t.LongestWords, MaxSentenceWords, t.Longest))
	}
	return t
}

// Failures lists every broken limit as "locale key: problem"; none for a
// grandfathered version.
func (r *Readability) Failures() []string {
	if r.Grandfathered {
		return nil
	}
	var out []string
	for _, t := range r.Texts {
		for _, p := range t.Problems {
			out = append(out, t.Locale+" "+t.Key+": "+p)
		}
	}
	return out
}

// Write prints a table of every text's figures, then the failures.
func (r *Readability) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "readability of %s version %d (English: Flesch–Kincaid grade ≤ %.0f; Spanish: Fernández-Huerta ≥ %.0f; sentences ≤ %d words)\n",
		r.Slug, r.Version, MaxGradeEnglish, MinEaseSpanish, MaxSentenceWords)
	fmt.Fprintf(&b, "%-6s %-24s %6s %9s %9s %6s %7s  %s\n", "locale", "section", "words", "sentences", "syllables", "score", "longest", "result")
	for _, t := range r.Texts {
		score, result := "-", "ok"
		if t.Measured {
			score = fmt.Sprintf("%.1f", t.Score)
		}
		if len(t.Problems) > 0 {
			result = "FAIL: " + strings.Join(t.Problems, "; ")
		} else if !t.Measured {
			result = "ok (no formula for this language; sentence length only)"
		}
		fmt.Fprintf(&b, "%-6s %-24s %6d %9d %9d %6s %7d  %s\n", t.Locale, t.Key, t.Words, t.Sentences, t.Syllables, score, t.LongestWords, result)
	}
	if r.Grandfathered {
		b.WriteString("grandfathered: this version was shipped before the readability check and is frozen; its figures are reported, not enforced\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Lint parses and validates a template file as an import would (structure,
// fields, variables, Markdown nesting), then measures its readability. A
// structural error is returned as an error naming the file and field.
func Lint(name string, data []byte) (*Shipped, *Readability, error) {
	s, err := Parse(name, data)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Content.CheckNesting(NewMarkdown()); err != nil {
		return nil, nil, inFile(name, err)
	}
	return s, CheckReadability(s), nil
}
