package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/consentd/consentd/consent"
)

type consentRow struct {
	ID                string  `gorm:"column:id;primaryKey"`
	Status            string  `gorm:"column:status"`
	TemplateSlug      string  `gorm:"column:template_slug"`
	TemplateVersion   int     `gorm:"column:template_version"`
	TemplateSHA256    string  `gorm:"column:template_sha256"`
	Locale            string  `gorm:"column:locale"`
	PatientID         string  `gorm:"column:patient_id"`
	PatientGivenName  string  `gorm:"column:patient_given_name"`
	PatientFamilyName string  `gorm:"column:patient_family_name"`
	PatientBirthDate  string  `gorm:"column:patient_birth_date"`
	Variables         string  `gorm:"column:variables"`
	Documents         string  `gorm:"column:documents"` // empty since migration 13: see documentsOfQuery
	CreatedMS         int64   `gorm:"column:created_at"`
	ExpiresMS         int64   `gorm:"column:expires_at"`
	CreatedBy         string  `gorm:"column:created_by"`
	SigningTokenHash  string  `gorm:"column:signing_token_hash"`
	SigningCodeHash   string  `gorm:"column:signing_code_hash"`
	SignedMS          *int64  `gorm:"column:signed_at"`
	StatusChangedMS   *int64  `gorm:"column:status_changed_at"`
	StatusReason      string  `gorm:"column:status_reason"`
	Supersedes        *string `gorm:"column:supersedes"` // NULL unless a re-consent
}

func (consentRow) TableName() string { return "consents" }

// documentJSON is how a frozen document is stored. It has the same fields as
// consent.Document (the API's form) but is declared here on purpose: the
// stored record is frozen (a trigger refuses any change) and its row digest
// covers it, so its format must never follow a change made for the API.
type documentJSON struct {
	Locale         string                `json:"locale"`
	Title          string                `json:"title"`
	Sections       []documentSectionJSON `json:"sections"`
	Disclosure     string                `json:"disclosure"`
	DisclosureHTML string                `json:"disclosure_html"`
	Meanings       map[string]string     `json:"meanings"`
	// Added with re-consent; absent from documents frozen before, and from
	// documents of versions without a change summary.
	ChangeSummary     string `json:"change_summary,omitempty"`
	ChangeSummaryHTML string `json:"change_summary_html,omitempty"`
	ContentSHA256     string `json:"content_sha256"`
}

type documentSectionJSON struct {
	Key                    string `json:"key"`
	Kind                   string `json:"kind"`
	Heading                string `json:"heading"`
	Body                   string `json:"body"`
	BodyHTML               string `json:"body_html"`
	RequiresAcknowledgment bool   `json:"requires_acknowledgment"`
	// Questions are absent on sections without teach-back questions, so
	// documents stored before they existed read back unchanged.
	Questions []questionJSON `json:"questions,omitempty"`
}

// questionJSON is how a frozen document stores a teach-back question.
type questionJSON struct {
	Key         string   `json:"key"`
	Question    string   `json:"question"`
	Choices     []string `json:"choices"`
	Correct     int      `json:"correct"`
	Explanation string   `json:"explanation"`
}

func sectionToJSON(s consent.DocumentSection) documentSectionJSON {
	out := documentSectionJSON{Key: s.Key, Kind: s.Kind, Heading: s.Heading, Body: s.Body, BodyHTML: s.BodyHTML,
		RequiresAcknowledgment: s.RequiresAcknowledgment}
	for _, q := range s.Questions {
		out.Questions = append(out.Questions, questionJSON{Key: q.Key, Question: q.Question, Choices: q.Choices,
			Correct: q.CorrectIndex(), Explanation: q.Explanation})
	}
	return out
}

