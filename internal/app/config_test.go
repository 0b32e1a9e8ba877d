package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// load binds a fresh Default to flags and vars, as run does.
func load(t *testing.T, args []string, vars map[string]string) (Config, error) {
	t.Helper()
	cfg := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	l := Bind(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cfg, l(func(k string) string { return vars[k] })
}

// tlsPair writes a self-signed certificate and its key.
func tlsPair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), NotAfter: time.Now().Add(time.Hour)},
		&x509.Certificate{SerialNumber: big.NewInt(1)}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})))
	return certFile, keyFile
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEveryVariableIsBound gives every variable a good value and checks each
// lands in its field, and nothing else changes.
func TestEveryVariableIsBound(t *testing.T) {
	dir := t.TempDir()
	tlsCert, tlsKey := tlsPair(t, dir)
	seal, sealKey, secretFile := filepath.Join(dir, "seal.pem"), filepath.Join(dir, "seal.key"), filepath.Join(dir, "secret")
	writeFile(t, seal, "-")
	writeFile(t, sealKey, "-")
	writeFile(t, secretFile, strings.Repeat("s", 40))
	vars := map[string]string{
		"CONSENTD_ADDR": "127.0.0.1:9000", "CONSENTD_DATA_DIR": filepath.Join(dir, "data"),
		"CONSENTD_DATABASE_URL": "postgres://consentd@db.example:5432/consentd", "CONSENTD_PUBLIC_URL": "https://consent.example.org",
		"CONSENTD_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7", "CONSENTD_CLINIC_NAME": "Clínica Serena", "CONSENTD_TIME_ZONE": "America/Chicago",
		"CONSENTD_SEAL_CERT": seal, "CONSENTD_SEAL_KEY": sealKey, "CONSENTD_SEAL_PREVIOUS": dir,
		"CONSENTD_TSA_URL": "http://timestamp.example/tsa", "CONSENTD_TLS_CERT": tlsCert, "CONSENTD_TLS_KEY": tlsKey,
		"CONSENTD_LOG_FORMAT": "text", "CONSENTD_LOG_LEVEL": "WARN", "CONSENTD_FHIR_PATIENT_SYSTEM": "urn:oid:2.16.840.1.113883.4.1",
		"CONSENTD_EXPIRE_EVERY": "30s", "CONSENTD_KEY_RATE": "0.5", "CONSENTD_AUDIT_CHECKPOINT_EVENTS": "0",
		"CONSENTD_AUDIT_CHECKPOINT_INTERVAL": "1h", "CONSENTD_METRICS_ADDR": "127.0.0.1:9090",
		"CONSENTD_METRICS_TOKEN": "0123456789abcdef0123", "CONSENTD_WEBHOOK_ALLOW_NETS": "10.20.0.0/16",
		"CONSENTD_SECRET_FILE": secretFile,
	}
	got, err := load(t, nil, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Addr, want.DataDir, want.DatabaseURL, want.PublicURL = "127.0.0.1:9000", vars["CONSENTD_DATA_DIR"], vars["CONSENTD_DATABASE_URL"], "https://consent.example.org"
	want.TrustedProxies, want.ClinicName, want.TimeZone = "10.0.0.0/8, 192.0.2.7", "Clínica Serena", "America/Chicago"
	want.SealCert, want.SealKey, want.SealPrevious, want.TSAURL = seal, sealKey, dir, "http://timestamp.example/tsa"
	want.TLSCert, want.TLSKey, want.LogFormat, want.LogLevel = tlsCert, tlsKey, "text", slog.LevelWarn
	want.FHIRPatientSystem, want.ExpireEvery, want.KeyLimit = "urn:oid:2.16.840.1.113883.4.1", 30*time.Second, Limit{PerSecond: 0.5, Burst: 1}
	want.Checkpoints = consent.CheckpointPolicy{Events: 0, Interval: time.Hour}
	want.MetricsAddr, want.MetricsToken, want.WebhookAllowNets, want.SecretFile = "127.0.0.1:9090", "0123456789abcdef0123", "10.20.0.0/16", secretFile
	ignore := cmpopts.IgnoreFields(Config{}, "Now", "LogOutput")
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("config from the environment (-want +got):\n%s", diff)
	}

	// The other way to give the secret and the sealing key.
	p12 := filepath.Join(dir, "seal.p12")
	writeFile(t, p12, "-")
	got, err = load(t, nil, map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_SECRET": strings.Repeat("ab", 32),
		"CONSENTD_SEAL_PKCS12": p12, "CONSENTD_SEAL_PKCS12_PASSWORD": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	want = Default()
	want.DataDir, want.Secret, want.SealPKCS12, want.SealPKCS12Password = dir, []byte(strings.Repeat("\xab", 32)), p12, "pw"
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("secret and PKCS#12 from the environment (-want +got):\n%s", diff)
	}
}

