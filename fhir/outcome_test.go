package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// r4IssueTypes is the R4 IssueType value set (required binding).
var r4IssueTypes = []string{"invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
	"expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate", "multiple-matches", "not-found",
	"deleted", "too-long", "code-invalid", "extension", "too-costly", "business-rule", "conflict", "transient",
	"lock-error", "no-store", "exception", "timeout", "incomplete", "throttled", "informational"}

func TestOperationOutcome(t *testing.T) {
	tests := []struct {
		err        error
		status     int
		code, diag string
		severity   string
	}{
		{consent.FieldErrorf(consent.EINVALID, "patient", "bad identifier."), 400, "invalid", "patient: bad identifier.", "error"},
		{consent.Errorf(consent.EUNAUTHORIZED, "Missing API key."), 401, "login", "Missing API key.", "error"},
		{consent.Errorf(consent.EFORBIDDEN, "Needs consents:read."), 403, "forbidden", "Needs consents:read.", "error"},
		{consent.Errorf(consent.ENOTFOUND, "Consent not found."), 404, "not-found", "Consent not found.", "error"},
		{consent.Errorf(consent.ECONFLICT, "Pending."), 409, "conflict", "Pending.", "error"},
		{consent.Errorf(consent.EGONE, "Expired."), 410, "expired", "Expired.", "error"},
		{consent.Errorf(consent.ETOOLARGE, "Too large."), 413, "too-long", "Too large.", "error"},
		{consent.Errorf(consent.ERATELIMITED, "Slow down."), 429, "throttled", "Slow down.", "error"},
		{consent.Errorf(consent.EMETHOD, "Use GET."), 405, "not-supported", "Use GET.", "error"},
		{consent.Errorf(consent.EUNSUPPORTED, "Uncompressed."), 415, "not-supported", "Uncompressed.", "error"},
		{consent.Errorf(consent.EINTERNAL, "db path /var/secret broke"), 500, "exception", "Internal error.", "error"},
		{fmt.Errorf("wrapped: %w", consent.Errorf(consent.ENOTFOUND, "Consent not found.")), 404, "not-found", "Consent not found.", "error"},
		{errors.New("disk on fire at /var/secret"), 500, "exception", "Internal error.", "error"},
		{consent.Errorf("weird", "Odd."), 500, "exception", "Internal error.", "error"},
		{nil, 200, "informational", "All OK.", "information"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			status, body := OperationOutcome(tt.err)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			r := decode(t, body)
			if str(r["resourceType"]) != "OperationOutcome" || len(list(r["issue"])) != 1 {
				t.Fatalf("body = %v", r)
			}
			issue := at(r, "issue", "0")
			if got := str(at(issue, "code")); got != tt.code || !contains(r4IssueTypes, got) {
				t.Errorf("issue.code = %q, want %q", got, tt.code)
			}
			if got := str(at(issue, "severity")); got != tt.severity {
				t.Errorf("issue.severity = %q", got)
			}
			if got := str(at(issue, "diagnostics")); got != tt.diag {
				t.Errorf("issue.diagnostics = %q, want %q", got, tt.diag)
			}
			b, _ := json.Marshal(body)
			if strings.Contains(string(b), "/var/secret") {
				t.Error("internal detail leaked")
			}
		})
	}
}
