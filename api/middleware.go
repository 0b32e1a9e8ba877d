package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

const requestIDKey = "consentd.request_id"

// requestID gives every request an ID (echoed in X-Request-ID) used on every log line.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// log returns the logger for a request, carrying its ID.
func (s *Server) log(c *gin.Context) *slog.Logger {
	return s.Logger.With(slog.String("request_id", c.GetString(requestIDKey)))
}

// accessLog logs one line per request with the route template, never the raw
// path or query: they carry MRNs and tokens.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.log(c).Info("request", slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)), slog.Int("bytes", c.Writer.Size()))
		if s.Metrics != nil {
			s.Metrics.ObserveRequest(c.Request.Method, route, c.Writer.Status(), time.Since(start))
		}
	}
}

// recovery turns a panic into the API's internal error, logged with its request ID.
func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.fail(c, fmt.Errorf("panic: %v", r))
			}
		}()
		c.Next()
	}
}

// securityHeaders sets headers every response carries, and HSTS on
// responses served over TLS by consentd itself (behind a TLS-terminating
// proxy the proxy must send it: the request here is plain HTTP).
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if c.Request.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		c.Next()
	}
}

// withRequest stores who is acting and from where in the request context for the
// domain; consent.WithRequest makes the header values valid UTF-8 within their limits.
func withRequest(c *gin.Context, actor, channel string) {
	r := consent.Request{Actor: actor, Channel: channel, IP: c.ClientIP(), UserAgent: c.Request.UserAgent(),
		DeviceID: consent.DeviceEvidence("", c.GetHeader("X-Device-ID")), ClientTime: c.GetHeader("X-Client-Time")}
	c.Request = c.Request.WithContext(consent.WithRequest(c.Request.Context(), r))
}
