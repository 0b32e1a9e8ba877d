package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/internal/npmtools"
	"github.com/consentd/consentd/webhook"
)

// officialVerify runs the official Standard Webhooks library (npm
// standardwebhooks) on each captured delivery with the secret given for it,
// and returns nil for a delivery it accepts, else its error.
func officialVerify(t *testing.T, secrets []string, got []received) []error {
	t.Helper()
	npmtools.Module(t, "standardwebhooks")
	type item struct {
		Secret  string            `json:"secret"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body_base64"`
	}
	var in []item
	for i, r := range got {
		h := map[string]string{}
		for k := range r.header {
			h[strings.ToLower(k)] = r.header.Get(k)
		}
		in = append(in, item{secrets[i], h, base64.StdEncoding.EncodeToString(r.body)})
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := npmtools.Node(npmtools.Dir(), filepath.Join(npmtools.Dir(), "standardwebhooks-verify.js"))
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var res []struct {
		OK    bool
		Error string
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(got) {
		t.Fatalf("verifier output %s: %v", out, err)
	}
	errs := make([]error, len(res))
	for i, r := range res {
		if !r.OK {
			errs[i] = &verifyError{r.Error}
		}
	}
	return errs
}

type verifyError struct{ msg string }

func (e *verifyError) Error() string { return e.msg }

func createHook(t *testing.T, s *apptest.Server, url string, events ...string) (id, secret string) {
	t.Helper()
	st, b := s.Do(t, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": url, "events": events})
	if st != 201 {
		t.Fatalf("create webhook: %d %s", st, b)
	}
	h := apptest.JSON(t, b)
	return h["id"].(string), h["secret"].(string)
}

// TestStandardWebhooksOfficialLibraryVerifies lets consentd deliver an event
// to a real receiver, first refused then accepted, and verifies both captured
// requests with the official library and the secret the API returned: the
// webhook-id is the event's ID on every attempt, and the old
// Consentd-Signature still verifies with the same secret.
func TestStandardWebhooksOfficialLibraryVerifies(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t, status(503))
	_, secret := createHook(t, s, rcv.URL+"/hook", consent.EventConsentCreated)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); err != nil || len(key) != 32 {
		t.Fatalf("secret %q is not whsec_ + standard base64 of 32 bytes: %v", secret, err)
	}
	s.CreateConsent(t, "en")
	d := dispatcher(s)
	for i, wait := range []time.Duration{0, 11 * time.Second} {
		s.Clock.Advance(wait)
		if n, err := d.RunOnce(t.Context()); err != nil || n != 1 {
			t.Fatalf("round %d: attempted %d, %v", i, n, err)
		}
	}
	got := rcv.received()
	if len(got) != 2 {
		t.Fatalf("receiver saw %d requests, want 2", len(got))
	}
	var ev struct{ ID string }
	if err := json.Unmarshal(got[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if id := r.header.Get("webhook-id"); id != ev.ID || strings.Contains(id, ".") {
			t.Errorf("attempt %d: webhook-id %q, want the event ID %q on every attempt", i, id, ev.ID)
		}
		if err := webhook.Verify(secret, r.header.Get(webhook.SignatureHeader), r.body, s.Clock.Now(), 5*time.Minute); err != nil {
			t.Errorf("attempt %d: Consentd-Signature: %v", i, err)
		}
		if err := webhook.VerifyStandard(secret, r.header, r.body, s.Clock.Now(), 5*time.Minute); err != nil {
			t.Errorf("attempt %d: Standard Webhooks signature (Go): %v", i, err)
		}
	}
	if got[0].header.Get("webhook-timestamp") == got[1].header.Get("webhook-timestamp") {
		t.Errorf("both attempts carry webhook-timestamp %s; a retry is signed at its own time", got[0].header.Get("webhook-timestamp"))
	}
	for i, err := range officialVerify(t, []string{secret, secret}, got) {
		if err != nil {
			t.Errorf("attempt %d: official library refused the delivery: %v\nheaders %v", i, err, got[i].header)
		}
	}
	// A wrong secret is refused: the check is real.
	other := "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if errs := officialVerify(t, []string{other}, got[:1]); errs[0] == nil {
		t.Error("official library accepted a delivery with a wrong secret")
	}
}

// TestStandardWebhooksLegacySecret: an endpoint registered before this
// release holds a base64url secret; its deliveries verify with the secret
// converted as docs/API.md says, and Consentd-Signature with the secret as is.
func TestStandardWebhooksLegacySecret(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.1/32" })
	rcv := newReceiver(t)
	// Chosen so the base64url form holds both - and _.
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:32]
	legacy := "whsec_" + base64.RawURLEncoding.EncodeToString(raw)
	if !strings.ContainsAny(legacy, "-_") {
		t.Fatalf("legacy secret %q holds no base64url-only character", legacy)
	}
	w := &consent.Webhook{ID: "legacy-hook", URL: rcv.URL, Events: []string{consent.EventConsentCreated}, Secret: legacy,
		CreatedAt: consent.Millis(s.Clock.Now())}
	if err := s.DB.Update(context.Background(), func(tx consent.Tx) error { return tx.Webhooks().CreateWebhook(context.Background(), w) }); err != nil {
		t.Fatal(err)
	}
	s.CreateConsent(t, "en")
	if n, err := dispatcher(s).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("attempted %d, %v", n, err)
	}
	got := rcv.received()
	if err := webhook.Verify(legacy, got[0].header.Get(webhook.SignatureHeader), got[0].body, s.Clock.Now(), 5*time.Minute); err != nil {
		t.Errorf("Consentd-Signature with the legacy secret: %v", err)
	}
	converted, err := webhook.StandardSecret(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if want := "whsec_" + base64.StdEncoding.EncodeToString(raw); converted != want {
		t.Fatalf("StandardSecret(%q) = %q, want %q", legacy, converted, want)
	}
	if errs := officialVerify(t, []string{converted}, got); errs[0] != nil {
		t.Errorf("official library refused the delivery with the converted secret: %v", errs[0])
	}
}

