package consent

import (
	"context"
	"io"
	"strings"
	"time"
)

// EventPublicVerification records a verification on the public page (an
// uploaded file or a QR link), folded per route and consent within
// AccessWindow like audit reads: the first of a window is written at once,
// the rest are counted, so a flood from rotating addresses adds a bounded
// number of rows. Verifications that showed no facts are folded together.
const EventPublicVerification = "verify.public"

// Ways a public verification arrives.
const (
	PublicViaUpload = "upload"
	PublicViaLink   = "link"
)

// Reasons a publicly verified file is not valid.
const (
	PublicTampered      = "tampered"        // the sealed bytes changed, or bytes were added
	PublicNotIssuedHere = "not_issued_here" // sealed by us, but not a file this server issued (or for another consent)
	PublicUnknownIssuer = "unknown_issuer"  // a valid seal, but not by this server's certificates
	PublicNoSignature   = "no_signature"
	PublicNotConsent    = "not_a_consent"
	PublicNotPDF        = "not_a_pdf"
)

// PublicVerification is what the public verification page shows: whether a
// file (or a link) is a consent this server issued and, only then, facts a
// reader can compare with the paper. It holds nothing the sealed PDF does
// not print beyond the consent's current status: no names, no patient ID, no
// birth date, no withdrawal reason.
type PublicVerification struct {
	Valid  bool
	Reason string // when not valid, one of the Public* reasons
	Via    string // PublicViaUpload or PublicViaLink
	// Kind is the uploaded file's kind (PDFKindSigned or PDFKindWithdrawn);
	// FileSHA256 its hash. Both are empty for a link.
	Kind       string
	FileSHA256 string

	ConsentID       string
	TemplateSlug    string
	TemplateVersion int
	Title           string
	Locale          string
	ContentSHA256   string
	SignedAt        time.Time
	Signers         []PublicSigner
	Status          string
	StatusChangedAt *time.Time // set when the status is no longer signed
	CertSHA256      string     // the sealing certificate (printed on the evidence page)
}

// PublicSigner is a signature as the public page shows it: the role and the
// time, never the name.
type PublicSigner struct {
	Role     string
	SignedAt time.Time
}

// VerifyPublicPDF verifies an uploaded file for the public page within the
// bounds of VerifyPDF and audits the verification, whatever its outcome.
// An upload is held in memory until checked, so at most PublicUploadSlots
// are read at once: one more is refused at once (EUNAVAILABLE), not queued.
// body is read whole; a reader that fails with a domain error (e.g.
// ETOOLARGE from the handler's size limit) passes it on. Errors: ETOOLARGE,
// EINVALID (unreadable upload), EUNPROCESSABLE, EUNAVAILABLE.
func (s *Service) VerifyPublicPDF(ctx context.Context, route string, v PDFVerifier, body io.Reader) (*PublicVerification, error) {
	slots := s.publicUploadSlots()
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	default:
		return nil, s.publicRefused(ctx, route, PublicViaUpload, Errorf(EUNAVAILABLE, "Too many files are being checked right now; try again in a few seconds."))
	}
	b, err := io.ReadAll(body)
	if err != nil {
		if ErrorCode(err) == EINTERNAL {
			err = Errorf(EINVALID, "Could not read the uploaded file.")
		}
		return nil, s.publicRefused(ctx, route, PublicViaUpload, err)
	}
	res, err := s.VerifyPDF(ctx, v, b)
	if err != nil {
		return nil, s.publicRefused(ctx, route, PublicViaUpload, err)
	}
	if !res.Valid {
		out := &PublicVerification{Reason: publicReason(res.Reason), Via: PublicViaUpload, FileSHA256: res.FileSHA256}
		return out, s.recordPublic(ctx, route, "", map[string]any{"via": PublicViaUpload, "reason": out.Reason, "file_sha256": res.FileSHA256})
	}
	c, err := s.Store.Consents().FindConsentByID(ctx, res.ConsentID)
	if err != nil {
		return nil, err // the file matched a stored PDF of this consent: it exists
	}
	out := publicFacts(c)
	out.Via, out.Kind, out.FileSHA256, out.CertSHA256 = PublicViaUpload, res.Kind, res.FileSHA256, res.CertSHA256
	return out, s.recordPublic(ctx, route, c.ID, map[string]any{"via": PublicViaUpload, "kind": res.Kind})
}

