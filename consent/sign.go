package consent

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SignInput is one signer's submission.
type SignInput struct {
	Role                     string
	Name                     string
	Relationship             string
	Locale                   string
	AcknowledgedSections     []string
	ElectronicRecordsConsent bool
	StaffID                  string
	StaffPIN                 string
	IdentityVerified         bool
	// DiscussedSections (clinician) are the sections the clinician discussed
	// with the patient; it must cover every section teach-back flagged.
	DiscussedSections []string
	Mark              Mark
	// acknowledgedFirst (the tablet channel) counts only acknowledgments
	// recorded through their own call before the signature: the list may
	// name only those, and records none.
	acknowledgedFirst bool
}

// SignResult is a recorded signature and the consent as it is after it.
type SignResult struct {
	Signature *Signature
	Consent   *Consent
}

// signRetries bounds how often a signing is redone when the consent changed
// between the seal and the write transaction.
const signRetries = 3

// Sign records a signature on a consent (API-key path). Errors: EINVALID (bad
// input, wrong PIN), ENOTFOUND, ECONFLICT (role signed, patient and
// representative, not pending), EGONE (expired), ERATELIMITED (too many wrong PINs).
func (s *Service) Sign(ctx context.Context, consentID string, in SignInput) (*SignResult, error) {
	return s.sign(ctx, func(ctx context.Context) (*Consent, *DownloadLink, error) {
		c, err := s.Store.Consents().FindConsentByID(ctx, consentID)
		return c, nil, err
	}, in)
}

// SignWithToken records a signature through a signing token (tablet path).
// A patient-side signature needs every section that requires acknowledgment
// acknowledged through Acknowledge first, each at the time it was tapped.
// Through a remote signing session only the patient side signs, and its
// signature uses the link up.
func (s *Service) SignWithToken(ctx context.Context, token string, in SignInput) (*SignResult, error) {
	in.acknowledgedFirst = true
	return s.sign(ctx, func(ctx context.Context) (*Consent, *DownloadLink, error) {
		c, l, err := s.signingTarget(ctx, token)
		if err == nil && l != nil && isStaffRole(in.Role) {
			return nil, nil, remoteStaffRefused()
		}
		return c, l, err
	}, in)
}

func (s *Service) sign(ctx context.Context, find func(context.Context) (*Consent, *DownloadLink, error), in SignInput) (*SignResult, error) {
	for attempt := 0; ; attempt++ {
		c, link, err := find(ctx)
		if err != nil {
			return nil, err
		}
		plan, err := s.planSignature(ctx, c, in)
		if err != nil {
			return nil, err
		}
		plan.link = link
		if plan.completes {
			// Render and seal before the write lock: a render must not serialise other writes.
			if plan.pdf, err = s.seal(ctx, plan); err != nil {
				return nil, err
			}
		}
		res, err := s.commitSignature(ctx, plan)
		if err == nil && plan.completes {
			s.observer().ConsentSigned()
		}
		if ErrorCode(err) == errChanged && attempt < signRetries {
			continue
		} else if ErrorCode(err) == errChanged {
			return nil, Errorf(ECONFLICT, "The consent changed while signing; please try again.")
		}
		return res, err
	}
}

// errChanged marks a consent that changed between planning and committing.
const errChanged = "changed"

// signPlan is a validated signature and the consent as it will be after it.
type signPlan struct {
	before    *Consent
	after     *Consent
	sig       *Signature
	acks      []Acknowledgment // new acknowledgments recorded at signing
	completes bool
	pdf       *SealedPDF
	// pngReceivedSHA256 is the SHA-256 of an image signature as received,
	// before NormalizePNG.
	pngReceivedSHA256 string
	events            []*AuditEvent
	// link is the remote signing link the signature is made through (nil
	// for other channels); the signature uses it up.
	link *DownloadLink
}

