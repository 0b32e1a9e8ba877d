package consent

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// WebhookSecretPrefix starts every webhook signing secret.
const WebhookSecretPrefix = "whsec_"

// Overlap bounds of a webhook secret rotation: how long the previous secret
// keeps signing beside the new one, so receivers can switch without losing a
// delivery. A day covers a receiver's next deployment and every retry of the
// deliveries already queued (retries stop after 24 hours); a week is the most
// an admin may ask, so a leaked secret cannot be kept alive for long.
const (
	DefaultWebhookSecretOverlap = 24 * time.Hour
	MaxWebhookSecretOverlap     = 7 * 24 * time.Hour
)

// newWebhookSecret returns "whsec_" and the standard base64 (padded) of 32
// random bytes: the form the official Standard Webhooks libraries decode, and
// as a whole string the Consentd-Signature HMAC key, as secrets always were.
func newWebhookSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("consent: crypto/rand failed: " + err.Error())
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SigningSecrets returns the secrets a delivery is signed with at now: the
// endpoint's secret first, then the previous one while its overlap lasts.
func (d *WebhookDelivery) SigningSecrets(now time.Time) []string {
	out := []string{d.Secret}
	if d.PreviousSecret != "" && d.PreviousSecretExpiresAt != nil && now.Before(*d.PreviousSecretExpiresAt) {
		out = append(out, d.PreviousSecret)
	}
	return out
}

// RotateWebhookSecret gives an endpoint a new signing secret (returned once,
// in Secret) and keeps the current one signing beside it for overlap (0 stops
// it at once, e.g. after a leak). A secret still in an earlier rotation's
// overlap stops signing now. Errors: EINVALID (overlap out of bounds),
// ENOTFOUND, ECONFLICT (deleted endpoint).
func (s *Service) RotateWebhookSecret(ctx context.Context, id string, overlap time.Duration) (*Webhook, error) {
	if overlap < 0 || overlap > MaxWebhookSecretOverlap {
		return nil, FieldErrorf(EINVALID, "overlap_seconds", "must be between 0 and %d (%s).",
			int64(MaxWebhookSecretOverlap/time.Second), "7 days")
	}
	return update(ctx, s, func(tx Tx) (*Webhook, error) {
		w, err := tx.Webhooks().FindWebhook(ctx, id)
		if err != nil {
			return nil, err
		} else if w.DeletedAt != nil {
			return nil, Errorf(ECONFLICT, "Webhook %s is deleted; its secret cannot be rotated.", id)
		}
		before := *w
		now := s.now()
		w.PreviousSecret, w.PreviousSecretExpiresAt = "", nil
		if overlap > 0 {
			until := now.Add(overlap)
			w.PreviousSecret, w.PreviousSecretExpiresAt = w.Secret, &until
		}
		w.Secret = newWebhookSecret()
		if err := tx.Webhooks().RotateWebhookSecret(ctx, w); err != nil {
			return nil, err
		}
		details := map[string]any{"webhook_id": id, "overlap_seconds": int64(overlap / time.Second)}
		if w.PreviousSecretExpiresAt != nil {
			details["previous_secret_expires_at"] = FormatTime(*w.PreviousSecretExpiresAt)
		}
		return w, tx.Audit().AppendAudit(ctx, s.change(ctx, EventWebhookSecretRotated, "", details, &before, w))
	})
}
