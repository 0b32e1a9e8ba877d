package pdf

import (
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

// isRTL reports whether r is a right-to-left letter (Hebrew, Arabic and
// their presentation forms): only lines holding one are reordered.
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFC)
}

// visual returns the drawing order of a line's characters and their
// embedding levels, for a left-to-right paragraph (the document's
// direction) without explicit embeddings (the intake refuses bidi controls;
// stored ones are printed as ⟨U+XXXX⟩). golang.org/x/text/unicode/bidi
// resolves each character's direction (weak and neutral types, brackets);
// its Ordering lists runs in logical order, so the reordering of UAX #9
// rule L2 is done here: numbers after right-to-left text are level 2, and
// every maximal sequence at level 1 or more is reversed, keeping combining
// marks after their base.
func visual(chars []rune) (order, levels []int) {
	n := len(chars)
	order, levels = identity(n), make([]int, n)
	var p bidi.Paragraph
	// A leading LRM makes the paragraph left-to-right whatever its first
	// strong character (DefaultDirection(LeftToRight) is not honoured).
	if _, err := p.SetString("\u200e" + string(chars)); err != nil {
		return order, levels
	}
	o, err := p.Order()
	if err != nil {
		return order, levels
	}
	for i := range o.NumRuns() {
		run := o.Run(i)
		if run.Direction() != bidi.RightToLeft {
			continue
		}
		start, end := run.Pos()
		for k := max(start, 1); k <= end && k-1 < n; k++ {
			levels[k-1] = 1
		}
	}
	strongRTL := false
	for i, r := range chars {
		props, _ := bidi.LookupRune(r)
		switch cls := props.Class(); {
		case cls == bidi.L:
			strongRTL = false
		case cls == bidi.R || cls == bidi.AL:
			strongRTL = true
		case levels[i] == 0 && (cls == bidi.AN || (cls == bidi.EN && strongRTL)):
			levels[i] = 2
		}
	}
	for i := 1; i+1 < n; i++ { // a separator between two digits of a number
		props, _ := bidi.LookupRune(chars[i])
		cls := props.Class()
		if levels[i] == 0 && levels[i-1] == 2 && levels[i+1] == 2 && (cls == bidi.CS || cls == bidi.ES || cls == bidi.ET) {
			levels[i] = 2
		}
	}
	rtlBrackets(chars, levels)
	for lvl := 2; lvl >= 1; lvl-- {
		for i := 0; i < n; {
			if levels[order[i]] < lvl {
				i++
				continue
			}
			j := i
			for j < n && levels[order[j]] >= lvl {
				j++
			}
			reverseClusters(order[i:j], chars)
			i = j
		}
	}
	return order, levels
}

// rtlBrackets applies rule N0 where x/text leaves a closing bracket at
// level 0: a bracket pair enclosing only right-to-left letters, after
// right-to-left text, is right-to-left too.
func rtlBrackets(chars []rune, levels []int) {
	for i, r := range chars {
		closing, ok := map[rune]rune{'(': ')', '[': ']', '{': '}'}[r]
		if !ok {
			continue
		}
		j := i + 1
		for j < len(chars) && chars[j] != closing && chars[j] != r {
			j++
		}
		if j == len(chars) || chars[j] != closing {
			continue
		}
		inner, before := false, false
		for k := i + 1; k < j; k++ {
			props, _ := bidi.LookupRune(chars[k])
			if c := props.Class(); c == bidi.L {
				inner = false
				break
			} else if c == bidi.R || c == bidi.AL {
				inner = true
			}
		}
		for k := i - 1; k >= 0; k-- {
			props, _ := bidi.LookupRune(chars[k])
			if c := props.Class(); c == bidi.L {
				break
			} else if c == bidi.R || c == bidi.AL {
				before = true
				break
			}
		}
		if inner && before {
			levels[i], levels[j] = 1, 1
		}
	}
}

// reverseClusters reverses a sequence of character indices, keeping each
// base character followed by its combining marks.
func reverseClusters(idx []int, chars []rune) {
	var clusters [][]int
	for k := 0; k < len(idx); {
		j := k + 1
		for j < len(idx) && unicode.Is(unicode.Mn, chars[idx[j]]) {
			j++
		}
		clusters = append(clusters, append([]int(nil), idx[k:j]...))
		k = j
	}
	pos := 0
	for c := len(clusters) - 1; c >= 0; c-- {
		pos += copy(idx[pos:], clusters[c])
	}
}

// mirrored pairs characters that are drawn mirrored in right-to-left text.
var mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<',
	'«': '»', '»': '«', '‹': '›', '›': '‹'}

// mirror returns the mirrored form of a bracket in right-to-left text.
func mirror(r rune) rune {
	if m, ok := mirrored[r]; ok {
		return m
	}
	return r
}
