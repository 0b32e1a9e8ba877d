package api

import (
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type statusJSON struct {
	Status string `json:"status"`
}

func (s *Server) healthz(c *gin.Context) {
	ok(c, http.StatusOK, statusJSON{Status: "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	if s.Ready != nil {
		if err := s.Ready(c.Request.Context()); err != nil {
			s.log(c).Warn("not ready", "err", err)
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorResponse(consent.Errorf("unavailable", "Database unreachable.")))
			return
		}
	}
	ok(c, http.StatusOK, statusJSON{Status: "ready"})
}
