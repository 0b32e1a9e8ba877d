package consent

import (
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
	Slug              string
	Version           int
	Status            string
	ContentSHA256     string
	PublishedAt       *time.Time
	ApprovedBy        string
	RetiredAt         *time.Time
	CreatedAt         time.Time
	Locales           map[string]LocaleContent
	Variables         []Variable
	RequiredSigners   []string
	SignatureForms    []string
	ExpiresAfterHours int
}

// LocaleContent is a version's text in one language.
type LocaleContent struct {
	Title      string
	Sections   []Section
	Disclosure string            // electronic-records disclosure, Markdown
	Meanings   map[string]string // role → meaning of the signature (21 CFR 11.50)
	// ChangeSummary says in plain words what changed since the previous
	// version (Markdown, optional); empty on a first version.
	ChangeSummary string
}

// Section is one part of a consent document; Body is Markdown with {{variable}} placeholders.
type Section struct {
	Key                    string
	Kind                   string
	Heading                string
	Body                   string
	RequiresAcknowledgment bool
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

// VersionContent is the content of a version without its lifecycle fields.
type VersionContent struct {
	Locales           map[string]LocaleContent
	Variables         []Variable
	RequiredSigners   []string
	SignatureForms    []string
	ExpiresAfterHours int
}

// Content returns the part of the version that its hash covers.
func (v *TemplateVersion) Content() VersionContent {
	return VersionContent{Locales: v.Locales, Variables: v.Variables, RequiredSigners: v.RequiredSigners,
		SignatureForms: v.SignatureForms, ExpiresAfterHours: v.ExpiresAfterHours}
}

// SetContent replaces the version's content and recomputes its hash.
func (v *TemplateVersion) SetContent(c VersionContent) error {
	v.Locales, v.Variables, v.RequiredSigners = c.Locales, c.Variables, c.RequiredSigners
	v.SignatureForms, v.ExpiresAfterHours = c.SignatureForms, c.ExpiresAfterHours
	sum, err := c.SHA256()
	if err != nil {
		return err
	}
	v.ContentSHA256 = sum
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
			sections = append(sections, map[string]any{"key": s.Key, "kind": s.Kind, "heading": s.Heading,
				"body": s.Body, "requires_acknowledgment": s.RequiresAcknowledgment})
		}
		meanings := map[string]any{}
		for r, m := range lc.Meanings {
			meanings[r] = m
		}
		l := map[string]any{"title": lc.Title, "sections": sections, "disclosure": lc.Disclosure, "meanings": meanings}
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
	return map[string]any{
		"locales": locales, "variables": vars,
		"required_signers": nonNil(c.RequiredSigners), "signature_forms": nonNil(c.SignatureForms),
		"expires_after_hours": c.ExpiresAfterHours,
	}
}

// SHA256 returns the hex SHA-256 of the RFC 8785 canonical encoding of the content.
func (c VersionContent) SHA256() (string, error) {
	return CanonicalSHA256(c.CanonicalMap())
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
