package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// dueIDs returns the IDs of GET /v1/consents?query.
func dueIDs(t *testing.T, s *apptest.Server, query string) ([]string, string) {
	t.Helper()
	l := wantJSON(t, s, 200, "GET", "/v1/consents?"+query, s.AdminKey, nil)
	var out []string
	for _, c := range l["data"].([]any) {
		out = append(out, c.(map[string]any)["id"].(string))
	}
	next, _ := l["next_cursor"].(string)
	return out, next
}

// publishCopy publishes a copy of ketamine-iv's newest version with body and
// returns the response (status want).
func publishCopy(t *testing.T, s *apptest.Server, body map[string]any) map[string]any {
	t.Helper()
	v := wantJSON(t, s, 201, "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey, nil)
	n := itoa(int(v["version"].(float64)))
	wantError(t, s, 400, "reconsent", "POST", "/v1/templates/ketamine-iv/versions/"+n+"/publish", s.AdminKey,
		apptest.Approval())
	wantError(t, s, 400, "reconsent", "POST", "/v1/templates/ketamine-iv/versions/"+n+"/publish", s.AdminKey,
		apptest.Publish("sometimes"))
	return wantJSON(t, s, 200, "POST", "/v1/templates/ketamine-iv/versions/"+n+"/publish", s.AdminKey, body)
}

func TestReconsentFlow(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	hook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey,
		map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"consent.reconsent_due"}})
	onV2 := s.SignedConsent(t, "en")
	pending := s.CreateConsent(t, "es")
	pendingID := pending["id"].(string)
	if c := getConsent(t, s, onV2); c["reconsent_due"] != nil || c["supersedes"] != nil || c["superseded_by"] != nil {
		t.Fatalf("fresh consent: reconsent_due %v supersedes %v superseded_by %v", c["reconsent_due"], c["supersedes"], c["superseded_by"])
	}

	v3 := publishCopy(t, s, apptest.Publish("required"))
	if v3["reconsent"] != "required" || v3["version"].(float64) != 4 {
		t.Fatalf("published %v", v3)
	}

	// The signed consent on version 2 is flagged; the pending one cannot be signed.
	c := getConsent(t, s, onV2)
	due, _ := c["reconsent_due"].(map[string]any)
	if due == nil || due["version"].(float64) != 4 || due["policy"] != "required" || !strings.Contains(due["reason"].(string), "Version 4") {
		t.Fatalf("reconsent_due %v", c["reconsent_due"])
	}
	if st, m, _ := fhirGet(t, s, "/fhir/r4/Consent/"+onV2, s.AdminKey); st != 200 || !strings.Contains(fmt.Sprint(m["extension"]),
		"https://consentd.dev/fhir/StructureDefinition/reconsent-due") || !strings.Contains(fmt.Sprint(m["extension"]), "required") {
		t.Fatalf("FHIR Consent: %d extension %v", st, m["extension"])
	}
	b := want(t, s, 409, "POST", "/v1/consents/"+pendingID+"/signatures", s.AdminKey,
		apptest.PatientSignature(apptest.Acknowledged(t, pending)))
	if !strings.Contains(string(b), "POST /v1/consents/"+pendingID+"/reconsent") {
		t.Fatalf("refusal does not name the re-issue route: %s", b)
	}

	// The list filter, alone, with others and in pages.
	other := s.SignedConsent(t, "es") // on version 4: not due
	if ids, _ := dueIDs(t, s, "reconsent_due=true"); len(ids) != 1 || ids[0] != onV2 {
		t.Fatalf("reconsent_due=true: %v, want [%s]", ids, onV2)
	}
	if ids, _ := dueIDs(t, s, "reconsent_due=true&status=signed&template=ketamine-iv&patient_id=MRN-1001"); len(ids) != 1 {
		t.Fatalf("with other filters: %v", ids)
	}
	if ids, _ := dueIDs(t, s, "reconsent_due=false&limit=200"); len(ids) < 3 {
		t.Fatalf("reconsent_due=false filters: %v", ids)
	}
	wantError(t, s, 400, "reconsent_due", "GET", "/v1/consents?reconsent_due=yes", s.AdminKey, nil)
	wantError(t, s, 400, "renewal_due", "GET", "/v1/consents?renewal_due=1", s.AdminKey, nil)
	_ = other

	// The webhook: queued by the job, once per consent.
	n, err := s.Service.NotifyReconsentDue(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("NotifyReconsentDue: %d, %v; want 1", n, err)
	}
	if n, err := s.Service.NotifyReconsentDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("second run: %d, %v; want 0", n, err)
	}
	dl := wantJSON(t, s, 200, "GET", "/v1/webhooks/"+hook["id"].(string)+"/deliveries", s.AdminKey, nil)["data"].([]any)
	if len(dl) != 1 || dl[0].(map[string]any)["event_type"] != "consent.reconsent_due" {
		t.Fatalf("deliveries %v", dl)
	}

	// Re-consent: a new pending consent on version 4, linked both ways,
	// whose documents carry the change summary; a second one is refused, a
	// retry with the same Idempotency-Key gets the first answer.
	key := []string{"Idempotency-Key", "reconsent-" + onV2}
	re := wantJSON(t, s, 201, "POST", "/v1/consents/"+onV2+"/reconsent", s.AdminKey, map[string]any{}, key...)
	reID := re["id"].(string)
	doc := re["document"].(map[string]any)
	if re["supersedes"] != onV2 || re["version"].(float64) != 4 || re["status"] != "pending" || re["signing"] == nil ||
		re["patient"].(map[string]any)["id"] != "MRN-1001" || doc["change_summary"] == "" || doc["change_summary"] == nil {
		t.Fatalf("re-consent: supersedes %v version %v status %v change_summary %v", re["supersedes"], re["version"], re["status"], doc["change_summary"])
	}
	again := wantJSON(t, s, 201, "POST", "/v1/consents/"+onV2+"/reconsent", s.AdminKey, map[string]any{}, key...)
	if again["id"] != reID {
		t.Fatalf("idempotent retry made %v, want %v", again["id"], reID)
	}
	b = want(t, s, 409, "POST", "/v1/consents/"+onV2+"/reconsent", s.AdminKey, map[string]any{})
	if !strings.Contains(string(b), reID) {
		t.Fatalf("second re-consent refusal does not name the first: %s", b)
	}
	if c := getConsent(t, s, onV2); c["superseded_by"] != reID || c["reconsent_due"] == nil {
		t.Fatalf("old consent: superseded_by %v reconsent_due %v", c["superseded_by"], c["reconsent_due"])
	}
	wantError(t, s, 404, "", "POST", "/v1/consents/nope/reconsent", s.AdminKey, map[string]any{})
	wantError(t, s, 400, "variables.nope", "POST", "/v1/consents/"+other+"/reconsent", s.AdminKey,
		map[string]any{"variables": map[string]string{"nope": "x"}})

	// Signing the re-consent clears the flag.
	signPatient(t, s, re)
	want(t, s, 201, "POST", "/v1/consents/"+reID+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	if c := getConsent(t, s, onV2); c["reconsent_due"] != nil || c["superseded_by"] != reID {
		t.Fatalf("after re-signing: reconsent_due %v superseded_by %v", c["reconsent_due"], c["superseded_by"])
	}
	if ids, _ := dueIDs(t, s, "reconsent_due=true"); len(ids) != 0 {
		t.Fatalf("reconsent_due after re-signing: %v", ids)
	}

	// The blocked pending consent is re-issued: cancelled, and a new one made.
	ri := wantJSON(t, s, 201, "POST", "/v1/consents/"+pendingID+"/reconsent", s.AdminKey, map[string]any{})
	if old := getConsent(t, s, pendingID); old["status"] != "cancelled" || old["superseded_by"] != ri["id"] || ri["locale"] != "es" {
		t.Fatalf("re-issued: old %v superseded_by %v, new locale %v", old["status"], old["superseded_by"], ri["locale"])
	}
}