// TestKeyRateBurst: the burst of --key-rate is two seconds' worth and never
// 0, which would refuse every request of every key.
func TestKeyRateBurst(t *testing.T) {
	for _, tt := range []struct {
		rate string
		want Limit
	}{
		{"200", Limit{200, 400}}, {"1.5", Limit{1.5, 3}}, {"0.3", Limit{0.3, 1}}, {"0", Limit{}},
	} {
		cfg, err := load(t, []string{"--key-rate", tt.rate, "--data-dir", t.TempDir()}, nil)
		if err != nil || cfg.KeyLimit != tt.want {
			t.Errorf("--key-rate %s: %+v %v, want %+v", tt.rate, cfg.KeyLimit, err, tt.want)
		}
	}
}

// TestCodeLimitsChecked: the limits set in code (tests change them) are
// checked as the flags are: a burst of 0 would refuse every request.
func TestCodeLimitsChecked(t *testing.T) {
	for name, field := range map[string]func(*Config) *Limit{
		"CodeLimit": func(c *Config) *Limit { return &c.CodeLimit }, "LinkLimit": func(c *Config) *Limit { return &c.LinkLimit },
		"PublicLimit": func(c *Config) *Limit { return &c.PublicLimit }, "PublicCeiling": func(c *Config) *Limit { return &c.PublicCeiling },
	} {
		cfg := Default()
		cfg.DataDir = t.TempDir()
		if err := cfg.Check(); err != nil {
			t.Fatalf("Default: %v", err)
		}
		*field(&cfg) = Limit{PerSecond: 1}
		if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s with burst 0: %v, want an error naming it", name, err)
		}
		*field(&cfg) = Limit{}
		if err := cfg.Check(); err != nil {
			t.Errorf("%s off: %v", name, err)
		}
	}
}

// TestSecretEncodings: CONSENTD_SECRET takes hex and the base64 variants;
// a secret file holding the same text means the same secret.
func TestSecretEncodings(t *testing.T) {
	want := []byte("0123456789abcdef0123456789abcdef")
	for _, text := range []string{
		"30313233343536373839616263646566" + "30313233343536373839616263646566",
		"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY",
		"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
	} {
		got, err := decodeSecret(text)
		if err != nil || string(got) != string(want) {
			t.Errorf("decodeSecret(%q) = %q, %v", text, got, err)
		}
		p := filepath.Join(t.TempDir(), "secret")
		writeFile(t, p, text)
		if got, err := readSecretFile(p); err != nil || string(got) != string(want) {
			t.Errorf("secret file %q = %q, %v", text, got, err)
		}
	}
	raw := filepath.Join(t.TempDir(), "secret.key") // a data dir's secret.key, copied
	raw32 := "\x00\xff" + strings.Repeat("\x10", 30)
	writeFile(t, raw, raw32)
	if got, err := readSecretFile(raw); err != nil || string(got) != raw32 {
		t.Errorf("raw secret file = %q, %v", got, err)
	}
}
