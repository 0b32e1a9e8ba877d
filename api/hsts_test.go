package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestHSTSOverTLS checks responses served over TLS tell browsers to use HTTPS
// from now on, and plain-HTTP ones (behind a proxy) do not claim it.
func TestHSTSOverTLS(t *testing.T) {
	s := apptest.New(t)
	h, err := s.API.Handler()
	if err != nil {
		t.Fatal(err)
	}
	tls := httptest.NewTLSServer(h)
	defer tls.Close()
	for _, path := range []string{"/healthz", "/sign", "/v1/consents"} {
		resp, err := tls.Client().Get(tls.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("%s over TLS: Strict-Transport-Security %q", path, got)
		}
	}
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP: Strict-Transport-Security %q", got)
	}
}
