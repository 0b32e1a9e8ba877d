package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// requireTool returns an outside program's path: skipped locally when
// missing, a failure under CI.
func requireTool(t *testing.T, name string) string {
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

// servedConsent starts run() with vars on a fresh data dir, signs a
// ketamine consent over HTTP and returns the server's base URL, the
// consent's sealed PDF, and a stop function.
func servedConsent(t *testing.T, vars map[string]string) (base string, pdf []byte, stop func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	vars["CONSENTD_DATA_DIR"], vars["CONSENTD_ADDR"], vars["CONSENTD_LOG_FORMAT"] = dir, "127.0.0.1:0", "text"
	s := startServe(t, env(vars))
	stop = func() {
		if err := s.stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "admin-api-key"))
	key := strings.TrimSpace(string(b))
	call := func(method, path string, body any) []byte {
		t.Helper()
		var r io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			r = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, s.base+path, r)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return raw
	}
	var c map[string]any
	json.Unmarshal(call("POST", "/v1/consents", apptest.ConsentRequest("en")), &c)
	id := c["id"].(string)
	call("POST", "/v1/staff", map[string]any{"id": apptest.StaffID, "name": apptest.StaffName, "role": "clinician", "pin": apptest.StaffPIN})
	call("POST", "/v1/consents/"+id+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, c)))
	call("POST", "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature())
	return s.base, call("GET", "/v1/consents/"+id+"/pdf", nil), stop
}

// pageOneQR decodes the QR code on a PDF's first page ("" for none).
func pageOneQR(t *testing.T, pdf []byte) string {
	t.Helper()
	pdftoppm, zbarimg := requireTool(t, "pdftoppm"), requireTool(t, "zbarimg")
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	os.WriteFile(in, pdf, 0o600)
	if out, err := exec.Command(pdftoppm, "-r", "300", "-gray", "-f", "1", "-l", "1", "-singlefile", "-png", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbarimg, "--quiet", "--raw", filepath.Join(dir, "p.png")).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 {
		return ""
	} else if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestVerifyQRFollowsPublicURL: with CONSENTD_PUBLIC_URL set, the sealed
// PDF's QR code opens that server's verification page for the consent, and
// the link it carries is checked with the key derived from the server
// secret; with the localhost default no QR code is printed.
func TestVerifyQRFollowsPublicURL(t *testing.T) {
	requireTool(t, "zbarimg")
	base, pdf, stop := servedConsent(t, map[string]string{"CONSENTD_PUBLIC_URL": "https://consent.calm-waters.example"})
	got := pageOneQR(t, pdf)
	u, err := url.Parse(got)
	if err != nil || u.Host != "consent.calm-waters.example" || !strings.HasPrefix(u.Path, "/verify/c/") {
		stop()
		t.Fatalf("page 1 QR code %q", got)
	}
	resp, err := http.Get(base + "/v1/public/verify/" + strings.TrimPrefix(u.Path, "/verify/c/"))
	if err != nil {
		t.Fatal(err)
	}
	var facts map[string]any
	json.NewDecoder(resp.Body).Decode(&facts)
	resp.Body.Close()
	if resp.StatusCode != 200 || facts["valid"] != true || facts["status"] != "signed" {
		t.Errorf("the QR code's link: %d %v", resp.StatusCode, facts)
	}
	if page, err := http.Get(base + u.Path); err != nil || page.StatusCode != 200 {
		t.Errorf("the QR code's page: %v %v", page, err)
	}
	stop()

	_, pdf, stop = servedConsent(t, map[string]string{})
	defer stop()
	if got := pageOneQR(t, pdf); got != "" {
		t.Errorf("QR code %q printed with the localhost default public URL", got)
	}
}
