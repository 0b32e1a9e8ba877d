package storage

import "github.com/consentd/consentd/consent"

// The accessors below hand out the database and its transactions as the
// domain's small per-aggregate ports. One reader (or one tx) implements them
// all, so each accessor is the same value seen through a narrower interface.
// consenttest.Store has the same list: every implementation of the ports does.

// Templates returns the template queries.
func (db *DB) Templates() consent.TemplateReader { return db.reader }

// Consents returns the consent and sealed-PDF queries.
func (db *DB) Consents() consent.ConsentReader { return db.reader }

// Links returns the download-link queries.
func (db *DB) Links() consent.LinkReader { return db.reader }

// Access returns the API key, staff and device queries.
func (db *DB) Access() consent.AccessReader { return db.reader }

// Webhooks returns the webhook queries.
func (db *DB) Webhooks() consent.WebhookReader { return db.reader }

// Idempotency returns the stored-response query.
func (db *DB) Idempotency() consent.IdempotencyReader { return db.reader }

// Audit returns the audit log: reads, grouped appends and verification.
func (db *DB) Audit() consent.AuditLog { return db }

// Counters returns the failure counts.
func (db *DB) Counters() consent.Counters { return db }

// Deliveries returns the webhook delivery queue.
func (db *DB) Deliveries() consent.Deliveries { return db }

// Templates returns the template aggregate inside the transaction.
func (t *tx) Templates() consent.TemplateTx { return t }

// Consents returns the consent aggregate inside the transaction.
func (t *tx) Consents() consent.ConsentTx { return t }

// Links returns the download-link aggregate inside the transaction.
func (t *tx) Links() consent.LinkTx { return t }

// Access returns the keys, staff and devices inside the transaction.
func (t *tx) Access() consent.AccessTx { return t }

// Webhooks returns the webhook aggregate inside the transaction.
func (t *tx) Webhooks() consent.WebhookTx { return t }

// Idempotency returns the stored-response writer inside the transaction.
func (t *tx) Idempotency() consent.IdempotencyWriter { return t }

// Audit returns the audit log inside the transaction.
func (t *tx) Audit() consent.AuditTx { return t }
