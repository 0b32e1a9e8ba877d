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
	list, err := s.Service.Store.Access().ListAPIKeys(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[apiKeyJSON]{Data: []apiKeyJSON{}}
	for _, k := range list {
		out.Data = append(out.Data, toAPIKeyJSON(k))
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) revokeAPIKey(c *gin.Context) {
	k, err := s.Service.RevokeAPIKey(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, toAPIKeyJSON(k))
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
	list, err := s.Service.Store.Access().ListStaff(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[staffJSON]{Data: []staffJSON{}}
	for _, st := range list {
		out.Data = append(out.Data, toStaffJSON(st))
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) deactivateStaff(c *gin.Context) {
	st, err := s.Service.DeactivateStaff(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, toStaffJSON(st))
}
