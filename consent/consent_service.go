package consent

import (
	"context"
	"slices"
	"strings"
	"time"
)

// CreateConsentInput is what an integration sends to create a consent.
type CreateConsentInput struct {
	Template  string
	Version   int // 0: the current version
	Locale    string
	Patient   Patient
	Variables map[string]string
}

// CreatedConsent is a new consent with the signing credentials, shown only once.
type CreatedConsent struct {
	Consent      *Consent
	SigningToken string
	SigningCode  string
}

// CreateConsent renders a published version for a patient in every locale and
// freezes the renderings. Errors: EINVALID, ENOTFOUND, ECONFLICT (draft or retired version).
func (s *Service) CreateConsent(ctx context.Context, in CreateConsentInput) (_ *CreatedConsent, err error) {
	now := s.now()
	if err := ValidateSlug("template", in.Template); err != nil {
		return nil, err
	} else if in.Version < 0 {
		return nil, FieldErrorf(EINVALID, "version", "must be a positive version number.")
	} else if err := in.Patient.Validate(now); err != nil {
		return nil, err
	}
	t, err := s.Store.Templates().FindTemplate(ctx, in.Template)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf(ENOTFOUND, "template", "no template %q.", in.Template)
		}
		return nil, err
	}
	version := in.Version
	if version == 0 {
		if t.CurrentVersion == nil {
			return nil, FieldErrorf(ECONFLICT, "template", "template %q has no published version.", in.Template)
		}
		version = *t.CurrentVersion
	}
	v, err := s.Store.Templates().FindVersion(ctx, in.Template, version)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf(ENOTFOUND, "version", "template %q has no version %d.", in.Template, version)
	} else if err != nil {
		return nil, err
	} else if v.Status != VersionPublished {
		return nil, FieldErrorf(ECONFLICT, "version", "version %d of %q is %s; only a published version can be used.", version, in.Template, v.Status)
	}
	if versions, err := s.Store.Templates().ListVersions(ctx, in.Template); err != nil {
		return nil, err
	} else if w := causingVersion(versions, version, ReconsentRequired); w != nil {
		return nil, FieldErrorf(ECONFLICT, "version", "version %d of %q was superseded by version %d with re-consent required; use the current version.",
			version, in.Template, w.Version)
	}
	if in.Locale == "" {
		return nil, FieldErrorf(EINVALID, "locale", "is required (one of %s).", strings.Join(v.SortedLocales(), ", "))
	} else if _, ok := v.Locales[in.Locale]; !ok {
		_, err := RenderDocument(v, in.Locale, nil, s.Markdown)
		return nil, err
	}
	if err := CheckVariables(v.Variables, in.Variables); err != nil {
		return nil, err
	}
	out, err := s.newConsent(ctx, v, in.Locale, in.Patient, WithDefaults(v.Variables, in.Variables))
	if err != nil {
		return nil, err
	}
	c := out.Consent
	defer func() {
		if err == nil {
			s.observer().ConsentCreated()
		}
	}()
	created := s.event(ctx, EventConsentCreated, c.ID, map[string]any{
		"template": c.TemplateSlug, "version": c.TemplateVersion, "locale": c.Locale,
		"content_sha256": c.Document().ContentSHA256}, c)
	if err := s.Store.Audit().PrepareAudit(created); err != nil {
		return nil, err
	}
	return updateGrouped(ctx, s, out, func(tx Tx) error {
		if err := tx.Consents().CreateConsent(ctx, c); err != nil {
			return err
		} else if err := tx.Audit().AppendAudit(ctx, created); err != nil {
			return err
		}
		return s.notify(ctx, tx.Webhooks(), EventConsentCreated, c, nil)
	})
}

// newConsent renders version v for a patient in every locale, freezes the
// renderings and makes the signing secrets of a new pending consent.
func (s *Service) newConsent(ctx context.Context, v *TemplateVersion, locale string, p Patient, vals map[string]string) (*CreatedConsent, error) {
	now := s.now()
	c := &Consent{ID: s.NewID(), Status: StatusPending, TemplateSlug: v.Slug, TemplateVersion: v.Version,
		TemplateSHA256: v.ContentSHA256, Locale: locale, Patient: p, Variables: vals,
		Documents: map[string]Document{}, CreatedAt: now, ExpiresAt: now.Add(time.Duration(v.ExpiresAfterHours) * time.Hour),
		CreatedBy: RequestFrom(ctx).Actor}
	for _, l := range v.SortedLocales() {
		d, err := s.renders.render(v, l, vals, s.Markdown)
		if err != nil {
			return nil, err
		}
		c.Documents[l] = d
	}
	out := &CreatedConsent{Consent: c, SigningToken: randomToken(32), SigningCode: newSigningCode()}
	c.SigningTokenHash, c.SigningCodeHash = HashSecret(out.SigningToken), s.signingCodeHash(NormalizeSigningCode(out.SigningCode))
	return out, nil
}

// GetConsent returns a consent and records that it was viewed. Errors: ENOTFOUND.
func (s *Service) GetConsent(ctx context.Context, id string) (*Consent, error) {
	return s.ReadConsent(ctx, id, ViewFull)
}