func (s documentSectionJSON) toDomain() consent.DocumentSection {
	out := consent.DocumentSection{Key: s.Key, Kind: s.Kind, Heading: s.Heading, Body: s.Body, BodyHTML: s.BodyHTML,
		RequiresAcknowledgment: s.RequiresAcknowledgment}
	for _, q := range s.Questions {
		c := q.Correct
		out.Questions = append(out.Questions, consent.Question{Key: q.Key, Question: q.Question, Choices: q.Choices,
			Correct: &c, Explanation: q.Explanation})
	}
	return out
}

func consentFromDomain(c *consent.Consent) consentRow {
	docs := make(map[string]documentJSON, len(c.Documents))
	for code, d := range c.Documents {
		dj := documentJSON{Locale: d.Locale, Title: d.Title, Disclosure: d.Disclosure,
			DisclosureHTML: d.DisclosureHTML, Meanings: d.Meanings, ContentSHA256: d.ContentSHA256,
			ChangeSummary: d.ChangeSummary, ChangeSummaryHTML: d.ChangeSummaryHTML}
		for _, s := range d.Sections {
			dj.Sections = append(dj.Sections, sectionToJSON(s))
		}
		docs[code] = dj
	}
	return consentRow{ID: c.ID, Status: c.Status, TemplateSlug: c.TemplateSlug, TemplateVersion: c.TemplateVersion,
		TemplateSHA256: c.TemplateSHA256, Locale: c.Locale, PatientID: c.Patient.ID,
		PatientGivenName: c.Patient.GivenName, PatientFamilyName: c.Patient.FamilyName,
		PatientBirthDate: c.Patient.BirthDate, Variables: mustJSON(c.Variables), Documents: mustJSON(docs),
		CreatedMS: toMS(c.CreatedAt), ExpiresMS: toMS(c.ExpiresAt), CreatedBy: c.CreatedBy,
		SigningTokenHash: c.SigningTokenHash, SigningCodeHash: c.SigningCodeHash,
		SignedMS: toMSPtr(c.SignedAt), StatusChangedMS: toMSPtr(c.StatusChangedAt), StatusReason: c.StatusReason,
		Supersedes: nullString(c.Supersedes)}
}

// nullString is the column value of an optional reference.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r consentRow) toDomain() (*consent.Consent, error) {
	c := &consent.Consent{ID: r.ID, Status: r.Status, TemplateSlug: r.TemplateSlug, TemplateVersion: r.TemplateVersion,
		TemplateSHA256: r.TemplateSHA256, Locale: r.Locale,
		Patient:   consent.Patient{ID: r.PatientID, GivenName: r.PatientGivenName, FamilyName: r.PatientFamilyName, BirthDate: r.PatientBirthDate},
		CreatedAt: fromMS(r.CreatedMS), ExpiresAt: fromMS(r.ExpiresMS), CreatedBy: r.CreatedBy,
		SigningTokenHash: r.SigningTokenHash, SigningCodeHash: r.SigningCodeHash,
		SignedAt: fromMSPtr(r.SignedMS), StatusChangedAt: fromMSPtr(r.StatusChangedMS), StatusReason: r.StatusReason}
	if r.Supersedes != nil {
		c.Supersedes = *r.Supersedes
	}
	if err := json.Unmarshal([]byte(r.Variables), &c.Variables); err != nil {
		return nil, fmt.Errorf("storage: consent %s variables: %w", r.ID, err)
	}
	if r.Documents != "" {
		docs, err := decodeDocuments(r.Documents)
		if err != nil {
			return nil, fmt.Errorf("storage: consent %s documents: %w", r.ID, err)
		}
		c.Documents = docs
	}
	return c, nil
}

// FindConsentByID returns the consent with its signatures, acknowledgments and
// PDF info; ENOTFOUND if none.
func (r reader) FindConsentByID(ctx context.Context, id string) (*consent.Consent, error) {
	return r.findConsent(ctx, "id = ?", id)
}

