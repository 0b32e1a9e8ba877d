package consent

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Validate checks a version's content and returns an EINVALID error naming the
// first offending field (for example "locales.es.sections[3].key").
func (c VersionContent) Validate() error {
	if len(c.Locales) == 0 {
		return FieldErrorf(EINVALID, "locales", "at least one locale is required.")
	}
	declared := map[string]bool{}
	for i, v := range c.Variables {
		f := fmt.Sprintf("variables[%d]", i)
		if !keyPattern.MatchString(v.Name) {
			return FieldErrorf(EINVALID, f+".name", "must be lowercase letters, digits and underscores.")
		} else if declared[v.Name] {
			return FieldErrorf(EINVALID, f+".name", "duplicate variable %q.", v.Name)
		} else if err := checkText(f+".label", v.Label, 200, true); err != nil {
			return err
		} else if v.Default != "" {
			if err := CheckName(f+".default", v.Default, maxVariableValue); err != nil {
				return err
			}
		}
		declared[v.Name] = true
	}
	if err := validateRoles(c.RequiredSigners); err != nil {
		return err
	}
	if len(c.SignatureForms) == 0 {
		return FieldErrorf(EINVALID, "signature_forms", "at least one signature form is required.")
	}
	for i, f := range c.SignatureForms {
		if !slices.Contains(SignatureForms, f) || slices.Index(c.SignatureForms, f) != i {
			return FieldErrorf(EINVALID, fmt.Sprintf("signature_forms[%d]", i), "must be one of drawn, typed, image, each once.")
		}
	}
	if c.ExpiresAfterHours < 1 || c.ExpiresAfterHours > 24*366 {
		return FieldErrorf(EINVALID, "expires_after_hours", "must be between 1 and 8784.")
	} else if c.ValidForDays < 0 || c.ValidForDays > maxValidForDays {
		return FieldErrorf(EINVALID, "valid_for_days", "must be between 1 and %d days, or left out for no renewal.", maxValidForDays)
	}
	var first []Section
	var firstCode string
	for _, code := range sortedKeys(c.Locales) {
		lc := c.Locales[code]
		f := "locales." + code
		if !localePattern.MatchString(code) {
			return FieldErrorf(EINVALID, f, "not a valid locale code (e.g. en, es, pt-BR).")
		}
		if err := lc.validate(f, declared, c.RequiredSigners); err != nil {
			return err
		}
		if first == nil {
			first, firstCode = lc.Sections, code
			continue
		}
		if len(lc.Sections) != len(first) {
			return FieldErrorf(EINVALID, f+".sections", "has %d sections but locale %s has %d; every locale needs the same sections.", len(lc.Sections), firstCode, len(first))
		}
		for i, s := range lc.Sections {
			if s.Key != first[i].Key || s.Kind != first[i].Kind || s.RequiresAcknowledgment != first[i].RequiresAcknowledgment {
				return FieldErrorf(EINVALID, fmt.Sprintf("%s.sections[%d]", f, i), "key, kind and requires_acknowledgment must match locale %s (%q).", firstCode, first[i].Key)
			} else if err := sameQuestions(fmt.Sprintf("%s.sections[%d].questions", f, i), s.Questions, first[i].Questions, firstCode); err != nil {
				return err
			}
		}
	}
	return c.validateTeachBack(first)
}

// validateTeachBack checks the teach_back flag: a version that makes the
// countersignature wait for right answers must ask questions and have a
// clinician to countersign.
func (c VersionContent) validateTeachBack(sections []Section) error {
	switch {
	case c.TeachBack == "":
		return nil
	case c.TeachBack != TeachBackRequired:
		return FieldErrorf(EINVALID, "teach_back", "must be %q or left out.", TeachBackRequired)
	case !slices.ContainsFunc(sections, func(s Section) bool { return len(s.Questions) > 0 }):
		return FieldErrorf(EINVALID, "teach_back", "requires questions, but no section has any.")
	case !slices.Contains(c.RequiredSigners, RoleClinician):
		return FieldErrorf(EINVALID, "teach_back", "requires a clinician among required_signers: the clinician countersigns after the answers.")
	}
	return nil
}

