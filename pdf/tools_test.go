package pdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireTool returns the path of an outside program; it skips the test when
// the program is missing locally and fails it when CI is set.
func requireTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is required in CI: %v", name, err)
		}
		tb.Skipf("%s not installed", name)
	}
	return p
}

// writeTemp writes b to a file in a test directory.
func writeTemp(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func TestPdfsig(t *testing.T) {
	pdfsig := requireTool(t, "pdfsig")
	s := newTestSealer(t, t.TempDir())
	p := sealFixture(t, s, "en")
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"sealed", p.Bytes, "Signature is Valid."},
		{"byte flipped", flipInStream(t, p.Bytes), "Digest Mismatch."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// pdfsig exits 0 whether or not the signature is valid: read its text.
			out, _ := exec.Command(pdfsig, writeTemp(t, "c.pdf", tt.in)).CombinedOutput()
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("pdfsig output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestPdfsigTrustedRoot(t *testing.T) {
	pdfsig := requireTool(t, "pdfsig")
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		t.Skip("certutil (libnss3-tools) not installed; trust is optional") // optional even in CI
	}
	dir := t.TempDir()
	s := newTestSealer(t, dir)
	p := sealFixture(t, s, "en")
	nss := t.TempDir()
	run(t, certutil, "-N", "-d", "sql:"+nss, "--empty-password")
	run(t, certutil, "-A", "-d", "sql:"+nss, "-n", "consentd-root", "-t", "C,C,C", "-i", filepath.Join(dir, "keys", rootCertFile))
	out, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nss, writeTemp(t, "c.pdf", p.Bytes)).CombinedOutput()
	for _, want := range []string{"Signature is Valid.", "Certificate is Trusted."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdfsig output lacks %q:\n%s", want, out)
		}
	}
}

func TestQpdfCheck(t *testing.T) {
	qpdf := requireTool(t, "qpdf")
	s := newTestSealer(t, t.TempDir())
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			run(t, qpdf, "--check", writeTemp(t, "c.pdf", sealFixture(t, s, locale).Bytes))
		})
	}
}

func TestPdftotext(t *testing.T) {
	pdftotext := requireTool(t, "pdftotext")
	s := newTestSealer(t, t.TempDir())
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			c := fixtureConsent(t, locale)
			text := run(t, pdftotext, "-layout", writeTemp(t, "c.pdf", sealFixture(t, s, locale).Bytes), "-")
			text = strings.Join(strings.Fields(text), " ")
			l := labelsFor(locale)
			want := []string{"Zoë Müller", "1980-04-02", "MRN-004211", c.ID, c.Document().Title, c.Document().ContentSHA256,
				"Łódź", "Иван Петров", "Amélie Dubois", "Clínica Serena", l.Signatures, l.Evidence,
				"2026-11-25 09:49:00.123 UTC", "2026-11-25 10:49:00.123 CET", // patient's signature, UTC and Madrid
				"✓ " + l.Acknowledged + " 2026-11-25 09:46:00.123 UTC", // risks acknowledged
				l.DisclosureAccepted + " 2026-11-25 09:45:00.123 UTC", s.CertSHA256()[:32],
				"Page 1 of 3", "consent.signature_recorded", "tablet-07"}
			if locale == "es" {
				want[len(want)-3] = "Página 1 de 3"
			}
			for _, sec := range c.Document().Sections {
				want = append(want, sec.Heading)
			}
			for _, sig := range c.Signatures {
				want = append(want, sig.Meaning)
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext output lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}
