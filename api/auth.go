package api

import (
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

const apiKeyKey = "consentd.apikey"

// requireScope authenticates the bearer API key (401 when missing, invalid or
// revoked) and checks it grants scope (403 otherwise).
func (s *Server) requireScope(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		withRequest(c, "anonymous", consent.ChannelAPI)
		h := c.GetHeader("Authorization")
		secret, found := strings.CutPrefix(h, "Bearer ")
		if !found || secret == "" || len(secret) > 200 {
			c.Header("WWW-Authenticate", `Bearer realm="consentd"`)
			s.fail(c, consent.Errorf(consent.EUNAUTHORIZED, "Send an API key as Authorization: Bearer <key>."))
			return
		}
		k, err := s.Service.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="consentd"`)
			s.fail(c, err)
			return
		}
		if !k.Allows(scope) {
			s.fail(c, consent.Errorf(consent.EFORBIDDEN, "This API key lacks the %s scope.", scope))
			return
		}
		if err := take(s.KeyLimiter, k.ID, "Too many requests for this API key; slow down."); err != nil {
			s.fail(c, err)
			return
		}
		c.Set(apiKeyKey, k)
		withRequest(c, "apikey:"+k.ID, consent.ChannelAPI)
		c.Next()
	}
}
