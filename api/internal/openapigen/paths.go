package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// op describes one operation; buildPaths turns it into OpenAPI, adding the
// parts every operation of a kind shares (security, error responses, headers).
type op struct {
	method, path, id, tag, summary, desc string
	// scope is the API key scope the route requires; "" means no API key (security: []).
	scope string
	// also are further scopes the route requires besides scope.
	also []string
	// idem marks routes behind the idempotency middleware (Idempotency-Key header).
	idem bool
	// paged adds the limit and cursor query parameters.
	paged bool
	query []M
	// body is the request body object, if any.
	body M
	// status and resp are the success response.
	status int
	resp   M
	// errs are the error statuses beyond those added automatically.
	errs []int
	// fhir errors are OperationOutcome (application/fhir+json).
	fhir bool
	// extra responses replace the shared ones for their status.
	extra M
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// paramDocs describe path parameters, by path prefix and name.
func paramDoc(path, name string) string {
	switch {
	case name == "id" && strings.HasPrefix(path, "/v1/api-keys"):
		return "API key ID."
	case name == "id" && strings.HasPrefix(path, "/v1/staff"):
		return "Staff ID; one registered before IDs were checked may hold other characters: percent-encode them (st%2F1 for st/1)."
	case name == "id" && strings.HasPrefix(path, "/v1/devices"):
		return "Device ID."
	case name == "id" && strings.HasPrefix(path, "/v1/webhooks"):
		return "Webhook ID."
	case name == "id" && strings.HasPrefix(path, "/fhir/"):
		return "Resource id: the consent ID."
	case name == "id":
		return "Consent ID."
	case name == "locale":
		return "Locale of the document, one of the consent's documents (e.g. en, es)."
	case name == "slug":
		return "Template slug."
	case name == "version":
		return "Version number (1, 2, ...)."
	case name == "link_id":
		return "Download link ID."
	case name == "code":
		return "Signing code, e.g. K7QM-4XPD (case and dashes are ignored)."
	case name == "token" && (strings.HasPrefix(path, "/v1/public/verify/") || strings.HasPrefix(path, "/verify/c/")):
		return "Verification link token, <consent ID>-<MAC>, as printed on a sealed PDF (case-insensitive; O and 0, I, L and 1 are the same)."
	case name == "file" && strings.HasPrefix(path, "/verify-assets/"):
		return "Asset path below /verify-assets/."
	case name == "token" && strings.HasPrefix(path, "/d/"):
		return "Download link token."
	case name == "token":
		return "Signing token: the only credential for its consent; expires with it."
	case name == "file":
		return "Asset path below /sign-assets/."
	}
	panic("undocumented path parameter " + name + " in " + path)
}

// buildPaths assembles the paths object and checks operation IDs are unique.
func buildPaths(ops []op) (M, error) {
	paths := M{}
	seen := map[string]bool{}
	for _, o := range ops {
		if o.id == "" || seen[o.id] {
			return nil, fmt.Errorf("operation %s %s: missing or duplicate operationId %q", o.method, o.path, o.id)
		}
		seen[o.id] = true
		item, _ := paths[o.path].(M)
		if item == nil {
			item = M{}
			paths[o.path] = item
		}
		m := strings.ToLower(o.method)
		if _, dup := item[m]; dup {
			return nil, fmt.Errorf("operation %s %s declared twice", o.method, o.path)
		}
		item[m] = o.build()
	}
	return paths, nil
}

func (o op) build() M {
	out := M{"operationId": o.id, "summary": o.summary, "tags": []string{o.tag}}
	if o.desc != "" {
		out["description"] = o.desc
	}
	errs := slices.Clone(o.errs)
	if o.scope == "" {
		out["security"] = []M{}
	} else {
		out["security"] = []M{{"apiKey": []string{}}}
		out["x-required-scope"] = o.scope
		out["x-required-scopes"] = append([]string{o.scope}, o.also...)
		errs = append(errs, 401, 403, 429)
	}
	var params []M
	for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
		params = append(params, M{"name": m[1], "in": "path", "required": true,
			"description": paramDoc(o.path, m[1]), "schema": M{"type": "string"}})
		errs = append(errs, 404)
	}
	params = append(params, o.query...)
	if o.paged {
		params = append(params, M{"$ref": "#/components/parameters/limit"}, M{"$ref": "#/components/parameters/cursor"})
	}
	// Every route refuses a query value that is not valid UTF-8 or holds
	// control characters (api's checkURL), so every operation can answer 400.
	errs = append(errs, 400)
	if o.idem {
		params = append(params, M{"$ref": "#/components/parameters/IdempotencyKey"})
		errs = append(errs, 400, 409, 413)
	}
	if len(params) > 0 {
		out["parameters"] = params
	}
	if o.body != nil {
		out["requestBody"] = o.body
		errs = append(errs, 400, 413, 415)
	}
	resp := o.resp
	if o.idem {
		resp = cloneM(resp)
		resp["headers"] = M{"Idempotent-Replayed": M{"$ref": "#/components/headers/IdempotentReplayed"}}
	}
	responses := M{strconv.Itoa(o.status): resp}
	errs = append(errs, 500)
	slices.Sort(errs)
	for _, e := range slices.Compact(errs) {
		responses[strconv.Itoa(e)] = errorRef(e, o.fhir)
	}
	for k, v := range o.extra {
		responses[k] = v
	}
	out["responses"] = responses
	return out
}

