// Package pdf renders a signed consent as a PDF a clinic can file, seals it
// with a CMS (PAdES-style, adbe.pkcs7.detached) certification signature, and
// verifies sealed files. It is the only package that uses gofpdf and pdfsign.
//
// What Verify reads back: the document information dictionary's Keywords hold
// a JSON object {"format":"consentd-seal/1","consent_id","content_sha256",
// "signed_at","signers":["Name (role)",...]}; Title, Subject and Author are
// for people. The signature dictionary carries Reason "Signed informed consent
// <id>", ContactInfo "consent:<id>" and M = the consent's signed_at; the CMS
// signingTime attribute is the sealing clock (pdfsign sets it). The seal's
// byte range covers the whole file, so all of this is tamper-evident.
package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/consentd/consentd/consent"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// Config says where the sealing key comes from and how documents look.
type Config struct {
	DataDir        string         // generated keys go to <DataDir>/keys/ (dir 0700, files 0600)
	CertFile       string         // optional PEM certificate chain, leaf first
	KeyFile        string         // optional PEM private key (PKCS#8, EC or RSA) for CertFile
	PKCS12File     string         // optional PKCS#12 file with key and chain, instead of CertFile/KeyFile
	PKCS12Password string         // password of PKCS12File
	ClinicName     string         // printed on every document and used in the certificates' subject
	TimeZone       *time.Location // clinic's zone; times are printed in UTC and in this zone
	TSAURL         string         // optional RFC 3161 time-stamp authority; none when ""
	// PreviousDir holds the certificates of earlier sealing keys (.crt or .pem),
	// trusted for verification only; <DataDir>/keys/previous when "". Replicas
	// that share a configured key point it at one mounted directory.
	PreviousDir string
	// VerifyURL returns a consent's verification link, printed on its sealed
	// PDFs as a QR code and text (consent.VerifyLinks.URL); nil or "" prints none.
	VerifyURL func(consentID string) string
}

// Sealer renders and seals consents and verifies sealed PDFs. It is safe for
// concurrent use: every document gets its own gofpdf instance.
type Sealer struct {
	cfg        Config
	keys       *keys
	certSHA256 string
	trusted    map[string]bool // SHA-256 of every leaf we sealed with (current and earlier)
	roots      *x509.CertPool  // our generated root, for leaves issued by it
	pem        []byte
}

// Verify that *Sealer implements the domain's interface.
var _ consent.Sealer = (*Sealer)(nil)

// NewSealer loads the configured key, or loads (creating on first start) a
// local root CA and a separate ECDSA P-256 sealing certificate under DataDir.
func NewSealer(cfg Config) (*Sealer, error) {
	if cfg.TimeZone == nil {
		cfg.TimeZone = time.UTC
	}
	k, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sealer{cfg: cfg, keys: k, certSHA256: fingerprint(k.chain[0]), trusted: map[string]bool{}, roots: x509.NewCertPool()}
	s.trusted[s.certSHA256] = true
	for _, c := range k.previous {
		s.trusted[fingerprint(c)] = true
	}
	if k.generated {
		s.roots.AddCert(k.chain[len(k.chain)-1])
	}
	var buf bytes.Buffer
	seen := map[string]bool{}
	for _, c := range append(append([]*x509.Certificate{}, k.chain...), k.previous...) {
		if fp := fingerprint(c); !seen[fp] {
			seen[fp] = true
			buf.Write(pemCert(c))
		}
	}
	s.pem = buf.Bytes()
	return s, nil
}

// CertSHA256 returns the SHA-256 fingerprint of the current sealing certificate, in hex.
func (s *Sealer) CertSHA256() string { return s.certSHA256 }

// CertificatesPEM returns the current chain (leaf first) followed by the leaf
// certificates of earlier keys, PEM encoded.
func (s *Sealer) CertificatesPEM() []byte { return bytes.Clone(s.pem) }

// SealConsent renders a signed consent with its audit events and seals it.
// The signing time is the consent's SignedAt, so the result is fully
// determined by its inputs apart from the signature value itself.
func (s *Sealer) SealConsent(ctx context.Context, c *consent.Consent, events []*consent.AuditEvent) (*consent.SealedPDF, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c == nil || len(c.Signatures) == 0 {
		return nil, consent.Errorf(consent.EINVALID, "Only a signed consent can be sealed.")
	}
	unsigned, err := Render(c, events, RenderOptions{ClinicName: s.cfg.ClinicName, TimeZone: s.cfg.TimeZone, CertSHA256: s.certSHA256,
		VerifyURL: s.verifyURL(c.ID)})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	at := signedAt(c)
	sealed, err := s.seal(unsigned, c.ID, at)
	if err != nil {
		return nil, fmt.Errorf("seal consent %s: %w", c.ID, err)
	}
	sum := sha256.Sum256(sealed)
	return &consent.SealedPDF{ConsentID: c.ID, Bytes: sealed, Info: consent.PDFInfo{
		SHA256: hex.EncodeToString(sum[:]), Size: len(sealed), CreatedAt: at, CertSHA256: s.certSHA256}}, nil
}

// verifyURL returns a consent's verification link, or "" when none is printed.
func (s *Sealer) verifyURL(consentID string) string {
	if s.cfg.VerifyURL == nil {
		return ""
	}
	return s.cfg.VerifyURL(consentID)
}

// seal adds a certification signature that allows no further changes.
func (s *Sealer) seal(in []byte, consentID string, at time.Time) ([]byte, error) {
	return s.sealAs(in, consentID, at, "Signed informed consent "+consentID)
}

// sealAs is seal with the signature's stated reason.
func (s *Sealer) sealAs(in []byte, consentID string, at time.Time, reason string) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, err
	}
	name := s.cfg.ClinicName
	if name == "" {
		name = "consentd"
	}
	var out bytes.Buffer
	out.Grow(len(in) + 16<<10)
	err = sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name: pdfSafe(name), Location: pdfSafe(s.cfg.ClinicName),
				Reason:      pdfSafe(reason),
				ContactInfo: "consent:" + pdfSafe(consentID),
				Date:        at,
			},
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:            s.keys.signer,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.keys.chain[0],
		CertificateChains: [][]*x509.Certificate{s.keys.chain},
		TSA:               sign.TSA{URL: s.cfg.TSAURL},
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// pdfSafe replaces characters pdfsign cannot put in a PDF string: it writes
// non-ASCII text as UTF-16 without escaping, so a code unit containing the
// byte '(', ')', '\\' or '\r' would break the signature dictionary.
func pdfSafe(s string) string {
	return strings.Map(func(r rune) rune {
		for _, u := range utf16.Encode([]rune{r}) {
			for _, b := range []byte{byte(u >> 8), byte(u)} {
				if b == '(' || b == ')' || b == '\\' || b == '\r' {
					return '?'
				}
			}
		}
		return r
	}, s)
}
