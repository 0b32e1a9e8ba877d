package api

import (
	"context"
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type webhookJSON struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	CreatedAt string   `json:"created_at"`
	DeletedAt *string  `json:"deleted_at"`
	// PreviousSecretExpiresAt is when the secret the last rotation replaced
	// stops (or stopped) signing; null when none signs beside the current one.
	PreviousSecretExpiresAt *string `json:"previous_secret_expires_at"`
	Secret                  string  `json:"secret,omitempty"` // only in the creation and rotation responses
}

func toWebhookJSON(w *consent.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: ts(w.CreatedAt), DeletedAt: tsp(w.DeletedAt),
		PreviousSecretExpiresAt: tsp(w.PreviousSecretExpiresAt)}
}

// createWebhookRequest is the body of POST /v1/webhooks.
type createWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (s *Server) createWebhook(c *gin.Context) {
	var req createWebhookRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.Webhook, error) {
		return s.Service.CreateWebhook(ctx, req.URL, req.Events)
	}, view(toCreatedWebhookJSON))
}

// toCreatedWebhookJSON is a new endpoint with its signing secret, shown only
// in the creation response.
func toCreatedWebhookJSON(w *consent.Webhook) webhookJSON {
	j := toWebhookJSON(w)
	j.Secret = w.Secret
	return j
}

func (s *Server) listWebhooks(c *gin.Context) {
	answerList(s, c, s.Service.Store.Webhooks().ListWebhooks, toWebhookJSON)
}

func (s *Server) deleteWebhook(c *gin.Context) {
	w, err := s.Service.DeleteWebhook(c.Request.Context(), c.Param("id"))
	answer(s, c, w, err, toWebhookJSON)
}

// deliveryJSON is a delivery as the API shows it; storage's row of it has
// other columns and types.
type deliveryJSON struct {
	ID             string  `json:"id"`
	EventID        string  `json:"event_id"`
	EventType      string  `json:"event_type"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	NextAttemptAt  *string `json:"next_attempt_at,omitempty"`
	LastAttemptAt  *string `json:"last_attempt_at"`
	LastStatusCode int     `json:"last_status_code,omitempty"`
	LastError      string  `json:"last_error,omitempty"`
	DeliveredAt    *string `json:"delivered_at"`
	CreatedAt      string  `json:"created_at"`
}

func (s *Server) listDeliveries(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := s.Service.Store.Webhooks().FindWebhook(ctx, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	limit, err := pageLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Service.Store.Webhooks().ListDeliveries(ctx, c.Param("id"), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[deliveryJSON]{Data: []deliveryJSON{}}
	for _, d := range list {
		j := deliveryJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: d.Status, Attempts: d.Attempts,
			LastAttemptAt: tsp(d.LastAttemptAt), LastStatusCode: d.LastStatusCode, LastError: d.LastError,
			DeliveredAt: tsp(d.DeliveredAt), CreatedAt: ts(d.CreatedAt)}
		if d.Status == consent.DeliveryPending {
			j.NextAttemptAt = tsp(&d.NextAttemptAt)
		}
		out.Data = append(out.Data, j)
	}
	ok(c, http.StatusOK, out)
}
