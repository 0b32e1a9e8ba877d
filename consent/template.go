package consent

import (
	"context"
	"regexp"
	"slices"
	"time"
)

// Template version statuses. A version moves draft → published → retired only.
const (
	VersionDraft     = "draft"
	VersionPublished = "published"
	VersionRetired   = "retired"
)

// SectionKinds lists the kinds a section may have, in the order a consent reads.
var SectionKinds = []string{
	"overview", "procedure", "benefits", "side_effects_short_term", "risks_long_term",
	"misuse_risk", "contraindications", "alternatives", "cost", "safety_measures", "aftercare", "rights", "other",
}

// SignatureForms lists the ways a signature may be given.
var SignatureForms = []string{"drawn", "typed", "image"}

// Template is a named consent form; its content lives in numbered versions.
type Template struct {
	Slug           string
	Title          string
	CurrentVersion *int     // newest published, non-retired version, or nil
	Locales        []string // locales of the current version
	CreatedAt      time.Time
}

// TemplateVersion is one numbered revision of a template. Once published, its
// content (everything ContentSHA256 covers) never changes.
type TemplateVersion struct {
	Slug          string
	Version       int
	Status        string
	ContentSHA256 string
	PublishedAt   *time.Time
	ApprovedBy    string
	RetiredAt     *time.Time
	CreatedAt     time.Time
	// Reconsent is the re-consent policy the version was published with
	// (ReconsentPolicies; "" for a first version or one published before
	// policies existed). Stored with the publication, frozen with it.
	Reconsent string
	VersionContent
}

// VersionContent is the content of a version without its lifecycle fields.
// It is the one shape of a template's content: its tags are the wire format
// of the API (a version as sent and shown), of the stored version and of the
// template files, whose names are the domain's own.
type VersionContent struct {
	Locales           map[string]LocaleContent `json:"locales" yaml:"locales"`
	Variables         []Variable               `json:"variables" yaml:"variables"`
	RequiredSigners   []string                 `json:"required_signers" yaml:"required_signers"`
	SignatureForms    []string                 `json:"signature_forms" yaml:"signature_forms"`
	ExpiresAfterHours int                      `json:"expires_after_hours" yaml:"expires_after_hours"`
	// TeachBack is "required" when the clinician may countersign only after
	// every teach-back question was answered correctly; empty otherwise.
	TeachBack string `json:"teach_back,omitempty" yaml:"teach_back"`
	// ValidForDays, when > 0, is how long a signed consent on this version
	// stays valid before it is flagged renewal_due.
	ValidForDays int `json:"valid_for_days,omitempty" yaml:"valid_for_days"`
}

// LocaleContent is a version's text in one language.
type LocaleContent struct {
	Title      string            `json:"title" yaml:"title"`
	Sections   []Section         `json:"sections" yaml:"sections"`
	Disclosure string            `json:"disclosure" yaml:"disclosure"` // electronic-records disclosure, Markdown
	Meanings   map[string]string `json:"meanings" yaml:"meanings"`     // role → meaning of the signature (21 CFR 11.50)
	// ChangeSummary says in plain words what changed since the previous
	// version (Markdown, optional); empty on a first version.
	ChangeSummary string `json:"change_summary,omitempty" yaml:"change_summary"`
}

// Section is one part of a consent document; Body is Markdown with {{variable}} placeholders.
type Section struct {
	Key                    string `json:"key" yaml:"key"`
	Kind                   string `json:"kind" yaml:"kind"`
	Heading                string `json:"heading" yaml:"heading"`
	Body                   string `json:"body" yaml:"body"`
	RequiresAcknowledgment bool   `json:"requires_acknowledgment" yaml:"requires_acknowledgment"`
	// Questions are the section's teach-back questions (optional), asked
	// after the patient read it.
	Questions []Question `json:"questions,omitempty" yaml:"questions"`
}

// Variable is a value filled in per consent, such as the clinic's name. It is
// the one shape of a variable everywhere: its tags are the wire format of the
// API, of the stored version and of the template files.
type Variable struct {
	Name     string `json:"name" yaml:"name"`
	Label    string `json:"label" yaml:"label"`
	Required bool   `json:"required" yaml:"required"`
	// Default is used when a consent gives no value; a required variable with
	// a default is satisfied by it. Empty means no default.
	Default string `json:"default,omitempty" yaml:"default"`
}

// Content returns the part of the version that its hash covers.
func (v *TemplateVersion) Content() VersionContent { return v.VersionContent }

// SetContent replaces the version's content and recomputes its hash.
func (v *TemplateVersion) SetContent(c VersionContent) error {
	sum, err := c.SHA256()
	if err != nil {
		return err
	}
	v.VersionContent, v.ContentSHA256 = c, sum
	return nil
}

