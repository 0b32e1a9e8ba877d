package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// remotePath is where a remote signing link opens: the signing page in its
// remote mode, which asks for the birth date (and code) before anything else.
const remotePath = "/remote/"

type remoteLinkRequest struct {
	TTLSeconds  *int64 `json:"ttl_seconds"`
	RequireCode bool   `json:"require_code"`
}

type remoteLinkJSON struct {
	ID          string  `json:"id"`
	URL         string  `json:"url,omitempty"`
	Path        string  `json:"path,omitempty"`
	Code        string  `json:"code,omitempty"`
	ExpiresAt   string  `json:"expires_at"`
	RequireCode bool    `json:"require_code"`
	RevokedAt   *string `json:"revoked_at,omitempty"`
	LockedAt    *string `json:"locked_at,omitempty"`
	UsedAt      *string `json:"used_at,omitempty"`
}

func toRemoteLinkJSON(l *consent.DownloadLink) remoteLinkJSON {
	return remoteLinkJSON{ID: l.ID, ExpiresAt: ts(l.ExpiresAt), RequireCode: l.CodeHash != "", RevokedAt: tsp(l.RevokedAt),
		LockedAt: tsp(l.LockedAt), UsedAt: tsp(l.UsedAt)}
}

// toCreatedRemoteLinkJSON is a new link with its URL and code, shown only in
// the creation response: the clinic's systems send them to the patient.
func (s *Server) toCreatedRemoteLinkJSON(l *consent.CreatedRemoteLink) remoteLinkJSON {
	j := toRemoteLinkJSON(l.Link)
	j.Path = remotePath + l.Token
	j.URL, j.Code = strings.TrimRight(s.PublicURL, "/")+j.Path, l.Code
	return j
}

func (s *Server) createRemoteLink(c *gin.Context) {
	var req remoteLinkRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ttl, err := linkTTL(req.TTLSeconds)
	if err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedRemoteLink, error) {
		return s.Service.CreateRemoteLink(ctx, c.Param("id"), ttl, req.RequireCode)
	}, view(s.toCreatedRemoteLinkJSON))
}

func (s *Server) revokeRemoteLink(c *gin.Context) {
	l, err := s.Service.RevokeRemoteLink(c.Request.Context(), c.Param("id"), c.Param("link_id"))
	answer(s, c, l, err, toRemoteLinkJSON)
}

// remoteRequest attributes a request at a remote link's gate and applies the
// per-address limit of patient links.
func (s *Server) remoteRequest(c *gin.Context) error {
	withRequest(c, "link", consent.ChannelRemote)
	return take(s.LinkLimiter, c.ClientIP(), "Too many attempts. Please wait a minute and try again.")
}

type remoteStatusJSON struct {
	RequireBirthDate bool `json:"require_birth_date"`
	RequireCode      bool `json:"require_code"`
}

// remoteLinkStatus tells the page what the gate asks; nothing of the consent.
func (s *Server) remoteLinkStatus(c *gin.Context) {
	if err := s.remoteRequest(c); err != nil {
		s.fail(c, err)
		return
	}
	l, err := s.Service.RemoteLinkStatus(c.Request.Context(), c.Param("token"))
	answer(s, c, l, err, func(l *consent.DownloadLink) remoteStatusJSON {
		return remoteStatusJSON{RequireBirthDate: true, RequireCode: l.CodeHash != ""}
	})
}

type remoteOpenRequest struct {
	BirthDate string `json:"birth_date"`
	Code      string `json:"code"`
}

type remoteOpenJSON struct {
	Token string `json:"token"`
}

// openRemoteLink checks the birth date (and code) and answers with the
// signing session token the page uses on the signing API.
func (s *Server) openRemoteLink(c *gin.Context) {
	if err := s.remoteRequest(c); err != nil {
		s.fail(c, err)
		return
	}
	var req remoteOpenRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	tok, err := s.Service.OpenRemoteLink(c.Request.Context(), c.Param("token"), req.BirthDate, strings.TrimSpace(req.Code))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusOK, remoteOpenJSON{Token: tok})
}