// FindConsentBySigningToken finds the consent a signing token (by its hash) opens.
func (r reader) FindConsentBySigningToken(ctx context.Context, tokenHash string) (*consent.Consent, error) {
	if tokenHash == "" {
		return nil, consent.Errorf(consent.ENOTFOUND, "Consent not found.")
	}
	return r.findConsent(ctx, "signing_token_hash = ? AND signing_token_hash <> ''", tokenHash) // the index is partial
}

// FindConsentBySigningCode finds the consent a signing code (by its hash) opens.
func (r reader) FindConsentBySigningCode(ctx context.Context, codeHash string) (*consent.Consent, error) {
	if codeHash == "" {
		return nil, consent.Errorf(consent.ENOTFOUND, "Consent not found.")
	}
	return r.findConsent(ctx, "signing_code_hash = ? AND signing_code_hash <> ''", codeHash) // the index is partial
}

func (r reader) findConsent(ctx context.Context, where string, arg any) (*consent.Consent, error) {
	var row consentRow
	if err := r.q(ctx).Select(consentColumns).Where(where, arg).Take(&row).Error; err != nil {
		return nil, translate("find consent", err, msgs{notFound: "Consent not found."})
	}
	out, err := r.withParts(ctx, []consentRow{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// CreateConsent stores a new consent, its frozen documents in
// consent_documents; ENOTFOUND if its template version does not exist,
// ECONFLICT if its ID or a signing secret is taken.
func (t *tx) CreateConsent(ctx context.Context, c *consent.Consent) error {
	row := consentFromDomain(c)
	docs := row.Documents
	row.Documents = "" // written once, apart: see sqliteConsentDocumentsV13
	err := t.q(ctx).Create(&row).Error
	if err == nil {
		_, err = t.exec(ctx, "INSERT INTO consent_documents (consent_id, documents) VALUES (?, ?)", c.ID, docs)
	}
	return translate("create consent", err,
		msgs{notFound: "Template version not found.", conflict: "A consent with this ID or signing secret already exists."})
}

// TransitionConsent moves a consent from one status to another; ECONFLICT if
// its status is not from or the move is not a legal transition.
func (t *tx) TransitionConsent(ctx context.Context, id, from, to string, at time.Time, reason string) error {
	if !consent.CanTransition(from, to) {
		return consent.Errorf(consent.ECONFLICT, "A consent cannot move from %s to %s.", from, to)
	}
	ms := toMS(at)
	n, err := t.exec(ctx, `UPDATE consents SET status = ?, status_changed_at = ?, status_reason = ?,
		signed_at = CASE WHEN ? = 'signed' THEN ? ELSE signed_at END WHERE id = ? AND status = ?`,
		to, ms, reason, to, ms, id, from)
	if err != nil {
		return translate("transition consent", err, msgs{})
	}
	if n == 0 {
		return t.consentMissOrConflict(ctx, id, fmt.Sprintf("The consent is not %s.", from))
	}
	return nil
}

// SetConsentLocale fixes the locale; it must come before the first signature,
// after which the locale is frozen (ECONFLICT).
func (t *tx) SetConsentLocale(ctx context.Context, id, locale string) error {
	n, err := t.exec(ctx, `UPDATE consents SET locale = ? WHERE id = ? AND status = 'pending'
		AND (locale = ? OR NOT EXISTS (SELECT 1 FROM signatures WHERE consent_id = ?))`, locale, id, locale, id)
	if err != nil {
		return translate("set consent locale", err, msgs{})
	}
	if n == 0 {
		return t.consentMissOrConflict(ctx, id, "The consent's locale can no longer change.")
	}
	return nil
}

func (t *tx) consentMissOrConflict(ctx context.Context, id, conflict string) error {
	ok, err := t.exists(ctx, "consents", "id = ?", id)
	switch {
	case err != nil:
		return translate("find consent", err, msgs{})
	case !ok:
		return consent.Errorf(consent.ENOTFOUND, "Consent not found.")
	}
	return consent.Errorf(consent.ECONFLICT, "%s", conflict)
}
