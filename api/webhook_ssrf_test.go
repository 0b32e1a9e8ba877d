package api_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// TestWebhookRegistrationRefusesInternalAddresses checks registration
// against the network policy: loopback, private, link-local and metadata
// addresses are refused, and allowed networks let an endpoint in, except
// metadata addresses, never allowed.
func TestWebhookRegistrationRefusesInternalAddresses(t *testing.T) {
	strict := apptest.New(t)
	lan := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8,169.254.0.0/16,fd00::/8" })
	rcv := newReceiver(t)
	port := strings.TrimPrefix(rcv.URL, "http://127.0.0.1")
	tests := []struct {
		url          string
		strict, open int
	}{
		{rcv.URL + "/hook", 400, 201},
		{"http://localhost" + port + "/hook", 400, 201},
		{"http://[::1]" + port + "/hook", 400, 400},
		{"http://10.0.0.7/hook", 400, 400},
		{"http://192.168.0.10:8443/hook", 400, 400},
		{"http://169.254.169.254/latest/meta-data/", 400, 400},
		{"http://[fd00:ec2::254]/latest/meta-data/", 400, 400},
		{"http://0.0.0.0" + port + "/hook", 400, 400},
		{"https://203.0.113.9/hook", 201, 201},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			s    *apptest.Server
			want int
		}{{strict, tt.strict}, {lan, tt.open}} {
			st, b := c.s.Do(t, "POST", "/v1/webhooks", c.s.AdminKey, map[string]any{"url": tt.url, "events": []string{"consent.signed"}})
			if st != c.want {
				t.Errorf("%s: %d %s, want %d", tt.url, st, b, c.want)
			} else if st == 400 {
				if _, field, _ := errorOf(t, b); field != "url" {
					t.Errorf("%s: field %q", tt.url, field)
				}
			}
		}
	}
}

// fakeResolver answers every lookup with one address: the DNS answer a
// rebinding attacker gives at registration.
type fakeResolver struct{ addr netip.Addr }

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{f.addr}, nil
}

// TestWebhookDeliveryChecksTheAddressItConnectsTo registers localhost while
// DNS claims a public address (rebinding); the delivery connects to what the
// name resolves to then, loopback, and is refused before any byte is sent.
func TestWebhookDeliveryChecksTheAddressItConnectsTo(t *testing.T) {
	s := apptest.New(t)
	s.Service.Resolver = fakeResolver{netip.MustParseAddr("203.0.113.9")}
	rcv := newReceiver(t)
	u, _ := url.Parse(rcv.URL)
	hook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": "http://localhost:" + u.Port() + "/hook",
		"events": []string{"consent.created"}})
	s.CreateConsent(t, "en")
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("RunOnce: %d %v", n, err)
	}
	if got := rcv.received(); len(got) != 0 {
		t.Fatalf("the receiver on loopback got %d deliveries", len(got))
	}
	d := wantJSON(t, s, 200, "GET", "/v1/webhooks/"+hook["id"].(string)+"/deliveries", s.AdminKey, nil)["data"].([]any)[0].(map[string]any)
	if e, _ := d["last_error"].(string); d["status"] != "pending" || !strings.Contains(e, "loopback") {
		t.Fatalf("delivery: %v", d)
	}
}

// TestWebhookRedirectsAreNotFollowed checks a receiver's redirect is a
// failed attempt and its target gets nothing.
func TestWebhookRedirectsAreNotFollowed(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	target := newReceiver(t)
	rcv := newReceiver(t, func(w http.ResponseWriter) {
		w.Header().Set("Location", target.URL+"/elsewhere")
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	hook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"consent.created"}})
	s.CreateConsent(t, "en")
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("RunOnce: %d %v", n, err)
	}
	if len(target.received()) != 0 {
		t.Fatal("the redirect was followed")
	}
	d := wantJSON(t, s, 200, "GET", "/v1/webhooks/"+hook["id"].(string)+"/deliveries", s.AdminKey, nil)["data"].([]any)[0].(map[string]any)
	if e, _ := d["last_error"].(string); d["status"] != "pending" || !strings.Contains(e, "redirects are not followed") {
		t.Fatalf("delivery: %v", d)
	}
}

// TestSlowWebhookDoesNotDelayOthers runs the dispatcher loop with one
// endpoint that never answers: deliveries to another endpoint keep flowing
// while the slow one's first attempt is still in progress, and the slow
// endpoint never has more than PerEndpoint sends at once.
func TestSlowWebhookDoesNotDelayOthers(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	release := make(chan struct{})
	var slowNow, slowMax atomic.Int32
	slow := newReceiver(t)
	slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := slowNow.Add(1)
		for m := slowMax.Load(); n > m && !slowMax.CompareAndSwap(m, n); m = slowMax.Load() {
		}
		<-release
		slowNow.Add(-1)
	})
	fast := newReceiver(t)
	slowHook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": slow.URL, "events": []string{"consent.created"}})
	want(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": fast.URL, "events": []string{"consent.created"}})

	ctx, cancel := context.WithCancel(context.Background())
	d := s.App.Dispatcher()
	d.Timeout, d.Workers, d.PerEndpoint = time.Minute, 4, 2
	done := make(chan struct{})
	go func() { d.Run(ctx, 20*time.Millisecond, func(err error) { t.Error(err) }); close(done) }()
	defer func() { cancel(); close(release); <-done }()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("gave up waiting for %s", what)
			}
		}
	}
	s.CreateConsent(t, "en")
	waitFor("the first deliveries", func() bool { return len(fast.received()) == 1 && slowNow.Load() == 1 })
	for i := range 4 {
		s.CreateConsent(t, "en")
		waitFor("a later delivery to the fast endpoint", func() bool { return len(fast.received()) == i+2 })
	}
	list := wantJSON(t, s, 200, "GET", "/v1/webhooks/"+slowHook["id"].(string)+"/deliveries", s.AdminKey, nil)["data"].([]any)
	for _, x := range list {
		if a := x.(map[string]any)["attempts"].(float64); a != 0 {
			t.Fatalf("a slow delivery already finished an attempt (%v): the fast ones did not overtake it", a)
		}
	}
	if m := slowMax.Load(); m > 2 {
		t.Fatalf("%d sends to the slow endpoint at once; PerEndpoint is 2", m)
	}
}
