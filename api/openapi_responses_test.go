package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// oaChecker sends requests and validates each JSON answer against the schema
// the document gives for that operation and status.
type oaChecker struct {
	t          *testing.T
	s          *apptest.Server
	doc        *oaDoc
	registered []string
	validated  int
	key        string // the API key to send; the admin key when empty
}

// do sends a request for the documented operation "METHOD /path/{template}",
// wants status, validates the body and returns it decoded (nil if not JSON).
func (c *oaChecker) do(op, path string, body any, status int, headers ...string) map[string]any {
	c.t.Helper()
	method, _, _ := strings.Cut(op, " ")
	o := c.doc.ops[op]
	if o == nil {
		c.t.Fatalf("%s is not documented", op)
	}
	if status < 400 {
		c.checkRequest(op, o, body)
	}
	key := ""
	if len(o["security"].([]any)) > 0 {
		key = c.s.AdminKey
		if c.key != "" {
			key = c.key
		}
	}
	st, b := c.s.Do(c.t, method, path, key, body, headers...)
	if st != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, st, status, b)
	}
	resp, ok := o["responses"].(map[string]any)[strconv.Itoa(st)].(map[string]any)
	if !ok {
		c.t.Errorf("%s: status %d is not documented", op, st)
		return nil
	}
	if ref, ok := resp["$ref"].(string); ok {
		v, err := resolveOA(c.doc.root, ref)
		if err != nil {
			c.t.Fatal(err)
		}
		resp = v.(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	var media map[string]any
	for _, mt := range []string{"application/json", "application/fhir+json"} {
		if m, ok := content[mt].(map[string]any); ok {
			media = m
			break
		}
	}
	if media == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatalf("%s: %d body is not JSON: %v", op, st, err)
	}
	c.validated++
	for _, e := range oaValidate(c.doc.root, media["schema"].(map[string]any), v, op+" "+strconv.Itoa(st)) {
		c.t.Error(e)
	}
	m, _ := v.(map[string]any)
	return m
}

// checkRequest validates a JSON request body the test sends (valid input the
// server accepts) against the documented request schema, so the document is
// not stricter than the server.
func (c *oaChecker) checkRequest(op string, o map[string]any, body any) {
	c.t.Helper()
	rb, _ := o["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	if _, isJSON := body.(map[string]any); !isJSON || media == nil {
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatal(err)
	}
	for _, e := range oaValidate(c.doc.root, media["schema"].(map[string]any), v, op+" request") {
		c.t.Error(e)
	}
}

func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	s := apptest.New(t)
	c := &oaChecker{t: t, s: s, doc: loadOADoc(t), registered: registeredOps(t, s)}

	c.do("GET /healthz", "/healthz", nil, 200)
	c.do("GET /readyz", "/readyz", nil, 200)
	hook := c.do("POST /v1/webhooks", "/v1/webhooks", map[string]any{"url": "http://203.0.113.9/hook",
		"events": []string{"consent.created", "consent.signed"}}, 201)
	c.do("GET /v1/webhooks", "/v1/webhooks", nil, 200)

	oaTemplateFlow(c)
	oaConsentFlow(c)

	c.do("GET /v1/webhooks/{id}/deliveries", "/v1/webhooks/"+hook["id"].(string)+"/deliveries?limit=5", nil, 200)
	c.do("DELETE /v1/webhooks/{id}", "/v1/webhooks/"+hook["id"].(string), nil, 200)
	k := c.do("POST /v1/api-keys", "/v1/api-keys", map[string]any{"name": "ehr", "scopes": []string{"consents:read"}}, 201)
	c.do("GET /v1/api-keys", "/v1/api-keys", nil, 200)
	c.do("DELETE /v1/api-keys/{id}", "/v1/api-keys/"+k["id"].(string), nil, 200)
	c.do("POST /v1/staff", "/v1/staff", map[string]any{"id": "W-1", "name": "Ana Witness", "role": "witness", "pin": "135792"}, 201)
	c.do("GET /v1/staff", "/v1/staff", nil, 200)
	c.do("DELETE /v1/staff/{id}", "/v1/staff/W-1", nil, 200)
	c.do("POST /v1/staff", "/v1/staff", map[string]any{"id": "W-1", "name": "Again", "role": "witness", "pin": "135792"}, 409)
	c.do("GET /v1/consents/{id}", "/v1/consents/none", nil, 404)
	c.do("POST /v1/consents", "/v1/consents", map[string]any{"template": "ketamine-iv", "extra": 1}, 400)
	c.do("GET /v1/consents", "/v1/consents?limit=0", nil, 400)
	if st, b := s.Do(t, "GET", "/v1/audit", "", nil); st != 401 {
		t.Errorf("no key: %d %s", st, b)
	}
	if c.validated < 40 {
		t.Errorf("only %d responses validated", c.validated)
	}
}

