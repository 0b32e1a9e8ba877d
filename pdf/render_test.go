package pdf

import (
	"bytes"
	"os"
	"testing"
)

func renderFixture(tb testing.TB, locale string) []byte {
	tb.Helper()
	c := fixtureConsent(tb, locale)
	b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena · Ketamine Therapy", TimeZone: madrid(tb),
		CertSHA256: "5d41402abc4b2a76b9719d911017c592ae1f5e6d3c4b2a19f8e7d6c5b4a39281"})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRenderDeterministic(t *testing.T) {
	a, b := renderFixture(t, "en"), renderFixture(t, "en")
	if !bytes.Equal(a, b) {
		t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
	}
	if dir := os.Getenv("PDF_OUT"); dir != "" {
		os.WriteFile(dir+"/en.pdf", a, 0o644)
		os.WriteFile(dir+"/es.pdf", renderFixture(t, "es"), 0o644)
	}
}

func TestWriteSealedSample(t *testing.T) {
	dir := os.Getenv("PDF_OUT")
	if dir == "" {
		t.Skip("set PDF_OUT to write sample files")
	}
	s := newTestSealer(t, t.TempDir())
	for _, l := range []string{"en", "es"} {
		os.WriteFile(dir+"/sealed-"+l+".pdf", sealFixture(t, s, l).Bytes, 0o644)
	}
}
