package api_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// doWithKey sends a JSON request with an Idempotency-Key and returns the
// status, whether the answer says it is a replay, and the body.
func doWithKey(t *testing.T, s *apptest.Server, method, path, apiKey string, body any, idemKey string) (int, bool, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idemKey)
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", out
}

// TestIdempotentReplayIsByteIdentical sends every write that takes an
// Idempotency-Key twice: the retry is answered from the stored result with
// the first answer's status and exactly its bytes (secrets shown once
// included), and writes nothing again.
func TestIdempotentReplayIsByteIdentical(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	n := 0
	twice := func(name string, status int, method, path, apiKey string, body any) map[string]any {
		t.Helper()
		n++
		key := "idem-" + name
		st1, replay1, b1 := doWithKey(t, s, method, path, apiKey, body, key)
		if st1 != status || replay1 {
			t.Fatalf("%s: first answer %d (replayed %v) %s, want %d, not a replay", name, st1, replay1, b1, status)
		}
		st2, replay2, b2 := doWithKey(t, s, method, path, apiKey, body, key)
		if st2 != st1 || !replay2 || !bytes.Equal(b1, b2) {
			t.Errorf("%s: retry answered %d (replayed %v)\n%s\nwant %d, replayed, byte for byte\n%s", name, st2, replay2, b2, st1, b1)
		}
		return apptest.JSON(t, b1)
	}
	twice("api key", 201, "POST", "/v1/api-keys", s.AdminKey, map[string]any{"name": "ehr", "scopes": []string{"consents:read"}})
	twice("staff", 201, "POST", "/v1/staff", s.AdminKey, map[string]any{"id": "w-1", "name": "Nurse Kim", "role": "witness", "pin": "246810"})
	twice("device", 201, "POST", "/v1/devices", s.AdminKey, map[string]any{"name": "Front desk"})
	twice("webhook", 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"consent.signed"}})
	twice("template", 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "replayed", "title": "Replayed"})
	twice("version", 201, "POST", "/v1/templates/replayed/versions", s.AdminKey, templateContent())
	twice("publish", 200, "POST", "/v1/templates/replayed/versions/1/publish", s.AdminKey, apptest.Approval())
	twice("retire", 200, "POST", "/v1/templates/replayed/versions/1/retire", s.AdminKey, map[string]any{})

	c := twice("consent", 201, "POST", "/v1/consents", s.AdminKey, apptest.ConsentRequest("en"))
	id, token := c["id"].(string), signingToken(t, c)
	acks := apptest.Acknowledged(t, c)
	twice("acknowledgment", 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0]})
	for _, sec := range acks[1:] { // a tablet signature needs every acknowledgment first
		if st, b := s.Do(t, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": sec}); st != 201 {
			t.Fatalf("acknowledge %s: %d %s", sec, st, b)
		}
	}
	twice("tablet signature", 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(acks))
	twice("countersignature", 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	twice("download link", 201, "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, map[string]any{})
	twice("withdrawal", 200, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "changed mind"})
	other := s.CreateConsent(t, "en")["id"].(string)
	stateOnly := s.Key(t, consent.ScopeConsentsWrite)
	twice("cancel by a key without consents:read", 200, "POST", "/v1/consents/"+other+"/cancel", stateOnly, map[string]any{"reason": "duplicate"})

	if got := countConsents(t, s); got != 2 {
		t.Errorf("%d consents, want 2: a replay wrote again", got)
	}
	if n != 15 {
		t.Errorf("%d routes tried", n)
	}
}

// TestIdempotentReplayOfALegacyRecord: a response stored before results
// were typed (status and sealed body) is still answered as it was.
func TestIdempotentReplayOfALegacyRecord(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	admin, err := s.DB.Access().FindAPIKeyByHash(ctx, consent.HashSecret(s.AdminKey))
	if err != nil {
		t.Fatal(err)
	}
	body := apptest.ConsentRequest("en")
	raw, _ := json.Marshal(body)
	scope := consent.HashSecret("apikey:" + admin.ID + "|POST /v1/consents")
	old := []byte(`{"id":"01OLDRESPONSE","status":"pending"}`)
	// As the previous release sealed it: AES-256-GCM under a key derived from
	// the server secret, bound to scope and key.
	m := hmac.New(sha256.New, s.Service.SecretKey)
	m.Write([]byte("idempotency-responses"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, old, []byte(scope+"\x00legacy-1"))
	err = s.DB.Update(ctx, func(tx consent.Tx) error {
		return tx.Idempotency().SaveIdempotency(ctx, &consent.Idempotency{Scope: scope, Key: "legacy-1",
			RequestHash: consent.HashSecret(string(raw)), LegacyStatus: 201, Result: sealed, CreatedAt: s.Clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	st, replayed, b := doWithKey(t, s, "POST", "/v1/consents", s.AdminKey, body, "legacy-1")
	if st != 201 || !replayed || !bytes.Equal(b, old) {
		t.Errorf("legacy record: %d (replayed %v) %s, want 201, replayed, %s", st, replayed, b, old)
	}
	if n := countConsents(t, s); n != 0 {
		t.Errorf("%d consents, want 0: the legacy replay wrote", n)
	}
}
