package consent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// EventConsentReconsentDue tells an integration that a signed consent needs
// a new signature (a webhook only: the flag is derived, nothing is written).
const EventConsentReconsentDue = "consent.reconsent_due"

// WebhookEventTypes are the events an endpoint may subscribe to.
var WebhookEventTypes = []string{
	EventConsentCreated, EventSignatureRecorded, EventConsentSigned, EventConsentDeclined, EventConsentCancelled,
	EventConsentExpired, EventConsentWithdrawn, EventConsentVoided, EventConsentReconsentDue, EventStaffPINAttempts, EventDownloadLinkLocked,
	EventAuditCheckpoint, EventPatientSigned, EventRemoteLinkLocked,
}

// Webhook is an endpoint that receives signed event notifications.
type Webhook struct {
	ID     string
	URL    string
	Events []string
	Secret string // HMAC key shown once at creation or rotation; needed to sign each delivery
	// PreviousSecret keeps signing beside Secret until PreviousSecretExpiresAt
	// after a rotation ("" when none).
	PreviousSecret          string
	PreviousSecretExpiresAt *time.Time
	CreatedAt               time.Time
	DeletedAt               *time.Time
}

// WebhookEvent is one notification, written to the outbox in the same
// transaction as the change it reports.
type WebhookEvent struct {
	ID        string
	Type      string
	CreatedAt time.Time
	Payload   []byte // the exact JSON body every endpoint receives
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID             string
	WebhookID      string
	EventID        string
	EventType      string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastAttemptAt  *time.Time
	LastStatusCode int
	LastError      string
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	// Filled when claimed for sending.
	URL                     string
	Secret                  string
	PreviousSecret          string
	PreviousSecretExpiresAt *time.Time
	Payload                 []byte
}

// WebhookReader holds the webhook queries. Find methods return ENOTFOUND
// when nothing matches.
type WebhookReader interface {
	// FindWebhook returns an endpoint, deleted or not.
	FindWebhook(ctx context.Context, id string) (*Webhook, error)
	// ListWebhooks returns every endpoint, oldest first.
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	// ListDeliveries returns an endpoint's deliveries, newest first.
	ListDeliveries(ctx context.Context, webhookID string, limit int) ([]*WebhookDelivery, error)
	// CountPendingDeliveries returns the delivery backlog.
	CountPendingDeliveries(ctx context.Context) (int, error)
}

// Outbox takes webhook events in the transaction of the change they report.
type Outbox interface {
	// EnqueueWebhookEvent stores the event and one pending delivery (due now) per
	// live endpoint subscribed to its type; it returns how many it queued.
	EnqueueWebhookEvent(ctx context.Context, e *WebhookEvent) (int, error)
}

// WebhookTx is the webhook aggregate inside a unit of work.
type WebhookTx interface {
	Outbox
	FindWebhook(ctx context.Context, id string) (*Webhook, error)
	// CreateWebhook stores an endpoint; ECONFLICT if its ID exists.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook marks an endpoint deleted, once (ENOTFOUND, ECONFLICT
	// after); its pending deliveries fail and are not sent.
	DeleteWebhook(ctx context.Context, id string, at time.Time) error
	// RotateWebhookSecret stores a live endpoint's Secret, PreviousSecret and
	// PreviousSecretExpiresAt.
	RotateWebhookSecret(ctx context.Context, w *Webhook) error
}

// Deliveries is the delivery side of the webhook outbox, used by the
// dispatcher outside any other transaction.
type Deliveries interface {
	// ClaimDueDeliveries leases pending webhook deliveries whose next attempt
	// is due, within c's limits, so no other worker or process sends them
	// during the lease; each comes with its endpoint's URL and secret and the
	// payload.
	ClaimDueDeliveries(ctx context.Context, now time.Time, lease time.Duration, c DeliveryClaim) ([]*WebhookDelivery, error)
	// CompleteDelivery records an attempt's outcome (status, attempts, next
	// attempt, last result), appends it to the delivery log and releases the
	// lease; ECONFLICT if the delivery is no longer pending.
	CompleteDelivery(ctx context.Context, d *WebhookDelivery, attempt DeliveryAttempt) error
}

