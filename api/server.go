// Package api is consentd's HTTP layer: the REST API under /v1, FHIR R4 under
// /fhir/r4, the tablet signing pages, and health and metrics endpoints. It maps
// requests to consent.Service calls and domain errors to statuses; it never
// touches storage directly.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/doccache"
	"github.com/gin-gonic/gin"
)

// Limiter decides whether one more request for a key is allowed now and, if
// not, how long until it would be (sent as Retry-After).
type Limiter interface {
	Take(key string) (ok bool, retryAfter time.Duration)
}

// Metrics records request and domain measurements; nil disables them.
type Metrics interface {
	ObserveRequest(method, route string, status int, d time.Duration)
}

// Server holds the HTTP layer's dependencies.
type Server struct {
	Service      *consent.Service
	Verifier     consent.PDFVerifier
	Certificates func() []byte // PEM chains that seal PDFs (current and earlier)
	Logger       *slog.Logger
	PublicURL    string // absolute base URL, e.g. https://consent.example.org
	MaxBodyBytes int64
	// TrustedProxies are the proxies whose X-Forwarded-For is believed; none by default.
	TrustedProxies []string
	// KeyLimiter limits requests per API key; CodeLimiter signing-code exchanges
	// per enrolled device or client IP; LinkLimiter patient downloads per client IP.
	KeyLimiter, CodeLimiter, LinkLimiter Limiter
	Metrics                              Metrics
	MetricsHandler                       gin.HandlerFunc // serves /metrics when set
	Ready                                func(ctx context.Context) error
	Web                                  fs.FS // tablet page assets; nil serves none
	FHIRIdentifierSystem                 string
	Version                              string
	ClinicName                           string

	// PublicLimiter limits public verifications per client, PublicCeiling
	// all of them together (against rotating addresses); nil: no limit.
	PublicLimiter, PublicCeiling Limiter

	// Documents is the frozen-document cache the store fills (storage's
	// DB.Documents): the API keeps each consent's encoded documents in the
	// same entry. Nil encodes them on every read.
	Documents *doccache.Cache
}

// Handler returns the gin engine with every route registered.
func (s *Server) Handler() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		return nil, err
	}
	r.ContextWithFallback = true
	// Route on the escaped path and unescape parameters, so an ID holding "/"
	// (stored before IDs were checked) is reachable as %2F.
	r.UseRawPath, r.UnescapePathValues = true, true
	r.HandleMethodNotAllowed = true
	r.Use(requestID(), s.accessLog(), s.recovery(), securityHeaders(), s.identityEncoding(), s.checkURL())
	r.NoRoute(func(c *gin.Context) { s.fail(c, consent.Errorf(consent.ENOTFOUND, "No such endpoint.")) })
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, consent.Errorf(consent.EMETHOD, "Method not allowed on this endpoint; allowed: %s.", c.Writer.Header().Get("Allow")))
	})
	s.routes(r)
	return r, nil
}
