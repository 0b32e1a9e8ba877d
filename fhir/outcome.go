package fhir

import (
	"net/http"

	"github.com/consentd/consentd/consent"
)

// outcomes maps each domain error code to its HTTP status and R4 IssueType code.
var outcomes = map[string]struct {
	status int
	issue  string
}{
	consent.EINVALID:      {http.StatusBadRequest, "invalid"},
	consent.EUNAUTHORIZED: {http.StatusUnauthorized, "login"},
	consent.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	consent.ENOTFOUND:     {http.StatusNotFound, "not-found"},
	consent.EMETHOD:       {http.StatusMethodNotAllowed, "not-supported"},
	consent.ECONFLICT:     {http.StatusConflict, "conflict"},
	consent.EGONE:         {http.StatusGone, "expired"},
	consent.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "too-long"},
	consent.ERATELIMITED:  {http.StatusTooManyRequests, "throttled"},
	consent.EUNSUPPORTED:  {http.StatusUnsupportedMediaType, "not-supported"},
	consent.EINTERNAL:     {http.StatusInternalServerError, "exception"},
}

// OperationOutcome maps an error to its HTTP status and an R4 OperationOutcome.
// Non-domain errors become 500 "exception" with a generic message, so
// internals never leak; a nil error gives 200 with an informational issue.
func OperationOutcome(err error) (int, map[string]any) {
	if err == nil {
		return http.StatusOK, outcome("information", "informational", "All OK.")
	}
	m, ok := outcomes[consent.ErrorCode(err)]
	if !ok {
		m = outcomes[consent.EINTERNAL]
	}
	msg := consent.ErrorMessage(err)
	if m.status == http.StatusInternalServerError {
		msg = "Internal error."
	}
	return m.status, outcome("error", m.issue, msg)
}

func outcome(severity, code, msg string) map[string]any {
	return map[string]any{
		"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{
			"severity":    severity,
			"code":        code,
			"diagnostics": msg,
		}},
	}
}