// VerifyPublicLink shows the facts of the consent a verification link (see
// VerifyLinks) names, and audits the look-up. A wrong MAC, an unknown
// consent and one never sealed are the same ENOTFOUND: the answer says
// nothing about which consent IDs exist.
func (s *Service) VerifyPublicLink(ctx context.Context, route, token string) (*PublicVerification, error) {
	notFound := Errorf(ENOTFOUND, "No consent matches this verification link. Check that it was typed exactly as printed.")
	id, ok := s.VerifyLinks.Check(token)
	if !ok {
		return nil, s.publicRefused(ctx, route, PublicViaLink, notFound)
	}
	c, err := s.Store.Consents().FindConsentByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND || err == nil && c.PDF == nil {
		return nil, s.publicRefused(ctx, route, PublicViaLink, notFound)
	} else if err != nil {
		return nil, err
	}
	out := publicFacts(c)
	out.Via = PublicViaLink
	return out, s.recordPublic(ctx, route, c.ID, map[string]any{"via": PublicViaLink})
}

// publicUploadSlots returns the slots that bound public uploads held at once.
func (s *Service) publicUploadSlots() chan struct{} {
	s.publicUploads.once.Do(func() {
		n := s.PublicUploadSlots
		if n <= 0 {
			n = 8
		}
		s.publicUploads.slots = make(chan struct{}, n)
	})
	return s.publicUploads.slots
}

// publicFacts collects what the public page shows of a sealed consent.
func publicFacts(c *Consent) *PublicVerification {
	doc := c.Document()
	p := &PublicVerification{Valid: true, ConsentID: c.ID, TemplateSlug: c.TemplateSlug, TemplateVersion: c.TemplateVersion,
		Title: doc.Title, Locale: c.Locale, ContentSHA256: doc.ContentSHA256, Status: c.Status, Signers: []PublicSigner{}}
	if c.SignedAt != nil {
		p.SignedAt = *c.SignedAt
	}
	if c.PDF != nil {
		p.CertSHA256 = c.PDF.CertSHA256
	}
	if c.Status != StatusSigned && c.StatusChangedAt != nil {
		t := *c.StatusChangedAt
		p.StatusChangedAt = &t
	}
	for _, sig := range c.Signatures {
		p.Signers = append(p.Signers, PublicSigner{Role: sig.Role, SignedAt: sig.SignedAt})
	}
	return p
}

// publicReason names why a file did not verify, without echoing anything
// the file claims (such as a consent ID).
func publicReason(reason string) string {
	switch {
	case strings.HasPrefix(reason, "not ours"):
		return PublicNotIssuedHere
	case reason == "tampered":
		return PublicTampered
	case reason == "unknown issuer":
		return PublicUnknownIssuer
	case reason == "no signature":
		return PublicNoSignature
	case reason == "not a consent":
		return PublicNotConsent
	default:
		return PublicNotPDF
	}
}

// publicRefused audits a verification answered with an error and returns
// the error (or the audit write's, an internal one).
func (s *Service) publicRefused(ctx context.Context, route, via string, err error) error {
	if aerr := s.recordPublic(ctx, route, "", map[string]any{"via": via, "refused": ErrorCode(err)}); aerr != nil {
		return aerr
	}
	return err
}

// recordPublic audits one public verification; consentID is set only when
// facts of that consent were shown.
func (s *Service) recordPublic(ctx context.Context, route, consentID string, details map[string]any) error {
	result := "not_verified"
	if consentID != "" {
		result = "verified"
	}
	return s.recordAccess(ctx, EventPublicVerification, consentID, route, map[string]any{"result": result}, details)
}
