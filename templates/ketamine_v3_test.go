package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// ketamineV2FileSHA256 pins 2.yaml byte for byte: version 3 copies its text
// and consents are signed on it, so it stays as shipped.
const ketamineV2FileSHA256 = "dbebb609efc972d5333b1c944257e6c87f070c2fa9bae8c5a5b4ca0fa337c563"

func TestKetamineV2FileUnchanged(t *testing.T) {
	data, err := files.ReadFile("files/ketamine-iv/2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != ketamineV2FileSHA256 {
		t.Errorf("files/ketamine-iv/2.yaml SHA-256 = %s, want %s; version 2 is frozen, change 3.yaml or add 4.yaml", got, ketamineV2FileSHA256)
	}
}

// TestKetamineV3IsV2WithQuestions: version 3 keeps every word of version 2
// (but its change summary) and adds 5-6 teach-back questions on the topics
// issue 14 names, the same in English and Spanish.
func TestKetamineV3IsV2WithQuestions(t *testing.T) {
	v2, v3 := shipped(t, "ketamine-iv", 2), shipped(t, "ketamine-iv", 3)
	strip := func(c consent.VersionContent) consent.VersionContent {
		out := c
		out.Locales = map[string]consent.LocaleContent{}
		for code, lc := range c.Locales {
			lc.ChangeSummary = ""
			secs := make([]consent.Section, len(lc.Sections))
			for i, s := range lc.Sections {
				s.Questions = nil
				secs[i] = s
			}
			lc.Sections = secs
			out.Locales[code] = lc
		}
		return out
	}
	if diff := cmp.Diff(strip(v2.Content), strip(v3.Content)); diff != "" {
		t.Errorf("version 3's text differs from version 2's (-v2 +v3):\n%s", diff)
	}
	if v3.Content.TeachBack != "" {
		t.Errorf("teach_back = %q; version 3 asks, it does not hold the countersignature", v3.Content.TeachBack)
	}
	want := map[string]bool{"aftercare/escort": true, "aftercare/driving": true, "contraindications/who_not": true,
		"relapse_and_suicide/dark_thoughts": true, "rights/withdraw": true, "side_effects_short_term/side_effects": true}
	for code, lc := range v3.Content.Locales {
		got := map[string]bool{}
		for _, s := range lc.Sections {
			for _, q := range s.Questions {
				got[s.Key+"/"+q.Key] = true
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s questions (-want +got):\n%s", code, diff)
		}
	}
}
