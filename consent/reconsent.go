package consent

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Re-consent policies a new version of a template is published with: what it
// means for the consents signed on earlier versions.
const (
	// ReconsentRequired: every active consent on an earlier version needs a
	// new signature before the next treatment, and pending consents on an
	// earlier version can no longer be signed.
	ReconsentRequired = "required"
	// ReconsentRecommended: active consents on earlier versions are flagged,
	// pending ones may still be signed.
	ReconsentRecommended = "recommended"
	// ReconsentNone: nothing changes for earlier consents (a typo fix).
	ReconsentNone = "none"
)

// ReconsentPolicies lists the re-consent policies, strongest first.
var ReconsentPolicies = []string{ReconsentRequired, ReconsentRecommended, ReconsentNone}

// ReconsentDue says why a signed consent needs a new signature: a later
// version of its template was published with a policy other than none. It is
// derived when the consent is read; the signed record never changes.
type ReconsentDue struct {
	Reason  string `json:"reason"`
	Version int    `json:"version"` // the version whose publication caused it
	Policy  string `json:"policy"`  // required or recommended
}

// RenewalDue says that a signed consent is older than its version's
// valid_for_days; derived when read, like ReconsentDue.
type RenewalDue struct {
	Reason       string    `json:"reason"`
	ValidForDays int       `json:"valid_for_days"`
	DueAt        time.Time `json:"due_at"`
}

// Successor is a re-consent made from a consent, as its store reports it.
type Successor struct {
	ID        string
	Status    string
	ExpiresAt time.Time
}

// everSigned reports whether a status is one only a signed consent reaches.
func everSigned(status string) bool {
	return status == StatusSigned || status == StatusWithdrawn || status == StatusVoided
}

// resigned reports whether a signed re-consent supersedes c.
func (c *Consent) resigned() bool {
	return slices.ContainsFunc(c.Successors, func(s Successor) bool { return everSigned(s.Status) })
}

// liveSuccessor returns the newest re-consent of c that is signed (ever) or
// still pending at now; nil when every one ended unsigned.
func (c *Consent) liveSuccessor(now time.Time) *Successor {
	for i := len(c.Successors) - 1; i >= 0; i-- {
		s := c.Successors[i]
		if everSigned(s.Status) || (s.Status == StatusPending && now.Before(s.ExpiresAt)) {
			return &s
		}
	}
	return nil
}

// causingVersion returns the later published version of c's template whose
// policy is strongest (required over recommended; the newest among equals),
// or nil when none asks for re-consent. versions are the template's versions.
func causingVersion(versions []*TemplateVersion, after int, policies ...string) *TemplateVersion {
	var best *TemplateVersion
	rank := func(v *TemplateVersion) int { return slices.Index(ReconsentPolicies, v.Reconsent) }
	for _, v := range versions {
		if v.Version <= after || v.PublishedAt == nil || !slices.Contains(policies, v.Reconsent) {
			continue
		}
		if best == nil || rank(v) < rank(best) || (rank(v) == rank(best) && v.Version > best.Version) {
			best = v
		}
	}
	return best
}

// blockedBy returns the later version published with re-consent required
// that keeps a pending consent on an earlier version from being signed.
func blockedBy(versions []*TemplateVersion, c *Consent) *TemplateVersion {
	return causingVersion(versions, c.TemplateVersion, ReconsentRequired)
}

// DeriveFlags sets c's derived fields (SupersededBy, ReconsentDue,
// RenewalDue) from its re-consents and its template's versions at now.
func DeriveFlags(c *Consent, versions []*TemplateVersion, now time.Time) {
	c.SupersededBy, c.ReconsentDue, c.RenewalDue = "", nil, nil
	if s := c.liveSuccessor(now); s != nil {
		c.SupersededBy = s.ID
	}
	if c.Status != StatusSigned || c.resigned() {
		return
	}
	if v := causingVersion(versions, c.TemplateVersion, ReconsentRequired, ReconsentRecommended); v != nil {
		c.ReconsentDue = reconsentDue(c, v.Version, v.Reconsent)
	}
	for _, v := range versions {
		if v.Version != c.TemplateVersion || v.ValidForDays <= 0 || c.SignedAt == nil {
			continue
		}
		due := c.SignedAt.Add(time.Duration(v.ValidForDays) * 24 * time.Hour)
		if !now.Before(due) {
			c.RenewalDue = &RenewalDue{ValidForDays: v.ValidForDays, DueAt: due,
				Reason: fmt.Sprintf("Version %d of %s is valid for %d days after signing; this consent was signed on %s.",
					v.Version, c.TemplateSlug, v.ValidForDays, FormatTime(*c.SignedAt))}
		}
	}
}

// reconsentDue is the flag of consent c due to version's publication with policy.
func reconsentDue(c *Consent, version int, policy string) *ReconsentDue {
	return &ReconsentDue{Version: version, Policy: policy,
		Reason: fmt.Sprintf("Version %d of %s was published with re-consent %s; this consent was signed on version %d.",
			version, c.TemplateSlug, policy, c.TemplateVersion)}
}

// recordReconsent checks and records, in the publishing transaction, the
// re-consent policy of draft v: a version after one that was ever published
// needs one; a job is queued for the notices unless it is none.
func (s *Service) recordReconsent(ctx context.Context, tx TemplateTx, v *TemplateVersion, policy string, now time.Time) error {
	versions, err := tx.ListVersions(ctx, v.Slug)
	if err != nil {
		return err
	}
	earlier := slices.ContainsFunc(versions, func(w *TemplateVersion) bool { return w.Version < v.Version && w.PublishedAt != nil })
	switch {
	case policy == "" && earlier:
		return FieldErrorf(EINVALID, "reconsent", "is required when publishing a version after an earlier published one: "+
			"required (every signed consent on an earlier version needs a new signature; pending ones can no longer be signed), "+
			"recommended (they are flagged) or none (nothing changes for them).")
	case policy == "":
		return nil
	}
	if err := tx.SetVersionReconsent(ctx, v.Slug, v.Version, policy); err != nil {
		return err
	}
	v.Reconsent = policy
	if policy == ReconsentNone || !earlier {
		return nil
	}
	return tx.QueueReconsentJob(ctx, &ReconsentJob{Slug: v.Slug, Version: v.Version, Policy: policy, CreatedAt: now})
}
