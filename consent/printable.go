package consent

import (
	"fmt"
	"html"
	"strings"
	"unicode"
)

// Printable reports whether a consent PDF prints r as itself. This is the one
// place that decides which characters consentd accepts in text that is
// printed (names, template text, variables): Latin (every precomposed
// letter, combining accents), Greek, Cyrillic, Hebrew letters, Arabic
// letters (drawn joined), Chinese, Japanese kana and kanji, Korean Hangul
// syllables, punctuation and common symbols, each only where an embedded
// font has a glyph (the pdf package's tests prove it). Not printable:
// scripts that need shaping the renderer cannot do (Devanagari, Ethiopic,
// Thai, ...), Hebrew points and Arabic vowel marks (they could not be
// placed correctly), characters outside the Basic Multilingual Plane, and
// bidirectional controls, which make text display other than it is stored.
func Printable(r rune) bool { return unicode.Is(printableTable, r) }

// checkPrintable refuses the first character of s that is not printable,
// naming it (U+XXXX), its script and where it is. Newlines and tabs are
// layout, not characters.
func checkPrintable(field, s string) error {
	line, col := 1, 0
	for _, r := range s {
		col++
		if r == '\n' {
			line, col = line+1, 0
			continue
		}
		if r == '\t' || Printable(r) {
			continue
		}
		where := fmt.Sprintf("character %d", col)
		if strings.Contains(s, "\n") {
			where = fmt.Sprintf("line %d, character %d", line, col)
		}
		return FieldErrorf(EINVALID, field, "%s %s cannot be printed on the consent PDF (%s).", where, describeRune(r), whyNotPrintable(r))
	}
	return nil
}

// checkTemplatePrintable also checks the characters Markdown character
// references (&#2344;, &rlm;) turn into, which the PDF would print.
func checkTemplatePrintable(field, s string) error {
	if err := checkPrintable(field, s); err != nil {
		return err
	}
	if strings.Contains(s, "&") {
		if err := checkPrintable(field, html.UnescapeString(s)); err != nil {
			e := err.(*Error)
			e.Message = strings.Replace(e.Message, field+": ", field+": a character reference gives: ", 1)
			return e
		}
	}
	return nil
}

// describeRune names a character as U+XXXX with its script, e.g.
// "U+0928 (Devanagari)".
func describeRune(r rune) string {
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return fmt.Sprintf("U+%04X (%s)", r, strings.ReplaceAll(name, "_", " "))
		}
	}
	return fmt.Sprintf("U+%04X", r)
}

// whyNotPrintable says in a few words why a character is refused.
func whyNotPrintable(r rune) string {
	switch {
	case unicode.Is(unicode.Bidi_Control, r):
		return "a bidirectional control character, which makes text display differently from what is stored"
	case r > 0xFFFF:
		return "outside the Basic Multilingual Plane, which the PDF fonts cannot hold"
	case unicode.In(r, unicode.Hebrew, unicode.Arabic) && unicode.Is(unicode.Mn, r):
		return "Hebrew points and Arabic vowel marks cannot be placed correctly; write the letters without them"
	case unicode.In(r, unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya, unicode.Tamil,
		unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala, unicode.Thai, unicode.Lao, unicode.Tibetan,
		unicode.Myanmar, unicode.Khmer, unicode.Ethiopic):
		return "this script needs text shaping the PDF renderer cannot do"
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
		return "an invisible formatting character"
	}
	return "the PDF fonts have no glyph for it; supported are Latin, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese and Korean letters and common symbols"
}
