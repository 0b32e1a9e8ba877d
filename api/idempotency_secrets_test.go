package api_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
)

// dataContains reports whether any file of the data dir (database, WAL) holds s.
func dataContains(t *testing.T, dir, s string) bool {
	t.Helper()
	if url := storagetest.DatabaseURL(dir); url != "" {
		// PostgreSQL: search a data-only dump of the test database.
		out, err := exec.Command("pg_dump", "--data-only", "--dbname", url).Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		// bytea columns are dumped as hex, so look for the hex form too.
		return bytes.Contains(out, []byte(s)) || bytes.Contains(out, []byte(hex.EncodeToString([]byte(s))))
	}
	files, err := filepath.Glob(filepath.Join(dir, "consentd.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// secretsOf creates an API key, a consent and a download link, with or without
// Idempotency-Key headers, and returns the secrets the responses showed once.
func secretsOf(t *testing.T, s *apptest.Server, idem bool) map[string]string {
	t.Helper()
	h := func(k string) []string {
		if idem {
			return []string{"Idempotency-Key", k}
		}
		return nil
	}
	key := wantJSON(t, s, 201, "POST", "/v1/api-keys", s.AdminKey, map[string]any{"name": "ehr", "scopes": []string{"consents:read"}}, h("k1")...)
	c := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, apptest.ConsentRequest("en"), h("k2")...)
	id := s.SignedConsent(t, "en")
	link := wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, map[string]any{}, h("k3")...)
	secret, _ := key["key"].(string)
	if secret == "" {
		t.Fatalf("no key in %v", key)
	}
	return map[string]string{"api key": secret, "signing token": signingToken(t, c),
		"download token": strings.TrimPrefix(link["url"].(string), "/d/")}
}

func TestSecretsAreNotStoredInPlainText(t *testing.T) {
	dir := t.TempDir()
	s := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	for name, secret := range secretsOf(t, s, false) {
		if dataContains(t, dir, secret) {
			t.Errorf("the %s is stored in plain text", name)
		}
	}
}

func TestIdempotentReplayDoesNotStoreSecrets(t *testing.T) {
	dir := t.TempDir()
	s := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	for name, secret := range secretsOf(t, s, true) {
		if dataContains(t, dir, secret) {
			t.Errorf("the %s is stored in plain text (idempotency record)", name)
		}
	}
}

// TestIdempotentRequestHashIsKeyed: the stored hash of a countersignature's
// body, which holds the staff PIN, is keyed with the server secret. A plain
// SHA-256 of the body would let anyone who reads the database try the
// 10^6 PINs offline against it.
func TestIdempotentRequestHashIsKeyed(t *testing.T) {
	dir := t.TempDir()
	s := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c))); st != 201 {
		t.Fatalf("patient: %d %s", st, b)
	}
	body := []byte(fmt.Sprintf(`{"role":"clinician","staff":{"id":%q,"pin":%q},"identity_verified":true,`+
		`"signature":{"type":"typed","text":%q}}`, apptest.StaffID, apptest.StaffPIN, apptest.StaffName))
	for range 2 { // the retry is answered from the record
		if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body, "Idempotency-Key", "countersign-1"); st != 201 {
			t.Fatalf("countersign: %d %s", st, b)
		}
	}
	if dataContains(t, dir, consent.HashSecret(string(body))) {
		t.Error("the idempotency record holds the plain SHA-256 of a body with a PIN: the PIN can be guessed offline")
	}
}
