package pdf

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// testVerifyBase is a public URL of the length a clinic's may have.
const testVerifyBase = "https://consent.calm-waters-clinic.example" + consent.VerifyLinkPath

// testVerifyURL stands in for consent.VerifyLinks.URL: the ID and a MAC.
func testVerifyURL(id string) string { return testVerifyBase + id + "-7K3M2N5P6Q" }

// rasterPages renders every page of a PDF to PNG at dpi and returns the files in page order.
func rasterPages(t *testing.T, b []byte, dpi string) []string {
	t.Helper()
	pdftoppm := requireTool(t, "pdftoppm")
	dir := t.TempDir()
	run(t, pdftoppm, "-r", dpi, "-gray", "-png", writeTemp(t, "c.pdf", b), filepath.Join(dir, "p"))
	files, err := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("pdftoppm wrote no pages: %v", err)
	}
	slices.Sort(files) // p-1 … p-N, zero-padded by pdftoppm
	return files
}

// decodeQR returns the QR codes zbarimg finds in an image, one per line ("" for none).
func decodeQR(t *testing.T, png string) string {
	t.Helper()
	zbarimg := requireTool(t, "zbarimg")
	out, err := exec.Command(zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 { // no symbol found
		return ""
	} else if err != nil {
		t.Fatalf("zbarimg %s: %v", png, err)
	}
	return strings.TrimRight(string(out), "\n")
}

// pageText returns the text of page n (1-based) with spaces collapsed.
func pageText(t *testing.T, b []byte, n int) string {
	t.Helper()
	p := requireTool(t, "pdftotext")
	page := itoa(n)
	return strings.Join(strings.Fields(run(t, p, "-f", page, "-l", page, writeTemp(t, "c.pdf", b), "-")), " ")
}

// The QR codes on page 1 (small, in the footer) and on the evidence page
// decode to the consent's verification URL from the rendered page, as a
// phone would read a printout; the URL is printed next to each as text.
func TestQRCodeOnSealedPDFDecodes(t *testing.T) {
	requireTool(t, "zbarimg")
	s, err := NewSealer(Config{DataDir: t.TempDir(), ClinicName: "Clínica Serena", TimeZone: madrid(t), VerifyURL: testVerifyURL})
	if err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			c := ketamineConsent(t, locale)
			p, err := s.SealConsent(context.Background(), c, ketamineEvents(c))
			if err != nil {
				t.Fatal(err)
			}
			if v := s.Verify(p.Bytes); !v.Valid {
				t.Fatalf("sealed PDF with QR codes does not verify: %s", v.Reason)
			}
			want := testVerifyURL(c.ID)
			checkQRPages(t, p.Bytes, want)
		})
	}
	t.Run("withdrawal copy", func(t *testing.T) {
		c := ketamineConsent(t, "en")
		signed, err := s.SealConsent(context.Background(), c, ketamineEvents(c))
		if err != nil {
			t.Fatal(err)
		}
		when := c.SignedAt.Add(72 * time.Hour)
		c.Status, c.StatusChangedAt, c.PDF = consent.StatusWithdrawn, &when, &signed.Info
		w, err := s.SealWithdrawal(context.Background(), c, ketamineEvents(c))
		if err != nil {
			t.Fatal(err)
		}
		checkQRPages(t, w.Bytes, testVerifyURL(c.ID))
	})
}

// checkQRPages decodes page 1 (at 300 dpi, as a printout scanned or seen
// by a phone's camera: the small code) and the evidence page (at 100 dpi),
// finds no code on the other pages, and finds the URL as text on both.
func checkQRPages(t *testing.T, b []byte, want string) {
	t.Helper()
	if got := decodeQR(t, rasterPage(t, b, 1, "300")); got != want {
		t.Errorf("page 1 QR code = %q, want %q", got, want)
	}
	if text := pageText(t, b, 1); !strings.Contains(text, want) { // one line on page 1
		t.Errorf("page 1 does not print the URL %q as text:\n%s", want, text)
	}
	pages := rasterPages(t, b, "100")
	evidence := 0
	for i := 2; i <= len(pages); i++ {
		got := decodeQR(t, pages[i-1])
		if evidence == 0 && got != "" {
			evidence = i
			if got != want {
				t.Errorf("evidence page QR code = %q, want %q", got, want)
			}
			// Broken after "/verify/c/" on the evidence page, if at all.
			text := pageText(t, b, i)
			if !strings.Contains(strings.ReplaceAll(text, " ", ""), want) || !strings.Contains(text, "Evidence") && !strings.Contains(text, "Evidencias") {
				t.Errorf("page %d has the code but is not the evidence page printing the URL:\n%s", i, text)
			}
		} else if got != "" {
			t.Errorf("page %d has a QR code %q; only page 1 and the evidence page should", i, got)
		}
	}
	if evidence == 0 {
		t.Errorf("no page after page 1 has a QR code")
	}
}

