package consent_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestPrintableNames: a name is accepted exactly when the PDF prints every
// character of it; a refusal names the character, its script and why.
func TestPrintableNames(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // "" accepted; else the refusal's message
	}{
		{"Vietnamese", "Nguyễn Thị Minh Khai", ""},
		{"Greek", "Αλέξανδρος", ""},
		{"Cyrillic", "Жанна", ""},
		{"Hebrew letters", "שרה", ""},
		{"Arabic letters", "فاطمة", ""},
		{"Chinese", "王小明", ""},
		{"Japanese", "さくら", ""},
		{"Korean", "김민준", ""},
		{"Devanagari", "अनु", "character 1 U+0905 (Devanagari) cannot be printed on the consent PDF (this script needs text shaping the PDF renderer cannot do)."},
		{"Thai", "สมชาย", "character 1 U+0E2A (Thai) cannot be printed on the consent PDF (this script needs text shaping the PDF renderer cannot do)."},
		{"emoji", "Ana 😀", "character 5 U+1F600 cannot be printed on the consent PDF (outside the Basic Multilingual Plane, which the PDF fonts cannot hold)."},
		{"Hebrew points", "שָׂרָה", "character 2 U+05B8 (Hebrew) cannot be printed on the consent PDF (Hebrew points and Arabic vowel marks cannot be placed correctly; write the letters without them)."},
		{"bidi override", "Ana\u202eevE", "character 4 U+202E cannot be printed on the consent PDF (a bidirectional control character, which makes text display differently from what is stored)."},
	}
	var got, want []string
	for _, tt := range tests {
		err := consent.CheckName("name", tt.text, 100)
		got = append(got, tt.name+": "+consent.ErrorMessage(err))
		if tt.want != "" {
			tt.want = "name: " + tt.want
		}
		want = append(want, tt.name+": "+tt.want)
		if err != nil && consent.ErrorField(err) != "name" {
			t.Errorf("%s: field %q", tt.name, consent.ErrorField(err))
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("refusals (-want +got):\n%s", d)
	}
}
