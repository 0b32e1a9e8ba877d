package consent

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// ChannelRemote is the evidence channel of a patient signing on their own
// device through a remote signing link.
const ChannelRemote = "remote"

// Remote signing events.
const (
	EventRemoteLinkCreated = "remote_link.created"
	EventRemoteLinkRevoked = "remote_link.revoked"
	EventRemoteLinkOpened  = "remote_link.opened" // the patient passed the gate
	EventRemoteLinkUsed    = "remote_link.used"   // the patient signed through it
	EventRemoteLinkLocked  = "remote_link.locked" // wrong answers used it up
	// EventPatientSigned tells the clinic's systems that the patient side
	// signed (any channel) and the consent awaits its other signers.
	EventPatientSigned = "consent.patient_signed"
)

// remoteCodeDigits is the length of a remote link's one-time code: with the
// birth date and 5 tries per link, a guesser's chance is 5 in a million.
const remoteCodeDigits = 6

// CreatedRemoteLink is a new remote signing link with its token and code
// (empty unless asked for), shown once.
type CreatedRemoteLink struct {
	Link  *DownloadLink
	Token string
	Code  string
}

// CreateRemoteLink issues a link the clinic's systems send to the patient,
// who opens it on their own phone behind the birth-date gate (and a
// one-time code, when requireCode) and signs the patient side there. It ends
// with the consent, or after ttl when that is sooner (0: with the consent).
// Errors: EINVALID (TTL), ENOTFOUND, EGONE (expired), ECONFLICT (not pending,
// patient side signed, or no patient signature needed).
func (s *Service) CreateRemoteLink(ctx context.Context, consentID string, ttl time.Duration, requireCode bool) (*CreatedRemoteLink, error) {
	if ttl != 0 && (ttl < MinLinkTTL || ttl > MaxLinkTTL) {
		return nil, FieldErrorf(EINVALID, "ttl_seconds", "must be between 1 second and 30 days.")
	}
	now := s.now()
	out := &CreatedRemoteLink{Token: randomToken(32)}
	l := &DownloadLink{ID: s.NewID(), ConsentID: consentID, TokenHash: HashSecret(out.Token), RequireBirthDate: true,
		CreatedAt: now, CreatedBy: RequestFrom(ctx).Actor, Purpose: LinkPurposeRemote}
	if requireCode {
		out.Code = newDigits(remoteCodeDigits)
		l.CodeHash = s.linkCodeHash(l.ID, out.Code)
	}
	out.Link = l
	return update(ctx, s, func(tx Tx) (*CreatedRemoteLink, error) {
		c, err := tx.Consents().FindConsentByID(ctx, consentID)
		if err != nil {
			return nil, err
		} else if c.IsExpired(now) || c.Status == StatusExpired {
			return nil, FieldErrorf(EGONE, "expires_at", "this consent expired at %s.", FormatTime(c.ExpiresAt))
		} else if c.Status != StatusPending {
			return nil, FieldErrorf(ECONFLICT, "status", "this consent is %s; it can no longer be signed.", c.Status)
		} else if c.SignatureByRole(RolePatient) != nil || c.SignatureByRole(RoleRepresentative) != nil {
			return nil, FieldErrorf(ECONFLICT, "status", "the patient side of this consent has already signed.")
		}
		v, err := s.Store.Templates().FindVersion(ctx, c.TemplateSlug, c.TemplateVersion)
		if err != nil {
			return nil, err
		} else if !slices.Contains(v.RequiredSigners, RolePatient) && !slices.Contains(v.RequiredSigners, RoleRepresentative) {
			return nil, FieldErrorf(ECONFLICT, "status", "this consent needs no patient signature.")
		}
		l.ExpiresAt = c.ExpiresAt
		if ttl != 0 && now.Add(ttl).Before(c.ExpiresAt) {
			l.ExpiresAt = now.Add(ttl)
		}
		if err := tx.Links().CreateDownloadLink(ctx, l); err != nil {
			return nil, err
		}
		return out, tx.Audit().AppendAudit(ctx, s.event(ctx, EventRemoteLinkCreated, consentID, map[string]any{
			"link_id": l.ID, "expires_at": FormatTime(l.ExpiresAt), "require_code": requireCode}, l))
	})
}

// newDigits returns n uniformly random decimal digits.
func newDigits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic("consent: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%0*d", n, v)
}

