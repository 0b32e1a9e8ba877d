package pdf

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestFontCacheSameBytes renders the ketamine consent for patients whose
// names need other glyphs (Latin-1, Latin Extended, CJK), cold and then
// warm, with the font caches (pdf's cut fonts, subsets, and gofpdf's parsed
// and cut fonts) and without them: every PDF must be byte for byte the one
// written when the fonts are cut, parsed, identified and cut again for the
// document alone. Between two documents only the glyphs differ, so a cut
// font shared by mistake would change the bytes here.
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

// TestCachesHoldNoPatientData renders consent A for a patient with an
// unusual name, then consent B for another patient with every cache warm:
// B's text (pdftotext) holds nothing of A — not the name, the patient ID or
// the consent ID — and B is byte for byte B rendered without caches. The
// caches themselves (layouts, parsed Markdown, cut fonts) hold no trace of
// A's name, in UTF-8 or in the UTF-16 a PDF content stream uses.
func TestCachesHoldNoPatientData(t *testing.T) {
	pdftotext := requireTool(t, "pdftotext")
	a := ketamineConsent(t, "en")
	a.ID, a.Patient.ID = "01JDQ7Z4X8K2M5N9P3R6T1AAAA", "MRN-LEAK-CHECK-7"
	a.Patient.GivenName, a.Patient.FamilyName = "Wojciech Ŵyndham", "Przybyszewski-Ægir"
	a.Signatures[0].Name = a.Patient.GivenName + " " + a.Patient.FamilyName
	if _, err := Render(a, ketamineEvents(a), ketamineOptions(t)); err != nil {
		t.Fatal(err)
	}
	b := ketamineConsent(t, "en")
	opts := ketamineOptions(t)
	got, err := Render(b, ketamineEvents(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.noLayoutCache, opts.noFontCache = true, true
	want, err := Render(b, ketamineEvents(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("B rendered after A with warm caches differs from B rendered without caches")
	}
	text := run(t, pdftotext, writeTemp(t, "b.pdf", got), "-")
	for _, s := range []string{"Wojciech", "Przybyszewski", "Ŵyndham", "MRN-LEAK", a.ID} {
		if strings.Contains(text, s) {
			t.Errorf("consent B's PDF holds %q from consent A", s)
		}
	}
	if !strings.Contains(text, "Müller") {
		t.Fatal("consent B's own patient is not in its text: the check above proves nothing")
	}

	utf16 := func(s string) []byte {
		var out []byte
		for _, r := range s {
			out = append(out, byte(r>>8), byte(r))
		}
		return out
	}
	traces := [][]byte{[]byte("Przybyszewski"), utf16("Przybyszewski"), []byte("MRN-LEAK"), utf16("MRN-LEAK")}
	holds := func(what string, b []byte) {
		for _, tr := range traces {
			if bytes.Contains(b, tr) {
				t.Errorf("%s holds %q of consent A", what, tr)
			}
		}
	}
	for _, k := range documentLayouts.lru.Keys() {
		holds("a layout cache key", []byte(k))
		lines, _ := documentLayouts.lru.Peek(k)
		for _, ln := range lines {
			for _, w := range ln.words {
				holds("a cached layout", []byte(w.text))
			}
		}
	}
	for _, k := range parsedMarkdown.Keys() {
		holds("a parsed Markdown key", []byte(k))
	}
	for _, k := range subsets.Keys() {
		v, _ := subsets.Peek(k)
		holds("a cut font", v)
	}
}

// TestConcurrentRendersSameBytes renders consents for different patients
// from several goroutines at once, sharing every cache (run it with -race):
// each PDF must equal the one rendered alone without caches.
func TestConcurrentRendersSameBytes(t *testing.T) {
	names := [][2]string{{"Ana", "Ruiz"}, {"Zoë", "Müller"}, {"Łucja", "Wałęsa"}, {"小明", "王"}, {"محمد", "پریسا"}, {"Иван", "Петров"}}
	type job struct {
		c    *consent.Consent
		want []byte
	}
	var jobs []job
	for i, n := range names {
		c := ketamineConsent(t, []string{"en", "es"}[i%2])
		c.Patient.GivenName, c.Patient.FamilyName = n[0], n[1]
		c.Signatures[0].Name = n[0] + " " + n[1]
		opts := ketamineOptions(t)
		opts.noLayoutCache, opts.noFontCache = true, true
		want, err := Render(c, ketamineEvents(c), opts)
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{c, want})
	}
	opts := ketamineOptions(t)
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(jobs))
	for range 4 {
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := Render(j.c, ketamineEvents(j.c), opts)
				if err != nil {
					errs <- err.Error()
				} else if !bytes.Equal(got, j.want) {
					errs <- "concurrent render for " + j.c.Patient.FullName() + " differs from the render alone without caches"
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
