package pdf

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func checkpointFixture() *consent.AuditCheckpoint {
	return &consent.AuditCheckpoint{Seq: 1200, Hash: strings.Repeat("9f", 32), At: time.Date(2026, 11, 25, 9, 44, 0, 123e6, time.UTC)}
}

// TestCheckpointSignatures signs with each kind of sealing key and checks
// that the signature verifies, and that a changed statement, another
// algorithm name or an unknown certificate does not.
func TestCheckpointSignatures(t *testing.T) {
	generated := newTestSealer(t, t.TempDir())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		sealer *Sealer
		alg    string
	}{
		{"generated ECDSA key", generated, algECDSA},
		{"configured RSA key", sealerWithKey(t, rsaKey), algRSA},
		{"configured Ed25519 key", sealerWithKey(t, edKey), algEd25519},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cp := checkpointFixture()
			sig, err := tt.sealer.SignCheckpoint(cp.SignedBytes())
			if err != nil {
				t.Fatal(err)
			}
			if sig.Algorithm != tt.alg || sig.CertSHA256 != tt.sealer.CertSHA256() {
				t.Fatalf("signature %s by %s, want %s by %s", sig.Algorithm, sig.CertSHA256, tt.alg, tt.sealer.CertSHA256())
			}
			if err := tt.sealer.VerifyCheckpoint(cp.SignedBytes(), sig); err != nil {
				t.Fatalf("own checkpoint: %v", err)
			}
			cp.Seq--
			if err := tt.sealer.VerifyCheckpoint(cp.SignedBytes(), sig); err == nil {
				t.Error("a checkpoint with another seq verified")
			}
			cp.Seq++
			other := sig
			other.Algorithm = "none"
			if err := tt.sealer.VerifyCheckpoint(cp.SignedBytes(), other); err == nil {
				t.Error("a signature with another algorithm name verified")
			}
			if err := generated.VerifyCheckpoint(cp.SignedBytes(), sig); tt.sealer != generated && err == nil {
				t.Error("another server's checkpoint verified")
			}
		})
	}
}

// TestCheckpointsSurviveKeyRotation: a checkpoint signed before "keys rotate"
// verifies afterwards, through keys/previous.
func TestCheckpointsSurviveKeyRotation(t *testing.T) {
	dir := t.TempDir()
	before := newTestSealer(t, dir)
	cp := checkpointFixture()
	sig, err := before.SignCheckpoint(cp.SignedBytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := RotateKey(Config{DataDir: dir, ClinicName: "Clínica Serena"}); err != nil {
		t.Fatal(err)
	}
	after := newTestSealer(t, dir)
	if err := after.VerifyCheckpoint(cp.SignedBytes(), sig); err != nil {
		t.Fatalf("checkpoint signed before the rotation: %v", err)
	}
	fresh, err := after.SignCheckpoint(cp.SignedBytes())
	if err != nil || fresh.CertSHA256 == sig.CertSHA256 || after.VerifyCheckpoint(cp.SignedBytes(), fresh) != nil {
		t.Fatalf("checkpoint signed after the rotation: %+v, %v", fresh, err)
	}
}

// TestCheckpointVerifiesWithOpenSSL checks a signature the way an
// integration without consentd would: the public key from the sealing
// certificate and openssl.
func TestCheckpointVerifiesWithOpenSSL(t *testing.T) {
	openssl := requireTool(t, "openssl")
	s := newTestSealer(t, t.TempDir())
	cp := checkpointFixture()
	sig, err := s.SignCheckpoint(cp.SignedBytes())
	if err != nil {
		t.Fatal(err)
	}
	certs := writeTemp(t, "certs.pem", s.CertificatesPEM())
	pub := run(t, openssl, "x509", "-in", certs, "-pubkey", "-noout")
	out := run(t, openssl, "dgst", "-sha256", "-verify", writeTemp(t, "key.pub", []byte(pub)),
		"-signature", writeTemp(t, "sig.bin", sig.Value), writeTemp(t, "checkpoint.json", cp.SignedBytes()))
	if !strings.Contains(out, "Verified OK") {
		t.Fatalf("openssl: %s", out)
	}
}

// sealerWithKey is a sealer whose key is a self-signed certificate's, as a
// clinic's own certificate would be.
func sealerWithKey(t *testing.T, key crypto.Signer) *Sealer {
	t.Helper()
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "clinic seal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	k, err := newKeys(key, []*x509.Certificate{cert}, false)
	if err != nil {
		t.Fatal(err)
	}
	return &Sealer{keys: k, certSHA256: fingerprint(cert)}
}
