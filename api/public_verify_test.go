package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// linkToken returns the token of a consent's printed verification link.
func linkToken(t *testing.T, s *apptest.Server, id string) string {
	t.Helper()
	u, err := url.Parse(s.Service.VerifyLinks.URL(id))
	if err != nil || !strings.HasPrefix(u.Path, consent.VerifyLinkPath) {
		t.Fatalf("verification link of %s: %q %v", id, u, err)
	}
	return strings.TrimPrefix(u.Path, consent.VerifyLinkPath)
}

// noPrivateData fails when a public answer holds anything the public page
// must not show: names, the patient ID, the birth date, the withdrawal reason.
func noPrivateData(t *testing.T, b []byte) {
	t.Helper()
	for _, secret := range []string{"Zoë", "Müller", "MRN-1001", "1980-04-02", apptest.StaffName, apptest.StaffID, "moved away"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("public answer shows %q: %s", secret, b)
		}
	}
}

// checkFacts checks the facts shown of a signed ketamine consent.
func checkFacts(t *testing.T, got map[string]any, c map[string]any, status string) {
	t.Helper()
	if got["valid"] != true || got["consent_id"] != c["id"] || got["status"] != status || got["issuer"] != "Calm Waters Ketamine Clinic" {
		t.Fatalf("facts: %v", got)
	}
	doc := c["document"].(map[string]any)
	tpl := got["template"].(map[string]any)
	if tpl["slug"] != c["template"] || tpl["version"] != c["version"] || tpl["locale"] != c["locale"] || tpl["title"] != doc["title"] {
		t.Errorf("template: %v, consent %v v%v %v", tpl, c["template"], c["version"], c["locale"])
	}
	if got["content_sha256"] != doc["content_sha256"] || got["signed_at"] != c["signed_at"] || got["signed_at"] == nil {
		t.Errorf("content hash %v / signed at %v; want %v / %v", got["content_sha256"], got["signed_at"], doc["content_sha256"], c["signed_at"])
	}
	signers, _ := got["signers"].([]any)
	sigs := c["signatures"].([]any)
	if len(signers) != len(sigs) {
		t.Fatalf("signers %v", signers)
	}
	for i, s := range signers {
		s, want := s.(map[string]any), sigs[i].(map[string]any)
		if len(s) != 2 || s["role"] != want["role"] || s["signed_at"] != want["signed_at"] {
			t.Errorf("signer %d: %v, want role %v at %v", i, s, want["role"], want["signed_at"])
		}
	}
	if status == consent.StatusSigned && got["status_changed_at"] != nil {
		t.Errorf("status_changed_at on a signed consent: %v", got["status_changed_at"])
	}
}

