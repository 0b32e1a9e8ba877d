package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

type webhookRow struct {
	ID     string `gorm:"column:id;primaryKey"`
	URL    string `gorm:"column:url"`
	Events string `gorm:"column:events"`
	Secret string `gorm:"column:secret"`
	// PreviousSecret signs beside Secret until PreviousExpiresMS (a rotation's overlap).
	PreviousSecret    string `gorm:"column:previous_secret"`
	PreviousExpiresMS *int64 `gorm:"column:previous_secret_expires_at"`
	CreatedMS         int64  `gorm:"column:created_at"`
	DeletedMS         *int64 `gorm:"column:deleted_at"`
}

func (webhookRow) TableName() string { return "webhooks" }

func (r webhookRow) toDomain() (*consent.Webhook, error) {
	w := &consent.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, PreviousSecret: r.PreviousSecret,
		PreviousSecretExpiresAt: fromMSPtr(r.PreviousExpiresMS), CreatedAt: fromMS(r.CreatedMS), DeletedAt: fromMSPtr(r.DeletedMS)}
	return w, json.Unmarshal([]byte(r.Events), &w.Events)
}

type deliveryRow struct {
	ID             string `gorm:"column:id;primaryKey"`
	WebhookID      string `gorm:"column:webhook_id"`
	EventID        string `gorm:"column:event_id"`
	EventType      string `gorm:"column:event_type;->"`
	Status         string `gorm:"column:status"`
	Attempts       int    `gorm:"column:attempts"`
	NextAttemptMS  int64  `gorm:"column:next_attempt_at"`
	ClaimedUntilMS *int64 `gorm:"column:claimed_until"`
	LastAttemptMS  *int64 `gorm:"column:last_attempt_at"`
	LastStatusCode int    `gorm:"column:last_status_code"`
	LastError      string `gorm:"column:last_error"`
	DeliveredMS    *int64 `gorm:"column:delivered_at"`
	CreatedMS      int64  `gorm:"column:created_at"`
	URL            string `gorm:"column:url;->"`
	Secret         string `gorm:"column:secret;->"`
	PreviousSecret string `gorm:"column:previous_secret;->"`
	PreviousExpMS  *int64 `gorm:"column:previous_secret_expires_at;->"`
	Payload        []byte `gorm:"column:payload;->"`
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

func (r deliveryRow) toDomain() *consent.WebhookDelivery {
	return &consent.WebhookDelivery{ID: r.ID, WebhookID: r.WebhookID, EventID: r.EventID, EventType: r.EventType,
		Status: r.Status, Attempts: r.Attempts, NextAttemptAt: fromMS(r.NextAttemptMS), LastAttemptAt: fromMSPtr(r.LastAttemptMS),
		LastStatusCode: r.LastStatusCode, LastError: r.LastError, DeliveredAt: fromMSPtr(r.DeliveredMS),
		CreatedAt: fromMS(r.CreatedMS), URL: r.URL, Secret: r.Secret, PreviousSecret: r.PreviousSecret,
		PreviousSecretExpiresAt: fromMSPtr(r.PreviousExpMS), Payload: r.Payload}
}

// FindWebhook returns an endpoint (deleted or not); ENOTFOUND if none.
func (r reader) FindWebhook(ctx context.Context, id string) (*consent.Webhook, error) {
	var row webhookRow
	if err := r.q(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate("find webhook", err, msgs{notFound: "Webhook not found."})
	}
	return row.toDomain()
}

// ListWebhooks returns every endpoint, oldest first.
func (r reader) ListWebhooks(ctx context.Context) ([]*consent.Webhook, error) {
	return listRows(ctx, r, "list webhooks", "created_at, id", webhookRow.toDomain)
}

const deliverySelect = `SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id`

// ListDeliveries returns an endpoint's deliveries, newest first.
func (r reader) ListDeliveries(ctx context.Context, webhookID string, limit int) ([]*consent.WebhookDelivery, error) {
	if limit <= 0 || limit > consent.MaxPageSize {
		limit = consent.DefaultPageSize
	}
	var rows []deliveryRow
	err := r.q(ctx).Raw(deliverySelect+` WHERE d.webhook_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ?`, webhookID, limit).Scan(&rows).Error
	if err != nil {
		return nil, translate("list deliveries", err, msgs{})
	}
	out := make([]*consent.WebhookDelivery, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out, nil
}

// CountPendingDeliveries returns how many deliveries wait to be sent.
func (r reader) CountPendingDeliveries(ctx context.Context) (int, error) {
	var n int64
	err := r.q(ctx).Model(&deliveryRow{}).Where("status = ?", consent.DeliveryPending).Count(&n).Error
	return int(n), translate("count deliveries", err, msgs{})
}

// CreateWebhook stores an endpoint.
func (t *tx) CreateWebhook(ctx context.Context, w *consent.Webhook) error {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	row := webhookRow{ID: w.ID, URL: w.URL, Events: string(events), Secret: w.Secret, PreviousSecret: w.PreviousSecret,
		PreviousExpiresMS: toMSPtr(w.PreviousSecretExpiresAt), CreatedMS: toMS(w.CreatedAt)}
	return translate("create webhook", t.q(ctx).Create(&row).Error, msgs{conflict: "A webhook with this ID already exists."})
}

// DeleteWebhook marks an endpoint deleted and fails its pending deliveries.
func (t *tx) DeleteWebhook(ctx context.Context, id string, at time.Time) error {
	if err := t.stampOnce(ctx, "webhooks", "deleted_at", id, at, "Webhook not found.", "The webhook is already deleted."); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deleted' WHERE webhook_id = ? AND status = 'pending'`, id)
	return err
}

// RotateWebhookSecret stores a live endpoint's new secret and the previous
// one with the end of its overlap.
func (t *tx) RotateWebhookSecret(ctx context.Context, w *consent.Webhook) error {
	n, err := t.exec(ctx, `UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE id = ? AND deleted_at IS NULL`,
		w.Secret, w.PreviousSecret, toMSPtr(w.PreviousSecretExpiresAt), w.ID)
	if err != nil {
		return translate("rotate webhook secret", err, msgs{})
	} else if n == 0 {
		return consent.Errorf(consent.ECONFLICT, "Webhook %s is deleted or does not exist.", w.ID)
	}
	return nil
}

// EnqueueWebhookEvent stores the event and a pending delivery, due now, for
// each live endpoint subscribed to its type.
func (t *tx) EnqueueWebhookEvent(ctx context.Context, e *consent.WebhookEvent) (int, error) {
	hooks, err := t.ListWebhooks(ctx)
	if err != nil {
		return 0, err
	}
	var targets []*consent.Webhook
	for _, w := range hooks {
		if w.DeletedAt == nil && slices.Contains(w.Events, e.Type) {
			targets = append(targets, w)
		}
	}
	if len(targets) == 0 {
		return 0, nil // nobody listens: nothing to keep
	}
	at := toMS(e.CreatedAt)
	if _, err := t.exec(ctx, `INSERT INTO webhook_events (id, type, created_at, payload) VALUES (?, ?, ?, ?)`, e.ID, e.Type, at, e.Payload); err != nil {
		return 0, translate("enqueue webhook event", err, msgs{})
	}
	for _, w := range targets {
		if _, err := t.exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
			e.ID+"-"+w.ID, w.ID, e.ID, at, at); err != nil {
			return 0, translate("enqueue webhook delivery", err, msgs{})
		}
	}
	return len(targets), nil
}

// claimSQL selects the due deliveries with what sending needs, the oldest
// PerEndpoint of each endpoint not skipped (%s: the skip condition). On
// PostgreSQL the rows are locked and rows another claimer holds are skipped,
// so concurrent claimers (other processes) take disjoint sets without
// waiting; the outer conditions on d are re-checked on a row another claimer
// committed meanwhile. SQLite runs one write transaction at a time, which
// gives the same.
const claimSQL = `SELECT d.*, e.type AS event_type, e.payload AS payload, w.url AS url, w.secret AS secret,
	w.previous_secret AS previous_secret, w.previous_secret_expires_at AS previous_secret_expires_at
	FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
	WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
	AND d.id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY next_attempt_at, id) AS n
		FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)%s
	) ranked WHERE ranked.n <= ?)
	ORDER BY d.next_attempt_at, d.id LIMIT ?`

// ClaimDueDeliveries leases up to limit due pending deliveries (with their
// endpoint's URL and secret and the payload) for lease. On PostgreSQL it does
// not take the write lock: FOR UPDATE SKIP LOCKED row locks keep claimers
// apart, and a row committed by another claimer meanwhile is re-checked
// against the lease condition before it is locked.
func (db *DB) ClaimDueDeliveries(ctx context.Context, now time.Time, lease time.Duration, c consent.DeliveryClaim) ([]*consent.WebhookDelivery, error) {
	var out []*consent.WebhookDelivery
	nowMS := toMS(now)
	args := []any{nowMS, nowMS, nowMS, nowMS}
	skip := ""
	if len(c.Skip) > 0 {
		skip = " AND webhook_id NOT IN ?"
		args = append(args, c.Skip)
	}
	perEndpoint := c.PerEndpoint
	if perEndpoint <= 0 {
		perEndpoint = c.Limit
	}
	args = append(args, perEndpoint, c.Limit)
	query := fmt.Sprintf(claimSQL, skip)
	if db.dialect == dialectPostgres {
		query += " FOR UPDATE OF d SKIP LOCKED"
	}
	err := db.update(ctx, false, func(t *tx) error {
		out = nil
		var rows []deliveryRow
		if err := t.q(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
			return translate("claim deliveries", err, msgs{})
		}
		for _, row := range rows {
			if _, err := t.exec(ctx, `UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?`, nowMS+lease.Milliseconds(), row.ID); err != nil {
				return err
			}
			out = append(out, row.toDomain())
		}
		return nil
	})
	return out, err
}

// CompleteDelivery records an attempt, updates the delivery and releases its lease.
func (db *DB) CompleteDelivery(ctx context.Context, d *consent.WebhookDelivery, a consent.DeliveryAttempt) error {
	// The update is guarded by status, so it needs no write lock.
	return db.update(ctx, false, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?)`,
			d.ID, toMS(a.At), a.StatusCode, a.Error, a.Duration.Milliseconds()); err != nil {
			return translate("log delivery attempt", err, msgs{})
		}
		n, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, claimed_until = NULL,
			last_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ? WHERE id = ? AND status = 'pending'`,
			d.Status, d.Attempts, toMS(d.NextAttemptAt), toMSPtr(d.LastAttemptAt), d.LastStatusCode, d.LastError, toMSPtr(d.DeliveredAt), d.ID)
		if err != nil {
			return translate("complete delivery", err, msgs{})
		} else if n == 0 {
			return consent.Errorf(consent.ECONFLICT, "Delivery %s is no longer pending.", d.ID)
		}
		return nil
	})
}
