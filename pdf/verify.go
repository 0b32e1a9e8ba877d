package pdf

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/verify"
	"github.com/digitorus/pkcs7"

	"github.com/consentd/consentd/consent"
)

// Reasons a PDF does not verify.
const (
	ReasonNotPDF        = "not a PDF"      // no PDF header, or the file structure cannot be read (e.g. truncated)
	ReasonNoSignature   = "no signature"   // a PDF without a digital signature
	ReasonTampered      = "tampered"       // the signed bytes changed, or bytes were added after sealing
	ReasonUnknownIssuer = "unknown issuer" // a valid signature, but not by one of our sealing certificates
	ReasonNotConsent    = "not a consent"  // sealed by us, but without consent metadata
)

// Verification is the result of checking a PDF's seal.
type Verification struct {
	Valid         bool
	Reason        string // why it is not valid; "" when valid
	ConsentID     string
	ContentSHA256 string    // hash of the document text the patient was shown
	SignedAt      time.Time // when the consent was signed (the seal's signing time)
	Signers       []string  // "Name (role)", in signing order
	CertSHA256    string    // fingerprint of the certificate that sealed the file
	FileSHA256    string    // SHA-256 of the checked bytes
	WithdrawnAt   time.Time // set when the file is a withdrawal copy
	// Unprocessable marks a file refused before parsing because it does not
	// have a sealed consent's shape; Detail says which check failed.
	Unprocessable bool
	Detail        string
}

// Verify checks that a PDF carries an intact seal made with one of our sealing
// certificates (current or earlier) and returns the consent metadata the seal
// covers: the consent ID, content hash, signers and signing time, read from
// the document information dictionary's Keywords (JSON written by Render).
// Files without a sealed consent's shape are refused before parsing
// (precheck), since parsing some malformed files takes quadratic time.
func (s *Sealer) Verify(b []byte) *Verification {
	sum := sha256.Sum256(b)
	v := &Verification{FileSHA256: hex.EncodeToString(sum[:])}
	fail := func(reason string) *Verification { v.Reason = reason; return v }

	if err := precheck(b); err != nil {
		v.Unprocessable, v.Detail = !err.verdict, err.detail
		return fail(err.reason)
	}
	sig, info, err := readSignature(b)
	if err != nil {
		return fail(ReasonNotPDF)
	}
	if sig == nil {
		return fail(ReasonNoSignature)
	}
	if !sig.coversAll {
		return fail(ReasonTampered)
	}
	resp, err := verify.VerifyWithOptions(bytes.NewReader(b), int64(len(b)), verify.DefaultVerifyOptions())
	if err != nil || resp == nil || len(resp.Signers) == 0 {
		return fail(ReasonTampered)
	}
	for _, sg := range resp.Signers {
		if !sg.ValidSignature {
			return fail(ReasonTampered)
		}
	}
	p7, err := pkcs7.Parse(sig.contents)
	if err != nil {
		return fail(ReasonTampered)
	}
	leaf := p7.GetOnlySigner()
	if leaf == nil {
		return fail(ReasonTampered)
	}
	v.CertSHA256 = fingerprint(leaf)
	if !s.issuedByUs(leaf, p7.Certificates) {
		return fail(ReasonUnknownIssuer)
	}
	m, at, ok := parseMetadata(info)
	if !ok {
		return fail(ReasonNotConsent)
	}
	if m.WithdrawnAt != "" {
		w, err := time.Parse(consent.TimeLayout, m.WithdrawnAt)
		if err != nil {
			return fail(ReasonNotConsent)
		}
		v.WithdrawnAt = w
	}
	v.Valid, v.ConsentID, v.ContentSHA256, v.SignedAt, v.Signers = true, m.ConsentID, m.ContentSHA256, at, m.Signers
	return v
}

// issuedByUs reports whether leaf is one of our sealing certificates, or was
// issued by our generated root CA.
func (s *Sealer) issuedByUs(leaf *x509.Certificate, certs []*x509.Certificate) bool {
	if s.trusted[fingerprint(leaf)] {
		return true
	}
	if !s.keys.generated {
		return false
	}
	inter := x509.NewCertPool()
	for _, c := range certs {
		inter.AddCert(c)
	}
	// Whether the leaf was valid when the file was sealed is the leaf's own
	// claim, so check the issuer relation, not today's validity.
	_, err := leaf.Verify(x509.VerifyOptions{Roots: s.roots, Intermediates: inter, CurrentTime: leaf.NotBefore.Add(time.Second),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil
}

// signature is the last signature dictionary of a PDF.
type signature struct {
	contents  []byte
	coversAll bool // its ByteRange covers the whole file apart from Contents
}

// readSignature finds the signature that covers the end of the file and
// returns it with the document info Keywords. A nil signature means none.
func readSignature(b []byte) (sig *signature, keywords string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, "", err
	}
	root := rdr.Trailer().Key("Root")
	if root.IsNull() {
		return nil, "", fmt.Errorf("no document catalog")
	}
	keywords = rdr.Trailer().Key("Info").Key("Keywords").Text()
	fields := root.Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		f := fields.Index(i)
		if f.Key("FT").Name() != "Sig" || f.Key("V").IsNull() {
			continue
		}
		d := f.Key("V")
		br := d.Key("ByteRange")
		s := &signature{contents: []byte(d.Key("Contents").RawString())}
		if br.Len() == 4 {
			a, l1, b2, l2 := br.Index(0).Int64(), br.Index(1).Int64(), br.Index(2).Int64(), br.Index(3).Int64()
			s.coversAll = a == 0 && l1 > 0 && b2 > l1 && l2 >= 0 && b2+l2 == int64(len(b))
		}
		if sig == nil || s.coversAll {
			sig = s
		}
	}
	return sig, keywords, nil
}

// VerifyPDF implements consent.PDFVerifier with Verify.
func (s *Sealer) VerifyPDF(b []byte) *consent.PDFVerification {
	v := s.Verify(b)
	return &consent.PDFVerification{Valid: v.Valid, Reason: v.Reason, ConsentID: v.ConsentID, ContentSHA256: v.ContentSHA256,
		SignedAt: v.SignedAt, Signers: v.Signers, CertSHA256: v.CertSHA256, FileSHA256: v.FileSHA256, WithdrawnAt: v.WithdrawnAt,
		Unprocessable: v.Unprocessable, Detail: v.Detail}
}

var _ consent.PDFVerifier = (*Sealer)(nil)