func cloneM(m M) M {
	out := M{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// errorNames name the shared error responses by status.
var errorNames = map[int]string{400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
	409: "Conflict", 410: "Gone", 413: "TooLarge", 415: "UnsupportedMediaType", 422: "Unprocessable", 429: "RateLimited",
	500: "Internal", 503: "ServiceUnavailable"}

func errorRef(status int, fhir bool) M {
	name, ok := errorNames[status]
	if !ok {
		panic(fmt.Sprintf("no shared response for status %d", status))
	}
	if fhir {
		name = "FHIR" + name
	}
	return M{"$ref": "#/components/responses/" + name}
}

// errorResponses are the shared error responses, in the API's JSON error form
// and, for FHIR routes, as OperationOutcome; only those some operation uses
// (a name in used) are kept, so the document has no unused components.
func errorResponses(used map[string]bool) M {
	descs := map[int]string{
		400: "Invalid request: a malformed or unknown field, a failed validation, a bad query parameter or Idempotency-Key.",
		401: "Missing, invalid or revoked API key.",
		403: "The API key lacks the required scope, or the check (e.g. date of birth) failed.",
		404: "No such resource.",
		409: "Conflicts with the resource's state, or the Idempotency-Key was used with a different body.",
		410: "Expired or no longer available.",
		413: "Request body too large.",
		415: "The body was sent with a Content-Encoding other than identity; send it uncompressed.",
		422: "The content cannot be processed, e.g. a file without a sealed consent's shape.",
		429: "Too many requests or failed attempts; retry after Retry-After seconds.",
		500: "Internal error; details are logged with the request ID, never shown.",
		503: "Busy or took too long; retry after the Retry-After header's seconds.",
	}
	out := M{}
	for status, name := range errorNames {
		r := M{"description": descs[status], "content": M{"application/json": M{"schema": ref("Error")}}}
		f := M{"description": descs[status] + " As an OperationOutcome.",
			"content": M{"application/fhir+json": M{"schema": ref("OperationOutcome")}}}
		if status == 401 {
			h := M{"WWW-Authenticate": M{"description": `Bearer realm="consentd"`, "schema": M{"type": "string"}}}
			r["headers"], f["headers"] = h, h
		}
		if status == 429 {
			h := M{"Retry-After": M{"description": "Whole seconds until the request may succeed again.", "required": true,
				"schema": M{"type": "integer", "minimum": 1}}}
			r["headers"], f["headers"] = h, h
		}
		if status == 503 {
			h := M{"Retry-After": M{"description": "Seconds to wait before retrying.", "schema": M{"type": "integer"}}}
			r["headers"], f["headers"] = h, h
		}
		for n, v := range map[string]M{name: r, "FHIR" + name: f} {
			if used[n] {
				out[n] = v
			}
		}
	}
	return out
}

// usedResponses names the shared responses the operations refer to.
func usedResponses(parts ...any) (map[string]bool, error) {
	b, err := json.Marshal(parts)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, m := range responseRef.FindAllStringSubmatch(string(b), -1) {
		used[m[1]] = true
	}
	return used, nil
}

var responseRef = regexp.MustCompile(`"#/components/responses/([A-Za-z]+)"`)

// parameters are the shared parameters.
func parameters() M {
	return M{
		"limit": M{"name": "limit", "in": "query", "description": "Page size.",
			"schema": M{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
		"cursor": M{"name": "cursor", "in": "query", "description": "The next_cursor of the previous page.",
			"schema": M{"type": "string"}},
		"IdempotencyKey": M{"name": "Idempotency-Key", "in": "header", "required": false,
			"description": "Makes a write safe to retry: the same key with the same body replays the first response " +
				"(with Idempotent-Replayed: true); the same key with a different body → 409. Scoped to the API key or " +
				"token and the route, kept at least 24 hours, stored in the write's own transaction.",
			"schema": M{"type": "string", "minLength": 1, "maxLength": 255}},
	}
}

// query is an optional query parameter.
func query(name, desc string, schema M) M {
	return M{"name": name, "in": "query", "description": desc, "schema": schema}
}

// jsonBody is a required JSON request body.
func jsonBody(schema string) M {
	return M{"required": true, "content": M{"application/json": M{"schema": ref(schema)}}}
}

// jsonResp is a JSON success response.
func jsonResp(desc, schema string) M {
	return M{"description": desc, "content": M{"application/json": M{"schema": ref(schema)}}}
}

// rawResp is a non-JSON success response.
func rawResp(desc string, types ...string) M {
	content := M{}
	for _, t := range types {
		content[t] = M{"schema": M{"type": "string"}}
	}
	return M{"description": desc, "content": content}
}

// pdfResp is the sealed PDF.
func pdfResp(desc string) M {
	return M{"description": desc, "content": M{"application/pdf": M{"schema": M{"type": "string", "contentMediaType": "application/pdf"}}},
		"headers": M{"Content-Disposition": M{"description": `attachment; filename="consent-<id>.pdf"`, "schema": M{"type": "string"}},
			"ETag": M{"description": "The PDF's SHA-256 in quotes.", "schema": M{"type": "string"}}}}
}