// SortedLocales returns the version's locale codes in a stable order.
func (v *TemplateVersion) SortedLocales() []string {
	out := make([]string, 0, len(v.Locales))
	for l := range v.Locales {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// CanonicalMap returns the content as a JSON object shaped like the API's version
// document (snake_case), the input to ContentSHA256.
func (c VersionContent) CanonicalMap() map[string]any {
	locales := map[string]any{}
	for code, lc := range c.Locales {
		sections := make([]any, 0, len(lc.Sections))
		for _, s := range lc.Sections {
			sections = append(sections, canonicalSection(s.Key, s.Kind, s.Heading, s.Body, s.RequiresAcknowledgment, s.Questions))
		}
		l := map[string]any{"title": lc.Title, "sections": sections, "disclosure": lc.Disclosure,
			"meanings": canonicalMeanings(lc.Meanings)}
		// Optional fields enter the hash only when set, so the hashes of
		// versions made before they existed do not change.
		if lc.ChangeSummary != "" {
			l["change_summary"] = lc.ChangeSummary
		}
		locales[code] = l
	}
	vars := make([]any, 0, len(c.Variables))
	for _, v := range c.Variables {
		m := map[string]any{"name": v.Name, "label": v.Label, "required": v.Required}
		if v.Default != "" {
			m["default"] = v.Default
		}
		vars = append(vars, m)
	}
	out := map[string]any{
		"locales": locales, "variables": vars,
		"required_signers": nonNil(c.RequiredSigners), "signature_forms": nonNil(c.SignatureForms),
		"expires_after_hours": c.ExpiresAfterHours,
	}
	if c.TeachBack != "" {
		out["teach_back"] = c.TeachBack
	}
	if c.ValidForDays != 0 {
		out["valid_for_days"] = c.ValidForDays
	}
	return out
}

// SHA256 returns the hex SHA-256 of the RFC 8785 canonical encoding of the content.
func (c VersionContent) SHA256() (string, error) {
	return CanonicalSHA256(c.CanonicalMap())
}

// canonicalSection is a section's text as hashed, in a template version and
// in a rendered document alike (a document's HTML is derived, so not hashed).
// Questions enter only when set, so hashes made before they existed stay.
func canonicalSection(key, kind, heading, body string, ack bool, questions []Question) map[string]any {
	m := map[string]any{"key": key, "kind": kind, "heading": heading, "body": body, "requires_acknowledgment": ack}
	if len(questions) > 0 {
		m["questions"] = canonicalQuestions(questions)
	}
	return m
}

// canonicalMeanings is the signature meanings by role, as hashed ({} when none).
func canonicalMeanings(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for role, meaning := range m {
		out[role] = meaning
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	keyPattern      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	localePattern   = regexp.MustCompile(`^[a-z]{2}(-[A-Z]{2})?$`)
	variablePattern = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_]*)\s*\}\}`)
)

// ValidateSlug checks a template slug: lowercase letters, digits and dashes.
func ValidateSlug(field, slug string) error {
	if !slugPattern.MatchString(slug) {
		return FieldErrorf(EINVALID, field, "must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit.")
	}
	return nil
}

// CheckID checks an ID a caller chooses (a staff ID): 1-64 characters of
// [A-Za-z0-9._-] starting with a letter or digit, so it can always be
// addressed in a URL path (no "/", "?", "#", "%", spaces, ".." or non-ASCII).
func CheckID(field, id string) error {
	if !idPattern.MatchString(id) {
		return FieldErrorf(EINVALID, field, "must be 1-64 letters, digits, dots, underscores or dashes (A-Z a-z 0-9 . _ -), starting with a letter or digit.")
	}
	return nil
}

// TemplateReader finds templates and their versions. Find methods return
// ENOTFOUND when nothing matches; ListVersions returns ENOTFOUND for an
// unknown template.
type TemplateReader interface {
	FindTemplate(ctx context.Context, slug string) (*Template, error)
	// ListTemplates returns every template ordered by slug.
	ListTemplates(ctx context.Context) ([]*Template, error)
	FindVersion(ctx context.Context, slug string, version int) (*TemplateVersion, error)
	// ListVersions returns a template's versions, oldest first.
	ListVersions(ctx context.Context, slug string) ([]*TemplateVersion, error)
	ApprovalReader
}

// TemplateWriter creates templates and moves their versions through their
// lifecycle. A published version's content is never written again.
type TemplateWriter interface {
	CreateTemplate(ctx context.Context, t *Template) error // ECONFLICT if the slug exists
	// CreateVersion stores a new version; ENOTFOUND without its template,
	// ECONFLICT if the number is taken.
	CreateVersion(ctx context.Context, v *TemplateVersion) error
	// UpdateDraftVersion replaces a draft's content; ECONFLICT if it is not a
	// draft, ENOTFOUND if it does not exist.
	UpdateDraftVersion(ctx context.Context, v *TemplateVersion) error
	// SetVersionStatus moves a version from one status to another, stamping
	// published_at and approved_by, or retired_at; ECONFLICT if its status is
	// not from, ENOTFOUND if it does not exist.
	SetVersionStatus(ctx context.Context, slug string, version int, from, to string, at time.Time, approvedBy string) error
	// CreateApproval stores a version's approval; ENOTFOUND without the
	// version, ECONFLICT if it already has one.
	CreateApproval(ctx context.Context, a *TemplateApproval) error
	// SetVersionReconsent records the re-consent policy of a draft about to
	// be published (frozen with it); ECONFLICT if it is not a draft.
	SetVersionReconsent(ctx context.Context, slug string, version int, policy string) error
}

// TemplateTx is the template aggregate inside a unit of work.
type TemplateTx interface {
	TemplateReader
	TemplateWriter
	ReconsentJobs
}