// RevokeRemoteLink revokes a remote signing link. Errors: ENOTFOUND.
func (s *Service) RevokeRemoteLink(ctx context.Context, consentID, linkID string) (*DownloadLink, error) {
	return stampOnce(ctx, s, stamp[DownloadLink]{
		find: func(tx Tx) (*DownloadLink, error) {
			return findLink(ctx, tx.Links(), consentID, linkID, LinkPurposeRemote)
		},
		at:    func(l *DownloadLink) **time.Time { return &l.RevokedAt },
		write: func(tx Tx, at time.Time) error { return tx.Links().RevokeDownloadLink(ctx, linkID, at) },
		event: EventRemoteLinkRevoked, consent: consentID, details: map[string]any{"link_id": linkID}})
}

// RemoteLinkStatus tells whether a remote signing link works and whether it
// asks for a code, without showing anything of the consent. Errors:
// ENOTFOUND; EGONE with the reason in the field (revoked_at, expires_at,
// locked_at, used_at, status), always before any date is asked.
func (s *Service) RemoteLinkStatus(ctx context.Context, token string) (*DownloadLink, error) {
	l, _, err := s.liveLink(ctx, token, LinkPurposeRemote)
	return l, err
}

// OpenRemoteLink checks the patient's birth date (and code) at a remote
// signing link, within the gate's limits, and returns a signing session
// token for the patient side on the signing API. Errors: those of
// RemoteLinkStatus, EFORBIDDEN (wrong answers; audited).
func (s *Service) OpenRemoteLink(ctx context.Context, token, birthDate, code string) (string, error) {
	l, c, err := s.liveLink(ctx, token, LinkPurposeRemote)
	if err != nil {
		return "", err
	} else if err := s.passGate(ctx, l, c, birthDate, code); err != nil {
		return "", err
	}
	ev := s.event(ctx, EventRemoteLinkOpened, l.ConsentID, map[string]any{"link_id": l.ID})
	ev.Actor = "link:" + l.ID
	return s.remoteSessionToken(l), s.Store.Audit().AppendAuditEvents(ctx, ev)
}

// remoteSignable refuses a consent whose patient side can no longer be
// signed remotely (EGONE, the reason in the field).
func (s *Service) remoteSignable(c *Consent) error {
	if err := s.checkSignable(c); err != nil {
		return err
	} else if c.SignatureByRole(RolePatient) != nil || c.SignatureByRole(RoleRepresentative) != nil {
		return &Error{Code: EGONE, Field: "status", Message: "The patient side of this consent is already signed. The clinic will contact you if anything else is needed."}
	}
	return nil
}

// remoteSessionPrefix starts the signing token a passed gate hands out.
const remoteSessionPrefix = "r."

// IsRemoteSessionToken reports whether a signing token is a remote signing
// session's: requests with it are on ChannelRemote (the token is checked
// when used, so claiming the prefix gains nothing).
func IsRemoteSessionToken(token string) bool { return strings.HasPrefix(token, remoteSessionPrefix) }

// remoteSessionToken names the link and is authenticated with the service's
// secret key, so nothing new is stored and only a passed gate yields one.
func (s *Service) remoteSessionToken(l *DownloadLink) string {
	enc := base64.RawURLEncoding
	return remoteSessionPrefix + enc.EncodeToString([]byte(l.ConsentID)) + "." + enc.EncodeToString([]byte(l.ID)) + "." +
		enc.EncodeToString(s.remoteSessionMAC(l))
}

func (s *Service) remoteSessionMAC(l *DownloadLink) []byte {
	m := hmac.New(sha256.New, s.SecretKey)
	m.Write([]byte("remote-session|" + l.ConsentID + "|" + l.ID + "|" + l.TokenHash))
	return m.Sum(nil)
}

// remoteSession resolves a remote session token to its live link and
// consent. Errors: ENOTFOUND (not a valid token), EGONE (the link or the
// patient side is done; see liveLink).
func (s *Service) remoteSession(ctx context.Context, token string) (*DownloadLink, *Consent, error) {
	notFound := Errorf(ENOTFOUND, "Unknown signing link.")
	parts := strings.Split(strings.TrimPrefix(token, remoteSessionPrefix), ".")
	if len(token) > 300 || len(parts) != 3 {
		return nil, nil, notFound
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return nil, nil, notFound
		}
		raw[i] = b
	}
	l, err := s.Store.Links().FindDownloadLink(ctx, string(raw[0]), string(raw[1]))
	if ErrorCode(err) == ENOTFOUND || (err == nil && (l.Purpose != LinkPurposeRemote || !hmac.Equal(s.remoteSessionMAC(l), raw[2]))) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	// The same checks as the link itself: a revoked, expired, locked or used
	// link ends its sessions.
	return s.liveLinkAfterLookup(ctx, l, LinkPurposeRemote)
}
