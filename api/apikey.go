package api

import (
	"context"
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type apiKeyJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	Prefix    string   `json:"prefix"`
	CreatedAt string   `json:"created_at"`
	RevokedAt *string  `json:"revoked_at"`
	Key       string   `json:"key,omitempty"` // only in the creation response
}

func toAPIKeyJSON(k *consent.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Scopes: k.Scopes, Prefix: k.Prefix, CreatedAt: ts(k.CreatedAt), RevokedAt: tsp(k.RevokedAt)}
}

// createAPIKeyRequest is the body of POST /v1/api-keys. Every write route
// has a request type of its own — what a client may send differs per route
// and is decoded strictly — so their handlers look alike in shape only.
type createAPIKeyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

func (s *Server) createAPIKey(c *gin.Context) {
	var req createAPIKeyRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedAPIKey, error) {
		return s.Service.CreateAPIKey(ctx, req.Name, req.Scopes)
	}, view(toCreatedAPIKeyJSON))
}

// toCreatedAPIKeyJSON is a new key with its secret, shown only in the creation response.
func toCreatedAPIKeyJSON(k *consent.CreatedAPIKey) apiKeyJSON {
	j := toAPIKeyJSON(k.Key)
	j.Key = k.Secret
	return j
}

func (s *Server) listAPIKeys(c *gin.Context) {
	answerList(s, c, s.Service.Store.Access().ListAPIKeys, toAPIKeyJSON)
}

func (s *Server) revokeAPIKey(c *gin.Context) {
	k, err := s.Service.RevokeAPIKey(c.Request.Context(), c.Param("id"))
	answer(s, c, k, err, toAPIKeyJSON)
}

type staffJSON struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Role          string  `json:"role"`
	CreatedAt     string  `json:"created_at"`
	DeactivatedAt *string `json:"deactivated_at"`
}

func toStaffJSON(st *consent.Staff) staffJSON {
	return staffJSON{ID: st.ID, Name: st.Name, Role: st.Role, CreatedAt: ts(st.CreatedAt), DeactivatedAt: tsp(st.DeactivatedAt)}
}

type createStaffRequest struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	PIN  string `json:"pin"`
}

func (s *Server) createStaff(c *gin.Context) {
	var req createStaffRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.Staff, error) {
		return s.Service.CreateStaff(ctx, req.ID, req.Name, req.Role, req.PIN)
	}, view(toStaffJSON))
}

func (s *Server) listStaff(c *gin.Context) {
	answerList(s, c, s.Service.Store.Access().ListStaff, toStaffJSON)
}

func (s *Server) deactivateStaff(c *gin.Context) {
	st, err := s.Service.DeactivateStaff(c.Request.Context(), c.Param("id"))
	answer(s, c, st, err, toStaffJSON)
}
