package consent

import (
	"context"
	"time"
)

// Reader holds the queries the domain needs. Find methods return ENOTFOUND when
// nothing matches; list methods return an opaque cursor for the next page ("" at the end).
type Reader interface {
	FindTemplate(ctx context.Context, slug string) (*Template, error)
	ListTemplates(ctx context.Context) ([]*Template, error)
	FindVersion(ctx context.Context, slug string, version int) (*TemplateVersion, error)
	ListVersions(ctx context.Context, slug string) ([]*TemplateVersion, error)

	// FindConsentByID returns the consent with its signatures, acknowledgments and PDF info.
	FindConsentByID(ctx context.Context, id string) (*Consent, error)
	FindConsentBySigningToken(ctx context.Context, tokenHash string) (*Consent, error)
	FindConsentBySigningCode(ctx context.Context, codeHash string) (*Consent, error)
	ListConsents(ctx context.Context, f ConsentFilter) ([]*Consent, string, error)
	// CountConsents counts the consents f matches, ignoring its cursor and limit.
	CountConsents(ctx context.Context, f ConsentFilter) (int, error)
	// ListExpiredPending returns up to limit pending consents whose expires_at <= now.
	ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]*Consent, error)
	FindPDF(ctx context.Context, consentID string) (*SealedPDF, error)
	// FindAdditionalPDF returns a consent's sealed PDF of a kind other than
	// the signed one (PDFKindWithdrawn); ENOTFOUND if none.
	FindAdditionalPDF(ctx context.Context, consentID, kind string) (*SealedPDF, error)

	ListAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// AuditChainHead returns the position of the last event in the database
	// ({0, ""} for an empty chain); its MAC is not needed and may be empty.
	AuditChainHead(ctx context.Context) (AuditHead, error)
	// LastAuditCheckpoint returns the newest stored checkpoint, or nil if none.
	LastAuditCheckpoint(ctx context.Context) (*AuditCheckpoint, error)
	// ListAuditCheckpoints returns stored checkpoints oldest first, after seq afterSeq.
	ListAuditCheckpoints(ctx context.Context, afterSeq int64, limit int) ([]*AuditCheckpoint, error)

	FindAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	FindAPIKey(ctx context.Context, id string) (*APIKey, error)
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
	FindStaff(ctx context.Context, id string) (*Staff, error)
	ListStaff(ctx context.Context) ([]*Staff, error)
	FindDeviceByHash(ctx context.Context, tokenHash string) (*Device, error)
	FindDevice(ctx context.Context, id string) (*Device, error)
	ListDevices(ctx context.Context) ([]*Device, error)
	FindDownloadLinkByHash(ctx context.Context, tokenHash string) (*DownloadLink, error)
	FindDownloadLink(ctx context.Context, consentID, id string) (*DownloadLink, error)
	FindIdempotency(ctx context.Context, scope, key string) (*Idempotency, error)
	WebhookReader
}

// WebhookReader holds the webhook queries used inside and outside transactions.
type WebhookReader interface {
	FindWebhook(ctx context.Context, id string) (*Webhook, error)
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	// ListDeliveries returns an endpoint's deliveries, newest first.
	ListDeliveries(ctx context.Context, webhookID string, limit int) ([]*WebhookDelivery, error)
	// CountPendingDeliveries returns the delivery backlog.
	CountPendingDeliveries(ctx context.Context) (int, error)
}