// DeliveryClaim bounds one claim of due deliveries: at most Limit in all, at
// most PerEndpoint (if > 0) for any one endpoint, none for the endpoints in
// Skip (those a dispatcher is still sending to), so a slow endpoint's backlog
// cannot take every worker.
type DeliveryClaim struct {
	Limit       int
	PerEndpoint int
	Skip        []string
}

// DeliveryAttempt is one entry of a delivery log.
type DeliveryAttempt struct {
	At         time.Time
	StatusCode int
	Error      string
	Duration   time.Duration
}

// CreateWebhook registers an endpoint. Errors: EINVALID (including an
// address the network policy refuses).
func (s *Service) CreateWebhook(ctx context.Context, rawURL string, events []string) (*Webhook, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(rawURL) > 2000 {
		return nil, FieldErrorf(EINVALID, "url", "must be an absolute http(s) URL.")
	}
	if err := s.checkWebhookURL(ctx, u); err != nil {
		return nil, FieldErrorf(EINVALID, "url", "%s.", err)
	}
	if len(events) == 0 {
		return nil, FieldErrorf(EINVALID, "events", "at least one event type is required (%s).", strings.Join(WebhookEventTypes, ", "))
	}
	for i, e := range events {
		if !slices.Contains(WebhookEventTypes, e) {
			return nil, FieldErrorf(EINVALID, fmt.Sprintf("events[%d]", i), "unknown event %q; use %s.", e, strings.Join(WebhookEventTypes, ", "))
		}
	}
	w := &Webhook{ID: s.NewID(), URL: rawURL, Events: events, Secret: newWebhookSecret(), CreatedAt: s.now()}
	return update(ctx, s, func(tx Tx) (*Webhook, error) {
		if err := tx.Webhooks().CreateWebhook(ctx, w); err != nil {
			return nil, err
		}
		return w, tx.Audit().AppendAudit(ctx, s.event(ctx, EventWebhookCreated, "", map[string]any{"webhook_id": w.ID, "events": events}, w))
	})
}

// DeleteWebhook stops deliveries to an endpoint; its delivery log stays. Errors: ENOTFOUND.
func (s *Service) DeleteWebhook(ctx context.Context, id string) (*Webhook, error) {
	return stampOnce(ctx, s, stamp[Webhook]{
		find:  func(tx Tx) (*Webhook, error) { return tx.Webhooks().FindWebhook(ctx, id) },
		at:    func(w *Webhook) **time.Time { return &w.DeletedAt },
		write: func(tx Tx, at time.Time) error { return tx.Webhooks().DeleteWebhook(ctx, id, at) },
		event: EventWebhookDeleted, details: map[string]any{"webhook_id": id}})
}

// notify writes a webhook event for a consent change into the outbox, in the
// caller's transaction. Payloads carry IDs and states, never names or birth dates.
func (s *Service) notify(ctx context.Context, out Outbox, typ string, c *Consent, extra map[string]any) error {
	data := map[string]any{"consent_id": c.ID, "status": c.Status, "template": c.TemplateSlug,
		"version": c.TemplateVersion, "locale": c.Locale}
	if c.SignedAt != nil {
		data["signed_at"] = FormatTime(*c.SignedAt)
	}
	if c.PDF != nil {
		data["pdf_sha256"] = c.PDF.SHA256
	}
	for k, v := range extra {
		data[k] = v
	}
	return s.notifyData(ctx, out, typ, data)
}

// notifyData writes a webhook event with the given data into the outbox, in
// the caller's transaction.
func (s *Service) notifyData(ctx context.Context, out Outbox, typ string, data map[string]any) error {
	e := &WebhookEvent{ID: s.NewID(), Type: typ, CreatedAt: s.now()}
	body, err := json.Marshal(map[string]any{"id": e.ID, "type": typ, "created_at": FormatTime(e.CreatedAt), "data": data})
	if err != nil {
		return err
	}
	e.Payload = body
	_, err = out.EnqueueWebhookEvent(ctx, e)
	return err
}
