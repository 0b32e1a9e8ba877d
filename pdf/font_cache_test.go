package pdf

import (
	"bytes"
	"testing"
)

// TestFontCacheSameBytes renders the ketamine consent for patients whose
// names need other glyphs (Latin-1, Latin Extended, CJK), cold and then
// warm, with gofpdf's shared font cache and without it: every PDF must be
// byte for byte the one gofpdf writes when it parses, identifies and cuts
// the fonts for the document alone. Between two documents only the glyphs
// differ, so a cut font shared by mistake would change the bytes here.
func TestFontCacheSameBytes(t *testing.T) {
	for _, l := range []string{"en", "es"} {
		t.Run(l, func(t *testing.T) {
			opts := ketamineOptions(t)
			noCache := opts
			noCache.noFontCache = true
			patients := []struct{ given, family string }{{"Ana", "Ruiz"}, {"Zoë", "Müller"}, {"Łucja", "Wałęsa"}, {"小明", "王"}, {"Ana", "Ruiz"}}
			for round := range 2 {
				for _, p := range patients {
					c := ketamineConsent(t, l)
					c.Patient.GivenName, c.Patient.FamilyName = p.given, p.family
					c.Signatures[0].Name = p.given + " " + p.family
					events := ketamineEvents(c)
					want, err := Render(c, events, noCache)
					if err != nil {
						t.Fatal(err)
					}
					got, err := Render(c, events, opts)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(want, got) {
						t.Fatalf("round %d, patient %s %s: with the font cache %d bytes, without %d; they differ",
							round, p.given, p.family, len(got), len(want))
					}
				}
			}
		})
	}
}
