package api_test

import (
	"bytes"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

// frozenParts are the fields of a consent that no transition may change.
var frozenParts = []string{"document", "documents", "content_sha256", "template_content_sha256", "signatures",
	"acknowledgments", "signed_at", "pdf", "patient", "variables", "created_at", "expires_at", "version", "template", "locale"}

func frozen(c map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range frozenParts {
		out[k] = c[k]
	}
	return out
}

// checkTransitionEvent finds the audit event of a transition and checks its details.
func checkTransitionEvent(t *testing.T, s *apptest.Server, id, typ, from, to, reason string) {
	t.Helper()
	evs := eventsOfType(auditEvents(t, s, id), typ)
	if len(evs) != 1 {
		t.Fatalf("%d %s events, want 1", len(evs), typ)
	}
	d := evs[0]["details"].(map[string]any)
	if d["from"] != from || d["to"] != to || d["reason"] != reason {
		t.Fatalf("%s details %v", typ, d)
	}
	if a, _ := evs[0]["actor"].(string); a == "" || a == "system" {
		t.Fatalf("%s actor %q", typ, a)
	}
}

func TestDeclineAndCancel(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	for _, body := range []any{map[string]any{}, map[string]any{"reason": ""}, map[string]any{"reason": "   "}, nil} {
		wantError(t, s, 400, "", "POST", "/v1/consents/"+id+"/decline", s.AdminKey, body)
	}
	wantError(t, s, 400, "reason", "POST", "/v1/consents/"+id+"/decline", s.AdminKey, map[string]any{"reason": ""})
	wantError(t, s, 400, "reason", "POST", "/v1/consents/"+id+"/decline", s.AdminKey, map[string]any{"reason": "no\x00"})
	wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "changed my mind"})
	wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/void", s.AdminKey, map[string]any{"reason": "error"})
	wantError(t, s, 404, "", "POST", "/v1/consents/nope/decline", s.AdminKey, map[string]any{"reason": "x"})
	if st := getConsent(t, s, id)["status"]; st != "pending" {
		t.Fatalf("refused transitions left status %v", st)
	}

	before := getConsent(t, s, id)
	d := wantJSON(t, s, 200, "POST", "/v1/consents/"+id+"/decline", s.AdminKey, map[string]any{"reason": "Prefers to think it over."})
	if d["status"] != "declined" || d["status_reason"] != "Prefers to think it over." || d["declined_at"] == nil || d["declined_at"] != d["status_changed_at"] {
		t.Fatalf("declined: %v %v %v %v", d["status"], d["status_reason"], d["declined_at"], d["status_changed_at"])
	}
	got := getConsent(t, s, id)
	if got["status"] != "declined" || got["status_reason"] != "Prefers to think it over." {
		t.Fatalf("GET after decline: %v %v", got["status"], got["status_reason"])
	}
	if diff := cmp.Diff(frozen(before), frozen(got)); diff != "" {
		t.Fatalf("decline changed the consent (-before +after):\n%s", diff)
	}
	checkTransitionEvent(t, s, id, "consent.declined", "pending", "declined", "Prefers to think it over.")

	// A declined consent takes no signature and no other transition.
	wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c)))
	wantError(t, s, 409, "", "POST", "/v1/signing/"+signingToken(t, c)+"/signatures", "", apptest.PatientSignature(apptest.Acknowledged(t, c)))
	wantError(t, s, 410, "", "GET", "/v1/signing/"+signingToken(t, c), "", nil)
	for _, to := range []string{"decline", "cancel", "withdraw", "void"} {
		wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/"+to, s.AdminKey, map[string]any{"reason": "again"})
	}
	if got := getConsent(t, s, id); got["status"] != "declined" || len(got["signatures"].([]any)) != 0 {
		t.Fatalf("after refused calls: %v, %d signatures", got["status"], len(got["signatures"].([]any)))
	}

	c2 := s.CreateConsent(t, "es")
	id2 := c2["id"].(string)
	signPatient(t, s, c2) // a half-signed consent can still be cancelled
	cw := s.Key(t, "consents:write", "consents:read")
	x := wantJSON(t, s, 200, "POST", "/v1/consents/"+id2+"/cancel", cw, map[string]any{"reason": "Wrong patient."})
	if x["status"] != "cancelled" || x["cancelled_at"] == nil || x["status_reason"] != "Wrong patient." || len(x["signatures"].([]any)) != 1 {
		t.Fatalf("cancelled: %v", x)
	}
	checkTransitionEvent(t, s, id2, "consent.cancelled", "pending", "cancelled", "Wrong patient.")
	wantError(t, s, 409, "", "POST", "/v1/consents/"+id2+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	if _, b := s.Do(t, "GET", "/v1/consents/"+id2+"/pdf", s.AdminKey, nil); bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatal("a cancelled consent has a PDF")
	}

	// Nothing is deleted: both consents are still listed with their final status.
	list := wantJSON(t, s, 200, "GET", "/v1/consents", s.AdminKey, nil)["data"].([]any)
	statuses := map[string]any{}
	for _, e := range list {
		statuses[e.(map[string]any)["id"].(string)] = e.(map[string]any)["status"]
	}
	if diff := cmp.Diff(map[string]any{id: "declined", id2: "cancelled"}, statuses); diff != "" {
		t.Fatalf("listed statuses (-want +got):\n%s", diff)
	}
}

