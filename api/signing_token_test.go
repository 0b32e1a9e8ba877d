package api_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

func TestSigningTokenOpensDocumentsWithoutPatientData(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "es")
	token := signingToken(t, c)
	b := want(t, s, 200, "GET", "/v1/signing/"+token, "", nil)
	m := apptest.JSON(t, b)
	if m["consent_id"] != c["id"] || m["status"] != "pending" || m["locale"] != "es" {
		t.Fatalf("session: %v %v %v", m["consent_id"], m["status"], m["locale"])
	}
	docs := m["documents"].(map[string]any)
	for _, l := range []string{"en", "es"} {
		d, ok := docs[l].(map[string]any)
		if !ok || len(d["sections"].([]any)) == 0 || d["content_sha256"] != c["documents"].(map[string]any)[l].(map[string]any)["content_sha256"] {
			t.Fatalf("document %s missing or different: %v", l, d)
		}
	}
	if diff := cmp.Diff([]any{"patient", "clinician"}, m["required_signers"]); diff != "" {
		t.Fatalf("required_signers (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"Zoë", "Müller", "1980-04-02", "MRN-1001", "birth_date", "given_name", "family_name"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the signing view shows %q", secret)
		}
	}
	if evs := eventsOfType(auditEvents(t, s, c["id"].(string)), "consent.viewed"); len(evs) == 0 ||
		!strings.HasPrefix(evs[0]["actor"].(string), "token:") || strings.Contains(evs[0]["actor"].(string), token) {
		t.Fatalf("tablet open audited as %v", evs)
	}
	wantError(t, s, 404, "", "GET", "/v1/signing/"+token+"x", "", nil)
	wantError(t, s, 404, "", "GET", "/v1/signing/s.bm9wZQ.AAAA", "", nil)
	wantError(t, s, 404, "", "GET", "/v1/signing/"+strings.Repeat("a", 300), "", nil)
	// Each credential opens only its own door.
	wantError(t, s, 404, "", "GET", "/v1/signing/"+s.AdminKey, "", nil)
	wantError(t, s, 404, "", "GET", "/d/"+token, "", nil)
	link := wantJSON(t, s, 201, "POST", "/v1/consents/"+s.SignedConsent(t, "en")+"/download-links", s.AdminKey, map[string]any{})
	wantError(t, s, 404, "", "GET", "/v1/signing/"+strings.TrimPrefix(link["url"].(string), "/d/"), "", nil)
	wantError(t, s, 401, "", "GET", "/v1/consents", strings.TrimPrefix(link["url"].(string), "/d/"), nil)
}

func TestSigningCodeExchange(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	code := c["signing"].(map[string]any)["code"].(string)
	if len(code) != 9 || code[4] != '-' {
		t.Fatalf("code %q", code)
	}
	for _, typed := range []string{code, strings.ToLower(code), strings.ReplaceAll(code, "-", ""), strings.ToLower(strings.ReplaceAll(code, "-", ""))} {
		t.Run(typed, func(t *testing.T) {
			x := wantJSON(t, s, 200, "POST", "/v1/signing/codes/"+typed, "", nil)
			tok, _ := x["token"].(string)
			if tok == "" || x["consent_id"] != c["id"] || x["url"] != "/sign/"+tok || x["expires_at"] != c["expires_at"] {
				t.Fatalf("exchange: %v", x)
			}
			if got := wantJSON(t, s, 200, "GET", "/v1/signing/"+tok, "", nil); got["consent_id"] != c["id"] {
				t.Fatalf("exchanged token opens %v", got["consent_id"])
			}
			wantError(t, s, 401, "", "GET", "/v1/consents/"+c["id"].(string), tok, nil)
		})
	}
	other := s.CreateConsent(t, "en")["signing"].(map[string]any)["code"].(string)
	unknown := "ABCD-EFGH"
	if unknown == code || unknown == other {
		unknown = "HGFE-DCBA"
	}
	for _, bad := range []string{unknown, "ABC", "ABCD-EFG0", "%20"} {
		wantError(t, s, 404, "", "POST", "/v1/signing/codes/"+bad, "", nil)
	}
}

func TestSigningCodeRateLimit(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.CodeLimit = app.Limit{PerSecond: 0.001, Burst: 3} })
	c := s.CreateConsent(t, "en")
	code := c["signing"].(map[string]any)["code"].(string)
	statuses := []int{}
	for i := 0; i < 5; i++ {
		st, _ := s.Do(t, "POST", "/v1/signing/codes/WRNG-"+strings.Repeat("X", 4), "", nil)
		statuses = append(statuses, st)
	}
	if diff := cmp.Diff([]int{404, 404, 404, 429, 429}, statuses); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	// Even the right code waits now: guessing gains nothing from a hit.
	wantError(t, s, 429, "", "POST", "/v1/signing/codes/"+code, "", nil)
}

