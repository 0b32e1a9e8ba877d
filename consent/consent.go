package consent

import (
	"context"
	"time"
)

// Consent statuses. pending → signed | declined | cancelled | expired;
// signed → withdrawn | voided. No other transition exists.
const (
	StatusPending   = "pending"
	StatusSigned    = "signed"
	StatusDeclined  = "declined"
	StatusCancelled = "cancelled"
	StatusExpired   = "expired"
	StatusWithdrawn = "withdrawn"
	StatusVoided    = "voided"
)

// Statuses lists every consent status.
var Statuses = []string{StatusPending, StatusSigned, StatusDeclined, StatusCancelled, StatusExpired, StatusWithdrawn, StatusVoided}

var transitions = map[string][]string{
	StatusPending: {StatusSigned, StatusDeclined, StatusCancelled, StatusExpired},
	StatusSigned:  {StatusWithdrawn, StatusVoided},
}

// CanTransition reports whether a consent may move from one status to another.
func CanTransition(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Patient identifies the person the consent is about.
type Patient struct {
	ID         string // the clinic's identifier, e.g. an MRN
	GivenName  string
	FamilyName string
	BirthDate  string // YYYY-MM-DD
}

// FullName returns the patient's name as printed on the document.
func (p Patient) FullName() string {
	return p.GivenName + " " + p.FamilyName
}

// Consent is one patient's consent to one template version. Its documents are
// rendered and frozen at creation; signatures are added, never changed.
type Consent struct {
	ID              string
	Status          string
	TemplateSlug    string
	TemplateVersion int
	TemplateSHA256  string // content hash of the template version used
	Locale          string // selected locale; fixed by the first signature
	Patient         Patient
	Variables       map[string]string
	Documents       map[string]Document // locale → frozen rendering
	CreatedAt       time.Time
	ExpiresAt       time.Time
	CreatedBy       string // actor that created it, e.g. "apikey:01H..."

	SigningTokenHash string // SHA-256 hex of the signing token
	SigningCodeHash  string // HMAC of the normalised signing code (SHA-256 hex before the upgrade; see signingCodeHash)

	SignedAt        *time.Time
	StatusChangedAt *time.Time // time of the last transition
	StatusReason    string     // reason of the last transition (decline, cancel, withdraw, void)

	Signatures      []Signature      // in signing order
	Acknowledgments []Acknowledgment // in recording order
	Answers         []AnswerAttempt  // teach-back answer attempts, in recording order
	PDF             *PDFInfo         // set once signed
	// WithdrawalPDF is the sealed withdrawal copy of a withdrawn consent (nil
	// for a consent withdrawn before copies existed, until one is sealed).
	WithdrawalPDF *PDFInfo
	// Approval is its template version's approval, nil while pending. It is
	// derived, never stored with the consent: set when a PDF of it is sealed
	// (which prints the state at that moment), see Service.ApprovalOf.
	Approval *TemplateApproval

	// Supersedes is the consent this one was made from by a re-consent
	// ("" for none); stored, frozen at creation.
	Supersedes string
	// Successors are the re-consents made from this consent, oldest first;
	// filled by the store, from their own rows.
	Successors []Successor
	// Derived when read (see DeriveFlags); never stored.
	SupersededBy string
	ReconsentDue *ReconsentDue
	RenewalDue   *RenewalDue
}

// Document returns the frozen document in the consent's selected locale.
func (c *Consent) Document() Document {
	return c.Documents[c.Locale]
}

// SignatureByRole returns the signature a role gave, if any.
func (c *Consent) SignatureByRole(role string) *Signature {
	for i := range c.Signatures {
		if c.Signatures[i].Role == role {
			return &c.Signatures[i]
		}
	}
	return nil
}

// IsExpired reports whether a pending consent is past its expiry at now.
func (c *Consent) IsExpired(now time.Time) bool {
	return c.Status == StatusPending && !now.Before(c.ExpiresAt)
}

// Document is a template version rendered for one patient in one locale: the
// exact text shown, and its hash. Its tags are its wire format in the API;
// the stored copy keeps a format of its own (see storage), so that the frozen
// record never depends on how the API shows it.
type Document struct {
	Locale         string            `json:"locale"`
	Title          string            `json:"title"`
	Sections       []DocumentSection `json:"sections"`
	Disclosure     string            `json:"disclosure"`
	DisclosureHTML string            `json:"disclosure_html"`
	Meanings       map[string]string `json:"meanings"`
	// ChangeSummary is the version's "what changed since the last version"
	// (Markdown; "" when the version has none), frozen with the text.
	ChangeSummary     string `json:"change_summary,omitempty"`
	ChangeSummaryHTML string `json:"change_summary_html,omitempty"`
	ContentSHA256     string `json:"content_sha256"`
}

// DocumentSection is one rendered section; Body is Markdown, BodyHTML its sanitised HTML.
type DocumentSection struct {
	Key                    string `json:"key"`
	Kind                   string `json:"kind"`
	Heading                string `json:"heading"`
	Body                   string `json:"body"`
	BodyHTML               string `json:"body_html"`
	RequiresAcknowledgment bool   `json:"requires_acknowledgment"`
	// Questions are the section's teach-back questions, values filled in.
	Questions []Question `json:"questions,omitempty"`
}

// CanonicalMap returns the document's text as a JSON object; its canonical
// SHA-256 is the document's ContentSHA256. The HTML is derived, so not hashed.
func (d Document) CanonicalMap(templateSlug string, version int) map[string]any {
	sections := make([]any, 0, len(d.Sections))
	for _, s := range d.Sections {
		sections = append(sections, canonicalSection(s.Key, s.Kind, s.Heading, s.Body, s.RequiresAcknowledgment, s.Questions))
	}
	m := map[string]any{"template": templateSlug, "version": version, "locale": d.Locale,
		"title": d.Title, "sections": sections, "disclosure": d.Disclosure, "meanings": canonicalMeanings(d.Meanings)}
	// Hashed only when set, so documents frozen before it existed keep their hash.
	if d.ChangeSummary != "" {
		m["change_summary"] = d.ChangeSummary
	}
	return m
}

// PDFInfo describes a consent's stored sealed PDF.
type PDFInfo struct {
	SHA256     string
	Size       int
	CreatedAt  time.Time
	CertSHA256 string // fingerprint of the sealing certificate
}

// Kinds of sealed PDF. The signed PDF is sealed when the last required
// signature completes the consent and never changes; a withdrawal copy is
// sealed, additionally, when the consent is withdrawn.
const (
	PDFKindSigned    = "signed"
	PDFKindWithdrawn = "withdrawn"
)

// SealedPDF is a stored sealed PDF with its bytes.
type SealedPDF struct {
	ConsentID string
	Kind      string // PDFKindSigned ("" means the same) or PDFKindWithdrawn
	Info      PDFInfo
	Bytes     []byte
}

// ConsentFilter selects consents for a list, newest first.
type ConsentFilter struct {
	PatientID    string
	Status       string
	TemplateSlug string
	Limit        int
	Cursor       string // opaque; returned by the previous page
	// ReconsentDue and RenewalDue keep only consents with that flag (see
	// DeriveFlags); RenewalDue needs Now.
	ReconsentDue bool
	RenewalDue   bool
	// Now, when set, makes the status filter match the status shown: a pending
	// consent past its expiry counts as expired before the job records it.
	Now time.Time
}

// ConsentFinder finds one consent with its signatures (in signing order),
// acknowledgments and answer attempts (in recording order) and PDF info;
// ENOTFOUND if none.
type ConsentFinder interface {
	FindConsentByID(ctx context.Context, id string) (*Consent, error)
}

// ConsentReader holds the queries on consents and their sealed PDFs. Find
// methods return ENOTFOUND when nothing matches.
type ConsentReader interface {
	ConsentFinder
	FindConsentBySigningToken(ctx context.Context, tokenHash string) (*Consent, error)
	FindConsentBySigningCode(ctx context.Context, codeHash string) (*Consent, error)
	// FindConsentSummary returns SummaryOf what FindConsentByID returns,
	// loading only that: the summary read's cheaper load. ENOTFOUND if none.
	FindConsentSummary(ctx context.Context, id string) (*Consent, error)
	// ListConsents returns a page of consents, newest first, and an opaque
	// cursor for the next page ("" at the end); EINVALID for a cursor it did
	// not return.
	ListConsents(ctx context.Context, f ConsentFilter) ([]*Consent, string, error)
	// ListConsentSummaries returns SummaryOf each consent ListConsents
	// returns for f, in its order, with its cursor, loading only that: the
	// summary list's cheaper load. EINVALID for a cursor it did not return.
	ListConsentSummaries(ctx context.Context, f ConsentFilter) ([]*Consent, string, error)
	// CountConsents counts the consents f matches, ignoring its cursor and limit.
	CountConsents(ctx context.Context, f ConsentFilter) (int, error)
	// ListExpiredPending returns up to limit pending consents whose
	// expires_at <= now, soonest expired first.
	ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]*Consent, error)
	FindPDF(ctx context.Context, consentID string) (*SealedPDF, error)
	// FindAdditionalPDF returns a consent's sealed PDF of a kind other than
	// the signed one (PDFKindWithdrawn).
	FindAdditionalPDF(ctx context.Context, consentID, kind string) (*SealedPDF, error)
}

