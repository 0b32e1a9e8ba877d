package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentd/consentd/api"
)

func TestMetricsAuth(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("# metrics\n")) })
	h := api.MetricsAuth("scrape-token-0123456789", inner)
	for auth, want := range map[string]int{
		"": 401, "Bearer wrong-token-0123456789": 401, "scrape-token-0123456789": 401,
		"Bearer scrape-token-0123456789": 200,
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	api.MetricsAuth("", inner).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Errorf("without a configured token: %d", w.Code)
	}
}
