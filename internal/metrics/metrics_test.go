package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/internal/metrics"
	"github.com/google/go-cmp/cmp"
)

// scrape fetches /metrics through the server, as Prometheus would.
func scrape(t *testing.T, s *apptest.Server) string {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := s.Send(t, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// value returns the sample of the series named exactly (name plus labels) in a scrape.
func value(t *testing.T, text, series string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	t.Fatalf("series %s not in the scrape", series)
	return ""
}

func TestScrapeAfterSigning(t *testing.T) {
	s := apptest.New(t)

	before := scrape(t, s)
	if got := value(t, before, "consentd_consents_created_total"); got != "0" {
		t.Fatalf("created before any consent = %s", got)
	}
	id := s.SignedConsent(t, "en")
	if st, b := s.Do(t, "GET", "/v1/consents/"+id, s.AdminKey, nil); st != 200 {
		t.Fatalf("read: %d %s", st, b)
	}
	if st, _ := s.Do(t, "GET", "/v1/consents/NOPE-404", s.AdminKey, nil); st != 404 {
		t.Fatalf("missing consent: %d", st)
	}
	s.Do(t, "GET", "/no/such/route/MRN-1001", "", nil)
	text := scrape(t, s)

	tests := []struct{ series, want string }{
		{"consentd_consents_created_total", "1"},
		{"consentd_consents_signed_total", "1"},
		{"consentd_pdf_seal_duration_seconds_count", "1"},
		{"consentd_webhook_backlog", "0"},
		{`consentd_webhook_deliveries_total{result="delivered"}`, "0"},
		{`http_requests_total{method="POST",route="/v1/consents",status="201"}`, "1"},
		{`http_requests_total{method="POST",route="/v1/consents/:id/signatures",status="201"}`, "2"},
		{`http_requests_total{method="GET",route="/v1/consents/:id",status="200"}`, "1"},
		{`http_requests_total{method="GET",route="/v1/consents/:id",status="404"}`, "1"},
		{`http_requests_total{method="GET",route="unmatched",status="404"}`, "1"},
		{`http_request_duration_seconds_count{method="POST",route="/v1/consents/:id/signatures"}`, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.series, func(t *testing.T) {
			if got := value(t, text, tt.series); got != tt.want {
				t.Errorf("%s = %s, want %s", tt.series, got, tt.want)
			}
		})
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(text, "\n"+name+" ") {
			t.Errorf("scrape lacks %s", name)
		}
	}

	// Nothing that identifies a patient, a consent or a credential.
	c := apptest.ConsentRequest("en")["patient"].(map[string]any)
	secrets := []string{id, s.AdminKey, "NOPE-404", c["id"].(string), c["given_name"].(string), c["family_name"].(string),
		c["birth_date"].(string), apptest.StaffPIN, apptest.StaffID}
	for _, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("scrape contains %q", secret)
		}
	}
}

func TestWebhookResults(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	m := s.App.Metrics
	var fail atomic.Bool
	fail.Store(true)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer rcv.Close()
	if st, b := s.Do(t, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"consent.created"}}); st != 201 {
		t.Fatalf("webhook: %d %s", st, b)
	}
	s.CreateConsent(t, "en")
	if got := sample(t, m, "consentd_webhook_backlog"); got != 1 {
		t.Fatalf("backlog with one queued delivery = %v", got)
	}
	d := s.App.Dispatcher() // the metrics' OnResult, as serve wires it
	d.Timeout = 2 * time.Second
	ctx := context.Background()
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("first round: %d %v", n, err)
	}
	fail.Store(false)
	s.Clock.Advance(time.Hour)
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("second round: %d %v", n, err)
	}
	got := map[string]float64{}
	for _, r := range []string{metrics.ResultDelivered, metrics.ResultRetry, metrics.ResultFailed} {
		got[r] = sample(t, m, "consentd_webhook_deliveries_total", "result", r)
	}
	if diff := cmp.Diff(map[string]float64{"delivered": 1, "retry": 1, "failed": 0}, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	if got := sample(t, m, "consentd_webhook_backlog"); got != 0 {
		t.Errorf("backlog after delivery = %v", got)
	}
}

func TestDeliveryResult(t *testing.T) {
	tests := []struct{ status, want string }{
		{consent.DeliveryDelivered, "delivered"},
		{consent.DeliveryPending, "retry"},
		{consent.DeliveryFailed, "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			if got := metrics.DeliveryResult(&consent.WebhookDelivery{Status: tt.status}); got != tt.want {
				t.Errorf("DeliveryResult(%s) = %s, want %s", tt.status, got, tt.want)
			}
		})
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := metrics.New(nil), metrics.New(nil)
	a.ConsentCreated()
	if got := sample(t, b, "consentd_consents_created_total"); got != 0 {
		t.Errorf("a second Metrics saw the first one's consent: %v", got)
	}
	if got := sample(t, a, "consentd_consents_created_total"); got != 1 {
		t.Errorf("created = %v", got)
	}
}

// sample gathers m's registry and returns the value of the series with the
// given name and label pairs.
func sample(t *testing.T, m *metrics.Metrics, name string, labels ...string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range s.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue series
				}
			}
			switch {
			case s.GetCounter() != nil:
				return s.GetCounter().GetValue()
			case s.GetGauge() != nil:
				return s.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no series %s %v", name, labels)
	return 0
}