// ConsentWriter adds to consents; what it adds is never changed. Writes
// naming a consent that does not exist return ENOTFOUND.
type ConsentWriter interface {
	// CreateConsent stores a new consent; ENOTFOUND if its template version
	// (or the consent it supersedes) does not exist, ECONFLICT if its ID or a
	// signing secret is taken.
	CreateConsent(ctx context.Context, c *Consent) error
	// TransitionConsent moves a consent from one status to another (stamping
	// signed_at when it becomes signed); ECONFLICT if its status is not from
	// or the move is not a legal transition.
	TransitionConsent(ctx context.Context, id, from, to string, at time.Time, reason string) error
	// SetConsentLocale fixes the locale at the first signature; ECONFLICT
	// once a signature fixed it, or when the consent is not pending.
	SetConsentLocale(ctx context.Context, id, locale string) error
	// CreateSignature stores a signature; ECONFLICT if the role already
	// signed, or if a patient and a representative would both sign.
	CreateSignature(ctx context.Context, s *Signature) error
	// CreateAcknowledgment stores an acknowledgment and sets its ID.
	CreateAcknowledgment(ctx context.Context, a *Acknowledgment) error
	// CreateAcknowledgments stores several acknowledgments at once (one
	// statement where the store can) and sets their IDs, ascending in order.
	CreateAcknowledgments(ctx context.Context, acks []Acknowledgment) error
	// CreateAnswerAttempt stores a teach-back answer attempt and sets its ID.
	CreateAnswerAttempt(ctx context.Context, a *AnswerAttempt) error
	// StorePDF stores a consent's sealed PDF, once; ECONFLICT after.
	StorePDF(ctx context.Context, p *SealedPDF) error
	// StoreAdditionalPDF stores a sealed PDF of p.Kind beside the signed one,
	// once; ECONFLICT if the consent already has one of that kind.
	StoreAdditionalPDF(ctx context.Context, p *SealedPDF) error
}

// ConsentTx is the consent aggregate inside a unit of work.
type ConsentTx interface {
	ConsentFinder
	ConsentStateFinder
	ConsentWriter
	ReconsentCandidates
}