// TestWebhookSecretRotationOverlap rotates an endpoint's secret with a
// 60-second overlap: deliveries during it verify with the old and the new
// secret (both signatures, in both schemes), deliveries after it with the new
// one only.
func TestWebhookSecretRotationOverlap(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t)
	id, old := createHook(t, s, rcv.URL, consent.EventConsentCreated)
	st, b := s.Do(t, "POST", "/v1/webhooks/"+id+"/rotate-secret", s.AdminKey, map[string]any{"overlap_seconds": 60})
	if st != 200 {
		t.Fatalf("rotate: %d %s", st, b)
	}
	rotated := apptest.JSON(t, b)
	fresh, _ := rotated["secret"].(string)
	if fresh == "" || fresh == old {
		t.Fatalf("rotation returned secret %q (old %q)", fresh, old)
	}
	until, err := time.Parse(time.RFC3339Nano, rotated["previous_secret_expires_at"].(string))
	if err != nil || until.Sub(s.Clock.Now()) > 61*time.Second || until.Sub(s.Clock.Now()) < 55*time.Second {
		t.Fatalf("previous_secret_expires_at %v (%v), want about a minute from now", rotated["previous_secret_expires_at"], err)
	}
	st, b = s.Do(t, "GET", "/v1/webhooks", s.AdminKey, nil)
	if st != 200 || strings.Contains(string(b), fresh) || strings.Contains(string(b), old) || !strings.Contains(string(b), "previous_secret_expires_at") {
		t.Fatalf("list: %d %s", st, b)
	}
	d := dispatcher(s)
	deliver := func() received {
		t.Helper()
		n := len(rcv.received())
		s.CreateConsent(t, "en")
		if k, err := d.RunOnce(t.Context()); err != nil || k != 1 {
			t.Fatalf("attempted %d, %v", k, err)
		}
		got := rcv.received()
		if len(got) != n+1 {
			t.Fatalf("receiver saw %d requests, want %d", len(got), n+1)
		}
		return got[n]
	}
	during := deliver()
	if sigs := strings.Fields(during.header.Get("webhook-signature")); len(sigs) != 2 {
		t.Errorf("webhook-signature during the overlap: %q, want two signatures", during.header.Get("webhook-signature"))
	}
	s.Clock.Advance(61 * time.Second)
	after := deliver()
	if sigs := strings.Fields(after.header.Get("webhook-signature")); len(sigs) != 1 {
		t.Errorf("webhook-signature after the overlap: %q, want one signature", after.header.Get("webhook-signature"))
	}
	now := s.Clock.Now()
	for _, c := range []struct {
		name, secret string
		r            received
		ok           bool
	}{
		{"old secret during the overlap", old, during, true},
		{"new secret during the overlap", fresh, during, true},
		{"old secret after the overlap", old, after, false},
		{"new secret after the overlap", fresh, after, true},
	} {
		if err := webhook.Verify(c.secret, c.r.header.Get(webhook.SignatureHeader), c.r.body, now, 5*time.Minute); (err == nil) != c.ok {
			t.Errorf("%s: Consentd-Signature verified = %v, want %v", c.name, err == nil, c.ok)
		}
		if errs := officialVerify(t, []string{c.secret}, []received{c.r}); (errs[0] == nil) != c.ok {
			t.Errorf("%s: official library verified = %v (%v), want %v", c.name, errs[0] == nil, errs[0], c.ok)
		}
	}
}

