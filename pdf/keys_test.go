package pdf

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/consentd/consentd/consent"
	"software.sslmate.com/src/go-pkcs12"
)

func TestKeysPersistAndFileModes(t *testing.T) {
	dir := t.TempDir()
	a := newTestSealer(t, dir)
	b := newTestSealer(t, dir)
	if a.CertSHA256() != b.CertSHA256() {
		t.Fatal("restart generated a new sealing key")
	}
	st, err := os.Stat(filepath.Join(dir, "keys"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("keys dir mode = %v, %v; want 0700", st.Mode().Perm(), err)
	}
	for _, f := range []string{rootKeyFile, rootCertFile, sealKeyFile, sealCertFile} {
		st, err := os.Stat(filepath.Join(dir, "keys", f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, %v; want 0600", f, st.Mode().Perm(), err)
		}
	}
	chain := parsePEMChain(t, a.CertificatesPEM())
	if len(chain) != 2 || chain[1].Subject.CommonName != rootCommonName || !chain[1].IsCA {
		t.Fatalf("chain = %v, want leaf and %q", chain, rootCommonName)
	}
	leaf := chain[0]
	if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 || fingerprint(leaf) != a.CertSHA256() {
		t.Errorf("leaf is not a separate digitalSignature certificate: %+v", leaf.Subject)
	}
	if err := leaf.CheckSignatureFrom(chain[1]); err != nil {
		t.Errorf("leaf not issued by root: %v", err)
	}
	if y := leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24 / 365; y < 2.9 || y > 3.1 {
		t.Errorf("leaf valid %.1f years, want 3", y)
	}
	if y := chain[1].NotAfter.Sub(chain[1].NotBefore).Hours() / 24 / 365; y < 9.9 || y > 10.1 {
		t.Errorf("root valid %.1f years, want 10", y)
	}
}

func parsePEMChain(tb testing.TB, b []byte) []*x509.Certificate {
	tb.Helper()
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
}

func TestRotateKey(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, ClinicName: "Clínica Serena"}
	before := newTestSealer(t, dir)
	old := sealFixture(t, before, "en")
	if err := RotateKey(cfg); err != nil {
		t.Fatal(err)
	}
	after := newTestSealer(t, dir)
	if after.CertSHA256() == before.CertSHA256() {
		t.Fatal("RotateKey kept the same sealing certificate")
	}
	if v := after.Verify(old.Bytes); !v.Valid || v.CertSHA256 != before.CertSHA256() {
		t.Errorf("PDF sealed before rotation: %+v, want valid with the old certificate", v)
	}
	// The old leaf stays trusted on its own, even without the root-chain check.
	after.keys.generated = false
	if v := after.Verify(old.Bytes); !v.Valid {
		t.Errorf("old leaf not trusted from keys/previous: %+v", v)
	}
	after.keys.generated = true
	fresh := sealFixture(t, after, "en")
	if v := after.Verify(fresh.Bytes); !v.Valid || v.CertSHA256 != after.CertSHA256() || fresh.Info.CertSHA256 != after.CertSHA256() {
		t.Errorf("PDF sealed after rotation: %+v, want the new certificate", v)
	}
	if n := len(parsePEMChain(t, after.CertificatesPEM())); n != 3 {
		t.Errorf("CertificatesPEM has %d certificates, want new leaf, root and old leaf", n)
	}
	if err := RotateKey(Config{DataDir: dir, CertFile: "x.pem", KeyFile: "x.key"}); consent.ErrorCode(err) != consent.EINVALID {
		t.Errorf("RotateKey with a configured certificate = %v, want invalid", err)
	}
}

// externalKeys creates a CA and leaf in a scratch directory, standing in for
// a certificate the clinic bought.
func externalKeys(t *testing.T) *keys {
	t.Helper()
	k, err := loadOrCreateGenerated(t.TempDir(), "External CA")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestConfiguredKeys(t *testing.T) {
	k := externalKeys(t)
	dir := t.TempDir()
	chainFile, p12File := filepath.Join(dir, "chain.pem"), filepath.Join(dir, "seal.p12")
	must(t, os.WriteFile(chainFile, append(pemCert(k.chain[0]), pemCert(k.chain[1])...), 0o600))
	ecKey := k.signer.(*ecdsa.PrivateKey)
	pk8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	must(t, err)
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	must(t, err)
	pkcs8File, sec1File := filepath.Join(dir, "key.pem"), filepath.Join(dir, "ec.pem")
	must(t, os.WriteFile(pkcs8File, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}), 0o600))
	must(t, os.WriteFile(sec1File, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), 0o600))
	p12, err := pkcs12.Modern.Encode(ecKey, k.chain[0], k.chain[1:], "s3cret")
	must(t, err)
	must(t, os.WriteFile(p12File, p12, 0o600))

	tests := []struct {
		name string
		cfg  Config
	}{
		{"PEM chain + PKCS#8 key", Config{CertFile: chainFile, KeyFile: pkcs8File}},
		{"PEM chain + EC key", Config{CertFile: chainFile, KeyFile: sec1File}},
		{"PKCS#12", Config{PKCS12File: p12File, PKCS12Password: "s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSealer(tt.cfg)
			must(t, err)
			if s.CertSHA256() != fingerprint(k.chain[0]) {
				t.Fatal("sealer does not use the configured certificate")
			}
			p := sealFixture(t, s, "es")
			if v := s.Verify(p.Bytes); !v.Valid {
				t.Errorf("Verify = %+v", v)
			}
		})
	}

	// Another certificate from the same external CA is not ours: only our leaf is trusted.
	s, err := NewSealer(Config{CertFile: chainFile, KeyFile: pkcs8File})
	must(t, err)
	other := externalKeys(t)
	siblingSealer, err := NewSealer(Config{DataDir: t.TempDir()})
	must(t, err)
	siblingSealer.keys = other
	if v := s.Verify(sealFixture(t, siblingSealer, "en").Bytes); v.Valid || v.Reason != ReasonUnknownIssuer {
		t.Errorf("foreign seal: %+v, want unknown issuer", v)
	}

	bad := []struct {
		name string
		cfg  Config
	}{
		{"wrong PKCS#12 password", Config{PKCS12File: p12File, PKCS12Password: "nope"}},
		{"certificate without key", Config{CertFile: chainFile}},
		{"key does not match certificate", Config{CertFile: chainFile, KeyFile: writeOtherKey(t)}},
		{"missing file", Config{CertFile: filepath.Join(dir, "missing.pem"), KeyFile: pkcs8File}},
		{"no data dir and no key", Config{}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSealer(tt.cfg); err == nil {
				t.Error("NewSealer succeeded")
			}
		})
	}
}