func TestTabletAcknowledgmentsAndSigning(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	acks := apptest.Acknowledged(t, c)
	if len(acks) < 2 {
		t.Fatalf("the template marks %d sections for acknowledgment", len(acks))
	}
	wantError(t, s, 400, "section", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": "nope"})
	wantError(t, s, 400, "locale", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0], "locale": "fr"})
	wantError(t, s, 400, "colour", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0], "colour": 1})
	wantError(t, s, 404, "", "POST", "/v1/signing/nope/acknowledgments", "", map[string]any{"section": acks[0]})

	var times []string
	for _, key := range acks {
		s.Clock.Advance(1500 * time.Millisecond)
		a := wantJSON(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": key})
		if a["section"] != key || a["locale"] != "en" || a["channel"] != "tablet" {
			t.Fatalf("ack: %v", a)
		}
		times = append(times, a["at"].(string))
	}
	for i := 1; i < len(times); i++ {
		if times[i] <= times[i-1] {
			t.Fatalf("ack times not strictly increasing: %v", times)
		}
	}
	again := wantJSON(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0]})
	if again["at"] != times[0] {
		t.Fatalf("repeated ack at %v, first %v", again["at"], times[0])
	}
	view := wantJSON(t, s, 200, "GET", "/v1/signing/"+token, "", nil)
	var seen []string
	for _, a := range view["acknowledgments"].([]any) {
		seen = append(seen, a.(map[string]any)["at"].(string))
	}
	if diff := cmp.Diff(times, seen); diff != "" {
		t.Fatalf("acknowledgments returned (-recorded +returned):\n%s", diff)
	}

	// The patient signs on the tablet without repeating the acknowledgments.
	s.Clock.Advance(time.Second)
	body := apptest.PatientSignature(nil)
	r := wantJSON(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", body, "User-Agent", "TabletBrowser/1.0", "X-Device-ID", "tablet-3")
	got := getConsent(t, s, id)
	sigs := got["signatures"].([]any)
	if len(sigs) != 1 || r["role"] != "patient" {
		t.Fatalf("signatures after tablet signing: %d (%v)", len(sigs), r["role"])
	}
	sig := sigs[0].(map[string]any)
	ev := sig["evidence"].(map[string]any)
	if ev["channel"] != "tablet" || !strings.HasPrefix(ev["actor"].(string), "token:") || ev["user_agent"] != "TabletBrowser/1.0" {
		t.Fatalf("evidence %v", ev)
	}
	if diff := cmp.Diff(toAny(acks), sig["acknowledged_sections"]); diff != "" {
		t.Fatalf("acknowledged_sections (-want +got):\n%s", diff)
	}
	if sig["signed_at"].(string) <= times[len(times)-1] {
		t.Fatalf("signed_at %v not after the last acknowledgment %v", sig["signed_at"], times[len(times)-1])
	}
	var storedAcks []string
	for _, a := range got["acknowledgments"].([]any) {
		storedAcks = append(storedAcks, a.(map[string]any)["at"].(string))
	}
	if diff := cmp.Diff(times, storedAcks); diff != "" {
		t.Fatalf("tablet acknowledgment times changed at signing (-tapped +stored):\n%s", diff)
	}
	wantError(t, s, 401, "", "GET", "/v1/consents/"+id, token, nil)
	wantError(t, s, 401, "", "POST", "/v1/consents/"+id+"/signatures", token, apptest.ClinicianSignature())

	// The clinician countersigns on the same tablet; then the token shows nothing more.
	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.ClinicianSignature())
	wantError(t, s, 410, "", "GET", "/v1/signing/"+token, "", nil)
	wantError(t, s, 410, "", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0]})
	wantError(t, s, 410, "", "POST", "/v1/signing/codes/"+c["signing"].(map[string]any)["code"].(string), "", nil)
	if st := getConsent(t, s, id)["status"]; st != "signed" {
		t.Fatalf("status %v after both tablet signatures", st)
	}
}

