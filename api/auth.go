package api

import (
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

const apiKeyKey = "consentd.apikey"

// requireScope authenticates the bearer API key (401 when missing, invalid or
// revoked) and checks it grants every one of scopes (403 otherwise).
func (s *Server) requireScope(scopes ...string) gin.HandlerFunc {
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
		for _, scope := range scopes {
			if !k.Allows(scope) {
				withRequest(c, "apikey:"+k.ID, consent.ChannelAPI)
				if err := s.Service.RecordScopeDenial(c.Request.Context(), k.ID, c.FullPath(), scope); err != nil {
					s.fail(c, err)
					return
				}
				s.fail(c, consent.Errorf(consent.EFORBIDDEN, "This API key lacks the %s scope.", scope))
				return
			}
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

// keyAllows reports whether the request's API key grants scope; responses use
// it to leave out what the key may not read.
func keyAllows(c *gin.Context, scope string) bool {
	k, ok := c.Get(apiKeyKey)
	key, _ := k.(*consent.APIKey)
	return ok && key != nil && key.Allows(scope)
}
