package consent

import (
	"context"
)

// Store is everything the service reads and writes, one small port per
// aggregate. Each accessor returns the read side of one aggregate (its
// writes exist only inside Update); consumers that need one aggregate take
// that port, not the Store.
type Store interface {
	Templates() TemplateReader
	Consents() ConsentReader
	Links() LinkReader
	Access() AccessReader
	Webhooks() WebhookReader
	Idempotency() IdempotencyReader
	Audit() AuditLog
	Counters() Counters
	Deliveries() Deliveries
	// Update runs fn in one write transaction that takes the write lock at its
	// start; an error from fn rolls everything back.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// UpdateGrouped is Update for the hot writes (signatures, new consents):
	// the store may run fn in a transaction shared with concurrent callers'
	// units of work, committed once, but fn's writes still commit or roll
	// back as a unit of their own (an error from fn undoes fn's writes only,
	// never another caller's), and it returns only once they are durable.
	// fn may run on another goroutine and must touch the store only through
	// tx; it should hold no CPU-heavy work, which would delay the whole group.
	// Errors: fn's, ctx's if ctx ends before fn starts, EUNAVAILABLE once the
	// store is closing.
	UpdateGrouped(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is a unit of work: one accessor per aggregate, each with the reads the
// domain makes inside a transaction and that aggregate's writes. Reads see
// the transaction's own writes. Nothing signed or published is ever
// updated: the only updates are status transitions guarded by the expected
// current status, and draft edits guarded by status = draft.
type Tx interface {
	Templates() TemplateTx
	Consents() ConsentTx
	Links() LinkTx
	Access() AccessTx
	Webhooks() WebhookTx
	Idempotency() IdempotencyWriter
	Audit() AuditTx
}

// Page sizes of the list queries, part of the stores' contract.
const (
	DefaultPageSize  = 50
	MaxPageSize      = 200  // consents, deliveries
	MaxAuditPageSize = 1000 // audit events, checkpoints, expired consents
)

// PageSize returns the page size a list query uses when limit is asked: def
// for none (limit <= 0), at most max.
func PageSize(limit, def, max int) int {
	switch {
	case limit <= 0:
		return def
	case limit > max:
		return max
	}
	return limit
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
