package webtest_test

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/consentd/consentd/internal/app/apptest"
)

// tool returns an outside program's path: skipped locally when missing, a
// failure in CI.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// scanQR renders page 1 of a PDF as a printout would be scanned (300 dpi)
// and decodes its QR code.
func scanQR(t *testing.T, pdf []byte) string {
	t.Helper()
	pdftoppm, zbarimg := tool(t, "pdftoppm"), tool(t, "zbarimg")
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", "300", "-gray", "-f", "1", "-l", "1", "-singlefile", "-png", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbarimg, "--quiet", "--raw", filepath.Join(dir, "p.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code on page 1: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// upload gives the page's file input a file, as choosing it in the dialog does.
func (p *page) upload(name string, b []byte) {
	p.t.Helper()
	path := filepath.Join(p.t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		p.t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
}

// TestVerifyPage checks a consent as a patient would: on /verify, the real
// sealed PDF is authentic with the facts to compare (and no names); a
// tampered copy says so; the QR code scanned from the printed page opens
// the same facts without the file, and after a withdrawal says withdrawn; a
// link with a wrong MAC finds nothing and shows no facts.
func TestVerifyPage(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	st, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("pdf: %d", st)
	}
	st, cb := s.Do(t, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("consent: %d", st)
	}
	c := apptest.JSON(t, cb)
	hash := c["document"].(map[string]any)["content_sha256"].(string)
	signedAt := strings.Replace(strings.Replace(c["signed_at"].(string), "T", " ", 1), "Z", " UTC", 1)
	private := []string{"Zoë", "Müller", "MRN-1001", "1980-04-02", apptest.StaffName}
	facts := func(p *page, where string) string {
		t.Helper()
		text := p.text()
		for _, want := range []string{id, hash, signedAt, "Patient:", "Clinician:", "Calm Waters Ketamine Clinic", "ketamine-iv"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: page lacks %q:\n%s", where, want, text)
			}
		}
		for _, secret := range private {
			if strings.Contains(text, secret) {
				t.Errorf("%s: page shows %q", where, secret)
			}
		}
		return text
	}

	p := newPage(t)
	p.open(s.URL + "/verify")
	p.waitFor("#file")
	p.checkPage("verify start")
	p.upload("consent.pdf", pdf)
	p.wait(`document.getElementById('result').dataset.state === 'valid'`)
	text := facts(p, "upload")
	if !strings.Contains(text, "Authentic document") || !strings.Contains(text, "In effect (signed)") || !strings.Contains(text, "Signed consent") {
		t.Errorf("upload: no verdict or status:\n%s", text)
	}
	p.checkPage("verify valid")
	p.shot("verify-valid")

	tampered := bytes.Clone(pdf)
	i := bytes.Index(tampered, []byte("/Producer"))
	tampered[i+1] = 'p'
	p.upload("tampered.pdf", tampered)
	p.wait(`document.getElementById('result').dataset.state === 'invalid'`)
	text = p.text()
	if !strings.Contains(text, "Not verified") || !strings.Contains(text, "changed after the clinic sealed it") || strings.Contains(text, id) {
		t.Errorf("tampered copy:\n%s", text)
	}
	p.shot("verify-tampered")

	p.click(`button[data-lang="es"]`)
	p.wait(`document.documentElement.lang === 'es'`)
	if text := p.text(); !strings.Contains(text, "No verificado") || !strings.Contains(text, "se modificó") {
		t.Errorf("Spanish:\n%s", text)
	}

	// The link printed on the paper, as a phone reads it from the QR code.
	link, err := url.Parse(scanQR(t, pdf))
	if err != nil || link.Host != "consent.example.test" || !strings.HasPrefix(link.Path, "/verify/c/") {
		t.Fatalf("QR code: %v %v", link, err)
	}
	q := newPage(t)
	q.open(s.URL + link.Path)
	q.wait(`document.getElementById('result').dataset.state === 'valid'`)
	text = facts(q, "QR link")
	if !strings.Contains(text, "Consent on record") || !strings.Contains(text, "A code can be copied onto a forged page") {
		t.Errorf("QR link page:\n%s", text)
	}
	q.checkPage("verify link")
	q.shot("verify-link")

	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "moved away"}); st != 200 {
		t.Fatalf("withdraw: %d %s", st, b)
	}
	q.open(s.URL + link.Path)
	q.wait(`document.getElementById('result').dataset.state === 'valid'`)
	if text := q.text(); !strings.Contains(text, "Withdrawn on") || !strings.Contains(text, "no longer in effect") || strings.Contains(text, "moved away") {
		t.Errorf("after the withdrawal:\n%s", text)
	}
	q.shot("verify-link-withdrawn")

	bad := []byte(link.Path)
	last := len(bad) - 1
	bad[last] = map[bool]byte{true: '1', false: '0'}[bad[last] == '0']
	q.open(s.URL + string(bad))
	q.wait(`document.getElementById('result').dataset.state === 'notfound'`)
	if text := q.text(); !strings.Contains(text, "No consent matches this link") || strings.Contains(text, id) || strings.Contains(text, hash) {
		t.Errorf("wrong MAC:\n%s", text)
	}
	q.checkPage("verify not found")

	// A mistyped address (a space, an escaped percent sign) finds nothing without breaking the page.
	q.open(s.URL + "/verify/c/01JDQ7Z4X8K2M5N9P3R6T1V0WY-7K3M%202N5P%25")
	q.wait(`document.getElementById('result').dataset.state === 'notfound'`)
}
