package consent

import (
	"time"
)

// Validate checks a patient block; errors name the field under "patient.".
func (p Patient) Validate(now time.Time) error {
	if err := CheckName("patient.id", p.ID, 64); err != nil {
		return err
	} else if err := CheckName("patient.given_name", p.GivenName, 100); err != nil {
		return err
	} else if err := CheckName("patient.family_name", p.FamilyName, 100); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil || d.Format(time.DateOnly) != p.BirthDate {
		return FieldErrorf(EINVALID, "patient.birth_date", "not a valid date (use YYYY-MM-DD, e.g. 1980-04-02).")
	} else if d.After(now) {
		return FieldErrorf(EINVALID, "patient.birth_date", "is in the future.")
	} else if d.Year() < 1880 {
		return FieldErrorf(EINVALID, "patient.birth_date", "is implausibly early.")
	}
	return nil
}