// present shows a pending consent past its expiry as expired even before the
// background job has recorded the transition, and derives the re-consent and
// renewal flags from its template's versions (read once per template).
func (s *Service) present(ctx context.Context, list ...*Consent) error {
	now := s.now()
	versions := map[string][]*TemplateVersion{}
	for _, c := range list {
		if c.IsExpired(now) {
			c.Status = StatusExpired
		}
		vs, ok := versions[c.TemplateSlug]
		if !ok {
			var err error
			if vs, err = s.Store.Templates().ListVersions(ctx, c.TemplateSlug); err != nil {
				return err
			}
			versions[c.TemplateSlug] = vs
		}
		DeriveFlags(c, vs, now)
	}
	return nil
}

// ListConsents lists consents, newest first, and records that each was viewed. Errors: EINVALID.
func (s *Service) ListConsents(ctx context.Context, f ConsentFilter) ([]*Consent, string, error) {
	return s.ListConsentsView(ctx, f, ViewFull)
}

// ListConsentsView is ListConsents for a caller that shows the consents in
// view, which each read's audit event records; the summary view gets
// SummaryOf each consent, loaded as such. Errors: EINVALID.
func (s *Service) ListConsentsView(ctx context.Context, f ConsentFilter, view string) ([]*Consent, string, error) {
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", FieldErrorf(EINVALID, "status", "unknown status %q.", f.Status)
	}
	f.Now = s.now()
	load := s.Store.Consents().ListConsents
	if view == ViewSummary {
		load = s.Store.Consents().ListConsentSummaries
	}
	list, next, err := load(ctx, f)
	if err != nil {
		return nil, "", err
	}
	// Every consent shown in a list counts as viewed (HIPAA access audit).
	events := make([]*AuditEvent, 0, len(list))
	if err := s.present(ctx, list...); err != nil {
		return nil, "", err
	}
	for _, c := range list {
		events = append(events, s.event(ctx, EventConsentViewed, c.ID, viewDetails(view, map[string]any{"via": "list"})))
	}
	if len(events) > 0 {
		if err := s.Store.Audit().AppendAuditEvents(ctx, events...); err != nil {
			return nil, "", err
		}
	}
	return list, next, nil
}

var transitionEvents = map[string]string{
	StatusDeclined: EventConsentDeclined, StatusCancelled: EventConsentCancelled, StatusExpired: EventConsentExpired,
	StatusWithdrawn: EventConsentWithdrawn, StatusVoided: EventConsentVoided,
}

// Transition moves a consent to declined, cancelled, withdrawn or voided with a
// reason. Errors: EINVALID, ENOTFOUND, ECONFLICT (not allowed from its status), EGONE (expired).
func (s *Service) Transition(ctx context.Context, id, to, reason string) (*Consent, error) {
	if err := CheckText("reason", reason, 1000); err != nil {
		return nil, err
	}
	if _, ok := transitionEvents[to]; !ok || to == StatusExpired {
		return nil, Errorf(EINVALID, "Unknown transition %q.", to)
	} else if to == StatusWithdrawn {
		return s.withdraw(ctx, id, reason)
	}
	return update(ctx, s, func(tx Tx) (*Consent, error) {
		c, err := tx.Consents().FindConsentByID(ctx, id)
		if err != nil {
			return nil, err
		}
		now := s.now()
		if c.IsExpired(now) || c.Status == StatusExpired {
			return nil, Errorf(EGONE, "This consent expired at %s.", FormatTime(c.ExpiresAt))
		} else if !CanTransition(c.Status, to) {
			return nil, Errorf(ECONFLICT, "A %s consent cannot become %s.", c.Status, to)
		}
		if err := tx.Consents().TransitionConsent(ctx, id, c.Status, to, now, reason); err != nil {
			return nil, err
		}
		from, before := c.Status, *c
		c.Status, c.StatusChangedAt, c.StatusReason = to, &now, reason
		if err := tx.Audit().AppendAudit(ctx, s.change(ctx, transitionEvents[to], id, map[string]any{"from": from, "to": to, "reason": reason}, &before, c)); err != nil {
			return nil, err
		}
		return c, s.notify(ctx, tx.Webhooks(), transitionEvents[to], c, map[string]any{"from": from})
	})
}

// expiredReason is the status reason the expiry job records.
const expiredReason = "expired"

// ExpireDue records the expiry of pending consents past expires_at and returns
// how many it expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	list, err := s.Store.Consents().ListExpiredPending(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range list {
		err := s.Store.Update(ctx, func(tx Tx) error {
			now := s.now()
			// The event vouches for the row as stored just before and after.
			before, err := tx.Consents().FindConsentByID(ctx, c.ID)
			if err != nil {
				return err
			}
			if err := tx.Consents().TransitionConsent(ctx, c.ID, StatusPending, StatusExpired, now, expiredReason); err != nil {
				return err
			}
			after, err := tx.Consents().FindConsentByID(ctx, c.ID)
			if err != nil {
				return err
			}
			if err := tx.Audit().AppendAudit(ctx, &AuditEvent{Type: EventConsentExpired, At: now, Actor: "system", ConsentID: c.ID,
				Details: map[string]any{"from": StatusPending, "to": StatusExpired, "expires_at": FormatTime(c.ExpiresAt)},
				Rows:    []Row{after}, RowsBefore: []Row{before}}); err != nil {
				return err
			}
			c.Status, c.StatusChangedAt, c.StatusReason = StatusExpired, &now, expiredReason
			return s.notify(ctx, tx.Webhooks(), EventConsentExpired, c, map[string]any{"from": StatusPending})
		})
		if ErrorCode(err) == ECONFLICT {
			continue // signed or cancelled meanwhile
		} else if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
