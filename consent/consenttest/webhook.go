package consenttest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// delivery is a stored delivery with its lease.
type delivery struct {
	consent.WebhookDelivery
	claimedUntil *time.Time
}

// FindWebhook returns an endpoint, deleted or not; ENOTFOUND if none.
func (v view) FindWebhook(ctx context.Context, id string) (*consent.Webhook, error) {
	w, err := lookup(v.st().webhooks, id, "Webhook not found.")
	if err == nil {
		w.Events = slices.Clone(w.Events)
	}
	return w, err
}

// ListWebhooks returns every endpoint, oldest first.
func (v view) ListWebhooks(ctx context.Context) ([]*consent.Webhook, error) {
	return sorted(v.st().webhooks, func(w *consent.Webhook) (time.Time, string) { return w.CreatedAt, w.ID }), nil
}

// ListDeliveries returns an endpoint's deliveries, newest first.
func (v view) ListDeliveries(ctx context.Context, webhookID string, limit int) ([]*consent.WebhookDelivery, error) {
	if limit <= 0 || limit > consent.MaxPageSize {
		limit = consent.DefaultPageSize
	}
	st := v.st()
	var out []*consent.WebhookDelivery
	for _, d := range st.deliveries {
		if d.WebhookID == webhookID {
			x := d.WebhookDelivery
			x.URL, x.Secret, x.Payload = "", "", nil
			x.PreviousSecret, x.PreviousSecretExpiresAt = "", nil
			out = append(out, &x)
		}
	}
	slices.SortFunc(out, func(a, b *consent.WebhookDelivery) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out[:min(len(out), limit)], nil
}

// CountPendingDeliveries returns how many deliveries wait to be sent.
func (v view) CountPendingDeliveries(ctx context.Context) (int, error) {
	n := 0
	for _, d := range v.st().deliveries {
		if d.Status == consent.DeliveryPending {
			n++
		}
	}
	return n, nil
}

// CreateWebhook stores an endpoint; ECONFLICT if its ID exists.
func (t *tx) CreateWebhook(ctx context.Context, w *consent.Webhook) error {
	if _, ok := t.w.webhooks[w.ID]; ok {
		return conflict("A webhook with this ID already exists.")
	}
	row := *w
	row.Events, row.CreatedAt, row.DeletedAt = slices.Clone(w.Events), ms(w.CreatedAt), nil
	t.w.webhooks[w.ID] = row
	return nil
}

// DeleteWebhook marks an endpoint deleted, once, and fails its pending deliveries.
func (t *tx) DeleteWebhook(ctx context.Context, id string, at time.Time) error {
	err := stampOnce(t.w.webhooks, id, func(w *consent.Webhook) **time.Time { return &w.DeletedAt }, at,
		"Webhook not found.", "The webhook is already deleted.")
	if err != nil {
		return err
	}
	for k, d := range t.w.deliveries {
		if d.WebhookID == id && d.Status == consent.DeliveryPending {
			d.Status, d.LastError = consent.DeliveryFailed, "webhook deleted"
			t.w.deliveries[k] = d
		}
	}
	return nil
}

// RotateWebhookSecret stores a live endpoint's new secret and the previous
// one with the end of its overlap; ECONFLICT if it is deleted or unknown.
func (t *tx) RotateWebhookSecret(ctx context.Context, w *consent.Webhook) error {
	row, ok := t.w.webhooks[w.ID]
	if !ok || row.DeletedAt != nil {
		return conflict(fmt.Sprintf("Webhook %s is deleted or does not exist.", w.ID))
	}
	row.Secret, row.PreviousSecret = w.Secret, w.PreviousSecret
	row.PreviousSecretExpiresAt = nil
	if w.PreviousSecretExpiresAt != nil {
		exp := ms(*w.PreviousSecretExpiresAt)
		row.PreviousSecretExpiresAt = &exp
	}
	t.w.webhooks[w.ID] = row
	return nil
}

// EnqueueWebhookEvent stores the event and a pending delivery, due now, for
// each live endpoint subscribed to its type; with none, it stores nothing.
func (t *tx) EnqueueWebhookEvent(ctx context.Context, e *consent.WebhookEvent) (int, error) {
	hooks, _ := t.ListWebhooks(ctx)
	at := ms(e.CreatedAt)
	n := 0
	for _, w := range hooks {
		if w.DeletedAt != nil || !slices.Contains(w.Events, e.Type) {
			continue
		}
		if n == 0 {
			if _, ok := t.w.events[e.ID]; ok {
				return 0, conflict("A webhook event with this ID already exists.")
			}
			t.w.events[e.ID] = consent.WebhookEvent{ID: e.ID, Type: e.Type, CreatedAt: at, Payload: slices.Clone(e.Payload)}
		}
		id := e.ID + "-" + w.ID
		t.w.deliveries[id] = delivery{WebhookDelivery: consent.WebhookDelivery{ID: id, WebhookID: w.ID, EventID: e.ID,
			EventType: e.Type, Status: consent.DeliveryPending, NextAttemptAt: at, CreatedAt: at}}
		n++
	}
	return n, nil
}

// deliveries is the delivery queue outside transactions.
type deliveries struct{ view }

// ClaimDueDeliveries leases up to c.Limit due pending deliveries, at most
// c.PerEndpoint per endpoint and none of the endpoints in c.Skip, oldest
// first, with their endpoint's URL and secret and the payload.
func (q deliveries) ClaimDueDeliveries(ctx context.Context, now time.Time, lease time.Duration, c consent.DeliveryClaim) ([]*consent.WebhookDelivery, error) {
	var out []*consent.WebhookDelivery
	err := q.s.write(func(w *state) error {
		now := ms(now)
		var due []delivery
		for _, d := range w.deliveries {
			if d.Status == consent.DeliveryPending && !d.NextAttemptAt.After(now) &&
				(d.claimedUntil == nil || !d.claimedUntil.After(now)) && !slices.Contains(c.Skip, d.WebhookID) {
				due = append(due, d)
			}
		}
		slices.SortFunc(due, func(a, b delivery) int {
			return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
		})
		perEndpoint := c.PerEndpoint
		if perEndpoint <= 0 {
			perEndpoint = c.Limit
		}
		taken := map[string]int{}
		until := now.Add(lease)
		for _, d := range due {
			if len(out) >= c.Limit {
				break
			} else if taken[d.WebhookID] >= perEndpoint {
				continue
			}
			taken[d.WebhookID]++
			d.claimedUntil = &until
			w.deliveries[d.ID] = d
			x := d.WebhookDelivery
			hook, ev := w.webhooks[d.WebhookID], w.events[d.EventID]
			x.URL, x.Secret, x.Payload = hook.URL, hook.Secret, slices.Clone(ev.Payload)
			x.PreviousSecret, x.PreviousSecretExpiresAt = hook.PreviousSecret, hook.PreviousSecretExpiresAt
			out = append(out, &x)
		}
		return nil
	})
	return out, err
}

// CompleteDelivery records an attempt, updates the delivery and releases its
// lease; ECONFLICT if it is no longer pending.
func (q deliveries) CompleteDelivery(ctx context.Context, d *consent.WebhookDelivery, a consent.DeliveryAttempt) error {
	return q.s.write(func(w *state) error {
		cur, ok := w.deliveries[d.ID]
		if !ok || cur.Status != consent.DeliveryPending {
			return conflict("Delivery " + d.ID + " is no longer pending.")
		}
		a.At = ms(a.At)
		w.attempts[d.ID] = append(slices.Clip(w.attempts[d.ID]), a)
		cur.Status, cur.Attempts, cur.NextAttemptAt, cur.claimedUntil = d.Status, d.Attempts, ms(d.NextAttemptAt), nil
		cur.LastAttemptAt, cur.LastStatusCode, cur.LastError, cur.DeliveredAt = msPtr(d.LastAttemptAt), d.LastStatusCode, d.LastError, msPtr(d.DeliveredAt)
		w.deliveries[d.ID] = cur
		return nil
	})
}
