package api_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// The patient and signer of every consent the scope matrix reads. No other
// test data carries these strings, so finding one in a body is a leak.
var (
	matrixPatient = map[string]any{"id": "MRN-SCOPE-4242", "given_name": "Philippa", "family_name": "Quarrington",
		"birth_date": "1967-11-23"}
	matrixSecrets = []string{"MRN-SCOPE-4242", "Philippa", "Quarrington", "1967-11-23", apptest.StaffName}
)

// scopeRoute is what the matrix expects of one route.
type scopeRoute struct {
	scopes []string // every scope the route needs; nil: no API key (the key is ignored)
	ok     int      // the status when allowed (for keyless routes: for every key)
	// prep makes fresh resources and returns the request's path and body.
	prep func(t *testing.T) (string, any)
	// echoes are the sensitive strings the response may hold because the
	// request itself sent or named them.
	echoes []string
}

// matrixFixture makes consents for the matrix patient.
type matrixFixture struct{ s *apptest.Server }

func (f matrixFixture) pending(t *testing.T) map[string]any {
	t.Helper()
	req := apptest.ConsentRequest("en")
	req["patient"] = matrixPatient
	return wantJSON(t, f.s, 201, "POST", "/v1/consents", f.s.AdminKey, req)
}

func (f matrixFixture) patientSigned(t *testing.T) string {
	t.Helper()
	c := f.pending(t)
	sig := apptest.PatientSignature(apptest.Acknowledged(t, c))
	sig["name"] = "Philippa Quarrington"
	want(t, f.s, 201, "POST", "/v1/consents/"+c["id"].(string)+"/signatures", f.s.AdminKey, sig)
	return c["id"].(string)
}

func (f matrixFixture) signed(t *testing.T) string {
	t.Helper()
	id := f.patientSigned(t)
	want(t, f.s, 201, "POST", "/v1/consents/"+id+"/signatures", f.s.AdminKey, apptest.ClinicianSignature())
	return id
}

// draft creates a new draft version of the matrix template and returns its path.
func (f matrixFixture) draft(t *testing.T) string {
	t.Helper()
	v := wantJSON(t, f.s, 201, "POST", "/v1/templates/scope-matrix/versions", f.s.AdminKey, nil)
	return fmt.Sprintf("/v1/templates/scope-matrix/versions/%v", v["version"])
}

// pendingVersion returns the path of a version published without approval,
// as shipped versions are on first start.
func (f matrixFixture) pendingVersion(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	v, err := f.s.Service.Store.Templates().FindVersion(ctx, "ketamine-iv", 1)
	if err != nil {
		t.Fatal(err)
	}
	slug := fmt.Sprintf("pending-%d", time.Now().UnixNano())
	if _, err := f.s.Service.ImportShipped(ctx, []consent.ShippedVersion{{Slug: slug, Title: "Pending", Version: 1,
		Content: v.Content()}}, true); err != nil {
		t.Fatal(err)
	}
	return "/v1/templates/" + slug + "/versions/1"
}

func fixed(path string, body any) func(*testing.T) (string, any) {
	return func(*testing.T) (string, any) { return path, body }
}

