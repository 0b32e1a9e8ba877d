package consenttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func newWebhook(id string, at time.Time, events ...string) *consent.Webhook {
	return &consent.Webhook{ID: id, URL: "https://ehr.example/" + id, Events: events, Secret: "whsec_" + id, CreatedAt: at}
}

func enqueue(t *testing.T, st consent.Store, id, typ string, at time.Time) int {
	t.Helper()
	var n int
	update(t, st, func(tx consent.Tx) error {
		var err error
		n, err = tx.Webhooks().EnqueueWebhookEvent(context.Background(), &consent.WebhookEvent{ID: id, Type: typ, CreatedAt: at,
			Payload: []byte(`{"id":"` + id + `"}`)})
		return err
	})
	return n
}

func contractWebhooks(t *testing.T, st consent.Store) {
	ctx := context.Background()
	w2 := newWebhook("W2", T0, consent.EventConsentSigned, consent.EventConsentCreated)
	w1 := newWebhook("W1", T0.Add(time.Second), consent.EventConsentSigned)
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Webhooks().CreateWebhook(ctx, w2); err != nil {
			return err
		}
		return tx.Webhooks().CreateWebhook(ctx, w1)
	})
	err := st.Update(ctx, func(tx consent.Tx) error { return tx.Webhooks().CreateWebhook(ctx, newWebhook("W1", T0)) })
	wantCode(t, "CreateWebhook with a taken ID", err, consent.ECONFLICT)
	same(t, "ListWebhooks (oldest first)", must[[]*consent.Webhook](t, "ListWebhooks")(st.Webhooks().ListWebhooks(ctx)),
		[]*consent.Webhook{w2, w1})
	_, err = st.Webhooks().FindWebhook(ctx, "W9")
	wantCode(t, "FindWebhook unknown", err, consent.ENOTFOUND)

	same(t, "an event nobody listens to", enqueue(t, st, "E0", consent.EventConsentVoided, T0), 0)
	same(t, "an event for both", enqueue(t, st, "E1", consent.EventConsentSigned, T0), 2)
	same(t, "an event for one", enqueue(t, st, "E2", consent.EventConsentCreated, T0.Add(time.Second)), 1)
	same(t, "pending deliveries", must[int](t, "CountPendingDeliveries")(st.Webhooks().CountPendingDeliveries(ctx)), 3)

	list := must[[]*consent.WebhookDelivery](t, "ListDeliveries")(st.Webhooks().ListDeliveries(ctx, "W2", 0))
	want := []*consent.WebhookDelivery{
		{ID: "E2-W2", WebhookID: "W2", EventID: "E2", EventType: consent.EventConsentCreated, Status: consent.DeliveryPending,
			NextAttemptAt: T0.Add(time.Second), CreatedAt: T0.Add(time.Second)},
		{ID: "E1-W2", WebhookID: "W2", EventID: "E1", EventType: consent.EventConsentSigned, Status: consent.DeliveryPending,
			NextAttemptAt: T0, CreatedAt: T0},
	}
	same(t, "ListDeliveries (newest first)", list, want)
	list = must[[]*consent.WebhookDelivery](t, "ListDeliveries")(st.Webhooks().ListDeliveries(ctx, "W2", 1))
	same(t, "ListDeliveries with a limit", len(list), 1)

	// A rotation keeps the previous secret until the end of its overlap; a
	// deleted or unknown endpoint is not rotated.
	exp := T0.Add(24 * time.Hour)
	rotated := *w2
	rotated.Secret, rotated.PreviousSecret, rotated.PreviousSecretExpiresAt = "whsec_new", w2.Secret, &exp
	update(t, st, func(tx consent.Tx) error { return tx.Webhooks().RotateWebhookSecret(ctx, &rotated) })
	same(t, "rotated webhook", must[*consent.Webhook](t, "FindWebhook")(st.Webhooks().FindWebhook(ctx, "W2")), &rotated)
	unknown := *newWebhook("W9", T0)
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Webhooks().RotateWebhookSecret(ctx, &unknown) })
	wantCode(t, "RotateWebhookSecret unknown", err, consent.ECONFLICT)

	// Deleting an endpoint fails its pending deliveries; it is deleted once.
	at := T0.Add(time.Hour)
	update(t, st, func(tx consent.Tx) error { return tx.Webhooks().DeleteWebhook(ctx, "W1", at) })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Webhooks().DeleteWebhook(ctx, "W1", at) })
	wantCode(t, "DeleteWebhook twice", err, consent.ECONFLICT)
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Webhooks().DeleteWebhook(ctx, "W9", at) })
	wantCode(t, "DeleteWebhook unknown", err, consent.ENOTFOUND)
	got := must[*consent.Webhook](t, "FindWebhook")(st.Webhooks().FindWebhook(ctx, "W1"))
	wantW := *w1
	wantW.DeletedAt = &at
	same(t, "deleted webhook", got, &wantW)
	list = must[[]*consent.WebhookDelivery](t, "ListDeliveries")(st.Webhooks().ListDeliveries(ctx, "W1", 0))
	if len(list) != 1 || list[0].Status != consent.DeliveryFailed || list[0].LastError != "webhook deleted" {
		t.Errorf("deliveries of the deleted endpoint: %s, want one failed with \"webhook deleted\"", show(list))
	}
	same(t, "a deleted endpoint gets no new event", enqueue(t, st, "E3", consent.EventConsentSigned, at), 1)
	same(t, "pending deliveries after the delete", must[int](t, "CountPendingDeliveries")(st.Webhooks().CountPendingDeliveries(ctx)), 3)
}