// TestPublicVerifyUpload: anyone (no API key) can check a file. The real
// sealed PDF is valid with the facts to compare; a tampered copy, another
// server's file and junk say so and show no facts; a withdrawn consent's
// signed PDF stays authentic and shows the withdrawal; errors answer like
// the rest of the API.
func TestPublicVerifyUpload(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "es")
	c := getConsent(t, s, id)
	pdf := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)

	b := want(t, s, 200, "POST", "/v1/public/verify", "", pdf, "Content-Type", "application/pdf")
	noPrivateData(t, b)
	got := apptest.JSON(t, b)
	checkFacts(t, got, c, consent.StatusSigned)
	if got["kind"] != consent.PDFKindSigned || got["file_sha256"] != c["pdf"].(map[string]any)["sha256"] || got["cert_sha256"] == nil {
		t.Errorf("kind %v, file %v, cert %v", got["kind"], got["file_sha256"], got["cert_sha256"])
	}

	tampered := bytes.Clone(pdf)
	i := bytes.Index(tampered, []byte("/Producer"))
	tampered[i+1] = 'p'
	b = want(t, s, 200, "POST", "/v1/public/verify", "", tampered, "Content-Type", "application/pdf")
	if got := apptest.JSON(t, b); got["valid"] != false || got["reason"] != consent.PublicTampered || got["consent_id"] != nil || got["status"] != nil {
		t.Errorf("tampered copy: %s", b)
	}
	noPrivateData(t, b)

	other := apptest.New(t)
	otherPDF := want(t, other, 200, "GET", "/v1/consents/"+other.SignedConsent(t, "en")+"/pdf", other.AdminKey, nil)
	if got := wantJSON(t, s, 200, "POST", "/v1/public/verify", "", otherPDF); got["valid"] != false || got["reason"] != consent.PublicUnknownIssuer {
		t.Errorf("another server's PDF: %v", got)
	}

	st, b := s.Do(t, "POST", "/v1/public/verify", "", []byte("%PDF-1.4\nnot really a PDF\n"))
	if code, _, _ := errorOf(t, b); st != 422 || code != consent.EUNPROCESSABLE {
		t.Errorf("junk: %d %s", st, b)
	}
	st, b = s.Do(t, "POST", "/v1/public/verify", "", make([]byte, consent.MaxSealedPDFBytes+1))
	if code, _, _ := errorOf(t, b); st != 413 || code != consent.ETOOLARGE {
		t.Errorf("over the cap: %d %s", st, b)
	}

	want(t, s, 200, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "moved away"})
	c = getConsent(t, s, id)
	b = want(t, s, 200, "POST", "/v1/public/verify", "", pdf)
	noPrivateData(t, b)
	got = apptest.JSON(t, b)
	checkFacts(t, got, c, consent.StatusWithdrawn)
	if got["status_changed_at"] != c["status_changed_at"] || got["status_changed_at"] == nil || got["kind"] != consent.PDFKindSigned {
		t.Errorf("withdrawn: status_changed_at %v, want %v; kind %v", got["status_changed_at"], c["status_changed_at"], got["kind"])
	}
	copyPDF := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf/withdrawn", s.AdminKey, nil)
	b = want(t, s, 200, "POST", "/v1/public/verify", "", copyPDF)
	noPrivateData(t, b)
	if got := apptest.JSON(t, b); got["valid"] != true || got["kind"] != consent.PDFKindWithdrawn || got["status"] != consent.StatusWithdrawn {
		t.Errorf("withdrawal copy: %s", b)
	}
}

// TestPublicVerifyLink: the printed link shows the same facts without the
// file; a wrong MAC, the consent ID alone, another consent's MAC and a
// consent never sealed are all the same 404 with no facts.
func TestPublicVerifyLink(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	c := getConsent(t, s, id)
	token := linkToken(t, s, id)

	b := want(t, s, 200, "GET", "/v1/public/verify/"+token, "", nil)
	noPrivateData(t, b)
	got := apptest.JSON(t, b)
	checkFacts(t, got, c, consent.StatusSigned)
	if got["kind"] != nil || got["file_sha256"] != nil {
		t.Errorf("a link has no file: %s", b)
	}
	if got := wantJSON(t, s, 200, "GET", "/v1/public/verify/"+strings.ToLower(token), "", nil); got["consent_id"] != id {
		t.Errorf("typed in lower case: %v", got)
	}

	pending := s.CreateConsent(t, "en")["id"].(string)
	otherID := s.SignedConsent(t, "en")
	mac := token[strings.LastIndexByte(token, '-')+1:]
	wrong := []byte(token)
	wrong[len(wrong)-1] = map[bool]byte{true: '1', false: '0'}[wrong[len(wrong)-1] == '0']
	for name, bad := range map[string]string{
		"wrong MAC": string(wrong), "consent ID alone": id, "another consent's MAC": otherID + "-" + mac,
		"never sealed": linkToken(t, s, pending), "unknown consent": "01JDQ7Z4X8K2M5N9P3R6T1V0WY-" + mac,
		"too long": strings.Repeat("A", 300) + "-" + mac,
	} {
		st, b := s.Do(t, "GET", "/v1/public/verify/"+bad, "", nil)
		if code, _, _ := errorOf(t, b); st != 404 || code != consent.ENOTFOUND {
			t.Errorf("%s: %d %s", name, st, b)
		}
		if bytes.Contains(b, []byte(id)) || bytes.Contains(b, []byte(pending)) || bytes.Contains(b, []byte("valid")) {
			t.Errorf("%s: the 404 shows something: %s", name, b)
		}
	}
}