// scopeRoutes lists what every registered route must do; a route missing
// here fails the test, so no new route escapes it.
func scopeRoutes(f matrixFixture) map[string]scopeRoute {
	const (
		admin  = consent.ScopeAdmin
		tr, tw = consent.ScopeTemplatesRead, consent.ScopeTemplatesWrite
		cr, cw = consent.ScopeConsentsRead, consent.ScopeConsentsWrite
		ar     = consent.ScopeAuditRead
	)
	s, ctx := f.s, context.Background()
	n := 0
	uniq := func(p string) string { n++; return fmt.Sprintf("%s-%d", p, n) }
	one := func(sc ...string) []string { return sc }
	signed := func(suffix string) func(*testing.T) (string, any) {
		return func(t *testing.T) (string, any) { return "/v1/consents/" + f.signed(t) + suffix, nil }
	}
	reason := map[string]any{"reason": "scope matrix"}
	return map[string]scopeRoute{
		"GET /healthz":                {ok: 200, prep: fixed("/healthz", nil)},
		"GET /readyz":                 {ok: 200, prep: fixed("/readyz", nil)},
		"GET /metrics":                {ok: 200, prep: fixed("/metrics", nil)},
		"GET /openapi.json":           {ok: 200, prep: fixed("/openapi.json", nil)},
		"GET /v1/signing-certificate": {ok: 200, prep: fixed("/v1/signing-certificate", nil)},

		"POST /v1/api-keys": {scopes: one(admin), ok: 201, prep: func(*testing.T) (string, any) {
			return "/v1/api-keys", map[string]any{"name": uniq("k"), "scopes": []string{tr}}
		}},
		"GET /v1/api-keys": {scopes: one(admin), ok: 200, prep: fixed("/v1/api-keys", nil)},
		"DELETE /v1/api-keys/:id": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			k, err := s.Service.CreateAPIKey(ctx, "to revoke", []string{tr})
			if err != nil {
				t.Fatal(err)
			}
			return "/v1/api-keys/" + k.Key.ID, nil
		}},
		"POST /v1/staff": {scopes: one(admin), ok: 201, prep: func(*testing.T) (string, any) {
			return "/v1/staff", map[string]any{"id": uniq("W"), "name": "Sam Witness", "role": "witness", "pin": "135791"}
		}},
		"GET /v1/staff": {scopes: one(admin), ok: 200, prep: fixed("/v1/staff", nil)},
		"DELETE /v1/staff/:id": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			st, err := s.Service.CreateStaff(ctx, consent.NewStaff{ID: uniq("D"), Name: "Sam Witness", Role: consent.RoleWitness, PIN: "135791"})
			if err != nil {
				t.Fatal(err)
			}
			return "/v1/staff/" + st.ID, nil
		}},

		"POST /v1/devices": {scopes: one(admin), ok: 201, prep: func(*testing.T) (string, any) {
			return "/v1/devices", map[string]any{"name": uniq("Front desk")}
		}},
		"GET /v1/devices": {scopes: one(admin), ok: 200, prep: fixed("/v1/devices", nil)},
		"DELETE /v1/devices/:id": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			d, err := s.Service.CreateDevice(ctx, uniq("To revoke"))
			if err != nil {
				t.Fatal(err)
			}
			return "/v1/devices/" + d.Device.ID, nil
		}},

		"POST /v1/webhooks": {scopes: one(admin), ok: 201, prep: fixed("/v1/webhooks",
			map[string]any{"url": "https://203.0.113.10/hook", "events": []string{"consent.signed"}})},
		"GET /v1/webhooks": {scopes: one(admin), ok: 200, prep: fixed("/v1/webhooks", nil)},
		"DELETE /v1/webhooks/:id": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/webhooks/" + f.webhook(t), nil
		}},
		"POST /v1/webhooks/:id/rotate-secret": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/webhooks/" + f.webhook(t) + "/rotate-secret", map[string]any{"overlap_seconds": 60}
		}},
		"GET /v1/webhooks/:id/deliveries": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/webhooks/" + f.webhook(t) + "/deliveries", nil
		}},

		"POST /v1/templates": {scopes: one(tw), ok: 201, prep: func(*testing.T) (string, any) {
			return "/v1/templates", map[string]any{"slug": uniq("tpl"), "title": "A template"}
		}},
		"GET /v1/templates":                         {scopes: one(tr), ok: 200, prep: fixed("/v1/templates", nil)},
		"GET /v1/templates/:slug":                   {scopes: one(tr), ok: 200, prep: fixed("/v1/templates/ketamine-iv", nil)},
		"GET /v1/templates/:slug/versions":          {scopes: one(tr), ok: 200, prep: fixed("/v1/templates/ketamine-iv/versions", nil)},
		"POST /v1/templates/:slug/versions":         {scopes: one(tw), ok: 201, prep: fixed("/v1/templates/scope-matrix/versions", nil)},
		"GET /v1/templates/:slug/versions/:version": {scopes: one(tr), ok: 200, prep: fixed("/v1/templates/ketamine-iv/versions/1", nil)},
		"PUT /v1/templates/:slug/versions/:version": {scopes: one(tw), ok: 200, prep: func(t *testing.T) (string, any) {
			return f.draft(t), templateContent()
		}},
		"POST /v1/templates/:slug/versions/:version/publish": {scopes: one(tw), ok: 200, prep: func(t *testing.T) (string, any) {
			return f.draft(t) + "/publish", apptest.Publish("none")
		}},
		"POST /v1/templates/:slug/versions/:version/approve": {scopes: one(tw), ok: 200, prep: func(t *testing.T) (string, any) {
			return f.pendingVersion(t) + "/approve", apptest.Approval()
		}},
		"POST /v1/templates/:slug/versions/:version/retire": {scopes: one(tw), ok: 200, prep: func(t *testing.T) (string, any) {
			p := f.draft(t)
			want(t, s, 200, "POST", p+"/publish", s.AdminKey, apptest.Publish("none"))
			return p + "/retire", nil
		}},

		// The caller sends another patient: it may see what it sent, never the matrix patient.
		"POST /v1/consents": {scopes: one(cw), ok: 201, prep: fixed("/v1/consents", apptest.ConsentRequest("en"))},
		"GET /v1/consents":  {scopes: one(cr), ok: 200, prep: fixed("/v1/consents?limit=5", nil)},
		"GET /v1/consents/:id": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.pending(t)["id"].(string), nil
		}},
		// The clinician's own countersignature names the clinician it identified.
		"POST /v1/consents/:id/signatures": {scopes: one(cw), ok: 201, echoes: []string{apptest.StaffName},
			prep: func(t *testing.T) (string, any) {
				return "/v1/consents/" + f.patientSigned(t) + "/signatures", apptest.ClinicianSignature()
			}},
		"POST /v1/consents/:id/reconsent": {scopes: one(cr, cw), ok: 201, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.signed(t) + "/reconsent", nil
		}},
		"POST /v1/consents/:id/decline": {scopes: one(cw), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.pending(t)["id"].(string) + "/decline", reason
		}},
		"POST /v1/consents/:id/cancel": {scopes: one(cw), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.patientSigned(t) + "/cancel", reason
		}},
		"POST /v1/consents/:id/withdraw": {scopes: one(cw), ok: 200, prep: func(t *testing.T) (string, any) {
			p, _ := signed("/withdraw")(t)
			return p, reason
		}},
		"POST /v1/consents/:id/void": {scopes: one(admin), ok: 200, prep: func(t *testing.T) (string, any) {
			p, _ := signed("/void")(t)
			return p, reason
		}},
		"GET /v1/consents/:id/documents/:locale": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.pending(t)["id"].(string) + "/documents/es", nil
		}},
		"GET /v1/consents/:id/pdf": {scopes: one(cr), ok: 200, prep: signed("/pdf")},
		"GET /v1/consents/:id/pdf/withdrawn": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			p, _ := signed("/withdraw")(t)
			want(t, s, 200, "POST", p, s.AdminKey, reason)
			return strings.TrimSuffix(p, "/withdraw") + "/pdf/withdrawn", nil
		}},
		"POST /v1/consents/:id/download-links": {scopes: one(cr, cw), ok: 201, prep: func(t *testing.T) (string, any) {
			p, _ := signed("/download-links")(t)
			return p, map[string]any{"ttl_seconds": 3600}
		}},
		"DELETE /v1/consents/:id/download-links/:link_id": {scopes: one(cw), ok: 200, prep: func(t *testing.T) (string, any) {
			id := f.signed(t)
			l := wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/download-links", s.AdminKey, map[string]any{})
			return "/v1/consents/" + id + "/download-links/" + l["id"].(string), nil
		}},
		// Like the signing code a new consent answers with: consents:write alone.
		"POST /v1/consents/:id/remote-links": {scopes: one(cw), ok: 201, prep: func(t *testing.T) (string, any) {
			return "/v1/consents/" + f.pending(t)["id"].(string) + "/remote-links", map[string]any{"require_code": true}
		}},
		"DELETE /v1/consents/:id/remote-links/:link_id": {scopes: one(cw), ok: 200, prep: func(t *testing.T) (string, any) {
			id := f.pending(t)["id"].(string)
			l := wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/remote-links", s.AdminKey, map[string]any{})
			return "/v1/consents/" + id + "/remote-links/" + l["id"].(string), nil
		}},
		"GET /v1/consents/:id/audit": {scopes: one(ar), ok: 200, prep: signed("/audit")},
		"GET /v1/audit":              {scopes: one(ar), ok: 200, prep: fixed("/v1/audit?limit=200", nil)},
		"GET /v1/audit/checkpoints":  {scopes: one(ar), ok: 200, prep: fixed("/v1/audit/checkpoints", nil)},
		"POST /v1/verify": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/verify", want(t, s, 200, "GET", "/v1/consents/"+f.signed(t)+"/pdf", s.AdminKey, nil)
		}},

		// Keyless routes with credentials nobody holds: whatever the key, nothing leaks.
		"POST /v1/signing/codes/:code":            {ok: 404, prep: fixed("/v1/signing/codes/ZZZZ-ZZZZ", nil)},
		"GET /v1/signing/:token":                  {ok: 404, prep: fixed("/v1/signing/not-a-token", nil)},
		"POST /v1/signing/:token/acknowledgments": {ok: 404, prep: fixed("/v1/signing/not-a-token/acknowledgments", map[string]any{"section": "benefits"})},
		"POST /v1/signing/:token/answers": {ok: 404, prep: fixed("/v1/signing/not-a-token/answers",
			map[string]any{"section": "aftercare", "question": "escort", "choice": 1})},
		"POST /v1/signing/:token/signatures":  {ok: 404, prep: fixed("/v1/signing/not-a-token/signatures", apptest.PatientSignature(nil))},
		"POST /v1/signing/:token/staff-check": {ok: 404, prep: fixed("/v1/signing/not-a-token/staff-check", map[string]any{"role": "clinician", "staff": map[string]any{"id": apptest.StaffID, "pin": apptest.StaffPIN}})},
		"GET /d/:token":                       {ok: 404, prep: fixed("/d/not-a-token", nil)},
		"POST /d/:token":                      {ok: 404, prep: fixed("/d/not-a-token", nil)},
		"GET /v1/remote/:token":               {ok: 404, prep: fixed("/v1/remote/not-a-token", nil)},
		"POST /v1/remote/:token/open":         {ok: 404, prep: fixed("/v1/remote/not-a-token/open", map[string]any{"birth_date": "1980-04-02"})},
		"GET /remote/:token":                  {ok: 200, prep: fixed("/remote/not-a-token", nil)},
		"GET /sign":                           {ok: 200, prep: fixed("/sign", nil)},
		"GET /sign/:token":                    {ok: 200, prep: fixed("/sign/not-a-token", nil)},
		"GET /sign-assets/*file":              {ok: 200, prep: fixed("/sign-assets/app.js", nil)},
		"GET /enrol":                          {ok: 200, prep: fixed("/enrol", nil)},
		"GET /v1/signing/device":              {ok: 200, prep: fixed("/v1/signing/device", nil)},
		"POST /v1/signing/device":             {ok: 401, prep: fixed("/v1/signing/device", map[string]any{"token": "cdt_nobody-holds-this"})},

		// Public verification: a real sealed PDF and a real link, for any key
		// or none; the facts shown never name the patient or a signer.
		"POST /v1/public/verify": {ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/public/verify", want(t, s, 200, "GET", "/v1/consents/"+f.signed(t)+"/pdf", s.AdminKey, nil)
		}},
		"GET /v1/public/verify/:token": {ok: 200, prep: func(t *testing.T) (string, any) {
			return "/v1/public/verify/" + linkToken(t, s, f.signed(t)), nil
		}},
		"GET /verify":              {ok: 200, prep: fixed("/verify", nil)},
		"GET /verify/c/:token":     {ok: 200, prep: fixed("/verify/c/not-a-token", nil)},
		"GET /verify-assets/*file": {ok: 200, prep: fixed("/verify-assets/verify.js", nil)},

		"GET /fhir/r4/metadata": {ok: 200, prep: fixed("/fhir/r4/metadata", nil)},
		"GET /fhir/r4/Consent": {scopes: one(cr), ok: 200,
			prep: fixed("/fhir/r4/Consent?patient:identifier=MRN-SCOPE-4242", nil), echoes: []string{"MRN-SCOPE-4242"}},
		"GET /fhir/r4/Consent/:id": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/fhir/r4/Consent/" + f.pending(t)["id"].(string), nil
		}},
		"GET /fhir/r4/DocumentReference/:id": {scopes: one(cr), ok: 200, prep: func(t *testing.T) (string, any) {
			return "/fhir/r4/DocumentReference/" + f.signed(t), nil
		}},
	}
}

