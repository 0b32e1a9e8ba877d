package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/webhook"
)

// receiver is a real HTTP endpoint on loopback that answers with the statuses
// (or delays) it is given, one per request, then 200.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	script []func(w http.ResponseWriter)
	got    []received
}

type received struct {
	body   []byte
	header http.Header
}

func newReceiver(t *testing.T, script ...func(w http.ResponseWriter)) *receiver {
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{b, req.Header.Clone()})
		var step func(w http.ResponseWriter)
		if len(r.script) > 0 {
			step, r.script = r.script[0], r.script[1:]
		}
		r.mu.Unlock()
		if step != nil {
			step(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

func status(code int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code) }
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// dispatcher is the server's own dispatcher, with a short timeout.
func dispatcher(s *apptest.Server) *webhook.Dispatcher {
	d := s.App.Dispatcher()
	d.Timeout = 300 * time.Millisecond
	return d
}

func TestWebhookRetriesUntilDelivered(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	hang := func(w http.ResponseWriter) { time.Sleep(time.Second) }
	rcv := newReceiver(t, status(500), hang)
	st, b := s.Do(t, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL + "/hook", "events": []string{"consent.signed"}})
	if st != 201 {
		t.Fatalf("create webhook: %d %s", st, b)
	}
	hook := apptest.JSON(t, b)
	secret := hook["secret"].(string)
	id := s.SignedConsent(t, "en")
	d := dispatcher(s)
	// 1st attempt: 500. 2nd (after the backoff): times out. 3rd: delivered.
	for i, wait := range []time.Duration{0, 11 * time.Second, 21 * time.Second} {
		s.Clock.Advance(wait)
		if n, err := d.RunOnce(t.Context()); err != nil || n != 1 {
			t.Fatalf("round %d: attempted %d, %v", i, n, err)
		}
	}
	if n, _ := d.RunOnce(t.Context()); n != 0 {
		t.Fatalf("a delivered event was sent again")
	}
	got := rcv.received()
	if len(got) != 3 {
		t.Fatalf("receiver saw %d requests, want 3", len(got))
	}
	last := got[2]
	if err := webhook.Verify(secret, last.header.Get("Consentd-Signature"), last.body, s.Clock.Now(), 5*time.Minute); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var ev map[string]any
	json.Unmarshal(last.body, &ev)
	data := ev["data"].(map[string]any)
	if ev["type"] != "consent.signed" || data["consent_id"] != id || data["status"] != "signed" {
		t.Fatalf("payload %s", last.body)
	}
	for _, leak := range []string{"Müller", "1980-04-02", "Zoë"} {
		if strings.Contains(string(last.body), leak) {
			t.Fatalf("payload leaks %q", leak)
		}
	}
	st, b = s.Do(t, "GET", "/v1/webhooks/"+hook["id"].(string)+"/deliveries", s.AdminKey, nil)
	dl := apptest.JSON(t, b)["data"].([]any)
	if st != 200 || len(dl) != 1 || dl[0].(map[string]any)["status"] != "delivered" || dl[0].(map[string]any)["attempts"].(float64) != 3 {
		t.Fatalf("delivery log: %d %s", st, b)
	}
}

func TestWebhookGivesUpAfterADay(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t)
	rcv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
	s.Do(t, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"consent.created"}})
	s.CreateConsent(t, "en")
	d := dispatcher(s)
	rounds := 0
	for ; rounds < 100; rounds++ {
		n, err := d.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			if left, _ := s.DB.CountPendingDeliveries(t.Context()); left == 0 {
				break
			}
		}
		s.Clock.Advance(time.Hour)
	}
	if rounds < 20 || rounds > 40 {
		t.Fatalf("gave up after %d hourly rounds, want about 24", rounds)
	}
}

func TestWebhookSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	rcv := newReceiver(t)
	s1 := apptest.New(t, func(c *app.Config) { c.DataDir = dir; c.WebhookAllowNets = "127.0.0.0/8" })
	s1.Do(t, "POST", "/v1/webhooks", s1.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"consent.created"}})
	c := s1.CreateConsent(t, "en")
	s1.Close()
	if err := s1.DB.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := apptest.New(t, func(c *app.Config) { c.DataDir = dir; c.WebhookAllowNets = "127.0.0.0/8" })
	if n, err := dispatcher(s2).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("after restart: %d %v", n, err)
	}
	if got := rcv.received(); len(got) != 1 || !strings.Contains(string(got[0].body), c["id"].(string)) {
		t.Fatalf("receiver got %d deliveries", len(got))
	}
}

func TestWebhookBadInput(t *testing.T) {
	s := apptest.New(t)
	for _, body := range []map[string]any{
		{"url": "ftp://x", "events": []string{"consent.signed"}},
		{"url": "https://x.example", "events": []string{}},
		{"url": "https://x.example", "events": []string{"consent.eaten"}},
	} {
		if st, b := s.Do(t, "POST", "/v1/webhooks", s.AdminKey, body); st != 400 {
			t.Fatalf("%v: %d %s", body, st, b)
		}
	}
	if st, _ := s.Do(t, "POST", "/v1/webhooks", s.Key(t, "consents:write"), map[string]any{"url": "https://x.example", "events": []string{"consent.signed"}}); st != 403 {
		t.Fatalf("non-admin created a webhook: %d", st)
	}
}
