package consent

import (
	"context"
	"slices"
)

// EventPatientShown is the audit event of a staff member's PIN unlocking the
// patient's name and birth date on the tablet at the hand-over.
const EventPatientShown = "consent.patient_shown"

// StaffCheck is a staff member who proved their PIN on the tablet at the
// hand-over, and the patient they are about to attest to.
type StaffCheck struct {
	Staff   *Staff
	Role    string
	Patient Patient // name and birth date only: ID is left empty
	// FlaggedSections are the sections the patient's teach-back answers
	// flagged for discussion, in document order; a clinician's
	// countersignature records that they were discussed.
	FlaggedSections []DocumentSection
	// OpenQuestions ("section/question") still need a correct answer before
	// the clinician may countersign (teach_back: required only).
	OpenQuestions []string
}

// CheckStaffAtHandover verifies a staff ID and PIN on the tablet (signing
// token) channel before a countersignature and returns the patient's name and
// date of birth, so the clinician's "I verified the patient's identity" is
// checked against something. It is a PIN check like signing's, within the
// same limits (wrong PINs here and on the signature count together), and
// reveals the patient only to a PIN that may sign role now: a staff role the
// consent still needs, after the patient side signed. Every reveal is
// audited. Errors: ENOTFOUND, EGONE, EINVALID (input, wrong staff ID or PIN,
// staff not registered for role), ECONFLICT (role not needed now),
// ERATELIMITED.
func (s *Service) CheckStaffAtHandover(ctx context.Context, token, role, staffID, pin string) (*StaffCheck, error) {
	c, err := s.consentByToken(ctx, token)
	if err != nil {
		return nil, err
	} else if err := s.checkSignable(c); err != nil {
		return nil, err
	} else if IsRemoteSessionToken(token) {
		return nil, remoteStaffRefused()
	}
	if !isStaffRole(role) {
		return nil, FieldErrorf(EINVALID, "role", "must be one of %s.", joinOr(StaffRoles))
	}
	v, err := s.Store.Templates().FindVersion(ctx, c.TemplateSlug, c.TemplateVersion)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(v.RequiredSigners, role) {
		return nil, FieldErrorf(ECONFLICT, "role", "this consent needs no %s signature.", role)
	} else if err := checkRoleOrder(c, role, v.RequiredSigners); err != nil {
		return nil, err
	} else if patientSide := slices.Contains(v.RequiredSigners, RolePatient) || slices.Contains(v.RequiredSigners, RoleRepresentative); patientSide &&
		c.SignatureByRole(RolePatient) == nil && c.SignatureByRole(RoleRepresentative) == nil {
		return nil, FieldErrorf(ECONFLICT, "role", "the patient (or their representative) signs before the tablet is handed over.")
	}
	if err := checkStaffInput(role, staffID, pin); err != nil {
		return nil, err
	}
	st, err := s.pinAttempt(ctx, c.ID, role, staffID, pin)
	if err != nil {
		return nil, err
	} else if err := staffMaySign(st, role); err != nil {
		return nil, err
	}
	ev := s.event(ctx, EventPatientShown, c.ID, map[string]any{"staff_id": st.ID, "role": role, "shown": []string{"name", "birth_date"}})
	if err := s.Store.Audit().AppendAuditEvents(ctx, ev); err != nil {
		return nil, err
	}
	out := &StaffCheck{Staff: st, Role: role, Patient: Patient{GivenName: c.Patient.GivenName,
		FamilyName: c.Patient.FamilyName, BirthDate: c.Patient.BirthDate}, FlaggedSections: []DocumentSection{}, OpenQuestions: []string{}}
	if role == RoleClinician {
		for _, key := range c.FlaggedSections() {
			for _, sec := range c.Document().Sections {
				if sec.Key == key {
					out.FlaggedSections = append(out.FlaggedSections, sec)
				}
			}
		}
		if v.TeachBack == TeachBackRequired {
			out.OpenQuestions = c.UnansweredQuestions()
		}
	}
	return out, nil
}

func joinOr(xs []string) string {
	out := ""
	for i, x := range xs {
		switch {
		case i == 0:
		case i == len(xs)-1:
			out += " or "
		default:
			out += ", "
		}
		out += x
	}
	return out
}
