package api

import (
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
	render := func(r any) any {
		w := r.(*consent.Webhook)
		j := toWebhookJSON(w)
		j.Secret = w.Secret
		return j
	}
	w, err := s.Service.RotateWebhookSecret(s.idem(c, http.StatusOK, render), c.Param("id"), overlap)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, render(w))
}