// Writer holds the writes; they exist only inside a transaction. Nothing signed or
// published is ever updated: the only updates are status transitions guarded by
// the expected current status, and draft edits guarded by status = draft.
type Writer interface {
	CreateTemplate(ctx context.Context, t *Template) error // ECONFLICT if the slug exists
	CreateVersion(ctx context.Context, v *TemplateVersion) error
	// UpdateDraftVersion replaces a draft's content; ECONFLICT if it is not a draft.
	UpdateDraftVersion(ctx context.Context, v *TemplateVersion) error
	// SetVersionStatus moves a version from one status to another; ECONFLICT if
	// its status is not from.
	SetVersionStatus(ctx context.Context, slug string, version int, from, to string, at time.Time, approvedBy string) error

	CreateConsent(ctx context.Context, c *Consent) error
	// TransitionConsent moves a consent from one status to another (and may fix
	// its locale when signing); ECONFLICT if its status is not from.
	TransitionConsent(ctx context.Context, id, from, to string, at time.Time, reason string) error
	// SetConsentLocale fixes the locale at the first signature.
	SetConsentLocale(ctx context.Context, id, locale string) error
	// CreateSignature stores a signature; ECONFLICT if the role already signed
	// (a unique constraint in the database).
	CreateSignature(ctx context.Context, s *Signature) error
	CreateAcknowledgment(ctx context.Context, a *Acknowledgment) error
	StorePDF(ctx context.Context, p *SealedPDF) error
	// StoreAdditionalPDF stores a sealed PDF of p.Kind beside the signed one,
	// once; ECONFLICT if the consent already has one of that kind.
	StoreAdditionalPDF(ctx context.Context, p *SealedPDF) error

	// AppendAudit assigns Seq, PrevHash, Hash and MAC, records the digests of
	// e.Rows in its details, and appends the event.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// CreateAuditCheckpoint stores a checkpoint; ECONFLICT if one exists for its seq.
	CreateAuditCheckpoint(ctx context.Context, cp *AuditCheckpoint) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	CreateStaff(ctx context.Context, s *Staff) error // ECONFLICT if the ID exists
	DeactivateStaff(ctx context.Context, id string, at time.Time) error
	CreateDevice(ctx context.Context, d *Device) error
	// RevokeDevice stamps revoked_at; ENOTFOUND if none, ECONFLICT if already revoked.
	RevokeDevice(ctx context.Context, id string, at time.Time) error
	CreateDownloadLink(ctx context.Context, l *DownloadLink) error
	RevokeDownloadLink(ctx context.Context, id string, at time.Time) error
	// LockDownloadLink stamps locked_at; ENOTFOUND if none, ECONFLICT if already locked.
	LockDownloadLink(ctx context.Context, id string, at time.Time) error
	// SaveIdempotency stores a response; ECONFLICT if scope+key already exists.
	SaveIdempotency(ctx context.Context, r *Idempotency) error
	WebhookWriter
}

// Tx is a unit of work: reads see its own writes.
type Tx interface {
	Reader
	Writer
}

// Store is the repository the domain service uses.
type Store interface {
	Reader
	Counters
	// Update runs fn in one write transaction that takes the write lock at its
	// start; an error from fn rolls everything back.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// AppendAuditEvents durably appends events outside any other write (e.g.
	// views); implementations may group concurrent calls into one commit.
	AppendAuditEvents(ctx context.Context, events ...*AuditEvent) error
	// LastAuditHead returns the authenticated head kept outside the database.
	LastAuditHead(ctx context.Context) (*AuditHead, error)
	// VerifyAuditRange checks that the events after `after` up to seq upTo
	// follow it link by link with valid hashes and MACs; it returns the first
	// fault, nil if they verify.
	VerifyAuditRange(ctx context.Context, after AuditHead, upTo int64) (*IntegrityFault, error)
	// VerifyIntegrity checks the whole chain, every row it vouches for, and
	// the chain's end against the authenticated head and the checkpoints given
	// (whose signatures the caller has verified).
	VerifyIntegrity(ctx context.Context, checkpoints []CheckpointClaim) (*IntegrityReport, error)
	// ClaimDueDeliveries leases pending webhook deliveries whose next attempt
	// is due, within c's limits, so no other worker or process sends them
	// during the lease.
	ClaimDueDeliveries(ctx context.Context, now time.Time, lease time.Duration, c DeliveryClaim) ([]*WebhookDelivery, error)
	// CompleteDelivery records an attempt's outcome (status, attempts, next
	// attempt, last result), appends it to the delivery log and releases the lease.
	CompleteDelivery(ctx context.Context, d *WebhookDelivery, attempt DeliveryAttempt) error
}

// MarkdownRenderer turns Markdown into sanitised HTML (no raw HTML, no unsafe links).
type MarkdownRenderer interface {
	MarkdownToHTML(md string) (string, error)
	// MarkdownNesting returns how deeply lists and block quotes nest in md
	// (0 for none, 1 for a plain list or quote).
	MarkdownNesting(md string) int
}

// Sealer renders a signed consent to PDF and seals it with a digital signature.
// It must not touch the database: it runs before the write transaction.
type Sealer interface {
	SealConsent(ctx context.Context, c *Consent, events []*AuditEvent) (*SealedPDF, error)
	// SealWithdrawal renders a withdrawn consent (status, time and reason of
	// the withdrawal set; PDF the signed one's info) as its withdrawal copy:
	// the signed document, marked withdrawn on every page, with the withdrawal
	// on the evidence page; sealed at the withdrawal time.
	SealWithdrawal(ctx context.Context, c *Consent, events []*AuditEvent) (*SealedPDF, error)
}

// PasswordHasher hashes and checks staff PINs with a slow password hash.
type PasswordHasher interface {
	Hash(pin string) (string, error)
	Compare(hash, pin string) bool
}