func TestWithdrawAndVoidKeepEvidence(t *testing.T) {
	s := apptest.New(t)
	cw := s.Key(t, "consents:write", "consents:read")
	for _, tt := range []struct{ action, status, key, field string }{
		{"withdraw", "withdrawn", cw, "withdrawn_at"},
		{"void", "voided", s.AdminKey, "voided_at"},
	} {
		t.Run(tt.action, func(t *testing.T) {
			id := s.SignedConsent(t, "en")
			before := getConsent(t, s, id)
			pdf := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
			if tt.action == "void" {
				wantError(t, s, 403, "", "POST", "/v1/consents/"+id+"/void", cw, map[string]any{"reason": "Entered in error."})
			}
			wantError(t, s, 400, "reason", "POST", "/v1/consents/"+id+"/"+tt.action, tt.key, map[string]any{"reason": ""})
			wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/decline", s.AdminKey, map[string]any{"reason": "too late"})
			wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/cancel", s.AdminKey, map[string]any{"reason": "too late"})
			if st := getConsent(t, s, id)["status"]; st != "signed" {
				t.Fatalf("refused calls changed status to %v", st)
			}
			reason := "Reason for " + tt.action + ": Müller ß"
			out := wantJSON(t, s, 200, "POST", "/v1/consents/"+id+"/"+tt.action, tt.key, map[string]any{"reason": reason})
			if out["status"] != tt.status || out["status_reason"] != reason || out[tt.field] == nil {
				t.Fatalf("%s: %v %v %v", tt.action, out["status"], out["status_reason"], out[tt.field])
			}
			after := getConsent(t, s, id)
			if diff := cmp.Diff(frozen(before), frozen(after)); diff != "" {
				t.Fatalf("%s changed the evidence (-before +after):\n%s", tt.action, diff)
			}
			if after["status"] != tt.status || after[tt.field] != out[tt.field] || after["signed_at"] == nil {
				t.Fatalf("GET after %s: %v %v", tt.action, after["status"], after[tt.field])
			}
			if pdf2 := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil); !bytes.Equal(pdf, pdf2) {
				t.Fatalf("the PDF changed after %s", tt.action)
			}
			checkTransitionEvent(t, s, id, "consent."+tt.status, "signed", tt.status, reason)
			for _, next := range []string{"withdraw", "void", "decline", "cancel"} {
				wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/"+next, s.AdminKey, map[string]any{"reason": "again"})
			}
			wantError(t, s, 409, "", "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
			if diff := cmp.Diff(frozen(before), frozen(getConsent(t, s, id))); diff != "" {
				t.Fatalf("refused calls changed the evidence:\n%s", diff)
			}
		})
	}
}

func TestEveryTransitionIsAudited(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	signPatient(t, s, c)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	want(t, s, 200, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "Changed mind."})
	var types []string
	var prev string
	for i, e := range auditEvents(t, s, id) {
		if e["type"] == "consent.viewed" {
			continue
		}
		types = append(types, e["type"].(string))
		if i > 0 && e["at"].(string) < prev {
			t.Fatalf("audit times go backwards: %s after %s", e["at"], prev)
		}
		prev = e["at"].(string)
	}
	var wantTypes []string
	wantTypes = append(wantTypes, "consent.created")
	for range apptest.Acknowledged(t, c) {
		wantTypes = append(wantTypes, "consent.acknowledged")
	}
	wantTypes = append(wantTypes, "consent.signature_recorded", "consent.signature_recorded", "consent.signed", "consent.withdrawn")
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Fatalf("audit trail (-want +got):\n%s", diff)
	}
}
