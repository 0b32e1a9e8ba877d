package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// codes maps each domain error code to its HTTP status: the only place statuses
// for errors are decided.
var codes = map[string]int{
	consent.EINVALID:       http.StatusBadRequest,
	consent.EUNAUTHORIZED:  http.StatusUnauthorized,
	consent.EFORBIDDEN:     http.StatusForbidden,
	consent.ENOTFOUND:      http.StatusNotFound,
	consent.EMETHOD:        http.StatusMethodNotAllowed,
	consent.ECONFLICT:      http.StatusConflict,
	consent.EGONE:          http.StatusGone,
	consent.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	consent.EUNSUPPORTED:   http.StatusUnsupportedMediaType,
	consent.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	consent.ERATELIMITED:   http.StatusTooManyRequests,
	consent.EINTERNAL:      http.StatusInternalServerError,
	consent.EUNAVAILABLE:   http.StatusServiceUnavailable,
}

// ErrorStatus returns the HTTP status for an error's domain code.
func ErrorStatus(err error) int {
	if s, ok := codes[consent.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func errorResponse(err error) errorBody {
	return errorBody{Error: errorDetail{Code: consent.ErrorCode(err), Message: consent.ErrorMessage(err), Field: consent.ErrorField(err)}}
}

// fail writes err as the API's error JSON; internal errors are logged, never shown.
// Every 429 says when to come back (Retry-After, whole seconds).
func (s *Server) fail(c *gin.Context, err error) {
	if ErrorStatus(err) == http.StatusTooManyRequests {
		c.Header("Retry-After", retryAfterSeconds(consent.ErrorRetryAfter(err)))
	}
	if isFHIR(c) {
		s.failFHIR(c, err)
		return
	}
	status := ErrorStatus(err)
	if status == http.StatusInternalServerError {
		s.log(c).Error("internal error", slog.String("route", c.FullPath()), slog.Any("err", err))
	}
	c.AbortWithStatusJSON(status, errorResponse(err))
}

// defaultRetryAfter is sent when a refusal does not say how long it lasts.
const defaultRetryAfter = time.Minute

// retryAfterSeconds renders a wait as Retry-After's whole seconds, rounded up
// and at least 1.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		d = defaultRetryAfter
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// take asks a limiter (nil: no limit) for one more request for key; a refusal
// is an ERATELIMITED error carrying the limiter's wait.
func take(l Limiter, key, message string) error {
	if l == nil {
		return nil
	}
	if ok, wait := l.Take(key); !ok {
		return consent.RateLimitedf(wait, "", "%s", message)
	}
	return nil
}