func writeOtherKey(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	_, err := loadOrCreateGenerated(dir, "")
	must(t, err)
	return filepath.Join(dir, sealKeyFile)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// TestPreviousDir: replicas that share a configured key read the certificates
// of earlier keys from one mounted directory, so a PDF sealed before the key
// was replaced keeps verifying without a data directory.
func TestPreviousDir(t *testing.T) {
	write := func(k *keys) Config {
		dir := t.TempDir()
		pk8, err := x509.MarshalPKCS8PrivateKey(k.signer.(*ecdsa.PrivateKey))
		must(t, err)
		cfg := Config{CertFile: filepath.Join(dir, "chain.pem"), KeyFile: filepath.Join(dir, "key.pem")}
		must(t, os.WriteFile(cfg.CertFile, append(pemCert(k.chain[0]), pemCert(k.chain[1])...), 0o600))
		must(t, os.WriteFile(cfg.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}), 0o600))
		return cfg
	}
	oldKeys := externalKeys(t)
	oldCfg := write(oldKeys)
	old, err := NewSealer(oldCfg)
	must(t, err)
	sealed := sealFixture(t, old, "en")

	newCfg := write(externalKeys(t))
	s, err := NewSealer(newCfg)
	must(t, err)
	if v := s.Verify(sealed.Bytes); v.Valid {
		t.Fatalf("a PDF sealed with another key verified without its certificate: %+v", v)
	}
	newCfg.PreviousDir = t.TempDir()
	must(t, os.WriteFile(filepath.Join(newCfg.PreviousDir, "2026-seal.crt"), pemCert(oldKeys.chain[0]), 0o600))
	s, err = NewSealer(newCfg)
	must(t, err)
	if v := s.Verify(sealed.Bytes); !v.Valid || v.CertSHA256 != old.CertSHA256() {
		t.Errorf("PDF sealed with the earlier key: %+v, want valid with its certificate from PreviousDir", v)
	}
}