func (lc LocaleContent) validate(f string, declared map[string]bool, required []string) error {
	if err := checkTemplateText(f+".title", lc.Title, 200, declared); err != nil {
		return err
	}
	if len(lc.Sections) == 0 {
		return FieldErrorf(EINVALID, f+".sections", "at least one section is required.")
	} else if len(lc.Sections) > 100 {
		return FieldErrorf(EINVALID, f+".sections", "at most 100 sections.")
	}
	keys := map[string]bool{}
	for i, s := range lc.Sections {
		sf := fmt.Sprintf("%s.sections[%d]", f, i)
		if !keyPattern.MatchString(s.Key) {
			return FieldErrorf(EINVALID, sf+".key", "must be lowercase letters, digits and underscores, starting with a letter.")
		} else if keys[s.Key] {
			return FieldErrorf(EINVALID, sf+".key", "duplicate section key %q.", s.Key)
		} else if !slices.Contains(SectionKinds, s.Kind) {
			return FieldErrorf(EINVALID, sf+".kind", "unknown kind %q; use one of %s.", s.Kind, strings.Join(SectionKinds, ", "))
		} else if err := checkTemplateText(sf+".heading", s.Heading, 200, declared); err != nil {
			return err
		} else if err := checkTemplateText(sf+".body", s.Body, 20000, declared); err != nil {
			return err
		} else if err := validateQuestions(sf+".questions", s.Questions, declared); err != nil {
			return err
		}
		keys[s.Key] = true
	}
	if err := checkTemplateText(f+".disclosure", lc.Disclosure, 20000, declared); err != nil {
		return err
	}
	if lc.ChangeSummary != "" {
		if err := checkTemplateText(f+".change_summary", lc.ChangeSummary, maxChangeSummary, declared); err != nil {
			return err
		}
	}
	for role, m := range lc.Meanings {
		if !slices.Contains(Roles, role) {
			return FieldErrorf(EINVALID, f+".meanings."+role, "unknown role; use one of %s.", strings.Join(Roles, ", "))
		} else if err := checkTemplateText(f+".meanings."+role, m, 2000, declared); err != nil {
			return err
		}
	}
	for _, role := range signingRoles(required) {
		if lc.Meanings[role] == "" {
			return FieldErrorf(EINVALID, f+".meanings."+role, "the meaning of a %s's signature is required.", role)
		}
	}
	return nil
}

// signingRoles lists the roles that must have a meaning: the required ones, and a
// representative wherever a patient is required.
func signingRoles(required []string) []string {
	out := slices.Clone(required)
	if slices.Contains(required, RolePatient) {
		out = append(out, RoleRepresentative)
	}
	return out
}

func validateRoles(required []string) error {
	if len(required) == 0 {
		return FieldErrorf(EINVALID, "required_signers", "at least one signer is required.")
	}
	for i, r := range required {
		f := fmt.Sprintf("required_signers[%d]", i)
		if !slices.Contains(Roles, r) {
			return FieldErrorf(EINVALID, f, "unknown role %q; use one of %s.", r, strings.Join(Roles, ", "))
		} else if r == RoleRepresentative {
			return FieldErrorf(EINVALID, f, "list patient: a representative signs in the patient's place.")
		} else if slices.Index(required, r) != i {
			return FieldErrorf(EINVALID, f, "duplicate role %q.", r)
		}
	}
	return nil
}

func checkTemplateText(field, s string, max int, declared map[string]bool) error {
	if err := checkText(field, s, max, true); err != nil {
		return err
	} else if err := checkTemplatePrintable(field, s); err != nil {
		return err
	}
	for _, m := range variablePattern.FindAllStringSubmatch(s, -1) {
		if !declared[m[1]] {
			return FieldErrorf(EINVALID, field, "uses undeclared variable %q.", m[1])
		}
	}
	return nil
}

// checkText enforces valid UTF-8, a length bound in characters, no control
// characters other than newline and tab, and (if required) non-blank text.
func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return FieldErrorf(EINVALID, field, "not valid UTF-8.")
	} else if required && strings.TrimSpace(s) == "" {
		return FieldErrorf(EINVALID, field, "is required.")
	} else if n := utf8.RuneCountInString(s); n > max {
		return FieldErrorf(EINVALID, field, "too long (%d characters, at most %d).", n, max)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return FieldErrorf(EINVALID, field, "contains a control character.")
		}
	}
	// Every text consentd keeps may be printed on a consent PDF or its
	// evidence page: refuse what the PDF cannot print as typed.
	return checkPrintable(field, s)
}

// CheckName validates a short single-line text such as a person's name or an ID.
func CheckName(field, s string, max int) error {
	if err := checkText(field, s, max, true); err != nil {
		return err
	} else if strings.ContainsAny(s, "\n\t") {
		return FieldErrorf(EINVALID, field, "must be a single line.")
	} else if strings.TrimSpace(s) != s {
		return FieldErrorf(EINVALID, field, "must not start or end with spaces.")
	}
	return nil
}

// CheckText validates a free multi-line text such as a reason, up to max characters.
func CheckText(field, s string, max int) error {
	return checkText(field, s, max, true)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// maxValidForDays bounds a version's valid_for_days: ten years.
const maxValidForDays = 3660
