package consent

import (
	"context"
	"fmt"
	"strings"
)

// ReconsentInput is what a re-consent may add to the earlier consent: values
// for variables the current version declares (the earlier values are kept
// for every variable it still declares, unless given here).
type ReconsentInput struct {
	Variables map[string]string
}

// reissueRoute names the route that re-issues a consent, for error messages.
func reissueRoute(id string) string { return "POST /v1/consents/" + id + "/reconsent" }

// Reconsent creates a pending consent on the template's current version from
// an earlier one: same patient, locale and variables, linked to it
// (Supersedes). The earlier consent must be signed, or pending on a version
// superseded under re-consent required — which this re-issues: it is
// cancelled in the same transaction. A consent already superseded by a live
// re-consent (pending, or signed) is refused, naming it; a retry with the
// same Idempotency-Key gets the first answer. Errors: EINVALID, ENOTFOUND,
// ECONFLICT, EGONE (the earlier consent expired).
func (s *Service) Reconsent(ctx context.Context, id string, in ReconsentInput) (_ *CreatedConsent, err error) {
	old, err := s.Store.Consents().FindConsentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	versions, err := s.Store.Templates().ListVersions(ctx, old.TemplateSlug)
	if err != nil {
		return nil, err
	}
	if err := s.checkReconsent(old, versions); err != nil {
		return nil, err
	}
	t, err := s.Store.Templates().FindTemplate(ctx, old.TemplateSlug)
	if err != nil {
		return nil, err
	} else if t.CurrentVersion == nil {
		return nil, Errorf(ECONFLICT, "Template %q has no published version to re-consent on.", old.TemplateSlug)
	}
	v, err := s.Store.Templates().FindVersion(ctx, old.TemplateSlug, *t.CurrentVersion)
	if err != nil {
		return nil, err
	} else if _, ok := v.Locales[old.Locale]; !ok {
		return nil, Errorf(EINVALID, "Version %d of %s has no locale %q, the earlier consent's (it has %s); create a new consent instead.",
			v.Version, v.Slug, old.Locale, strings.Join(v.SortedLocales(), ", "))
	}
	vals := map[string]string{}
	for _, d := range v.Variables {
		if val, ok := old.Variables[d.Name]; ok {
			vals[d.Name] = val
		}
	}
	for k, val := range in.Variables {
		vals[k] = val
	}
	if err := CheckVariables(v.Variables, vals); err != nil {
		return nil, err
	}
	out, err := s.newConsent(ctx, v, old.Locale, old.Patient, WithDefaults(v.Variables, vals))
	if err != nil {
		return nil, err
	}
	c := out.Consent
	c.Supersedes = old.ID
	defer func() {
		if err == nil {
			s.observer().ConsentCreated()
		}
	}()
	return update(ctx, s, func(tx Tx) (*CreatedConsent, error) {
		// Checked again under the write lock: two re-consents of one consent
		// cannot both be made.
		before, err := tx.Consents().FindConsentByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.checkReconsent(before, versions); err != nil {
			return nil, err
		}
		if before.Status == StatusPending {
			if err := s.cancelReissued(ctx, tx, before, c); err != nil {
				return nil, err
			}
		}
		if err := tx.Consents().CreateConsent(ctx, c); err != nil {
			return nil, err
		}
		if err := tx.Audit().AppendAudit(ctx, s.event(ctx, EventConsentCreated, c.ID, map[string]any{
			"template": c.TemplateSlug, "version": c.TemplateVersion, "locale": c.Locale,
			"content_sha256": c.Document().ContentSHA256, "supersedes": old.ID}, c)); err != nil {
			return nil, err
		}
		return out, s.notify(ctx, tx.Webhooks(), EventConsentCreated, c, map[string]any{"supersedes": old.ID})
	})
}

// checkReconsent refuses a re-consent of c unless c is signed, or pending on
// a version superseded under re-consent required, and not yet superseded by
// a live re-consent.
func (s *Service) checkReconsent(c *Consent, versions []*TemplateVersion) error {
	now := s.now()
	if live := c.liveSuccessor(now); live != nil {
		return Errorf(ECONFLICT, "Consent %s was already re-consented as %s (%s); sign or cancel that one instead.", c.ID, live.ID, live.Status)
	}
	switch {
	case c.Status == StatusSigned:
		return nil
	case c.IsExpired(now) || c.Status == StatusExpired:
		return Errorf(EGONE, "This consent expired at %s; create a new consent instead.", FormatTime(c.ExpiresAt))
	case c.Status == StatusPending && blockedBy(versions, c) != nil:
		return nil
	case c.Status == StatusPending:
		return Errorf(ECONFLICT, "This consent is pending and can still be signed on version %d; only a signed consent "+
			"(or a pending one on a version superseded under re-consent required) can be re-consented.", c.TemplateVersion)
	}
	return Errorf(ECONFLICT, "A %s consent cannot be re-consented; only a signed consent can. Create a new consent instead.", c.Status)
}

// cancelReissued cancels pending consent c, re-issued as next, with its
// audit event and webhook.
func (s *Service) cancelReissued(ctx context.Context, tx Tx, c, next *Consent) error {
	now := s.now()
	reason := fmt.Sprintf("Re-issued as %s on version %d (re-consent required).", next.ID, next.TemplateVersion)
	if err := tx.Consents().TransitionConsent(ctx, c.ID, StatusPending, StatusCancelled, now, reason); err != nil {
		return err
	}
	before := *c
	c.Status, c.StatusChangedAt, c.StatusReason = StatusCancelled, &now, reason
	if err := tx.Audit().AppendAudit(ctx, s.change(ctx, EventConsentCancelled, c.ID,
		map[string]any{"from": StatusPending, "to": StatusCancelled, "reason": reason}, &before, c)); err != nil {
		return err
	}
	return s.notify(ctx, tx.Webhooks(), EventConsentCancelled, c, map[string]any{"from": StatusPending})
}

// checkSignable refuses a signature on a pending consent whose version was
// superseded under re-consent required, naming the re-issue route.
func checkSignable(c *Consent, versions []*TemplateVersion) error {
	if v := blockedBy(versions, c); v != nil {
		return Errorf(ECONFLICT, "Version %d of %s was published with re-consent required, so this consent on version %d "+
			"can no longer be signed. Re-issue it on the current version: %s.", v.Version, c.TemplateSlug, c.TemplateVersion, reissueRoute(c.ID))
	}
	return nil
}
