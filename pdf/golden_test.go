package pdf

import (
	"bytes"
	"context"
	"github.com/consentd/consentd/consent"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenPages compares page 1 of a right-to-left and a CJK consent with
// images a person checked (letters joined and ordered right to left, CJK
// glyphs, no boxes). pdftoppm renders them; the comparison tolerates small
// anti-aliasing differences between poppler versions. To regenerate after an
// intended change, run
//
//	UPDATE_GOLDEN=1 go test ./pdf -run TestGoldenPages
//
// and look at pdf/testdata/golden/*.png before committing them.
func TestGoldenPages(t *testing.T) {
	pdftoppm := requireTool(t, "pdftoppm")
	cases := map[string][2]string{"rtl": {"محمد پریسا", "عبد الله (MRN 42) דוד כהן"}, "cjk": {"小明 さくら 민준", "王 陳美麗 山田"}}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) {
			c := namedConsent(t, n[0], n[1])
			b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena"})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "p")
			run(t, pdftoppm, "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-png", writeTemp(t, "c.pdf", b), out)
			got, err := os.ReadFile(out + ".png")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+"-page1.png")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (regenerate with UPDATE_GOLDEN=1)", err)
			}
			if d := imageDiff(t, want, got); d > 0.005 {
				t.Errorf("page 1 differs from %s in %.2f%% of pixels", golden, 100*d)
			}
		})
	}
}

// imageDiff returns the share of pixels whose grey level differs by more
// than a quarter of the range.
func imageDiff(t *testing.T, a, b []byte) float64 {
	t.Helper()
	ia, err1 := png.Decode(bytes.NewReader(a))
	ib, err2 := png.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		t.Fatalf("decode: %v %v", err1, err2)
	}
	if ia.Bounds() != ib.Bounds() {
		return 1
	}
	grey := func(img image.Image, x, y int) int {
		r, g, b, _ := img.At(x, y).RGBA()
		return int((r + g + b) / 3 >> 8)
	}
	bad, total := 0, 0
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			total++
			if d := grey(ia, x, y) - grey(ib, x, y); d > 64 || d < -64 {
				bad++
			}
		}
	}
	return float64(bad) / float64(total)
}

// TestUnprintableStoredTextSeals: records stored before the intake refused
// them (a character outside the BMP such as 𠮷, which made gofpdf panic,
// Devanagari, a right-to-left override) still seal, printed as visible code
// points in the text and the metadata, never as boxes.
func TestUnprintableStoredTextSeals(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	c := namedConsent(t, "𠮷野 नमन", "Ana\u202Eazor")
	c.Signatures[1].Mark = consent.Mark{Type: "typed", Text: "𠮷"}
	c.Documents["en"].Sections[0].Body += " 𠮷 &#x928;"
	events := fixtureEvents(c)
	events[1].UserAgent = "Agent 𠮷\u202E"
	p, err := s.SealConsent(context.Background(), c, events)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Verify(p.Bytes); !v.Valid {
		t.Fatalf("seal not valid: %s", v.Reason)
	}
	text := textNFKC(t, p.Bytes)
	for _, w := range []string{"⟨U+20BB7⟩野", "⟨U+0928⟩", "Ana⟨U+202E⟩azor"} {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext lacks %q", w)
		}
	}
	maps := cidToGID(t, p.Bytes)
	for _, r := range "⟨U+20BB7⟩野" {
		if !hasGlyph(maps, r) {
			t.Errorf("U+%04X maps to .notdef", r)
		}
	}
	info := run(t, requireTool(t, "pdfinfo"), writeTemp(t, "c.pdf", p.Bytes))
	if !strings.Contains(info, "⟨U+20BB7⟩") || strings.Contains(info, "\u202E") {
		t.Errorf("metadata not escaped:\n%s", info)
	}
}