// oaTemplateFlow creates, edits, publishes and retires a template version
// copied from the shipped one.
func oaTemplateFlow(c *oaChecker) {
	c.do("GET /v1/templates", "/v1/templates", nil, 200)
	c.do("GET /v1/templates/{slug}", "/v1/templates/ketamine-iv", nil, 200)
	c.do("GET /v1/templates/{slug}/versions", "/v1/templates/ketamine-iv/versions", nil, 200)
	v := c.do("GET /v1/templates/{slug}/versions/{version}", "/v1/templates/ketamine-iv/versions/1", nil, 200)
	content := map[string]any{}
	for _, k := range []string{"locales", "variables", "required_signers", "signature_forms", "expires_after_hours"} {
		content[k] = v[k]
	}
	c.do("POST /v1/templates", "/v1/templates", map[string]any{"slug": "oa-copy", "title": "Copy"}, 201)
	c.do("POST /v1/templates/{slug}/versions", "/v1/templates/oa-copy/versions", content, 201)
	base := "/v1/templates/oa-copy/versions/1"
	content["expires_after_hours"] = 24
	c.do("PUT /v1/templates/{slug}/versions/{version}", base, content, 200)
	c.do("POST /v1/templates/{slug}/versions/{version}/publish", base+"/publish", apptest.Approval(), 200)
	c.do("POST /v1/templates/{slug}/versions/{version}/retire", base+"/retire", nil, 200)
	c.do("PUT /v1/templates/{slug}/versions/{version}", base, content, 409)
}