// TestPublicVerifyAudited: every public verification is on record, folded
// per route and consent within the access window, so a flood from rotating
// addresses adds a bounded number of rows while every try is counted.
func TestPublicVerifyAudited(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) {
		c.TrustedProxies = "127.0.0.1"
		// The flood is counted whole: no limit cuts it short.
		c.PublicLimit, c.PublicCeiling = app.Limit{}, app.Limit{}
	})
	id := s.SignedConsent(t, "en")
	pdf := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	token := linkToken(t, s, id)

	want(t, s, 200, "POST", "/v1/public/verify", "", pdf, "X-Forwarded-For", "198.51.100.1")
	want(t, s, 200, "GET", "/v1/public/verify/"+token, "", nil, "X-Forwarded-For", "198.51.100.2")
	const flood = 40
	for i := range flood {
		ip := "203.0.113." + itoa(i%250+1)
		s.Do(t, "GET", "/v1/public/verify/"+id+"-0000000000", "", nil, "X-Forwarded-For", ip)
		s.Do(t, "POST", "/v1/public/verify", "", []byte("%PDF-1.4 junk"), "X-Forwarded-For", ip)
		want(t, s, 200, "POST", "/v1/public/verify", "", pdf, "X-Forwarded-For", ip)
	}
	list := func() []map[string]any {
		m := wantJSON(t, s, 200, "GET", "/v1/audit?type="+consent.EventPublicVerification+"&limit=200", s.AdminKey, nil)
		var out []map[string]any
		for _, e := range m["data"].([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	before := list()
	// One event per route and outcome so far: upload verified, link
	// verified, link refused, upload refused.
	if len(before) != 4 {
		t.Fatalf("%d events before the window ends, want 4: %v", len(before), before)
	}
	first := before[0]
	d := first["details"].(map[string]any)
	if first["actor"] != "public" || first["consent_id"] != id || first["ip"] != "198.51.100.1" || d["via"] != "upload" ||
		d["result"] != "verified" || d["kind"] != "signed" {
		t.Errorf("first event: %v", first)
	}
	if err := s.Service.FlushAccessEvents(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, e := range list() {
		d := e["details"].(map[string]any)
		counts[d["route"].(string)+" "+d["result"].(string)] += d["count"].(float64)
	}
	wantCounts := map[string]float64{
		"/v1/public/verify verified": 1 + flood, "/v1/public/verify not_verified": flood,
		"/v1/public/verify/:token verified": 1, "/v1/public/verify/:token not_verified": flood,
	}
	for k, n := range wantCounts {
		if counts[k] != n {
			t.Errorf("%s: counted %v, want %v (all: %v)", k, counts[k], n, counts)
		}
	}
	noPrivateData(t, want(t, s, 200, "GET", "/v1/audit?type="+consent.EventPublicVerification, s.AdminKey, nil))
}

// TestPublicVerifyRateLimited: each client is limited (429 with
// Retry-After), and a global ceiling holds against rotating addresses;
// addresses in one IPv6 /64 count as one client.
func TestPublicVerifyRateLimited(t *testing.T) {
	const perClient, ceiling = 3, 8 // bursts
	s := apptest.New(t, func(c *app.Config) {
		c.TrustedProxies = "127.0.0.1"
		c.PublicLimit = app.Limit{PerSecond: 0.001, Burst: perClient}
		c.PublicCeiling = app.Limit{PerSecond: 0.001, Burst: ceiling}
	})
	token := linkToken(t, s, s.SignedConsent(t, "en"))
	path := "/v1/public/verify/" + token
	for range perClient {
		want(t, s, 200, "GET", path, "", nil, "X-Forwarded-For", "198.51.100.7")
	}
	st, b := s.Do(t, "GET", path, "", nil, "X-Forwarded-For", "198.51.100.7")
	if code, _, _ := errorOf(t, b); st != 429 || code != consent.ERATELIMITED {
		t.Fatalf("over the per-client limit: %d %s", st, b)
	}
	if st, _ := s.Do(t, "POST", "/v1/public/verify", "", []byte("x"), "X-Forwarded-For", "198.51.100.7"); st != 429 {
		t.Errorf("uploads share the client's limit: %d", st)
	}
	for i := range perClient {
		want(t, s, 200, "GET", path, "", nil, "X-Forwarded-For", "2001:db8:7:7::"+itoa(i+1))
	}
	if st, _ := s.Do(t, "GET", path, "", nil, "X-Forwarded-For", "2001:db8:7:7:ffff::1"); st != 429 {
		t.Errorf("another address in the same IPv6 /64: %d, want 429", st)
	}
	// Rotating addresses: each new one has its own allowance until the
	// global ceiling is reached.
	seen := 0
	for i := range ceiling + 5 {
		st, _ := s.Do(t, "GET", path, "", nil, "X-Forwarded-For", "203.0.113."+itoa(i+1))
		if st == 429 {
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("rotating addresses never hit the global ceiling")
	}
	req := httpGet(t, s, path, "203.0.113.250")
	if req.StatusCode != 429 || req.Header.Get("Retry-After") == "" {
		t.Errorf("ceiling: %d, Retry-After %q", req.StatusCode, req.Header.Get("Retry-After"))
	}
}

// httpGet sends a GET from a client address (through the trusted proxy)
// and returns the response, its body closed.
func httpGet(t *testing.T, s *apptest.Server, path, ip string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestPublicVerifyPage: the page and the link's page are static HTML under
// the tablet page's Content-Security-Policy (the link's token stays in the
// path, read by the script, never echoed into the HTML); its assets load.
func TestPublicVerifyPage(t *testing.T) {
	s := apptest.New(t)
	var page []byte
	for _, path := range []string{"/verify", "/verify/c/01JDQ7Z4X8K2M5N9P3R6T1V0WY-7K3M2N5P6Q", "/verify/c/%3Cscript%3E-x"} {
		resp := httpGet(t, s, path, "198.51.100.9")
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: %d %s, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), csp)
		}
		b := want(t, s, 200, "GET", path, "", nil)
		if bytes.Contains(b, []byte("7K3M2N5P6Q")) || bytes.Contains(b, []byte("<script>")) {
			t.Errorf("%s: the token is echoed into the page", path)
		}
		page = b
	}
	for _, asset := range []string{"verify.js", "verify.css"} {
		if !bytes.Contains(page, []byte("/verify-assets/"+asset)) {
			t.Errorf("page does not load %s", asset)
		}
		resp := httpGet(t, s, "/verify-assets/"+asset, "198.51.100.9")
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", asset, resp.StatusCode)
		}
	}
	// Only the verification page's own folder is served there.
	if st, b := s.Do(t, "GET", "/verify-assets/..%2Fapp.js", "", nil); st != 404 || bytes.Contains(b, []byte("import")) {
		t.Errorf("the tablet's script through the verification assets: %d", st)
	}
}

// blockingBody is an upload that delivers a first chunk, says so, then waits.
type blockingBody struct {
	started chan struct{}
	release chan struct{}
	sent    bool
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		close(b.started)
		return copy(p, "%PDF-1.7\n"), nil
	}
	<-b.release
	return 0, io.EOF
}

// TestPublicUploadsBounded: uploads are held in memory until checked, so
// only a few are read at once; one more gets 503 with Retry-After at once
// (and is audited) instead of holding up to 8 MiB more.
func TestPublicUploadsBounded(t *testing.T) {
	s := apptest.New(t)
	s.Service.PublicUploadSlots = 1
	body := &blockingBody{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := s.Service.VerifyPublicPDF(t.Context(), "/v1/public/verify", s.Sealer, body)
		done <- err
	}()
	<-body.started
	req, _ := http.NewRequest("POST", s.URL+"/v1/public/verify", strings.NewReader("%PDF-1.7\n"))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if code, _, _ := errorOf(t, b); resp.StatusCode != 503 || code != consent.EUNAVAILABLE || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a second upload while one is read: %d %s, Retry-After %q", resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
	close(body.release)
	if err := <-done; consent.ErrorCode(err) != consent.EUNPROCESSABLE {
		t.Errorf("the first upload: %v", err)
	}
	if st, _ := s.Do(t, "POST", "/v1/public/verify", "", []byte("%PDF-1.7\n")); st != 422 {
		t.Errorf("after the slot is free: %d", st)
	}
}