func (s *Service) planSignature(ctx context.Context, c *Consent, in SignInput) (*signPlan, error) {
	now := s.now()
	if c.IsExpired(now) || c.Status == StatusExpired {
		return nil, Errorf(EGONE, "This consent expired at %s.", FormatTime(c.ExpiresAt))
	} else if c.Status != StatusPending {
		return nil, Errorf(ECONFLICT, "This consent is %s; it can no longer be signed.", c.Status)
	}
	if !slices.Contains(Roles, in.Role) {
		return nil, FieldErrorf(EINVALID, "role", "must be one of patient, representative, witness, clinician, interpreter.")
	}
	v, err := s.Store.Templates().FindVersion(ctx, c.TemplateSlug, c.TemplateVersion)
	if err != nil {
		return nil, err
	}
	if versions, err := s.Store.Templates().ListVersions(ctx, c.TemplateSlug); err != nil {
		return nil, err
	} else if err := checkSignable(c, versions); err != nil {
		return nil, err
	}
	if err := checkRoleOrder(c, in.Role, v.RequiredSigners); err != nil {
		return nil, err
	}
	locale, err := signingLocale(c, in.Locale)
	if err != nil {
		return nil, err
	}
	doc := c.Documents[locale]
	meaning := doc.Meanings[in.Role]
	if meaning == "" {
		return nil, FieldErrorf(EINVALID, "role", "this consent has no signature meaning for a %s.", in.Role)
	}
	sig := &Signature{ID: s.NewID(), ConsentID: c.ID, Role: in.Role, Locale: locale, Meaning: meaning, SignedAt: now,
		Mark: in.Mark, Evidence: RequestFrom(ctx).evidence()}
	plan := &signPlan{before: c, sig: sig}
	if err := checkTeachBack(c, v, doc, in, sig); err != nil {
		return nil, err
	}
	if isStaffRole(in.Role) {
		if err := s.checkStaff(ctx, c, in, sig); err != nil {
			return nil, err
		}
	} else if err := s.checkPatientSide(c, doc, in, sig, plan, now); err != nil {
		return nil, err
	}
	if err := sig.Mark.Validate(v.SignatureForms, sig.Name); err != nil {
		return nil, err
	}
	if sig.Mark.Type == "image" {
		// Store the image in the form the PDF renderer embeds, so every
		// accepted signature can be sealed; the audit trail keeps the hash
		// of the bytes received.
		plan.pngReceivedSHA256 = PNGSHA256(sig.Mark.PNG)
		if sig.Mark.PNG, err = NormalizePNG(sig.Mark.PNG, MaxPNGDecodedBytes); err != nil {
			return nil, err
		}
	}
	after := *c
	after.Locale = locale
	after.Signatures = append(slices.Clone(c.Signatures), *sig)
	after.Acknowledgments = append(slices.Clone(c.Acknowledgments), plan.acks...)
	plan.completes = complete(after.Signatures, v.RequiredSigners)
	if plan.completes {
		after.Status, after.SignedAt, after.StatusChangedAt = StatusSigned, &now, &now
	}
	plan.after = &after
	plan.events = s.signEvents(ctx, plan)
	return plan, nil
}

func isStaffRole(role string) bool { return slices.Contains(StaffRoles, role) }

func checkRoleOrder(c *Consent, role string, required []string) error {
	patientSide := c.SignatureByRole(RolePatient) != nil || c.SignatureByRole(RoleRepresentative) != nil
	switch {
	case c.SignatureByRole(role) != nil:
		return FieldErrorf(ECONFLICT, "role", "the %s has already signed this consent.", role)
	case (role == RolePatient || role == RoleRepresentative) && patientSide:
		return FieldErrorf(ECONFLICT, "role", "the patient side has already signed (a patient and a representative never both sign).")
	case role == RoleClinician && !patientSide && slices.Contains(required, RolePatient):
		return FieldErrorf(ECONFLICT, "role", "the patient (or their representative) signs before the clinician countersigns.")
	}
	return nil
}