// oaConsentFlow signs a consent on the tablet and through the API, then
// exercises PDFs, links, audit, transitions and FHIR.
func oaConsentFlow(c *oaChecker) {
	t, s := c.t, c.s
	cs := c.do("POST /v1/consents", "/v1/consents", apptest.ConsentRequest("en"), 201, "Idempotency-Key", "oa-1")
	id := cs["id"].(string)
	signing := cs["signing"].(map[string]any)
	token := strings.TrimPrefix(signing["url"].(string), "/sign/")
	acks := apptest.Acknowledged(t, cs)
	c.do("POST /v1/signing/codes/{code}", "/v1/signing/codes/"+signing["code"].(string), nil, 200)
	c.do("GET /v1/signing/{token}", "/v1/signing/"+token, nil, 200)
	c.do("POST /v1/signing/{token}/acknowledgments", "/v1/signing/"+token+"/acknowledgments",
		map[string]any{"section": acks[0], "locale": "en"}, 201)
	acknowledgeAll(t, s, token, cs)
	c.do("POST /v1/signing/{token}/signatures", "/v1/signing/"+token+"/signatures", apptest.PatientSignature(acks), 201)
	c.do("POST /v1/consents/{id}/signatures", "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature(), 201)
	c.do("POST /v1/consents/{id}/signatures", "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature(), 409)
	c.do("GET /v1/signing/{token}", "/v1/signing/"+token, nil, 410)
	c.do("GET /v1/consents/{id}", "/v1/consents/"+id, nil, 200)
	c.do("GET /v1/consents", "/v1/consents?limit=1&patient_id=MRN-1001", nil, 200)
	c.do("GET /v1/consents/{id}/pdf", "/v1/consents/"+id+"/pdf", nil, 200)
	_, pdf := s.Do(t, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	c.do("POST /v1/verify", "/v1/verify", pdf, 200)
	c.do("POST /v1/verify", "/v1/verify", "not a pdf", 422)
	c.do("POST /v1/public/verify", "/v1/public/verify", pdf, 200)
	c.do("POST /v1/public/verify", "/v1/public/verify", "%PDF-1.4 not a sealed consent", 422)
	verifyLink := "/v1/public/verify/" + linkToken(t, s, id)
	c.do("GET /v1/public/verify/{token}", verifyLink, nil, 200)
	c.do("GET /v1/public/verify/{token}", "/v1/public/verify/"+id+"-0000000000", nil, 404)

	link := c.do("POST /v1/consents/{id}/download-links", "/v1/consents/"+id+"/download-links", map[string]any{}, 201)
	c.do("GET /d/{token}", link["url"].(string), nil, 200)
	c.do("DELETE /v1/consents/{id}/download-links/{link_id}", "/v1/consents/"+id+"/download-links/"+link["id"].(string), nil, 200)
	c.do("GET /d/{token}", link["url"].(string), nil, 410)
	c.do("GET /d/{token}", "/d/none", nil, 404)

	c.do("GET /v1/consents/{id}/audit", "/v1/consents/"+id+"/audit", nil, 200)
	c.do("GET /v1/audit", "/v1/audit?limit=2&type=consent.signed", nil, 200)
	c.do("GET /v1/audit", "/v1/audit?since=yesterday", nil, 400)
	if _, err := s.Service.WriteCheckpoint(t.Context(), consent.CheckpointPolicy{Events: 1}); err != nil {
		t.Fatal(err)
	}
	c.do("GET /v1/audit/checkpoints", "/v1/audit/checkpoints?limit=1", nil, 200)
	c.do("GET /v1/audit/checkpoints", "/v1/audit/checkpoints?cursor=-1", nil, 400)

	if slices.Contains(c.registered, "GET /fhir/r4/metadata") {
		c.do("GET /fhir/r4/metadata", "/fhir/r4/metadata", nil, 200)
		c.do("GET /fhir/r4/Consent/{id}", "/fhir/r4/Consent/"+id, nil, 200)
		c.do("GET /fhir/r4/Consent", "/fhir/r4/Consent?"+url.Values{"patient:identifier": {"MRN-1001"}}.Encode(), nil, 200)
		c.do("GET /fhir/r4/DocumentReference/{id}", "/fhir/r4/DocumentReference/"+id, nil, 200)
		c.do("GET /fhir/r4/Consent/{id}", "/fhir/r4/Consent/none", nil, 404)
	}

	c.do("POST /v1/consents/{id}/withdraw", "/v1/consents/"+id+"/withdraw", map[string]any{"reason": "Changed my mind."}, 200)
	if v := c.do("GET /v1/public/verify/{token}", verifyLink, nil, 200); v["status"] != "withdrawn" || v["status_changed_at"] == nil {
		t.Errorf("public facts after withdrawal: %v", v)
	}
	c.do("POST /v1/consents/{id}/void", "/v1/consents/"+id+"/void", map[string]any{"reason": "x"}, 409)
	other := c.do("POST /v1/consents", "/v1/consents", apptest.ConsentRequest("es"), 201)["id"].(string)
	c.do("POST /v1/consents/{id}/decline", "/v1/consents/"+other+"/decline", map[string]any{"reason": "No."}, 200)
	c.do("GET /v1/consents/{id}", "/v1/consents/"+other, nil, 200)
	c.do("GET /v1/consents/{id}/pdf", "/v1/consents/"+other+"/pdf", nil, 409)
	third := c.do("POST /v1/consents", "/v1/consents", apptest.ConsentRequest("en"), 201)["id"].(string)
	c.do("POST /v1/consents/{id}/cancel", "/v1/consents/"+third+"/cancel", map[string]any{"reason": "Wrong patient."}, 200)
	// A key without consents:read gets the consent's state only (ConsentStatus).
	c.key = s.Key(t, "consents:write")
	fourth := c.do("POST /v1/consents", "/v1/consents", apptest.ConsentRequest("en"), 201)["id"].(string)
	if st := c.do("POST /v1/consents/{id}/cancel", "/v1/consents/"+fourth+"/cancel", map[string]any{"reason": "Duplicate."}, 200); st["patient"] != nil || st["status"] != "cancelled" {
		t.Errorf("cancel with a write-only key: %v", st)
	}
	c.key = ""
}
