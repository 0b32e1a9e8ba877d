package consent

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// signingCodeAlphabet has no characters a person could confuse (no 0/O, 1/I/L).
const signingCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newSigningCode returns a short code such as "K7QM-4XPD" (about 40 bits; code
// exchanges are rate-limited).
func newSigningCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("consent: crypto/rand failed: " + err.Error())
	}
	out := make([]byte, 0, 9)
	for i, x := range b {
		if i == 4 {
			out = append(out, '-')
		}
		// 256 is not a multiple of 31; the bias (< 1 in 8) is negligible for a
		// rate-limited, expiring code.
		out = append(out, signingCodeAlphabet[int(x)%len(signingCodeAlphabet)])
	}
	return string(out)
}

// NormalizeSigningCode upper-cases a typed code and drops spaces and dashes.
func NormalizeSigningCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// signingCodeHash is how a consent's normalised signing code is stored: an
// HMAC-SHA256 under a key derived from the server secret. A code has only
// about 40 bits, so a plain hash would let anyone who reads the database find
// every pending code by trying them all; the key is not in the database.
// Consents created before this stored SHA-256(code); lookups fall back to it,
// and the column stays as written (it is frozen, and session tokens MAC it).
func (s *Service) signingCodeHash(norm string) string {
	k := hmac.New(sha256.New, s.SecretKey)
	k.Write([]byte("consentd|signing-code|v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(norm))
	return hex.EncodeToString(m.Sum(nil))
}

// sessionToken derives the token a code exchange returns: it names the consent
// and is authenticated with the service's secret key, so nothing new is stored.
func (s *Service) sessionToken(c *Consent) string {
	m := hmac.New(sha256.New, s.SecretKey)
	m.Write([]byte("signing-session|" + c.ID + "|" + c.SigningCodeHash))
	return "s." + base64.RawURLEncoding.EncodeToString([]byte(c.ID)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ExchangeSigningCode trades a signing code for a signing token. Errors:
// ENOTFOUND (unknown code), EGONE (consent no longer awaiting signatures).
func (s *Service) ExchangeSigningCode(ctx context.Context, code string) (string, *Consent, error) {
	if err := s.reserveGuess(ctx); err != nil {
		return "", nil, err
	}
	norm := NormalizeSigningCode(code)
	if len(norm) != 8 || strings.Trim(norm, signingCodeAlphabet) != "" {
		return "", nil, s.authFailed(ctx, "malformed signing code", Errorf(ENOTFOUND, "Unknown signing code."))
	}
	c, err := s.Store.Consents().FindConsentBySigningCode(ctx, s.signingCodeHash(norm))
	if ErrorCode(err) == ENOTFOUND { // a consent created before codes were stored as HMACs
		c, err = s.Store.Consents().FindConsentBySigningCode(ctx, HashSecret(norm))
	}
	if ErrorCode(err) == ENOTFOUND {
		return "", nil, s.authFailed(ctx, "unknown signing code", Errorf(ENOTFOUND, "Unknown signing code."))
	} else if err != nil {
		return "", nil, err
	}
	if err := s.releaseGuess(ctx); err != nil {
		return "", nil, err
	}
	if err := s.checkSignable(c); err != nil {
		return "", nil, err
	}
	return s.sessionToken(c), c, nil
}

// consentByToken resolves a signing token (the one issued at creation or one from
// a code exchange) to its consent. A client that presented too many unknown
// codes or tokens is refused, even with a real token, until its window ends.
// Errors: ENOTFOUND, ERATELIMITED.
func (s *Service) consentByToken(ctx context.Context, token string) (*Consent, error) {
	c, _, err := s.signingTarget(ctx, token)
	return c, err
}

// signingTarget is consentByToken that also returns the remote signing link
// behind a remote session token (nil for other tokens).
func (s *Service) signingTarget(ctx context.Context, token string) (*Consent, *DownloadLink, error) {
	if err := s.checkGuesses(ctx); err != nil {
		return nil, nil, err
	}
	var c *Consent
	var l *DownloadLink
	var err error
	if IsRemoteSessionToken(token) {
		l, c, err = s.remoteSession(ctx, token)
	} else {
		c, err = s.findByToken(ctx, token)
	}
	if ErrorCode(err) == ENOTFOUND {
		if cerr := s.countGuess(ctx); cerr != nil {
			return nil, nil, cerr
		}
		return nil, nil, s.authFailed(ctx, "unknown signing token", err)
	}
	return c, l, err
}

// remoteStaffRefused is the answer to a staff member acting through a
// remote signing session: the patient's phone is not the clinic's.
func remoteStaffRefused() error {
	return FieldErrorf(EFORBIDDEN, "role", "on a remote signing link only the patient (or their representative) signs; "+
		"the clinician countersigns at the clinic (tablet or EHR).")
}

// authFailed audits a failed credential (never the credential itself),
// aggregated per client (see FailedAuthLog), and returns err for the caller.
func (s *Service) authFailed(ctx context.Context, reason string, err error) error {
	if aerr := s.FailedAuthLog().Record(ctx, s.event(ctx, EventAuthFailed, "", map[string]any{"reason": reason})); aerr != nil {
		return aerr
	}
	return err
}

func (s *Service) findByToken(ctx context.Context, token string) (*Consent, error) {
	notFound := Errorf(ENOTFOUND, "Unknown signing link.")
	if len(token) > 200 {
		return nil, notFound
	}
	if rest, ok := strings.CutPrefix(token, "s."); ok {
		idPart, _, _ := strings.Cut(rest, ".")
		id, err := base64.RawURLEncoding.DecodeString(idPart)
		if err != nil {
			return nil, notFound
		}
		c, err := s.Store.Consents().FindConsentByID(ctx, string(id))
		if ErrorCode(err) == ENOTFOUND || (err == nil && !hmac.Equal([]byte(s.sessionToken(c)), []byte(token))) {
			return nil, notFound
		}
		return c, err
	}
	c, err := s.Store.Consents().FindConsentBySigningToken(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound
	}
	return c, err
}

// checkSignable refuses consents that no longer take signatures with EGONE (the
// token shows no document any more); the error's field says why: "expires_at"
// when expired, "status" when signed, declined or cancelled.
func (s *Service) checkSignable(c *Consent) error {
	switch {
	case c.IsExpired(s.now()) || c.Status == StatusExpired:
		return &Error{Code: EGONE, Field: "expires_at", Message: "This consent has expired. Please ask the front desk for help."}
	case c.Status != StatusPending:
		return &Error{Code: EGONE, Field: "status", Message: "This consent is " + c.Status + " and can no longer be signed here."}
	}
	return nil
}

// SigningSession is what a tablet sees of a consent awaiting signatures.
type SigningSession struct {
	Consent         *Consent
	RequiredSigners []string
	SignatureForms  []string
	SignedRoles     []string
	// TeachBackRequired: the version takes the countersignature only once
	// every teach-back question was answered correctly.
	TeachBackRequired bool
}

// OpenSigning returns the consent behind a signing token for the tablet and
// records the view. Errors: ENOTFOUND, EGONE.
func (s *Service) OpenSigning(ctx context.Context, token string) (*SigningSession, error) {
	c, err := s.consentByToken(ctx, token)
	if err != nil {
		return nil, err
	} else if err := s.checkSignable(c); err != nil {
		return nil, err
	}
	v, err := s.Store.Templates().FindVersion(ctx, c.TemplateSlug, c.TemplateVersion)
	if err != nil {
		return nil, err
	}
	out := &SigningSession{Consent: c, RequiredSigners: v.RequiredSigners, SignatureForms: v.SignatureForms, SignedRoles: []string{},
		TeachBackRequired: v.TeachBack == TeachBackRequired}
	for _, sig := range c.Signatures {
		out.SignedRoles = append(out.SignedRoles, sig.Role)
	}
	return out, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventConsentViewed, c.ID, map[string]any{"channel": RequestFrom(ctx).Channel}))
}

// Acknowledge records, with the server's time, that the patient side
// acknowledged a section in a locale. Repeating it returns the first record.
// Errors: EINVALID, ENOTFOUND, EGONE.
func (s *Service) Acknowledge(ctx context.Context, token, section, locale string) (*Acknowledgment, error) {
	c, err := s.consentByToken(ctx, token)
	if err != nil {
		return nil, err
	} else if err := s.checkSignable(c); err != nil {
		return nil, err
	}
	locale, doc, err := signingDocument(c, locale)
	if err != nil {
		return nil, err
	}
	if !containsSection(doc, section) {
		return nil, FieldErrorf(EINVALID, "section", "no section %q in this consent.", section)
	}
	return update(ctx, s, func(tx Tx) (*Acknowledgment, error) {
		c, err := tx.Consents().FindConsentByID(ctx, c.ID)
		if err != nil {
			return nil, err
		} else if err := s.checkSignable(c); err != nil {
			return nil, err
		}
		for i, a := range c.Acknowledgments {
			if a.SectionKey == section && a.Locale == locale {
				return &c.Acknowledgments[i], nil
			}
		}
		r := RequestFrom(ctx)
		a := &Acknowledgment{ConsentID: c.ID, SectionKey: section, Locale: locale, At: s.now(), Evidence: r.evidence()}
		if err := tx.Consents().CreateAcknowledgment(ctx, a); err != nil {
			return nil, err
		}
		return a, tx.Audit().AppendAudit(ctx, s.event(ctx, EventAcknowledged, c.ID, map[string]any{"section": section, "locale": locale}, a))
	})
}

func containsSection(d Document, key string) bool {
	for _, s := range d.Sections {
		if s.Key == key {
			return true
		}
	}
	return false
}

// signingDocument is the document a signer reads in locale ("" for the
// consent's own); once anyone signed, only the locale they signed in.
func signingDocument(c *Consent, locale string) (string, Document, error) {
	if locale == "" {
		locale = c.Locale
	}
	doc, ok := c.Documents[locale]
	if !ok {
		return "", Document{}, FieldErrorf(EINVALID, "locale", "this consent has no locale %q.", locale)
	} else if len(c.Signatures) > 0 && locale != c.Locale {
		return "", Document{}, FieldErrorf(EINVALID, "locale", "this consent is being signed in %q.", c.Locale)
	}
	return locale, doc, nil
}
