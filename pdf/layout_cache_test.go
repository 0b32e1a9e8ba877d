package pdf

import (
	"bytes"
	"strings"
	"testing"
)

// TestLayoutCacheSameBytes renders the ketamine consent for several
// patients through the shared layout cache (cold, then warm, then after
// documents with other font sets went through it) and without it: every
// PDF must be byte for byte the one drawn without the cache.
func TestLayoutCacheSameBytes(t *testing.T) {
	for _, l := range []string{"en", "es"} {
		t.Run(l, func(t *testing.T) {
			opts := ketamineOptions(t)
			noCache := opts
			noCache.noLayoutCache = true
			patients := []struct{ given, family string }{{"Ana", "Ruiz"}, {"Zoë", "Müller"}, {"Łucja", "Wałęsa"}, {"小明", "王"}}
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
						t.Fatalf("round %d, patient %s %s: the cached layout gives %d bytes, without the cache %d; they differ",
							round, p.given, p.family, len(got), len(want))
					}
				}
			}
		})
	}
	// The cache holds the document's text, never the patient's.
	for _, key := range documentLayouts.lru.Keys() {
		for _, name := range []string{"Müller", "Wałęsa", "小明", "MRN"} {
			if strings.Contains(key, name) {
				t.Errorf("a layout cache key holds patient data %q", name)
			}
		}
	}
}
