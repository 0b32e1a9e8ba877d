package pdf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/consentd/consentd/consent"
)

// Verify that *Sealer signs audit checkpoints for the domain.
var _ consent.CheckpointSigner = (*Sealer)(nil)

// Checkpoint signature algorithms, by the sealing key's type.
const (
	algECDSA   = "ecdsa-sha256"        // ASN.1 DER signature over SHA-256 of the message
	algRSA     = "rsa-pkcs1v15-sha256" // RSASSA-PKCS1-v1_5 over SHA-256 of the message
	algEd25519 = "ed25519"             // over the message itself
)

// SignCheckpoint signs an audit checkpoint's bytes with the sealing key. The
// signature checks with the public key of the sealing certificate, e.g.
// "openssl dgst -sha256 -verify key.pub -signature sig.bin msg" for ECDSA and RSA.
func (s *Sealer) SignCheckpoint(msg []byte) (consent.CheckpointSignature, error) {
	alg, err := checkpointAlgorithm(s.keys.signer.Public())
	if err != nil {
		return consent.CheckpointSignature{}, err
	}
	digest, opts := msg, crypto.SignerOpts(crypto.Hash(0))
	if alg != algEd25519 {
		sum := sha256.Sum256(msg)
		digest, opts = sum[:], crypto.SHA256
	}
	sig, err := s.keys.signer.Sign(rand.Reader, digest, opts)
	if err != nil {
		return consent.CheckpointSignature{}, fmt.Errorf("sign audit checkpoint: %w", err)
	}
	return consent.CheckpointSignature{Algorithm: alg, CertSHA256: s.certSHA256, Value: sig}, nil
}

// VerifyCheckpoint checks sig against the sealing certificate it names: the
// current one or one of keys/previous, so a key rotation leaves earlier
// checkpoints verifiable.
func (s *Sealer) VerifyCheckpoint(msg []byte, sig consent.CheckpointSignature) error {
	cert := s.sealingCertificate(sig.CertSHA256)
	if cert == nil {
		return errors.New("signed with a certificate that is not one of this server's sealing certificates")
	}
	alg, err := checkpointAlgorithm(cert.PublicKey)
	if err != nil {
		return err
	}
	if alg != sig.Algorithm {
		return fmt.Errorf("algorithm %q does not match the certificate's key (%s)", sig.Algorithm, alg)
	}
	sum := sha256.Sum256(msg)
	ok := false
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, sum[:], sig.Value)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig.Value) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, msg, sig.Value)
	}
	if !ok {
		return errors.New("the signature does not match the checkpoint")
	}
	return nil
}

// sealingCertificate returns the current or an earlier sealing (leaf)
// certificate with the fingerprint, or nil.
func (s *Sealer) sealingCertificate(fp string) *x509.Certificate {
	for _, c := range append([]*x509.Certificate{s.keys.chain[0]}, s.keys.previous...) {
		if fingerprint(c) == fp {
			return c
		}
	}
	return nil
}

func checkpointAlgorithm(pub crypto.PublicKey) (string, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return algECDSA, nil
	case *rsa.PublicKey:
		return algRSA, nil
	case ed25519.PublicKey:
		return algEd25519, nil
	}
	return "", fmt.Errorf("a %T sealing key cannot sign audit checkpoints", pub)
}
