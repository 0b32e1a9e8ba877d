package consent

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckVariablesDefaults(t *testing.T) {
	decl := []Variable{
		{Name: "clinic_name", Label: "Clinic name", Required: true},
		{Name: "infusion_minutes", Label: "Infusion length", Required: true, Default: "40"},
		{Name: "note", Label: "Note"},
	}
	tests := []struct {
		name      string
		vals      map[string]string
		wantField string // empty: valid
	}{
		{"default satisfies a required variable", map[string]string{"clinic_name": "Calm Waters"}, ""},
		{"given value beside a default", map[string]string{"clinic_name": "Calm Waters", "infusion_minutes": "45"}, ""},
		{"required without default still required", map[string]string{"infusion_minutes": "45"}, "variables.clinic_name"},
		{"a given value is still checked", map[string]string{"clinic_name": "Calm", "infusion_minutes": "4\n5"}, "variables.infusion_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckVariables(decl, tt.vals)
			if got := ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tt.wantField, err)
			}
		})
	}
	got := WithDefaults(decl, map[string]string{"clinic_name": "Calm Waters"})
	want := map[string]string{"clinic_name": "Calm Waters", "infusion_minutes": "40"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("WithDefaults (-want +got):\n%s", d)
	}
	if got := WithDefaults(decl, map[string]string{"clinic_name": "C", "infusion_minutes": "45"}); got["infusion_minutes"] != "45" {
		t.Errorf("a given value was replaced by the default: %q", got["infusion_minutes"])
	}
	if got := WithDefaults(nil, nil); got == nil {
		t.Error("WithDefaults(nil, nil) = nil, want an empty map (a consent's variables are never null)")
	}
}

// TestCanonicalOptionalFields: a default and a change summary enter the
// content hash when set, and leave the hash of content without them as it was.
func TestCanonicalOptionalFields(t *testing.T) {
	base := VersionContent{
		Locales: map[string]LocaleContent{"en": {Title: "T", Sections: []Section{{Key: "a", Kind: "other", Heading: "H", Body: "B"}},
			Disclosure: "D", Meanings: map[string]string{"patient": "P"}}},
		Variables:       []Variable{{Name: "x", Label: "X", Required: true}},
		RequiredSigners: []string{"patient"}, SignatureForms: []string{"typed"}, ExpiresAfterHours: 1,
	}
	m := base.CanonicalMap()
	if _, ok := m["variables"].([]any)[0].(map[string]any)["default"]; ok {
		t.Error("a variable without a default has a default key in the canonical map")
	}
	if _, ok := m["locales"].(map[string]any)["en"].(map[string]any)["change_summary"]; ok {
		t.Error("a locale without a change summary has a change_summary key in the canonical map")
	}
	h0, _ := base.SHA256()
	withDefault := base
	withDefault.Variables = []Variable{{Name: "x", Label: "X", Required: true, Default: "1"}}
	withSummary := base
	withSummary.Locales = map[string]LocaleContent{"en": base.Locales["en"]}
	lc := withSummary.Locales["en"]
	lc.ChangeSummary = "New."
	withSummary.Locales["en"] = lc
	h1, _ := withDefault.SHA256()
	h2, _ := withSummary.SHA256()
	if h1 == h0 || h2 == h0 || h1 == h2 {
		t.Errorf("hashes do not tell the contents apart: %s %s %s", h0, h1, h2)
	}
}