func (f matrixFixture) webhook(t *testing.T) string {
	t.Helper()
	w := wantJSON(t, f.s, 201, "POST", "/v1/webhooks", f.s.AdminKey,
		map[string]any{"url": "https://203.0.113.10/hook", "events": []string{"consent.signed"}})
	return w["id"].(string)
}

// TestScopeMatrix sends every registered route with no key, a key of each
// single scope and a consents read+write key. It checks the status (401 with
// no key, 403 without every scope the route needs) and that no body carries
// the patient's or a signer's data unless the key may read consents.
func TestScopeMatrix(t *testing.T) {
	// Every key's public verification comes from the one test address.
	s := apptest.New(t, func(c *app.Config) { c.PublicLimit, c.LinkLimit = app.Limit{}, app.Limit{} })
	// Every keyless route is sent an unknown token once per key.
	s.Service.Limits.SigningGuesses = consent.Limit{Kind: "signing_guess", Max: 1 << 20, Window: time.Minute}
	f := matrixFixture{s}
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "scope-matrix", "title": "Scope matrix"})
	want(t, s, 201, "POST", "/v1/templates/scope-matrix/versions", s.AdminKey, templateContent())

	keys := map[string][]string{"no key": nil}
	for _, sc := range consent.Scopes {
		keys[sc] = []string{sc}
	}
	keys["consents:read+write"] = []string{consent.ScopeConsentsRead, consent.ScopeConsentsWrite}
	secrets := map[string]string{}
	var names []string
	for name, sc := range keys {
		names = append(names, name)
		if sc != nil {
			secrets[name] = s.Key(t, sc...)
		}
	}
	sort.Strings(names)

	table := scopeRoutes(f)
	eng, err := s.API.Handler()
	if err != nil {
		t.Fatal(err)
	}
	routes := eng.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	seen := map[string]bool{}
	for _, r := range routes {
		route := r.Method + " " + r.Path
		seen[route] = true
		rc, found := table[route]
		if !found {
			t.Errorf("%s: not in the scope matrix; add what it needs and may show", route)
			continue
		}
		t.Run(route, func(t *testing.T) {
			for _, name := range names {
				held := keys[name]
				path, body := rc.prep(t)
				st, b := s.Do(t, r.Method, path, secrets[name], body)
				wantSt := rc.ok
				if rc.scopes != nil {
					switch {
					case held == nil:
						wantSt = 401
					case !grants(held, rc.scopes):
						wantSt = 403
					}
				}
				if st != wantSt {
					t.Errorf("%s: status %d, want %d: %.300s", name, st, wantSt, b)
				}
				if held != nil && grants(held, []string{consent.ScopeConsentsRead}) {
					continue
				}
				if bytes.HasPrefix(b, []byte("%PDF-")) {
					t.Errorf("%s: got a PDF without consents:read", name)
				}
				for _, secret := range matrixSecrets {
					if !slices.Contains(rc.echoes, secret) && strings.Contains(string(b), secret) {
						t.Errorf("%s: body holds %q without consents:read: %.300s", name, secret, b)
					}
				}
			}
		})
	}
	for route := range table {
		if !seen[route] {
			t.Errorf("%s: in the matrix but not registered", route)
		}
	}
}

// grants reports whether held scopes give every needed scope (admin gives all).
func grants(held, needed []string) bool {
	if slices.Contains(held, consent.ScopeAdmin) {
		return true
	}
	for _, n := range needed {
		if !slices.Contains(held, n) {
			return false
		}
	}
	return true
}
