package templates

// spanish counts Spanish syllables by the RAE's rules, which spelling follows
// closely: each vowel nucleus is one syllable, where
//   - a, e, o (and any accented vowel) are strong, unaccented i, u, ü are weak;
//   - two strong vowels, or a vowel beside an accented í or ú, are two syllables
//     (le-er, pa-ís); any other pair is a diphthong, one syllable (sien-to,
//     ciu-dad), and weak-strong-weak is a triphthong (buey);
//   - the u of que, qui, gue, gui is silent; ü is spoken (pin-güi-no);
//   - y is a vowel only at the end of a word after a vowel (hoy, muy) or alone;
//   - h does not separate vowels in writing but is counted as a consonant here.
var spanish = &language{
	formula: FernandezHuerta,
	score:   fernandezHuerta,
	word:    spanishSyllables,
	letters: map[rune]int{'f': 2, 'h': 2, 'j': 2, 'l': 2, 'm': 2, 'n': 2, 'ñ': 2, 'r': 2, 's': 2, 'v': 2,
		'w': 3, 'x': 2, 'z': 2},
	digits: [10]int{2, 2, 1, 1, 2, 2, 1, 2, 2, 2},
	abbreviations: set("dr.", "dra.", "sr.", "sra.", "srta.", "ud.", "uds.", "p.", "ej.", "ee.", "uu.", "ee.uu.",
		"aprox.", "núm.", "tel.", "pág.", "etc.", "u.s."),
}

func spanishSyllables(w string) int {
	rs := []rune(w)
	count := 0
	var prev rune // the vowel just before, or 0 after a consonant
	for i, r := range rs {
		switch {
		case r == 'u' && i > 0 && (rs[i-1] == 'q' || rs[i-1] == 'g') && i+1 < len(rs) && isFrontVowel(rs[i+1]):
			prev = 0 // silent u: que, gui
			continue
		case r == 'y' && i == len(rs)-1 && (i == 0 || prev != 0):
			r = 'i'
		}
		if !isSpanishVowel(r) {
			prev = 0
			continue
		}
		if prev == 0 || !diphthong(prev, r) {
			count++
		}
		prev = r
	}
	return max(count, 1)
}

func isSpanishVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'á', 'é', 'í', 'ó', 'ú', 'ü':
		return true
	}
	return false
}

func isFrontVowel(r rune) bool { return r == 'e' || r == 'i' || r == 'é' || r == 'í' }

// diphthong reports whether two adjacent vowels share a syllable: not two
// strong ones (accented i and u count as strong), and not the same weak one twice.
func diphthong(a, b rune) bool {
	strong := func(r rune) bool { return r != 'i' && r != 'u' && r != 'ü' }
	return !(strong(a) && strong(b)) && a != b
}
