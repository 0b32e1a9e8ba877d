package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/consentd/consentd/consent"
)

// evidenceCols are the how-and-who columns shared by signatures and acknowledgments.
type evidenceCols struct {
	Channel    string `gorm:"column:channel"`
	IP         string `gorm:"column:ip"`
	UserAgent  string `gorm:"column:user_agent"`
	DeviceID   string `gorm:"column:device_id"`
	Actor      string `gorm:"column:actor"`
	ClientTime string `gorm:"column:client_time"`
}

type signatureRow struct {
	ID               string       `gorm:"column:id;primaryKey"`
	ConsentID        string       `gorm:"column:consent_id"`
	Role             string       `gorm:"column:role"`
	Side             string       `gorm:"column:side"`
	Name             string       `gorm:"column:name"`
	Relationship     string       `gorm:"column:relationship"`
	Locale           string       `gorm:"column:locale"`
	Meaning          string       `gorm:"column:meaning"`
	SignedMS         int64        `gorm:"column:signed_at"`
	MarkType         string       `gorm:"column:mark_type"`
	MarkWidth        int          `gorm:"column:mark_width"`
	MarkHeight       int          `gorm:"column:mark_height"`
	MarkStrokes      string       `gorm:"column:mark_strokes"`
	MarkPNG          []byte       `gorm:"column:mark_png"`
	MarkText         string       `gorm:"column:mark_text"`
	StaffID          string       `gorm:"column:staff_id"`
	IdentityVerified bool         `gorm:"column:identity_verified"`
	ERConsentMS      *int64       `gorm:"column:electronic_records_consent_at"`
	Acknowledged     string       `gorm:"column:acknowledged"`
	Discussed        string       `gorm:"column:discussed_sections"`
	Evidence         evidenceCols `gorm:"embedded"`
}

func (signatureRow) TableName() string { return "signatures" }

type pointJSON struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	T int64   `json:"t"`
}

// side is the signing position a role fills: a representative signs in the
// patient's place, so both share one side and the database allows one of them.
func side(role string) string {
	if role == consent.RoleRepresentative {
		return consent.RolePatient
	}
	return role
}

func signatureFromDomain(s *consent.Signature) signatureRow {
	var strokes [][]pointJSON
	for _, st := range s.Mark.Strokes {
		ps := make([]pointJSON, 0, len(st))
		for _, p := range st {
			ps = append(ps, pointJSON(p))
		}
		strokes = append(strokes, ps)
	}
	return signatureRow{ID: s.ID, ConsentID: s.ConsentID, Role: s.Role, Side: side(s.Role), Name: s.Name,
		Relationship: s.Relationship, Locale: s.Locale, Meaning: s.Meaning, SignedMS: toMS(s.SignedAt),
		MarkType: s.Mark.Type, MarkWidth: s.Mark.Width, MarkHeight: s.Mark.Height, MarkStrokes: mustJSON(strokes),
		MarkPNG: s.Mark.PNG, MarkText: s.Mark.Text, StaffID: s.StaffID, IdentityVerified: s.IdentityVerified,
		ERConsentMS: toMSPtr(s.ElectronicRecordsConsentAt), Acknowledged: mustJSON(s.Acknowledged),
		Discussed: discussedJSON(s.DiscussedSections), Evidence: evidenceCols(s.Evidence)}
}

