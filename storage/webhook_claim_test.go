package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/storagetest"
)

// TestClaimDueDeliveriesPerEndpoint checks the claim limits that keep one
// slow endpoint's backlog from taking every dispatcher worker: at most
// PerEndpoint deliveries per endpoint per claim, and none for skipped ones.
func TestClaimDueDeliveriesPerEndpoint(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	update(t, db, func(tx consent.Tx) error {
		for _, id := range []string{"SLOW", "GONE"} {
			if err := tx.Webhooks().CreateWebhook(ctx, &consent.Webhook{ID: id, URL: "https://ehr.example/" + id, Secret: "s",
				Events: []string{consent.EventConsentSigned}, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	// A deleted endpoint receives nothing. The slow endpoint's backlog (7
	// deliveries) is older than the fast
	// endpoint's single one, created after it.
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Webhooks().DeleteWebhook(ctx, "GONE", t0); err != nil {
			return err
		}
		for i := range 6 {
			if _, err := tx.Webhooks().EnqueueWebhookEvent(ctx, &consent.WebhookEvent{ID: fmt.Sprintf("E%d", i),
				Type: consent.EventConsentSigned, CreatedAt: t0, Payload: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, db, func(tx consent.Tx) error {
		return tx.Webhooks().CreateWebhook(ctx, &consent.Webhook{ID: "FAST2", URL: "https://ehr.example/fast", Secret: "s",
			Events: []string{consent.EventConsentSigned}, CreatedAt: t0})
	})
	update(t, db, func(tx consent.Tx) error {
		_, err := tx.Webhooks().EnqueueWebhookEvent(ctx, &consent.WebhookEvent{ID: "E9", Type: consent.EventConsentSigned,
			CreatedAt: t0.Add(time.Second), Payload: []byte(`{}`)})
		return err
	})
	now := t0.Add(time.Minute)
	endpoints := func(ds []*consent.WebhookDelivery) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.WebhookID)
		}
		slices.Sort(out)
		return out
	}
	got, err := db.ClaimDueDeliveries(ctx, now, time.Minute, consent.DeliveryClaim{Limit: 4, PerEndpoint: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e := endpoints(got); !slices.Equal(e, []string{"FAST2", "SLOW", "SLOW"}) {
		t.Fatalf("claim with 2 per endpoint got %v, want the fast endpoint's delivery beside 2 slow ones", e)
	}
	got, err = db.ClaimDueDeliveries(ctx, now, time.Minute, consent.DeliveryClaim{Limit: 10, PerEndpoint: 2, Skip: []string{"SLOW"}})
	if err != nil || len(got) != 0 {
		t.Fatalf("claim skipping the busy endpoint: %v %v", endpoints(got), err)
	}
	got, err = db.ClaimDueDeliveries(ctx, now, time.Minute, consent.DeliveryClaim{Limit: 10})
	if e := endpoints(got); err != nil || !slices.Equal(e, []string{"SLOW", "SLOW", "SLOW", "SLOW", "SLOW"}) {
		t.Fatalf("claim without an endpoint limit: %v %v", e, err)
	}
}
