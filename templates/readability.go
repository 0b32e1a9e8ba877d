package templates

import (
	"strings"
	"unicode"
)

// Readability formulas. Both take three counts from the text — words,
// sentences and syllables — so what decides a score is how those are counted:
//
//   - Words are runs of letters and digits between spaces, slashes and dashes;
//     "light-headed", "staff's" and "2.5" are one word each.
//   - Sentences end at ".", "!", "?" or "…" followed by a space or the end of a
//     block, and at the end of every Markdown block (paragraph, list item,
//     heading), so each list item counts as a sentence even without a full stop.
//     A full stop after a known abbreviation ("Dr.", "e.g.", "U.S.", "p. ej.",
//     "EE. UU.") or a single letter (an initial, "A. Medical Director") does not
//     end a sentence; one inside a number ("2.5") is not followed by a space.
//     Markdown is parsed with goldmark and only its text is kept: emphasis,
//     link targets, raw HTML and code blocks are dropped.
//   - Syllables are counted by rules (below), not looked up, so a few words come
//     out one off; the formulas are averages over a section, where such
//     errors mostly cancel. An acronym of two or more capital letters is read
//     letter by letter ("FDA" is three syllables in English, four in Spanish),
//     and a number digit by digit ("988" is three in English, six in Spanish),
//     as phone numbers and crisis lines are read aloud.
const (
	// FleschKincaid is the Flesch–Kincaid grade level (Kincaid et al., 1975),
	// for English: 0.39 × words per sentence + 11.8 × syllables per word − 15.59.
	// It estimates the US school grade needed to understand the text.
	FleschKincaid = "Flesch–Kincaid grade"
	// FernandezHuerta is Fernández Huerta's (1959) reading ease for Spanish, as
	// corrected by Law (2011): 206.84 − 60 × syllables per word − 1.02 × words per
	// sentence. 0–100, higher is easier; 60–70 is plain everyday Spanish.
	FernandezHuerta = "Fernández-Huerta"
)

// Figures are one text's readability counts and score.
type Figures struct {
	Formula                     string
	Words, Sentences, Syllables int
	// Score is the Flesch–Kincaid grade (English) or the Fernández-Huerta ease (Spanish).
	Score float64
	// LongestWords is the word count of the longest sentence, Longest that sentence.
	LongestWords int
	Longest      string
}

// language is what the counting rules need to know about one language.
type language struct {
	formula       string
	score         func(words, sentences, syllables int) float64
	word          func(lowercase string) int // syllables of a word of letters
	letters       map[rune]int               // syllables of a letter's name, when not 1
	digits        [10]int                    // syllables of each digit's name
	abbreviations map[string]bool            // lowercase, with their final full stop
}

// Measure computes the readability of a Markdown text in the locale's language
// (en, en-US, es, es-MX, ...); ok is false for a language without a formula here.
func Measure(locale, markdown string) (f Figures, ok bool) {
	lang := languageOf(locale)
	if lang == nil {
		return Figures{}, false
	}
	return measure(lang, markdown), true
}

func languageOf(locale string) *language {
	switch strings.SplitN(locale, "-", 2)[0] {
	case "en":
		return english
	case "es":
		return spanish
	}
	return nil
}

func measure(lang *language, markdown string) Figures {
	f := Figures{Formula: lang.formula}
	for _, s := range sentences(lang, markdown) {
		ws := words(s)
		f.Sentences++
		f.Words += len(ws)
		for _, w := range ws {
			f.Syllables += syllables(lang, w)
		}
		if len(ws) > f.LongestWords {
			f.LongestWords, f.Longest = len(ws), s
		}
	}
	f.Score = lang.score(f.Words, f.Sentences, f.Syllables)
	return f
}

func fleschKincaidGrade(words, sentences, syllables int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return 0.39*float64(words)/float64(sentences) + 11.8*float64(syllables)/float64(words) - 15.59
}

func fernandezHuerta(words, sentences, syllables int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return 206.84 - 60*float64(syllables)/float64(words) - 1.02*float64(words)/float64(sentences)
}

// words splits a sentence into words: separated by spaces, slashes and dashes,
// trimmed of punctuation, and holding at least one letter or digit.
func words(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '/' || r == '—' || r == '–' || r == '…'
	})
	var out []string
	for _, f := range fields {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// syllables counts one word's syllables: an acronym letter by letter, digits
// one name each, and every run of letters by the language's rules.
func syllables(lang *language, word string) int {
	word = strings.NewReplacer("'", "", "’", "").Replace(word)
	letters, upper := 0, 0
	for _, r := range word {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	n := 0
	if letters >= 2 && upper == letters {
		for _, r := range word {
			if unicode.IsLetter(r) {
				n += letterSyllables(lang, unicode.ToLower(r))
			} else if r >= '0' && r <= '9' {
				n += lang.digits[r-'0']
			}
		}
		return max(n, 1)
	}
	var run []rune
	flush := func() {
		if len(run) > 0 {
			n += lang.word(string(run))
			run = run[:0]
		}
	}
	for _, r := range strings.ToLower(word) {
		switch {
		case unicode.IsLetter(r):
			run = append(run, r)
		case r >= '0' && r <= '9':
			flush()
			n += lang.digits[r-'0']
		default:
			flush()
		}
	}
	flush()
	return max(n, 1)
}

func letterSyllables(lang *language, r rune) int {
	if n, ok := lang.letters[r]; ok {
		return n
	}
	return 1
}