// TestWebhookSecretRotationRequests covers the route's answers: the default
// overlap, an immediate switch, bounds, a deleted endpoint, scope and replay.
func TestWebhookSecretRotationRequests(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	id, _ := createHook(t, s, "http://127.0.0.1:9/hook", consent.EventConsentSigned)
	path := "/v1/webhooks/" + id + "/rotate-secret"

	st, b := s.Do(t, "POST", path, s.AdminKey, nil)
	if st != 200 {
		t.Fatalf("rotate without a body: %d %s", st, b)
	}
	until, _ := time.Parse(time.RFC3339Nano, apptest.JSON(t, b)["previous_secret_expires_at"].(string))
	if d := until.Sub(s.Clock.Now()); d < 23*time.Hour || d > 24*time.Hour {
		t.Errorf("default overlap ends in %s, want 24 h", d)
	}
	st, b = s.Do(t, "POST", path, s.AdminKey, map[string]any{"overlap_seconds": 0})
	if st != 200 || apptest.JSON(t, b)["previous_secret_expires_at"] != nil {
		t.Errorf("overlap 0: %d %s, want previous_secret_expires_at null", st, b)
	}
	for _, body := range []any{map[string]any{"overlap_seconds": -1}, map[string]any{"overlap_seconds": 7*24*3600 + 1},
		map[string]any{"overlap_seconds": int64(1) << 62}, map[string]any{"overlap": 60}, map[string]any{"overlap_seconds": "60"}} {
		if st, b := s.Do(t, "POST", path, s.AdminKey, body); st != 400 {
			t.Errorf("%v: %d %s, want 400", body, st, b)
		}
	}
	if st, _ := s.Do(t, "POST", path, s.AdminKey, map[string]any{"overlap_seconds": 7 * 24 * 3600}); st != 200 {
		t.Errorf("the maximum overlap: %d", st)
	}
	if st, _ := s.Do(t, "POST", path, s.Key(t, "consents:write", "consents:read"), nil); st != 403 {
		t.Errorf("non-admin rotated a secret: %d", st)
	}
	if st, _ := s.Do(t, "POST", "/v1/webhooks/nope/rotate-secret", s.AdminKey, nil); st != 404 {
		t.Errorf("unknown webhook: %d", st)
	}
	st1, b1 := s.Do(t, "POST", path, s.AdminKey, map[string]any{"overlap_seconds": 30}, "Idempotency-Key", "rot-1")
	st2, b2 := s.Do(t, "POST", path, s.AdminKey, map[string]any{"overlap_seconds": 30}, "Idempotency-Key", "rot-1")
	if st1 != 200 || st2 != 200 || !bytes.Equal(b1, b2) {
		t.Errorf("replay: %d %s / %d %s, want the same answer", st1, b1, st2, b2)
	}
	if st, b := s.Do(t, "DELETE", "/v1/webhooks/"+id, s.AdminKey, nil); st != 200 {
		t.Fatalf("delete: %d %s", st, b)
	}
	if st, b := s.Do(t, "POST", path, s.AdminKey, nil); st != 409 {
		t.Errorf("rotating a deleted webhook: %d %s, want 409", st, b)
	}
	var rotations int
	st, b = s.Do(t, "GET", "/v1/audit?type=webhook.secret_rotated", s.AdminKey, nil)
	for _, e := range apptest.JSON(t, b)["data"].([]any) {
		rotations++
		if strings.Contains(string(b), "whsec_") {
			t.Errorf("audit event holds a secret: %v", e)
		}
	}
	if st != 200 || rotations != 4 {
		t.Errorf("audit: %d, %d webhook.secret_rotated events, want 4", st, rotations)
	}
	// Each rotation vouches for the row it changed: the audit chain still
	// binds the webhook row, so audit verify finds nothing.
	report, err := s.DB.VerifyIntegrity(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	} else if !report.Intact() {
		t.Errorf("audit verify after rotations: %+v", report)
	}
}
