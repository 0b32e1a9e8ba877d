package api

import (
	"context"
	"net/http"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type rotateSecretRequest struct {
	// OverlapSeconds is how long the current secret keeps signing beside the
	// new one; absent: consent.DefaultWebhookSecretOverlap.
	OverlapSeconds *int64 `json:"overlap_seconds"`
}

// rotateWebhookSecret issues a new signing secret, shown once in the
// response; the body is optional.
func (s *Server) rotateWebhookSecret(c *gin.Context) {
	b, err := s.readBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	overlap := consent.DefaultWebhookSecretOverlap
	if len(b) > 0 {
		var req rotateSecretRequest
		if err := decodeStrict(b, &req); err != nil {
			s.fail(c, err)
			return
		}
		if req.OverlapSeconds != nil {
			// Out of bounds (checked before the conversion could overflow):
			// a negative overlap, which the domain refuses with its message.
			if n := *req.OverlapSeconds; n < 0 || n > int64(consent.MaxWebhookSecretOverlap/time.Second) {
				overlap = -1
			} else {
				overlap = time.Duration(n) * time.Second
			}
		}
	}
	// The new secret is shown once, as on creation; a retry with the same
	// Idempotency-Key answers the same secret.
	write(s, c, http.StatusOK, func(ctx context.Context) (*consent.Webhook, error) {
		return s.Service.RotateWebhookSecret(ctx, c.Param("id"), overlap)
	}, view(toCreatedWebhookJSON))
}
