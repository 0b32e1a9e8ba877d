package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

func parseTS(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return tm
}

func TestExpiry(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	if d := parseTS(t, c["expires_at"]).Sub(parseTS(t, c["created_at"])); d != 168*time.Hour {
		t.Fatalf("expires after %v, want 168h", d)
	}
	if c["signing"].(map[string]any)["expires_at"] != c["expires_at"] {
		t.Fatalf("signing expires %v, consent %v", c["signing"].(map[string]any)["expires_at"], c["expires_at"])
	}
	ctx := context.Background()
	if n, err := s.Service.ExpireDue(ctx); err != nil || n != 0 {
		t.Fatalf("ExpireDue before expiry: %d %v", n, err)
	}
	// One acknowledgment just before expiry; the rest of the flow after it.
	s.Clock.Advance(168*time.Hour - time.Minute)
	acks := apptest.Acknowledged(t, c)
	want(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[0]})
	s.Clock.Advance(time.Minute)

	// Past expires_at, before the job: shown as expired and refused everywhere with 410.
	got := getConsent(t, s, id)
	if got["status"] != "expired" || got["expired_at"] != c["expires_at"] {
		t.Fatalf("before the job: status %v expired_at %v", got["status"], got["expired_at"])
	}
	wantError(t, s, 410, "", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(acks))
	wantError(t, s, 410, "", "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(acks))
	wantError(t, s, 410, "", "GET", "/v1/signing/"+token, "", nil)
	wantError(t, s, 410, "", "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": acks[1]})
	wantError(t, s, 410, "", "POST", "/v1/signing/codes/"+c["signing"].(map[string]any)["code"].(string), "", nil)
	wantError(t, s, 410, "", "POST", "/v1/consents/"+id+"/decline", s.AdminKey, map[string]any{"reason": "late"})
	list := wantJSON(t, s, 200, "GET", "/v1/consents?patient_id=MRN-1001", s.AdminKey, nil)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["status"] != "expired" {
		t.Fatalf("listed before the job: %v", list)
	}
	if evs := eventsOfType(auditEvents(t, s, id), "consent.expired"); len(evs) != 0 {
		t.Fatalf("expiry recorded before the job: %v", evs)
	}

	// The job records it once, an hour late.
	s.Clock.Advance(time.Hour)
	n, err := s.Service.ExpireDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue: %d %v, want 1", n, err)
	}
	if n, err := s.Service.ExpireDue(ctx); err != nil || n != 0 {
		t.Fatalf("second ExpireDue: %d %v, want 0", n, err)
	}
	evs := eventsOfType(auditEvents(t, s, id), "consent.expired")
	if len(evs) != 1 || evs[0]["actor"] != "system" || evs[0]["details"].(map[string]any)["to"] != "expired" {
		t.Fatalf("consent.expired events: %v", evs)
	}
	after := getConsent(t, s, id)
	if after["status"] != "expired" || after["expired_at"] != c["expires_at"] || len(after["signatures"].([]any)) != 0 {
		t.Fatalf("after the job: status %v expired_at %v, want expires_at %v", after["status"], after["expired_at"], c["expires_at"])
	}
	if diff := cmp.Diff(frozen(got), frozen(after)); diff != "" {
		t.Fatalf("the job changed the evidence (-before +after):\n%s", diff)
	}
	wantError(t, s, 410, "", "POST", "/v1/consents/"+id+"/cancel", s.AdminKey, map[string]any{"reason": "late"})
	wantError(t, s, 410, "", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(acks))
	filtered := wantJSON(t, s, 200, "GET", "/v1/consents?status=expired", s.AdminKey, nil)["data"].([]any)
	if len(filtered) != 1 {
		t.Fatalf("status=expired lists %d consents after the job", len(filtered))
	}
}

func TestExpiryDoesNotTouchSignedOrHalfSigned(t *testing.T) {
	s := apptest.New(t)
	signed := s.SignedConsent(t, "en")
	half := s.CreateConsent(t, "en")
	signPatient(t, s, half)
	s.Clock.Advance(169 * time.Hour)
	if st := getConsent(t, s, signed)["status"]; st != "signed" {
		t.Fatalf("signed consent shows %v after its expiry time", st)
	}
	wantError(t, s, 410, "", "POST", "/v1/consents/"+half["id"].(string)+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	n, err := s.Service.ExpireDue(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue: %d %v, want 1 (the half-signed one)", n, err)
	}
	if st := getConsent(t, s, signed)["status"]; st != "signed" {
		t.Fatalf("the job changed a signed consent to %v", st)
	}
	want(t, s, 200, "POST", "/v1/consents/"+signed+"/withdraw", s.AdminKey, map[string]any{"reason": "still possible"})
}

func TestListStatusFilterBeforeExpiryJob(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	s.Clock.Advance(169 * time.Hour)
	pending := wantJSON(t, s, 200, "GET", "/v1/consents?status=pending", s.AdminKey, nil)["data"].([]any)
	expired := wantJSON(t, s, 200, "GET", "/v1/consents?status=expired", s.AdminKey, nil)["data"].([]any)
	for _, e := range pending {
		if st := e.(map[string]any)["status"]; st != "pending" {
			t.Errorf("status=pending lists consent %v shown as %q", c["id"], st)
		}
	}
	if len(expired) != 1 {
		t.Errorf("status=expired lists %d consents, want 1 (shown as expired before the job)", len(expired))
	}
}
