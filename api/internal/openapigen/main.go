// Command openapigen writes api/openapi.json, the OpenAPI 3.1 document that
// consentd serves at GET /openapi.json. The document is built from Go values
// here (schemas.go, requests.go, paths_*.go) so that repeated parts (error
// responses, paging parameters, security) are written once.
//
// Run it from the repository root after changing the API, then commit both:
//
//	go run ./api/internal/openapigen -o api/openapi.json
//
// main_test.go fails when the committed file differs from what this program
// writes, and api/openapi_test.go fails when a registered route is missing.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "", "write the document to this file (default: stdout)")
	flag.Parse()
	b, err := Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

// M is a JSON object under construction; encoding/json sorts its keys, so the
// output is deterministic.
type M = map[string]any

// Generate returns the document as indented JSON ending in a newline.
func Generate() ([]byte, error) {
	paths, err := buildPaths(operations())
	if err != nil {
		return nil, err
	}
	hooks := webhookDeliveries()
	used, err := usedResponses(paths, hooks)
	if err != nil {
		return nil, err
	}
	doc := M{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info":              info(),
		"servers":           []M{{"url": "/", "description": "The consentd server itself; absolute URLs use CONSENTD_PUBLIC_URL."}},
		"tags":              tags(),
		"paths":             paths,
		"webhooks":          hooks,
		"components": M{
			"securitySchemes": M{"apiKey": M{"type": "http", "scheme": "bearer", "bearerFormat": "API key",
				"description": "An API key from POST /v1/api-keys or `consentd apikey create`, sent as " +
					"`Authorization: Bearer <key>`. Keys are stored only as SHA-256 hashes. A missing, invalid or " +
					"revoked key gets 401; a valid key without every scope the operation requires (x-required-scopes; " +
					"x-required-scope names the first) gets 403. Responses carry patient data only to keys with consents:read. " +
					"The admin scope implies every other scope."}},
			"schemas":    schemas(),
			"parameters": parameters(),
			"responses":  errorResponses(used),
			"headers": M{"IdempotentReplayed": M{"description": "`true` when this response is the stored response " +
				"of an earlier request with the same Idempotency-Key and body.", "schema": M{"type": "string", "enum": []string{"true"}}}},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func info() M {
	return M{
		"title":   "consentd",
		"version": "1.0.0",
		"summary": "Records informed consent for clinical treatments.",
		"description": "consentd records informed consent for clinical treatments: versioned consent templates " +
			"in several languages, consents frozen from a published version, signatures by the patient (or a " +
			"representative) and by staff on a tablet or through the API, a sealed PDF per signed consent, " +
			"expiring patient download links, and read-only FHIR R4 access.\n\n" +
			"Controls it provides:\n\n" +
			"- API keys with scopes (templates:read, templates:write, consents:read, consents:write, audit:read, " +
			"admin), stored as SHA-256 hashes; staff sign with an ID and a PIN stored with a slow password hash.\n" +
			"- A published template version, a consent's document, its signatures and its PDF never change; " +
			"status changes are recorded transitions with a reason.\n" +
			"- Every change and every access to a consent is an event in an append-only, hash-chained audit trail.\n" +
			"- Signed PDFs carry a digital seal that `POST /v1/verify` and `consentd verify` check.\n" +
			"- Signing tokens, signing codes and download links expire; download links can require the patient's " +
			"date of birth; code exchanges and downloads are rate-limited per client.\n" +
			"- Writes accept an `Idempotency-Key` header so retries never record a signature twice.\n\n" +
			"These are technical controls. Whether a deployment meets a particular regulation depends on how it " +
			"is configured, operated and governed, which this document does not describe.\n\n" +
			"Conventions: JSON with snake_case fields; timestamps are RFC 3339 in UTC with millisecond precision " +
			"and a `Z` (e.g. `2026-11-25T09:44:00.123Z`); IDs are opaque strings; errors are " +
			"`{\"error\": {\"code\", \"message\", \"field\"}}`; lists are `{\"data\": [...], \"next_cursor\"}`. " +
			"Request bodies are exactly one JSON value in valid UTF-8, and unknown fields are rejected (400). " +
			"Every response carries an `X-Request-ID` header.",
	}
}

func tags() []M {
	return []M{
		{"name": "Operations", "description": "Health, readiness, metrics and this document."},
		{"name": "API keys", "description": "Scoped API keys (admin)."},
		{"name": "Staff", "description": "Staff who sign as clinician, witness or interpreter (admin)."},
		{"name": "Devices", "description": "Enrolled kiosk tablets: limits are counted per device, and evidence names it."},
		{"name": "Templates", "description": "Consent templates and their numbered versions."},
		{"name": "Consents", "description": "Consents, their signatures, status transitions and PDFs."},
		{"name": "Download links", "description": "Expiring links that let a patient download their signed PDF."},
		{"name": "Remote signing", "description": "Links that let a patient sign on their own phone, behind their date of birth (and a one-time code)."},
		{"name": "Audit", "description": "The hash-chained audit trail."},
		{"name": "Verification", "description": "Checking sealed PDFs."},
		{"name": "Signing", "description": "Tablet signing: the signing token or code is the only credential."},
		{"name": "Webhooks", "description": "Event notifications to other systems (admin)."},
		{"name": "FHIR", "description": "Read-only FHIR R4 (4.0.1) access, application/fhir+json."},
		{"name": "Pages", "description": "HTML pages and assets for tablets and patients."},
	}
}