func contractDeliveries(t *testing.T, st consent.Store) {
	ctx := context.Background()
	update(t, st, func(tx consent.Tx) error {
		for _, w := range []*consent.Webhook{newWebhook("WA", T0, consent.EventConsentSigned), newWebhook("WB", T0, consent.EventConsentSigned)} {
			if err := tx.Webhooks().CreateWebhook(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range 3 {
		enqueue(t, st, fmt.Sprintf("E%d", i+1), consent.EventConsentSigned, T0.Add(time.Duration(i)*time.Second))
	}
	d := st.Deliveries()
	claimIDs := func(list []*consent.WebhookDelivery) []string {
		out := []string{}
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out
	}
	now := T0.Add(time.Minute)
	claimed := must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, now, time.Minute,
		consent.DeliveryClaim{Limit: 3, PerEndpoint: 1}))
	same(t, "one per endpoint, oldest first", claimIDs(claimed), []string{"E1-WA", "E1-WB"})
	if c := claimed[0]; c.URL != "https://ehr.example/WA" || c.Secret != "whsec_WA" || string(c.Payload) != `{"id":"E1"}` ||
		c.EventType != consent.EventConsentSigned {
		t.Errorf("a claimed delivery carries URL %q, secret %q, payload %q, type %q", c.URL, c.Secret, c.Payload, c.EventType)
	}
	claimed = must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, now, time.Minute,
		consent.DeliveryClaim{Limit: 10, Skip: []string{"WB"}}))
	same(t, "leased ones are not claimed again; skipped endpoints neither", claimIDs(claimed), []string{"E2-WA", "E3-WA"})
	claimed = must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, now, time.Minute, consent.DeliveryClaim{Limit: 10}))
	same(t, "what is left", claimIDs(claimed), []string{"E2-WB", "E3-WB"})
	claimed = must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, now.Add(time.Minute), time.Minute,
		consent.DeliveryClaim{Limit: 1}))
	same(t, "an expired lease is claimed again", claimIDs(claimed), []string{"E1-WA"})

	// Completing records the outcome and releases the lease.
	c := claimed[0]
	later := now.Add(time.Hour)
	attemptAt := now.Add(time.Minute)
	c.Status, c.Attempts, c.NextAttemptAt, c.LastAttemptAt, c.LastStatusCode, c.LastError = consent.DeliveryPending, 1, later, &attemptAt, 500, "HTTP 500"
	if err := d.CompleteDelivery(ctx, c, consent.DeliveryAttempt{At: attemptAt, StatusCode: 500, Error: "HTTP 500", Duration: time.Second}); err != nil {
		t.Fatal(err)
	}
	claimed = must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, later.Add(-time.Second), time.Minute, consent.DeliveryClaim{Limit: 10, Skip: []string{"WB"}}))
	same(t, "not due before its next attempt", claimIDs(claimed), []string{"E2-WA", "E3-WA"})
	claimed = must[[]*consent.WebhookDelivery](t, "claim")(d.ClaimDueDeliveries(ctx, later, time.Minute, consent.DeliveryClaim{Limit: 1, Skip: []string{"WB"}}))
	same(t, "due at its next attempt", claimIDs(claimed), []string{"E1-WA"})
	delivered := later
	c = claimed[0]
	c.Status, c.Attempts, c.DeliveredAt, c.LastAttemptAt, c.LastStatusCode, c.LastError = consent.DeliveryDelivered, 2, &delivered, &delivered, 204, ""
	if err := d.CompleteDelivery(ctx, c, consent.DeliveryAttempt{At: delivered, StatusCode: 204}); err != nil {
		t.Fatal(err)
	}
	err := d.CompleteDelivery(ctx, c, consent.DeliveryAttempt{At: delivered, StatusCode: 204})
	wantCode(t, "completing a delivery that is no longer pending", err, consent.ECONFLICT)
	list := must[[]*consent.WebhookDelivery](t, "ListDeliveries")(st.Webhooks().ListDeliveries(ctx, "WA", 10))
	var got *consent.WebhookDelivery
	for _, x := range list {
		if x.ID == "E1-WA" {
			got = x
		}
	}
	want := &consent.WebhookDelivery{ID: "E1-WA", WebhookID: "WA", EventID: "E1", EventType: consent.EventConsentSigned,
		Status: consent.DeliveryDelivered, Attempts: 2, NextAttemptAt: later, LastAttemptAt: &delivered, LastStatusCode: 204,
		DeliveredAt: &delivered, CreatedAt: T0}
	same(t, "delivered delivery", got, want)
	same(t, "pending after one delivered", must[int](t, "CountPendingDeliveries")(st.Webhooks().CountPendingDeliveries(ctx)), 5)
}
