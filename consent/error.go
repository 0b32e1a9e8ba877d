// Package consent is the domain of consentd: templates, their versions, consents,
// signatures and audit events, the rules that govern them, and the interfaces the
// storage, PDF and API layers implement or call. It imports only the standard library.
package consent

import (
	"errors"
	"fmt"
	"time"
)

// Error codes shared by every layer; the API maps each to exactly one HTTP status.
const (
	EINVALID      = "invalid"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ENOTFOUND     = "not_found"
	EMETHOD       = "method_not_allowed"
	ECONFLICT     = "conflict"
	EGONE         = "gone"
	ETOOLARGE     = "too_large"
	ERATELIMITED  = "rate_limited"
	EUNSUPPORTED  = "unsupported_media_type"
	EINTERNAL     = "internal"
	// EUNPROCESSABLE: well-formed request whose content cannot be processed
	// (e.g. a file without a sealed consent's shape).
	EUNPROCESSABLE = "unprocessable"
	// EUNAVAILABLE: the server is busy or the work took too long; retry later.
	EUNAVAILABLE = "unavailable"
)

// Error is a domain error: a code from the list above, a message safe to show a
// user, and optionally the request field it concerns.
type Error struct {
	Code    string
	Message string
	Field   string
	// RetryAfter says when a refused request (ERATELIMITED) may succeed again.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("consentd error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("consentd error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns a domain error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns a domain error that names the offending field; the message
// starts with the field name so it reads well on its own.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, or EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of a domain error, or a generic
// message for any other error so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field a domain error names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// RateLimitedf returns an ERATELIMITED error that says when to try again.
func RateLimitedf(retryAfter time.Duration, field, format string, args ...any) *Error {
	e := Errorf(ERATELIMITED, format, args...)
	if field != "" {
		e = FieldErrorf(ERATELIMITED, field, format, args...)
	}
	e.RetryAfter = retryAfter
	return e
}

// ErrorRetryAfter returns how long a refused request should wait, or 0 when
// the error does not say.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
