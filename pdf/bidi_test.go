package pdf

import "testing"

// TestVisualOrder checks the drawing order of lines holding right-to-left
// text (Hebrew letters stand in for any right-to-left script; the expected
// strings are in drawing order, left to right).
func TestVisualOrder(t *testing.T) {
	tests := []struct{ logical, drawn string }{
		{"abc", "abc"},
		{"אבג", "גבא"},
		{"Dr. אבג דהו", "Dr. והד גבא"},
		{"אבג דהו Smith", "והד גבא Smith"},
		{"אבג 42", "42 גבא"},
		{"אבג (דה)", "(הד) גבא"},
		{"x אב 1,234 גד y", "x דג 1,234 בא y"},
		{"Zoë 王 אב", "Zoë 王 בא"},
	}
	for _, tt := range tests {
		chars := []rune(tt.logical)
		order, levels := visual(chars)
		var got []rune
		for _, i := range order {
			r := chars[i]
			if levels[i]%2 == 1 {
				r = mirror(r)
			}
			got = append(got, r)
		}
		if string(got) != tt.drawn {
			t.Errorf("visual(%q) = %q, want %q", tt.logical, string(got), tt.drawn)
		}
	}
}

// TestShapeArabic checks joining forms against their Unicode names.
func TestShapeArabic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ب", "\uFE8F"},                      // beh isolated
		{"بب", "\uFE91\uFE90"},               // initial, final
		{"ببب", "\uFE91\uFE92\uFE90"},        // initial, medial, final
		{"دب", "\uFEA9\uFE8F"},               // dal does not join the next letter
		{"بد", "\uFE91\uFEAA"},               // beh initial, dal final
		{"لا", "\uFEFB"},                     // lam-alef ligature
		{"بلا", "\uFE91\uFEFC"},              // final ligature after a joining letter
		{"محمد", "\uFEE3\uFEA4\uFEE4\uFEAA"}, // meem init, hah medi, meem medi, dal final
		{"ب ب", "\uFE8F \uFE8F"},
		{"پ", "\uFB56"}, // Persian peh isolated
	}
	for _, tt := range tests {
		if got := shapeArabic(tt.in); got != tt.want {
			t.Errorf("shapeArabic(%q) = %U, want %U", tt.in, []rune(got), []rune(tt.want))
		}
	}
}
