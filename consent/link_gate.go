package consent

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// The patient gate: a download link and a remote signing link are one kind
// of record (DownloadLink, told apart by Purpose) behind one gate, so both
// answer 410 before any date of birth is asked when they no longer work,
// count wrong answers per link in the database and lock at the same limit.

// LinkPurposeRemote marks a remote signing link (a download link's Purpose is "").
const LinkPurposeRemote = "remote_signing"

// linkNoun names a link in messages to the patient.
func linkNoun(purpose string) string {
	if purpose == LinkPurposeRemote {
		return "signing link"
	}
	return "download link"
}

// findLink returns a consent's link of one purpose; a link of the other
// purpose is not found.
func findLink(ctx context.Context, r LinkReader, consentID, id, purpose string) (*DownloadLink, error) {
	l, err := r.FindDownloadLink(ctx, consentID, id)
	if err == nil && l.Purpose != purpose {
		return nil, Errorf(ENOTFOUND, "Unknown %s.", linkNoun(purpose))
	}
	return l, err
}

// liveLink returns the link a token opens and its consent, or why it no
// longer works: EGONE with the reason in the field (revoked_at, expires_at,
// locked_at, used_at, status). A token of a link of the other purpose is
// ENOTFOUND.
func (s *Service) liveLink(ctx context.Context, token, purpose string) (*DownloadLink, *Consent, error) {
	noun := linkNoun(purpose)
	l, err := s.Store.Links().FindDownloadLinkByHash(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && l.Purpose != purpose) {
		return nil, nil, Errorf(ENOTFOUND, "Unknown %s.", noun)
	} else if err != nil {
		return nil, nil, err
	}
	return s.liveLinkAfterLookup(ctx, l, purpose)
}

// liveLinkAfterLookup is liveLink for a link already found.
func (s *Service) liveLinkAfterLookup(ctx context.Context, l *DownloadLink, purpose string) (*DownloadLink, *Consent, error) {
	noun := linkNoun(purpose)
	gone := func(field, msg string) error { return &Error{Code: EGONE, Field: field, Message: msg} }
	switch {
	case l.RevokedAt != nil:
		return nil, nil, gone("revoked_at", "This "+noun+" was revoked. Please ask the clinic for a new one.")
	case !s.now().Before(l.ExpiresAt):
		return nil, nil, gone("expires_at", "This "+noun+" has expired. Please ask the clinic for a new one.")
	case l.LockedAt != nil:
		return nil, nil, lockedLink(purpose)
	case l.UsedAt != nil:
		return nil, nil, gone("used_at", "This signing link was already used: your signature is recorded. The clinic will contact you if anything else is needed.")
	}
	c, err := s.Store.Consents().FindConsentByID(ctx, l.ConsentID)
	if err != nil {
		return nil, nil, err
	} else if c.Status == StatusVoided {
		return nil, nil, gone("status", "This consent was voided as entered in error. Please contact the clinic.")
	}
	if purpose == LinkPurposeRemote {
		if err := s.remoteSignable(c); err != nil {
			return nil, nil, err
		}
	}
	return l, c, nil
}

func lockedLink(purpose string) error {
	return &Error{Code: EGONE, Field: "locked_at", Message: "This " + linkNoun(purpose) + " is locked because the date of birth was " +
		"entered wrongly too often. Please ask the clinic for a new one."}
}

// linkCodeHash is how a link's one-time code is stored: an HMAC under a key
// derived from the server secret, bound to the link, so a database reader
// cannot try the million codes against it.
func (s *Service) linkCodeHash(linkID, code string) string {
	k := hmac.New(sha256.New, s.SecretKey)
	k.Write([]byte("consentd|link-code|v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(linkID + "|" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// passGate checks a patient's answers at a link: the birth date, and the
// one-time code when the link has one. Wrong answers are counted per link in
// the database, whatever address or server they come from; each check
// reserves its count first, so parallel guesses get no more checks. The
// limit's Max-th wrong answer locks the link for good (audited, and a
// webhook). Which answer was wrong is never said. Errors: EGONE (locked),
// EFORBIDDEN (wrong; audited as auth.failed).
func (s *Service) passGate(ctx context.Context, l *DownloadLink, c *Consent, birthDate, code string) error {
	lim := s.limits().BirthDate
	u := lim.add(l.ID, s.now(), 1)
	u.Expires = l.ExpiresAt.Add(24 * time.Hour)
	n, err := s.Store.Counters().UpdateCounters(ctx, u)
	if err != nil {
		return err
	} else if n[0] > lim.Max {
		// Locked already, or being locked; lock it here too in case the
		// request that used up the link failed (or the process died) before.
		if err := s.lockLink(ctx, l, c, lim.Max); err != nil {
			return err
		}
		return lockedLink(l.Purpose)
	}
	ok := subtle.ConstantTimeCompare([]byte(c.Patient.BirthDate), []byte(birthDate))
	if l.CodeHash != "" {
		ok &= subtle.ConstantTimeCompare([]byte(s.linkCodeHash(l.ID, code)), []byte(l.CodeHash))
	}
	if ok != 1 {
		reason := "date of birth did not match"
		if l.CodeHash != "" {
			reason = "date of birth or code did not match"
		}
		ev := s.event(ctx, EventAuthFailed, l.ConsentID, map[string]any{"link_id": l.ID, "reason": reason, "failures": n[0]})
		if err := s.Store.Audit().AppendAuditEvents(ctx, ev); err != nil {
			return err
		}
		if n[0] >= lim.Max {
			if err := s.lockLink(ctx, l, c, n[0]); err != nil {
				return err
			}
			return lockedLink(l.Purpose)
		}
		if l.CodeHash != "" {
			return FieldErrorf(EFORBIDDEN, "birth_date", "the date of birth or code does not match our records.")
		}
		return FieldErrorf(EFORBIDDEN, "birth_date", "the date of birth does not match our records.")
	}
	u.Add = -1
	_, err = s.Store.Counters().UpdateCounters(ctx, u)
	return err
}

// lockLink locks a link used up by wrong answers, audits it and tells the
// clinic's systems; a link another request locked meanwhile is left as it is.
func (s *Service) lockLink(ctx context.Context, l *DownloadLink, c *Consent, failures int) error {
	typ := EventDownloadLinkLocked
	if l.Purpose == LinkPurposeRemote {
		typ = EventRemoteLinkLocked
	}
	err := s.Store.Update(ctx, func(tx Tx) error {
		// The lock changes the link's row: the event vouches for it as read
		// here and as written.
		before, err := tx.Links().FindDownloadLink(ctx, l.ConsentID, l.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.Links().LockDownloadLink(ctx, l.ID, now); err != nil {
			return err
		}
		after := *before
		after.LockedAt = &now
		details := map[string]any{"link_id": l.ID, "failures": failures}
		if err := tx.Audit().AppendAudit(ctx, s.change(ctx, typ, l.ConsentID, details, before, &after)); err != nil {
			return err
		}
		return s.notify(ctx, tx.Webhooks(), typ, c, details)
	})
	if ErrorCode(err) == ECONFLICT {
		return nil
	}
	return err
}