// rasterPage renders page n of a PDF to PNG at dpi.
func rasterPage(t *testing.T, b []byte, n int, dpi string) string {
	t.Helper()
	pdftoppm := requireTool(t, "pdftoppm")
	out := filepath.Join(t.TempDir(), "p")
	run(t, pdftoppm, "-r", dpi, "-gray", "-f", itoa(n), "-l", itoa(n), "-singlefile", "-png", writeTemp(t, "c.pdf", b), out)
	return out + ".png"
}

// Without a verification URL (the public URL is the localhost default, or
// a consent sealed before links existed) no QR code is drawn.
func TestNoQRCodeWithoutVerifyURL(t *testing.T) {
	requireTool(t, "zbarimg")
	s := newTestSealer(t, t.TempDir())
	c := ketamineConsent(t, "en")
	p, err := s.SealConsent(context.Background(), c, ketamineEvents(c))
	if err != nil {
		t.Fatal(err)
	}
	pages := rasterPages(t, p.Bytes, "150")
	for _, png := range []string{pages[0], pages[len(pages)-1]} {
		if got := decodeQR(t, png); got != "" {
			t.Errorf("%s: QR code %q without a verification URL", filepath.Base(png), got)
		}
	}
	if text := pageText(t, p.Bytes, 1); strings.Contains(text, consent.VerifyLinkPath) {
		t.Errorf("page 1 prints a verification link without one configured")
	}
}

// The page-1 code is drawn as vector rectangles (crisp at any scale, a few
// hundred bytes), not an embedded image.
func TestQRCodeIsVector(t *testing.T) {
	opts := ketamineOptions(t)
	with, err := Render(ketamineConsent(t, "en"), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.VerifyURL = ""
	without, err := Render(ketamineConsent(t, "en"), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(with), "/Subtype /Image") != strings.Count(string(without), "/Subtype /Image") {
		t.Error("the QR code added an image")
	}
	if d := len(with) - len(without); d <= 0 || d > 6000 {
		t.Errorf("the QR codes add %d bytes", d)
	}
	if dir := os.Getenv("PDF_OUT"); dir != "" {
		os.WriteFile(filepath.Join(dir, "qr.pdf"), with, 0o644)
	}
}

// BenchmarkNewQR encodes a verification link (once per sealed PDF).
func BenchmarkNewQR(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newQR(testVerifyURL(ketamineID)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQRModulesDecode encodes verification links of several lengths and
// characters (hosts, ports, paths, IDs) and has zbarimg read each code
// from an image of its modules: the encoder's choice of version, segments
// and mask must give a code a phone reads back exactly, not only for the
// fixture's link.
func TestQRModulesDecode(t *testing.T) {
	requireTool(t, "zbarimg")
	rng := rand.New(rand.NewPCG(12, 3))
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	bases := []string{testVerifyBase, "https://c.example/v/", "http://10.0.0.7:8080/verify/",
		"https://consent.a-rather-long-clinic-group-name.health.example.org/consentd" + consent.VerifyLinkPath}
	dir := t.TempDir()
	for i := range 12 {
		id := make([]byte, 26)
		for j := range id {
			id[j] = alphabet[rng.IntN(len(alphabet))]
		}
		url := bases[i%len(bases)] + string(id) + "-" + string(id[3:13])
		q, err := newQR(url)
		if err != nil {
			t.Fatal(err)
		}
		const scale, quiet = 4, 4
		n := len(q.modules)
		img := image.NewGray(image.Rect(0, 0, (n+2*quiet)*scale, (n+2*quiet)*scale))
		for k := range img.Pix {
			img.Pix[k] = 0xFF
		}
		for y, row := range q.modules {
			for x, dark := range row {
				if dark {
					for dy := range scale {
						for dx := range scale {
							img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
						}
					}
				}
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "q"+itoa(i)+".png")
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, file); got != url {
			t.Errorf("code %d (%d modules) decodes to %q, want %q", i, n, got, url)
		}
	}
}
