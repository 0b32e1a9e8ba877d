package fhir

import (
	"fmt"
	"html"
	"time"

	"github.com/consentd/consentd/consent"
)

// consentStatuses maps consentd statuses to the R4 ConsentState value set
// (required binding): draft | proposed | active | rejected | inactive | entered-in-error.
var consentStatuses = map[string]string{
	consent.StatusPending:   "proposed",
	consent.StatusSigned:    "active",
	consent.StatusDeclined:  "rejected",
	consent.StatusWithdrawn: "inactive",
	consent.StatusExpired:   "inactive",
	consent.StatusCancelled: "inactive",
	consent.StatusVoided:    "entered-in-error",
}

// ConsentStatus returns the R4 Consent.status code for a consentd status. An
// unknown status maps to entered-in-error so that a bug can never make an EHR
// treat a consent as in force.
func ConsentStatus(status string) string {
	if s, ok := consentStatuses[status]; ok {
		return s
	}
	return "entered-in-error"
}

// Consent maps a consent to an R4 Consent resource.
//
// Choices: dateTime is signed_at once signed (when consent was given), else
// created_at; provision.period exists only for a consent that was signed
// (start signed_at, end the withdrawal or void time), because an unsigned
// consent never was in force; policy.uri is the template version's URL, which
// satisfies ppc-1 (no policyRule: no code of R4's extensible consent-policy
// value set fits a clinic's treatment consent, and v3-ActCode OPTIN draws a
// binding warning); scope is treatment with a patient (ppc-2..5). Performers are the patient or representative (who agree) and the
// clinician; witnesses and interpreters are not parties, so not listed.
func Consent(c *consent.Consent, o Options) map[string]any {
	r := map[string]any{
		"resourceType": "Consent",
		"id":           c.ID,
		"meta":         map[string]any{"lastUpdated": instant(lastUpdated(c))},
		"text":         consentNarrative(c),
		"status":       ConsentStatus(c.Status),
		"scope":        coding(SystemConsentScope, "treatment", "Treatment"),
		"category":     []any{coding(SystemLOINC, CodePatientConsent, "Patient Consent")},
		"patient":      patientRef(c.Patient, o),
		"dateTime":     instant(consentDate(c)),
		"policy": []any{map[string]any{
			"uri": fmt.Sprintf("%s/v1/templates/%s/versions/%d", o.base(), c.TemplateSlug, c.TemplateVersion),
		}},
		"provision": provision(c),
	}
	if p := performers(c, o); len(p) > 0 {
		r["performer"] = p
	}
	if o.OrganizationName != "" {
		r["organization"] = []any{map[string]any{"type": "Organization", "display": o.OrganizationName}}
	}
	if c.PDF != nil {
		r["sourceReference"] = map[string]any{"reference": "DocumentReference/" + c.ID, "type": "DocumentReference"}
	}
	if ext := dueExtensions(c); len(ext) > 0 {
		r["extension"] = ext
	}
	return r
}

// consentDate is when consent was given, or when it was proposed.
func consentDate(c *consent.Consent) time.Time {
	if c.SignedAt != nil {
		return *c.SignedAt
	}
	return c.CreatedAt
}

// lastUpdated is the latest time anything about the consent changed.
func lastUpdated(c *consent.Consent) time.Time {
	t := c.CreatedAt
	for _, u := range []*time.Time{c.SignedAt, c.StatusChangedAt} {
		if u != nil && u.After(t) {
			t = *u
		}
	}
	for _, s := range c.Signatures {
		if s.SignedAt.After(t) {
			t = s.SignedAt
		}
	}
	if c.PDF != nil && c.PDF.CreatedAt.After(t) {
		t = c.PDF.CreatedAt
	}
	return t
}

func provision(c *consent.Consent) map[string]any {
	p := map[string]any{"type": "permit"}
	if c.SignedAt == nil {
		return p
	}
	period := map[string]any{"start": instant(*c.SignedAt)}
	if (c.Status == consent.StatusWithdrawn || c.Status == consent.StatusVoided) && c.StatusChangedAt != nil &&
		!c.StatusChangedAt.Before(*c.SignedAt) {
		period["end"] = instant(*c.StatusChangedAt)
	}
	p["period"] = period
	return p
}

// performers lists who agreed (patient or representative) and the clinician.
func performers(c *consent.Consent, o Options) []any {
	var out []any
	for _, s := range c.Signatures {
		switch s.Role {
		case consent.RolePatient:
			ref := patientRef(c.Patient, o)
			putString(ref, "display", s.Name)
			out = append(out, ref)
		case consent.RoleRepresentative:
			ref := map[string]any{"type": "RelatedPerson"}
			display := s.Name
			if s.Relationship != "" {
				display += " (" + s.Relationship + ")"
			}
			putString(ref, "display", display)
			out = append(out, ref)
		case consent.RoleClinician:
			ref := map[string]any{"type": "Practitioner"}
			if s.StaffID != "" {
				ref["identifier"] = map[string]any{"system": o.staffSystem(), "value": s.StaffID}
			}
			putString(ref, "display", s.Name)
			out = append(out, ref)
		}
	}
	return out
}

// consentNarrative is a short generated XHTML summary (dom-6 asks for one).
func consentNarrative(c *consent.Consent) map[string]any {
	title := c.Document().Title
	if title == "" {
		title = c.TemplateSlug
	}
	div := fmt.Sprintf(`<div xmlns="http://www.w3.org/1999/xhtml"><p>Consent to %s (template %s version %d) for patient %s: %s.</p></div>`,
		html.EscapeString(title), html.EscapeString(c.TemplateSlug), c.TemplateVersion,
		html.EscapeString(c.Patient.ID), html.EscapeString(c.Status))
	return map[string]any{"status": "generated", "div": div}
}