func (r signatureRow) toDomain() (consent.Signature, error) {
	s := consent.Signature{ID: r.ID, ConsentID: r.ConsentID, Role: r.Role, Name: r.Name, Relationship: r.Relationship,
		Locale: r.Locale, Meaning: r.Meaning, SignedAt: fromMS(r.SignedMS),
		Mark:    consent.Mark{Type: r.MarkType, Width: r.MarkWidth, Height: r.MarkHeight, PNG: r.MarkPNG, Text: r.MarkText},
		StaffID: r.StaffID, IdentityVerified: r.IdentityVerified, ElectronicRecordsConsentAt: fromMSPtr(r.ERConsentMS),
		Evidence: consent.Evidence(r.Evidence)}
	var strokes [][]pointJSON
	if err := json.Unmarshal([]byte(r.MarkStrokes), &strokes); err != nil {
		return s, fmt.Errorf("storage: signature %s strokes: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Acknowledged), &s.Acknowledged); err != nil {
		return s, fmt.Errorf("storage: signature %s acknowledged: %w", r.ID, err)
	}
	if r.Discussed != "" && r.Discussed != "[]" {
		if err := json.Unmarshal([]byte(r.Discussed), &s.DiscussedSections); err != nil {
			return s, fmt.Errorf("storage: signature %s discussed sections: %w", r.ID, err)
		}
	}
	for _, st := range strokes {
		ps := make([]consent.Point, 0, len(st))
		for _, p := range st {
			ps = append(ps, consent.Point(p))
		}
		s.Mark.Strokes = append(s.Mark.Strokes, ps)
	}
	return s, nil
}

// CreateSignature stores a signature. The database refuses a second signature
// by the same role, and a patient and a representative on one consent: both
// are ECONFLICT.
func (t *tx) CreateSignature(ctx context.Context, s *consent.Signature) error {
	row := signatureFromDomain(s)
	q := t.q(ctx)
	if len(s.DiscussedSections) == 0 {
		// Left to the column's default ('[]'), as on every signature before
		// it existed, so the write also fits a database of an older schema.
		q = q.Omit("discussed_sections")
	}
	err := t.savepoint(ctx, func() error { return q.Create(&row).Error })
	if err == nil {
		return nil
	}
	err = translate("create signature", err, msgs{notFound: "Consent not found.", conflict: "conflict"})
	if consent.ErrorCode(err) != consent.ECONFLICT {
		return err
	}
	// Say which rule was hit; the failed statement left the transaction usable
	// (on PostgreSQL, by rolling back to the savepoint).
	var roles []string
	if qerr := t.q(ctx).Model(&signatureRow{}).Where("consent_id = ? AND side = ?", row.ConsentID, row.Side).
		Pluck("role", &roles).Error; qerr != nil {
		return translate("find signature", qerr, msgs{})
	}
	switch {
	case len(roles) == 0:
		return consent.Errorf(consent.ECONFLICT, "A signature with this ID already exists.")
	case roles[0] == row.Role:
		return consent.Errorf(consent.ECONFLICT, "The %s has already signed this consent.", row.Role)
	}
	return consent.Errorf(consent.ECONFLICT, "This consent already has a %s signature; a patient or a representative signs, not both.", roles[0])
}

type acknowledgmentRow struct {
	ID         int64        `gorm:"column:id;primaryKey"`
	ConsentID  string       `gorm:"column:consent_id"`
	SectionKey string       `gorm:"column:section_key"`
	Locale     string       `gorm:"column:locale"`
	AtMS       int64        `gorm:"column:at"`
	Evidence   evidenceCols `gorm:"embedded"`
}

func (acknowledgmentRow) TableName() string { return "acknowledgments" }

func (r acknowledgmentRow) toDomain() consent.Acknowledgment {
	return consent.Acknowledgment{ID: r.ID, ConsentID: r.ConsentID, SectionKey: r.SectionKey, Locale: r.Locale,
		At: fromMS(r.AtMS), Evidence: consent.Evidence(r.Evidence)}
}

// CreateAcknowledgment records that a section was acknowledged; ENOTFOUND
// without the consent.
func (t *tx) CreateAcknowledgment(ctx context.Context, a *consent.Acknowledgment) error {
	one := []consent.Acknowledgment{*a}
	if err := t.CreateAcknowledgments(ctx, one); err != nil {
		return err
	}
	a.ID = one[0].ID
	return nil
}

// discussedJSON stores a signature's discussed sections; none is "[]", the
// column's value on signatures made before it existed.
func discussedJSON(keys []string) string {
	if len(keys) == 0 {
		return "[]"
	}
	return mustJSON(keys)
}

type answerAttemptRow struct {
	ID          int64        `gorm:"column:id;primaryKey"`
	ConsentID   string       `gorm:"column:consent_id"`
	SectionKey  string       `gorm:"column:section_key"`
	QuestionKey string       `gorm:"column:question_key"`
	Locale      string       `gorm:"column:locale"`
	Choice      int          `gorm:"column:choice"`
	Correct     bool         `gorm:"column:correct"`
	AtMS        int64        `gorm:"column:at"`
	Evidence    evidenceCols `gorm:"embedded"`
}

func (answerAttemptRow) TableName() string { return "answer_attempts" }

func (r answerAttemptRow) toDomain() consent.AnswerAttempt {
	return consent.AnswerAttempt{ID: r.ID, ConsentID: r.ConsentID, SectionKey: r.SectionKey, QuestionKey: r.QuestionKey,
		Locale: r.Locale, Choice: r.Choice, Correct: r.Correct, At: fromMS(r.AtMS), Evidence: consent.Evidence(r.Evidence)}
}

// CreateAnswerAttempt records a teach-back answer attempt; ENOTFOUND
// without the consent.
func (t *tx) CreateAnswerAttempt(ctx context.Context, a *consent.AnswerAttempt) error {
	row := answerAttemptRow{ConsentID: a.ConsentID, SectionKey: a.SectionKey, QuestionKey: a.QuestionKey, Locale: a.Locale,
		Choice: a.Choice, Correct: a.Correct, AtMS: toMS(a.At), Evidence: evidenceCols(a.Evidence)}
	if err := t.q(ctx).Create(&row).Error; err != nil {
		return translate("create answer attempt", err, msgs{notFound: "Consent not found."})
	}
	a.ID = row.ID
	return nil
}
