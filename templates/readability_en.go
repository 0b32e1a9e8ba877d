package templates

import "strings"

// english counts English syllables by the usual rules: each group of vowels
// (a, e, i, o, u, and y after the first letter) is one syllable, then
//   - a silent final e is dropped (make, medicine), but not in -le after a
//     consonant (table, people) or after a vowel (see);
//   - a silent -es and -ed are dropped (makes, walked), except after the letters
//     that make them sound (boxes, changes, wishes; wanted, needed);
//   - vowel pairs that are spoken as two syllables add one: ia (dial, but not
//     -cia/-tia/-sia/-gia: special), io (radio, but not -tion/-sion/-cion/-gion/
//     -xion/-lion/-nion: emotion, million), iu (medium), ua and uo (actual,
//     continuous, but not after q or g: equal, language), ie before n or t
//     (diet, client, but not -cie/-tie/-sie: patient), and -ing after a vowel
//     (being, saying);
//   - a silent e before -ly, -ful, -less, -ness and -ment takes one away
//     (safely, careful, statement), as does the silent e of some- (sometimes);
//   - a short list of common words the rules get wrong is looked up.
var english = &language{
	formula: FleschKincaid,
	score:   fleschKincaidGrade,
	word:    englishSyllables,
	letters: map[rune]int{'w': 3},
	digits:  [10]int{2, 1, 1, 1, 1, 1, 1, 2, 1, 1},
	abbreviations: set("dr.", "mr.", "mrs.", "ms.", "st.", "jr.", "sr.", "e.g.", "i.e.", "vs.", "approx.",
		"u.s.", "no.", "ph.d.", "m.d.", "fig."),
}

var englishExceptions = map[string]int{
	"area": 3, "idea": 3, "ideas": 3, "create": 2, "creates": 2, "created": 3, "science": 2, "society": 4,
	"friend": 1, "friends": 1, "maybe": 2, "recipe": 3, "therefore": 2, "lifetime": 2, "business": 2,
	"nausea": 3, "diarrhea": 4, "suicide": 3, "suicidal": 4, "fluid": 2, "fluids": 2, "every": 2,
	"everything": 3, "anyone": 3, "poem": 2,
}

func englishSyllables(w string) int {
	if n, ok := englishExceptions[w]; ok {
		return n
	}
	orig := w
	n := len(w)
	switch {
	case n > 2 && strings.HasSuffix(w, "le") && !enVowel(w, n-3):
	case n > 3 && strings.HasSuffix(w, "les") && !enVowel(w, n-4):
	case n > 3 && strings.HasSuffix(w, "es") && !enVowel(w, n-3) && !strings.ContainsRune("sxzcgh", rune(w[n-3])):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "ed") && !enVowel(w, n-3) && w[n-3] != 't' && w[n-3] != 'd':
		w = w[:n-2]
	case n > 2 && strings.HasSuffix(w, "e") && !enVowel(w, n-2):
		w = w[:n-1]
	}
	count := 0
	for i := range w {
		if enVowel(w, i) && (i == 0 || !enVowel(w, i-1)) {
			count++
		}
	}
	for i := 0; i+1 < len(w); i++ {
		pair, before := w[i:i+2], byte(0)
		if i > 0 {
			before = w[i-1]
		}
		switch {
		case pair == "ia" && !strings.ContainsRune("ctsg", rune(before)),
			pair == "io" && !strings.ContainsRune("ctsgxln", rune(before)),
			pair == "iu",
			(pair == "ua" || pair == "uo") && before != 'q' && before != 'g',
			pair == "ie" && i+2 < len(w) && (w[i+2] == 'n' || w[i+2] == 't') && !strings.ContainsRune("cts", rune(before)):
			count++
		}
	}
	if strings.HasSuffix(orig, "ing") && len(orig) > 4 && enVowel(orig, len(orig)-4) {
		count++
	}
	for _, suf := range []string{"ely", "eful", "eless", "eness", "ement"} {
		k := len(orig) - len(suf)
		if k >= 2 && strings.HasSuffix(orig, suf) && !enVowel(orig, k-1) && enVowel(orig, k-2) &&
			(suf != "ement" || strings.ContainsRune("cgtvrz", rune(orig[k-1]))) {
			count--
		}
	}
	if len(orig) > 4 && strings.HasPrefix(orig, "some") && !enVowel(orig, 4) {
		count--
	}
	return max(count, 1)
}

// enVowel reports whether w[i] is a vowel: a, e, i, o, u, and y anywhere but first.
func enVowel(w string, i int) bool {
	if i < 0 || i >= len(w) {
		return false
	}
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	case 'y':
		return i > 0
	}
	return w[i] >= 0x80 // é, ï and other accented vowels in borrowed words
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
