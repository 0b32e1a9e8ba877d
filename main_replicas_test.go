package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/storage/storagetest"
)

// sealingFiles writes a sealing certificate and key as a clinic would mount
// them into every replica.
func sealingFiles(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Calm Waters consent seal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "seal.crt"), filepath.Join(dir, "seal.key")
	for p, b := range map[string][]byte{certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyFile: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

// TestTwoReplicasOnePostgres runs two "consentd serve" processes' worth of
// wiring on one PostgreSQL database, as behind a load balancer: each has its
// own data directory and gets the shared secret and sealing key from its
// environment, as an orchestrator mounts them. A consent created on one is
// signed on the other, each verifies the other's PDFs, and both see one audit
// chain that verifies. A replica started without the shared secret is refused.
func TestTwoReplicasOnePostgres(t *testing.T) {
	dbURL := storagetest.NewPostgresDatabase(t)
	secrets := t.TempDir()
	certFile, keyFile := sealingFiles(t, secrets)
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	replica := func(name string, extra map[string]string) func(string) string {
		vars := map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), name), "CONSENTD_ADDR": "127.0.0.1:0",
			"CONSENTD_DATABASE_URL": dbURL, "CONSENTD_SECRET": base64.StdEncoding.EncodeToString(secret),
			"CONSENTD_SEAL_CERT": certFile, "CONSENTD_SEAL_KEY": keyFile, "CONSENTD_LOG_LEVEL": "error"}
		for k, v := range extra {
			vars[k] = v
		}
		return env(vars)
	}
	varsA, varsB := replica("a", nil), replica("b", nil)
	a := startServe(t, varsA) // the first start sets the database up and writes the admin key
	b := startServe(t, varsB)
	key, err := os.ReadFile(filepath.Join(varsA("CONSENTD_DATA_DIR"), "admin-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(varsB("CONSENTD_DATA_DIR"), "admin-api-key")); err == nil {
		t.Error("the second replica wrote an admin key of its own")
	}
	for _, dir := range []string{varsA("CONSENTD_DATA_DIR"), varsB("CONSENTD_DATA_DIR")} {
		if _, err := os.Stat(filepath.Join(dir, "secret.key")); err == nil {
			t.Errorf("%s has a secret.key of its own", dir)
		}
	}
	call := func(base, method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			r = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(key)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, b := call(b.base, "POST", "/v1/staff", map[string]any{"id": apptest.StaffID, "name": apptest.StaffName, "role": "clinician", "pin": apptest.StaffPIN}); st != 201 {
		t.Fatalf("staff on b: %d %s", st, b)
	}
	// Each consent is created on one replica and signed on the other.
	var pdfs [][]byte
	for _, pair := range [][2]*served{{a, b}, {b, a}} {
		st, body := call(pair[0].base, "POST", "/v1/consents", apptest.ConsentRequest("en"))
		if st != 201 {
			t.Fatalf("create: %d %s", st, body)
		}
		c := apptest.JSON(t, body)
		id := c["id"].(string)
		if st, body := call(pair[1].base, "POST", "/v1/consents/"+id+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, c))); st != 201 {
			t.Fatalf("patient: %d %s", st, body)
		}
		if st, body := call(pair[1].base, "POST", "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature()); st != 201 {
			t.Fatalf("clinician: %d %s", st, body)
		}
		st, pdf := call(pair[0].base, "GET", "/v1/consents/"+id+"/pdf", nil)
		if st != 200 {
			t.Fatalf("pdf: %d %s", st, pdf)
		}
		pdfs = append(pdfs, pdf)
	}
	for i, pdf := range pdfs {
		path := filepath.Join(t.TempDir(), "consent.pdf")
		if err := os.WriteFile(path, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		for name, vars := range map[string]func(string) string{"a": varsA, "b": varsB} {
			var out bytes.Buffer
			if err := run(context.Background(), []string{"verify", path}, vars, &out); err != nil || !strings.Contains(out.String(), "VALID") {
				t.Errorf("PDF %d on replica %s: %v %s", i, name, err, out.String())
			}
		}
	}
	for _, s := range []*served{a, b} {
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	}
	for name, vars := range map[string]func(string) string{"a": varsA, "b": varsB} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify"}, vars, &out); err != nil || !strings.Contains(out.String(), "audit chain intact") {
			t.Errorf("audit verify on replica %s: %v %s", name, err, out.String())
		}
	}

	// A replica without the shared secret would make its own and append
	// entries that never verify: it is refused, and so is a command.
	lost := replica("c", map[string]string{"CONSENTD_SECRET": ""})
	for _, args := range [][]string{{"serve"}, {"apikey", "create", "--name", "x", "--scopes", "admin"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a wrongly accepted serve stops by itself
		var out apptest.SyncBuffer
		err := run(ctx, args, lost, &out)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "was not written with this server secret") {
			t.Errorf("%v without the shared secret: %v", args, err)
		}
	}
}
