package api_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// fetch sends a request and returns the whole response with its body.
func fetch(t *testing.T, s *apptest.Server, method, path, key, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return s.Send(t, req)
}

func postBirthDate(t *testing.T, s *apptest.Server, path, date string) (*http.Response, []byte) {
	t.Helper()
	form := url.Values{}
	if date != "" {
		form.Set("birth_date", date)
	}
	return fetch(t, s, "POST", path, "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func checkPDFResponse(t *testing.T, resp *http.Response, b, wantBytes []byte, id string) {
	t.Helper()
	if resp.StatusCode != 200 || !bytes.Equal(b, wantBytes) {
		t.Fatalf("status %d, %d bytes (want the stored %d): %.200s", resp.StatusCode, len(b), len(wantBytes), b)
	}
	h := resp.Header
	if h.Get("Content-Type") != "application/pdf" || h.Get("Cache-Control") != "no-store" ||
		!strings.Contains(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Disposition"), id) ||
		len(h.Get("ETag")) != 66 {
		t.Fatalf("headers %v", h)
	}
}

func createLink(t *testing.T, s *apptest.Server, id string, body map[string]any) map[string]any {
	t.Helper()
	return wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, body)
}

func TestPDFAndDownloadLinks(t *testing.T) {
	s := apptest.New(t)
	pending := s.CreateConsent(t, "en")["id"].(string)
	wantError(t, s, 409, "", "GET", "/v1/consents/"+pending+"/pdf", s.AdminKey, nil)
	wantError(t, s, 409, "", "POST", "/v1/consents/"+pending+"/download-links", s.AdminKey, map[string]any{})
	wantError(t, s, 404, "", "GET", "/v1/consents/nope/pdf", s.AdminKey, nil)

	id := s.SignedConsent(t, "en")
	resp, pdf := fetch(t, s, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, "", nil)
	checkPDFResponse(t, resp, pdf, pdf, id)
	if sum := getConsent(t, s, id)["pdf"].(map[string]any)["sha256"]; resp.Header.Get("ETag") != `"`+sum.(string)+`"` {
		t.Fatalf("ETag %s, pdf.sha256 %v", resp.Header.Get("ETag"), sum)
	}
	for _, ttl := range []any{0, -1, 2592001, 1e12, "60"} {
		wantError(t, s, 400, "ttl_seconds", "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, map[string]any{"ttl_seconds": ttl})
	}
	want(t, s, 201, "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, map[string]any{"ttl_seconds": 2592000})
	ro := s.Key(t, "consents:read")
	wantError(t, s, 403, "", "POST", "/v1/consents/"+id+"/download-links", ro, map[string]any{})

	before := s.Clock.Now().Truncate(time.Millisecond)
	link := createLink(t, s, id, map[string]any{})
	after := s.Clock.Now()
	exp := parseTS(t, link["expires_at"])
	if exp.Before(before.Add(7*24*time.Hour)) || exp.After(after.Add(7*24*time.Hour)) {
		t.Fatalf("default expiry %v, want 7 days after %v", exp, before)
	}
	path := link["url"].(string)
	if !strings.HasPrefix(path, "/d/") || len(path) < 3+22 {
		t.Fatalf("link url %q", path)
	}
	resp, b := fetch(t, s, "GET", path, "", "", nil)
	checkPDFResponse(t, resp, b, pdf, id)
	resp, b = fetch(t, s, "GET", path, "", "", nil)
	checkPDFResponse(t, resp, b, pdf, id)

	t.Run("birth date", func(t *testing.T) {
		l := createLink(t, s, id, map[string]any{"require_birth_date": true, "ttl_seconds": 3600})
		p := l["url"].(string)
		resp, b := fetch(t, s, "GET", p, "", "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!bytes.Contains(b, []byte(`name="birth_date"`)) || bytes.Contains(b, []byte("%PDF")) {
			t.Fatalf("GET a birth-date link: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		for _, wrong := range []string{"1980-04-03", "", "02/04/1980", "1980-04-02 "} {
			resp, b := postBirthDate(t, s, p, wrong)
			if resp.StatusCode != 403 || bytes.Contains(b, []byte("%PDF")) {
				t.Fatalf("wrong birth date %q: %d %.100s", wrong, resp.StatusCode, b)
			}
		}
		resp, b = postBirthDate(t, s, p, "1980-04-02")
		checkPDFResponse(t, resp, b, pdf, id)
		if n := len(eventsOfType(auditEvents(t, s, id), "auth.failed")); n != 4 {
			t.Fatalf("%d auth.failed events for 4 wrong birth dates", n)
		}
	})

	t.Run("revoke and expiry", func(t *testing.T) {
		l := createLink(t, s, id, map[string]any{"ttl_seconds": 60})
		p, lid := l["url"].(string), l["id"].(string)
		want(t, s, 200, "GET", p, "", nil)
		r := wantJSON(t, s, 200, "DELETE", "/v1/consents/"+id+"/download-links/"+lid, s.AdminKey, nil)
		if r["revoked_at"] == nil || r["url"] != nil {
			t.Fatalf("revoke: %v", r)
		}
		wantError(t, s, 410, "", "GET", p, "", nil)
		wantError(t, s, 410, "", "POST", p, "", nil)
		want(t, s, 200, "DELETE", "/v1/consents/"+id+"/download-links/"+lid, s.AdminKey, nil)
		wantError(t, s, 404, "", "DELETE", "/v1/consents/"+pending+"/download-links/"+lid, s.AdminKey, nil)
		wantError(t, s, 404, "", "DELETE", "/v1/consents/"+id+"/download-links/nope", s.AdminKey, nil)
		wantError(t, s, 403, "", "DELETE", "/v1/consents/"+id+"/download-links/"+lid, ro, nil)

		short := createLink(t, s, id, map[string]any{"ttl_seconds": 1})["url"].(string)
		want(t, s, 200, "GET", short, "", nil)
		s.Clock.Advance(time.Second)
		wantError(t, s, 410, "", "GET", short, "", nil)
		wantError(t, s, 404, "", "GET", "/d/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", nil)
		wantError(t, s, 404, "", "GET", "/d/x", "", nil)
	})

	// Every download is audited, through a link with the link as actor.
	events := auditEvents(t, s, id)
	var byLink, byKey int
	for _, e := range eventsOfType(events, "consent.pdf_downloaded") {
		actor := e["actor"].(string)
		if strings.HasPrefix(actor, "link:") {
			byLink++
			if lid := e["details"].(map[string]any)["link_id"]; actor != "link:"+lid.(string) {
				t.Fatalf("actor %s for link %v", actor, lid)
			}
		} else {
			byKey++
		}
	}
	if byLink != 5 || byKey != 1 {
		t.Fatalf("pdf_downloaded: %d by link (want 5), %d by key (want 1)", byLink, byKey)
	}
	if n := len(eventsOfType(events, "download_link.created")); n != 5 {
		t.Fatalf("%d download_link.created events, want 5", n)
	}
	if n := len(eventsOfType(events, "download_link.revoked")); n != 1 {
		t.Fatalf("%d download_link.revoked events, want 1 (a second revoke is no event)", n)
	}
}

func TestDownloadLinkRateLimit(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.LinkLimit = app.Limit{PerSecond: 0.001, Burst: 3} })
	id := s.SignedConsent(t, "en")
	p := createLink(t, s, id, map[string]any{})["url"].(string)
	var got []int
	for _, path := range []string{p, "/d/unknown1", "/d/unknown2", "/d/unknown3", p} {
		st, _ := s.Do(t, "GET", path, "", nil)
		got = append(got, st)
	}
	if got[0] != 200 || got[1] != 404 || got[2] != 404 || got[3] != 429 || got[4] != 429 {
		t.Fatalf("statuses %v, want [200 404 404 429 429]", got)
	}
}

func TestVerifyPDF(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	pdf := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	ro := s.Key(t, "consents:read")
	v := wantJSON(t, s, 200, "POST", "/v1/verify", ro, pdf, "Content-Type", "application/pdf")
	signers, _ := v["signers"].([]any)
	if v["valid"] != true || v["consent_id"] != id || len(signers) != 2 || v["signed_at"] == nil {
		t.Fatalf("verify own PDF: %v", v)
	}
	if c := getConsent(t, s, id); v["content_sha256"] != c["content_sha256"] || v["signed_at"] != c["signed_at"] {
		t.Fatalf("verify says %v/%v, consent %v/%v", v["content_sha256"], v["signed_at"], c["content_sha256"], c["signed_at"])
	}
	wantError(t, s, 401, "", "POST", "/v1/verify", "", pdf)

	other := apptest.New(t)
	foreign := want(t, other, 200, "GET", "/v1/consents/"+other.SignedConsent(t, "en")+"/pdf", other.AdminKey, nil)
	v = wantJSON(t, s, 200, "POST", "/v1/verify", ro, foreign, "Content-Type", "application/pdf")
	reason, _ := v["reason"].(string)
	if v["valid"] != false || !(strings.Contains(reason, "unknown issuer") || strings.Contains(reason, "not ours")) {
		t.Fatalf("verify another server's PDF: %v", v)
	}
	junk := make([]byte, 4096)
	rand.Read(junk)
	// Files without a sealed consent's shape are refused before parsing.
	for name, b := range map[string][]byte{"random": junk, "empty": {}, "pdf header only": []byte("%PDF-1.7\n%%EOF\n")} {
		st, body := s.Do(t, "POST", "/v1/verify", ro, b, "Content-Type", "application/pdf")
		if code, _, _ := errorOf(t, body); st != 422 || code != "unprocessable" {
			t.Fatalf("verify %s: %d %s", name, st, body)
		}
	}
}
