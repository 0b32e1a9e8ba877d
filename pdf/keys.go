package pdf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/atomicfile"
)

// Files of the generated keys under <DataDir>/keys/.
const (
	rootKeyFile    = "root-ca.key"
	rootCertFile   = "root-ca.crt"
	sealKeyFile    = "sealing.key"
	sealCertFile   = "sealing.crt"
	previousDir    = "previous"
	rootCommonName = "consentd local root CA"
	leafCommonName = "consentd document sealing"
)

// oidDocumentSigning is the Document Signing extended key usage (RFC 9336).
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// keys is the sealing key with its certificate chain and the leaf
// certificates of earlier keys, whose PDFs must keep verifying.
type keys struct {
	signer    crypto.Signer
	chain     []*x509.Certificate // leaf first
	previous  []*x509.Certificate
	generated bool
}

// loadKeys loads the configured key, or the generated one (creating it on first start).
func loadKeys(cfg Config) (*keys, error) {
	var k *keys
	var err error
	switch {
	case cfg.PKCS12File != "":
		k, err = loadPKCS12(cfg.PKCS12File, cfg.PKCS12Password)
	case cfg.CertFile != "" || cfg.KeyFile != "":
		k, err = loadPEM(cfg.CertFile, cfg.KeyFile)
	case cfg.DataDir == "":
		return nil, consent.FieldErrorf(consent.EINVALID, "DataDir", "a data directory or a certificate and key are required")
	default:
		k, err = loadOrCreateGenerated(filepath.Join(cfg.DataDir, "keys"), cfg.ClinicName)
	}
	if err != nil {
		return nil, err
	}
	if dir := cfg.previousDir(); dir != "" {
		if k.previous, err = loadPrevious(dir); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// previousDir is where the certificates of earlier keys are read from.
func (cfg Config) previousDir() string {
	if cfg.PreviousDir != "" || cfg.DataDir == "" {
		return cfg.PreviousDir
	}
	return filepath.Join(cfg.DataDir, "keys", previousDir)
}

// RotateKey replaces a generated sealing key with a new one issued by the same
// root; the old leaf certificate moves to keys/previous/ so PDFs sealed with it
// keep verifying. Running sealers keep the old key until they are recreated.
func RotateKey(cfg Config) error {
	if cfg.PKCS12File != "" || cfg.CertFile != "" || cfg.KeyFile != "" {
		return consent.Errorf(consent.EINVALID, "Only generated keys can be rotated; replace the configured certificate instead.")
	}
	if cfg.DataDir == "" {
		return consent.FieldErrorf(consent.EINVALID, "DataDir", "a data directory is required")
	}
	dir := filepath.Join(cfg.DataDir, "keys")
	k, err := loadOrCreateGenerated(dir, cfg.ClinicName)
	if err != nil {
		return err
	}
	rootKey, err := readKey(filepath.Join(dir, rootKeyFile))
	if err != nil {
		return err
	}
	old := k.chain[0]
	if err := os.MkdirAll(filepath.Join(dir, previousDir), 0o700); err != nil {
		return err
	}
	name := fmt.Sprintf("sealing-%s-%s.crt", old.NotBefore.UTC().Format("20060102T150405Z"), old.SerialNumber.Text(16))
	if err := atomicfile.Write(filepath.Join(dir, previousDir, name), pemCert(old)); err != nil {
		return err
	}
	return createLeaf(dir, k.chain[len(k.chain)-1], rootKey, cfg.ClinicName)
}

// loadOrCreateGenerated loads the local root CA and sealing leaf from dir,
// creating whichever is missing.
func loadOrCreateGenerated(dir, clinic string) (*keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	rootKey, err := readKey(filepath.Join(dir, rootKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		if err = createRoot(dir, clinic); err == nil {
			rootKey, err = readKey(filepath.Join(dir, rootKeyFile))
		}
	}
	if err != nil {
		return nil, err
	}
	root, err := readCert(filepath.Join(dir, rootCertFile))
	if err != nil {
		return nil, err
	}
	leafKey, err := readKey(filepath.Join(dir, sealKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		if err = createLeaf(dir, root, rootKey, clinic); err == nil {
			leafKey, err = readKey(filepath.Join(dir, sealKeyFile))
		}
	}
	if err != nil {
		return nil, err
	}
	leaf, err := readCert(filepath.Join(dir, sealCertFile))
	if err != nil {
		return nil, err
	}
	if err := leaf.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("sealing certificate not issued by the local root CA: %w", err)
	}
	return newKeys(leafKey, []*x509.Certificate{leaf, root}, true)
}

// newKeys checks that the key belongs to the chain's leaf.
func newKeys(key crypto.PrivateKey, chain []*x509.Certificate, generated bool) (*keys, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	if len(chain) == 0 {
		return nil, errors.New("no certificate for the sealing key")
	}
	pub, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pub, chain[0].RawSubjectPublicKeyInfo) {
		return nil, errors.New("the private key does not match the first certificate")
	}
	return &keys{signer: signer, chain: chain, generated: generated}, nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func subjectKeyID(pub crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:20]
}

func createRoot(dir, clinic string) error {
	tpl := &x509.Certificate{Subject: subject(rootCommonName, clinic),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true}
	return issue(dir, rootKeyFile, rootCertFile, tpl, 10, nil, nil)
}

func createLeaf(dir string, root *x509.Certificate, rootKey crypto.PrivateKey, clinic string) error {
	tpl := &x509.Certificate{Subject: subject(leafCommonName, clinic),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, UnknownExtKeyUsage: []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true, AuthorityKeyId: root.SubjectKeyId}
	return issue(dir, sealKeyFile, sealCertFile, tpl, 3, root, rootKey)
}

// issue creates a new ECDSA P-256 key, completes tpl (serial, validity from an
// hour ago for years, subject key ID), has parent sign it (nil: self-signed)
// and writes the key and certificate into dir.
func issue(dir, keyFile, certFile string, tpl *x509.Certificate, years int, parent *x509.Certificate, parentKey crypto.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if tpl.SerialNumber, err = serial(); err != nil {
		return err
	}
	now := time.Now().UTC()
	tpl.NotBefore, tpl.NotAfter, tpl.SubjectKeyId = now.Add(-time.Hour), now.AddDate(years, 0, 0), subjectKeyID(key.Public())
	if parent == nil {
		parent, parentKey = tpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, key.Public(), parentKey)
	if err != nil {
		return err
	}
	return writeKeyPair(dir, keyFile, certFile, key, der)
}

func subject(cn, clinic string) pkix.Name {
	n := pkix.Name{CommonName: cn}
	if clinic != "" {
		n.Organization = []string{clinic}
	}
	return n
}

// loadPrevious reads the earlier leaf certificates kept in dir, sorted by name.
func loadPrevious(dir string) ([]*x509.Certificate, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".crt") || strings.HasSuffix(e.Name(), ".pem")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []*x509.Certificate
	for _, n := range names {
		certs, err := readCerts(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		out = append(out, certs...)
	}
	return out, nil
}

// fingerprint returns the SHA-256 of a certificate's DER encoding, in hex.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