// signingLocale returns the locale a signature is given in: the first signature
// may choose any locale of the consent; later ones use the one it fixed.
func signingLocale(c *Consent, asked string) (string, error) {
	if asked == "" {
		return c.Locale, nil
	} else if _, ok := c.Documents[asked]; !ok {
		return "", FieldErrorf(EINVALID, "locale", "this consent has no locale %q.", asked)
	} else if len(c.Signatures) > 0 && asked != c.Locale {
		return "", FieldErrorf(EINVALID, "locale", "this consent is being signed in %q.", c.Locale)
	}
	return asked, nil
}

func (s *Service) checkPatientSide(c *Consent, doc Document, in SignInput, sig *Signature, plan *signPlan, now time.Time) error {
	if in.StaffID != "" || in.StaffPIN != "" {
		return FieldErrorf(EINVALID, "staff", "only clinician, witness and interpreter signatures name a staff member.")
	} else if err := CheckName("name", in.Name, 200); err != nil {
		return err
	}
	sig.Name = in.Name
	if in.Role == RoleRepresentative {
		if err := CheckName("relationship", in.Relationship, 100); err != nil {
			return err
		}
		sig.Relationship = in.Relationship
	} else if in.Relationship != "" {
		return FieldErrorf(EINVALID, "relationship", "only a representative states a relationship.")
	}
	acked := map[string]bool{}
	for _, a := range c.Acknowledgments {
		if a.Locale == sig.Locale {
			acked[a.SectionKey] = true
		}
	}
	if err := checkAcknowledgments(c, doc, in, sig, plan, acked, now); err != nil {
		return err
	}
	for _, sec := range doc.Sections {
		if acked[sec.Key] {
			sig.Acknowledged = append(sig.Acknowledged, sec.Key)
		}
	}
	if !in.ElectronicRecordsConsent {
		return FieldErrorf(EINVALID, "electronic_records_consent", "the signer must agree to electronic records after reading the disclosure.")
	}
	sig.ElectronicRecordsConsentAt = &now
	return nil
}

// checkAcknowledgments checks that every section needing acknowledgment is
// acknowledged in the signature's locale. acked holds those recorded before;
// on the API-key channel the signature's list adds the rest (recorded at the
// signature's time), on the tablet channel the list may name only sections
// already acknowledged through their own call.
func checkAcknowledgments(c *Consent, doc Document, in SignInput, sig *Signature, plan *signPlan, acked map[string]bool, now time.Time) error {
	if in.acknowledgedFirst {
		for _, sec := range doc.Sections {
			if sec.RequiresAcknowledgment && !acked[sec.Key] {
				return FieldErrorf(EINVALID, "acknowledged_sections",
					"section %q (%s) must be acknowledged with its own \"I understand\" before signing.", sec.Key, sec.Heading)
			}
		}
	}
	for i, key := range in.AcknowledgedSections {
		field := fmt.Sprintf("acknowledged_sections[%d]", i)
		switch {
		case !containsSection(doc, key):
			return FieldErrorf(EINVALID, field, "no section %q in this consent.", key)
		case acked[key]:
		case in.acknowledgedFirst:
			return FieldErrorf(EINVALID, field, "section %q was not acknowledged on this tablet; acknowledge it before signing.", key)
		default:
			acked[key] = true
			plan.acks = append(plan.acks, Acknowledgment{ConsentID: c.ID, SectionKey: key, Locale: sig.Locale, At: now, Evidence: sig.Evidence})
		}
	}
	for _, sec := range doc.Sections {
		if sec.RequiresAcknowledgment && !acked[sec.Key] {
			return FieldErrorf(EINVALID, "acknowledged_sections", "section %q (%s) must be acknowledged before signing.", sec.Key, sec.Heading)
		}
	}
	return nil
}

// complete reports whether every required role has signed; a representative
// fills the patient's place.
func complete(sigs []Signature, required []string) bool {
	for _, r := range required {
		if !slices.ContainsFunc(sigs, func(s Signature) bool {
			return s.Role == r || (r == RolePatient && s.Role == RoleRepresentative)
		}) {
			return false
		}
	}
	return true
}