func toAny(ss []string) []any {
	out := []any{}
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

func TestFirstSignatureFixesLocale(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	es := c["documents"].(map[string]any)["es"].(map[string]any)
	// The patient reads and acknowledges in Spanish on the tablet, then signs in Spanish.
	var acks []string
	for _, sec := range es["sections"].([]any) {
		if sec := sec.(map[string]any); sec["requires_acknowledgment"] == true {
			acks = append(acks, sec["key"].(string))
			want(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": sec["key"], "locale": "es"})
		}
	}
	body := apptest.PatientSignature(nil)
	wantError(t, s, 400, "acknowledged_sections", "POST", "/v1/signing/"+token+"/signatures", "", body) // acknowledged in es, not en
	body["locale"] = "es"
	r := wantJSON(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", body)
	if r["locale"] != "es" || r["meaning"] != es["meanings"].(map[string]any)["patient"] {
		t.Fatalf("patient signed in %v with meaning %v", r["locale"], r["meaning"])
	}
	got := getConsent(t, s, id)
	if got["locale"] != "es" || got["content_sha256"] != es["content_sha256"] || got["document"].(map[string]any)["title"] != es["title"] {
		t.Fatalf("after the first signature: locale %v hash %v", got["locale"], got["content_sha256"])
	}
	view := wantJSON(t, s, 200, "GET", "/v1/signing/"+token, "", nil)
	if diff := cmp.Diff([]any{"patient"}, view["signed_roles"]); diff != "" || view["locale"] != "es" {
		t.Fatalf("tablet view: locale %v signed_roles %v", view["locale"], view["signed_roles"])
	}
	wantError(t, s, 400, "locale", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0], "locale": "en"})
	clin := apptest.ClinicianSignature()
	clin["locale"] = "en"
	wantError(t, s, 400, "locale", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin)
	delete(clin, "locale")
	r = wantJSON(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin)
	if r["locale"] != "es" || r["meaning"] != es["meanings"].(map[string]any)["clinician"] {
		t.Fatalf("clinician signed in %v with meaning %v", r["locale"], r["meaning"])
	}
}

func TestSignatureIdempotentReplay(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	body := apptest.PatientSignature(apptest.Acknowledged(t, c))
	acknowledgeAll(t, s, token, c)
	first := want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", body, "Idempotency-Key", "tab-1")
	again := want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", body, "Idempotency-Key", "tab-1")
	if string(first) != string(again) {
		t.Fatalf("replay differs:\n%s\n%s", first, again)
	}
	wantError(t, s, 409, "", "POST", "/v1/signing/"+token+"/signatures", "", body) // without the key: the patient has signed
	clin := apptest.ClinicianSignature()
	first = want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin, "Idempotency-Key", "api-1")
	// The signed consent takes no signature, but the retry of the same request gets its first answer.
	again = want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin, "Idempotency-Key", "api-1")
	if string(first) != string(again) || apptest.JSON(t, first)["consent_status"] != "signed" {
		t.Fatalf("replay after completion:\n%s\n%s", first, again)
	}
	if n := len(getConsent(t, s, id)["signatures"].([]any)); n != 2 {
		t.Fatalf("%d signatures after replays", n)
	}
	// The same key on another route or with another credential is another request.
	b := want(t, s, 409, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body, "Idempotency-Key", "tab-1")
	if _, field, _ := errorOf(t, b); field == "Idempotency-Key" {
		t.Fatalf("a key used by a tablet token conflicts with an API key's request: %s", b)
	}
}

func TestUnknownSigningTokensAreLimitedPerClient(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	c := s.CreateConsent(t, "en")
	for i := 0; i < 20; i++ {
		if st, _ := s.Do(t, "GET", "/v1/signing/not-a-token-"+strconv.Itoa(i), "", nil); st != 404 {
			t.Fatalf("unknown token %d: %d", i, st)
		}
	}
	if st, _ := s.Do(t, "GET", "/v1/signing/not-a-token-x", "", nil); st != 429 {
		t.Fatalf("after 20 unknown tokens: %d, want 429", st)
	}
	// The same device is refused even with a real token until the window passes.
	if st, _ := s.Do(t, "GET", "/v1/signing/"+signingToken(t, c), "", nil); st != 429 {
		t.Fatalf("real token while blocked: %d, want 429", st)
	}
	s.FlushAuthFailures(t)
	failed := wantJSON(t, s, 200, "GET", "/v1/audit?type=auth.failed&limit=200", s.AdminKey, nil)["data"].([]any)
	if n := failedCount(t, failed); n != 20 {
		t.Fatalf("auth.failed events count %d failures, want 20 (refused requests add none)", n)
	}
}
