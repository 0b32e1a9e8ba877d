package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

const pendingBanner = "Not yet approved for use by the clinic's medical director"

// approval returns the approval block of a version or consent.
func approval(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	a, ok := m["approval"].(map[string]any)
	if !ok {
		t.Fatalf("no approval in %v", m)
	}
	return a
}

// sealedPDF returns the sealed PDF of a signed consent.
func sealedPDF(t *testing.T, s *apptest.Server, id string) []byte {
	t.Helper()
	return want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
}

func TestPublishIsSignedByATemplateApprover(t *testing.T) {
	s := apptest.New(t)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "pub-sig", "title": "T"})
	want(t, s, 201, "POST", "/v1/templates/pub-sig/versions", s.AdminKey, templateContent())
	publish := "/v1/templates/pub-sig/versions/1/publish"
	wantError(t, s, 400, "approved_by", "POST", publish, s.AdminKey, map[string]any{"approved_by": "nobody in particular"})
	wantError(t, s, 400, "approved_by", "POST", publish, s.AdminKey,
		map[string]any{"approved_by": "Dr. A", "staff_id": apptest.ApproverID, "pin": apptest.ApproverPIN})
	wantError(t, s, 400, "staff_id", "POST", publish, s.AdminKey, map[string]any{})
	wantError(t, s, 400, "staff.pin", "POST", publish, s.AdminKey, map[string]any{"staff_id": apptest.ApproverID, "pin": "000000"})
	// A clinician with the right PIN who is not a template approver.
	wantError(t, s, 403, "staff_id", "POST", publish, s.AdminKey, map[string]any{"staff_id": apptest.StaffID, "pin": apptest.StaffPIN})
	if v := wantJSON(t, s, 200, "GET", "/v1/templates/pub-sig/versions/1", s.AdminKey, nil); v["status"] != "draft" || v["approval"] != nil {
		t.Fatalf("refused publishes left %v, approval %v", v["status"], v["approval"])
	}
	// templates:write is enough; the approver's PIN is the signature.
	writer := s.Key(t, consent.ScopeTemplatesWrite, consent.ScopeTemplatesRead)
	v := wantJSON(t, s, 200, "POST", publish, writer, apptest.Approval())
	a := approval(t, v)
	if v["status"] != "published" || a["status"] != "approved" || a["staff_id"] != apptest.ApproverID ||
		a["name"] != apptest.ApproverName || a["meaning"] != consent.ApprovalMeaning || a["at"] == nil {
		t.Fatalf("published %v with approval %v", v["status"], a)
	}
	list := wantJSON(t, s, 200, "GET", "/v1/templates/pub-sig/versions", s.AdminKey, nil)["data"].([]any)
	if got := approval(t, list[0].(map[string]any))["staff_id"]; got != apptest.ApproverID {
		t.Errorf("listed approval staff %v", got)
	}
	wantError(t, s, 409, "", "POST", "/v1/templates/pub-sig/versions/1/approve", s.AdminKey, apptest.Approval())
	// The audit log holds both events, the approval with who and what it means.
	events := wantJSON(t, s, 200, "GET", "/v1/audit?type=template.version_approved", s.AdminKey, nil)["data"].([]any)
	if len(events) != 1 {
		t.Fatalf("%d approval events", len(events))
	}
	d := events[0].(map[string]any)["details"].(map[string]any)
	if d["slug"] != "pub-sig" || d["staff_id"] != apptest.ApproverID || d["meaning"] != consent.ApprovalMeaning {
		t.Errorf("approval event details %v", d)
	}
	// Staff JSON shows the permission.
	staff := wantJSON(t, s, 201, "POST", "/v1/staff", s.AdminKey, map[string]any{"id": "MD-2", "name": "Dr. Two", "role": "clinician",
		"pin": "112233", "template_approver": true})
	if staff["template_approver"] != true {
		t.Errorf("staff %v", staff)
	}
}

// On a fresh install the current version is published but pending: consents
// and PDFs say so until an approver signs; the state at sealing is what a PDF shows.
func TestPendingApprovalOnConsentsAndPDFs(t *testing.T) {
	s := apptest.New(t)
	v := wantJSON(t, s, 200, "GET", "/v1/templates/ketamine-iv/versions/3", s.AdminKey, nil)
	if v["status"] != "published" || approval(t, v)["status"] != "pending" || v["approved_by"] != nil {
		t.Fatalf("shipped version 3: %v, approval %v, approved_by %v", v["status"], v["approval"], v["approved_by"])
	}
	before := map[string]string{}
	for _, locale := range []string{"en", "es"} {
		id := s.SignedConsent(t, locale)
		c := wantJSON(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
		if a := approval(t, c); a["status"] != "pending" || len(a) != 1 {
			t.Errorf("%s consent approval %v, want pending only", locale, a)
		}
		pages := pdfPages(t, sealedPDF(t, s, id))
		for i, p := range pages {
			if !strings.Contains(oneLine(p), pendingBanner) {
				t.Errorf("%s page %d of %d lacks the pending notice", locale, i+1, len(pages))
			}
		}
		if locale == "es" && !strings.Contains(oneLine(pages[0]), "Aún no aprobado") {
			t.Errorf("Spanish PDF without the Spanish notice:\n%s", pages[0])
		}
		before[locale] = id
	}
	pdfBefore := sealedPDF(t, s, before["en"])

	a := approval(t, wantJSON(t, s, 200, "POST", "/v1/templates/ketamine-iv/versions/3/approve", s.AdminKey, apptest.Approval()))
	if a["status"] != "approved" || a["name"] != apptest.ApproverName {
		t.Fatalf("approve: %v", a)
	}
	// Consents show the version's approval; their sealed PDFs never change.
	if a := approval(t, wantJSON(t, s, 200, "GET", "/v1/consents/"+before["en"], s.AdminKey, nil)); a["status"] != "approved" ||
		a["staff_id"] != apptest.ApproverID {
		t.Errorf("consent made before the approval: %v", a)
	}
	if string(sealedPDF(t, s, before["en"])) != string(pdfBefore) {
		t.Error("the approval changed a sealed PDF")
	}
	for _, locale := range []string{"en", "es"} {
		id := s.SignedConsent(t, locale)
		pages := pdfPages(t, sealedPDF(t, s, id))
		all := oneLine(strings.Join(pages, " "))
		if strings.Contains(all, pendingBanner) || strings.Contains(all, "Aún no aprobado") {
			t.Errorf("%s PDF sealed after the approval still says pending", locale)
		}
		evidence := all[strings.LastIndex(all, "SHA-256"):] // the evidence pages
		for _, want := range []string{apptest.ApproverName, apptest.ApproverID, consent.ApprovalMeaning, a["at"].(string)[:10]} {
			if !strings.Contains(evidence, want) {
				t.Errorf("%s evidence page lacks %q:\n%s", locale, want, evidence)
			}
		}
	}
	// The signed event records what the PDF printed.
	events := wantJSON(t, s, 200, "GET", "/v1/consents/"+before["en"]+"/audit?type=consent.signed", s.AdminKey, nil)["data"].([]any)
	signed, _ := json.Marshal(events)
	if len(events) != 1 || !strings.Contains(string(signed), `"template_approval":"pending"`) {
		t.Errorf("consent.signed of a consent sealed while pending: %s", signed)
	}
}

// Wrong PINs sent to approve count toward the same lock-out as
// countersigning: the approval route is no new way to guess PINs.
func TestApprovalPINsCountTowardTheLockOut(t *testing.T) {
	s := apptest.New(t)
	key := s.Key(t, consent.ScopeTemplatesWrite, consent.ScopeConsentsWrite, consent.ScopeConsentsRead)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", key, apptest.PatientSignature(apptest.Acknowledged(t, c)))
	approve := "/v1/templates/ketamine-iv/versions/3/approve"
	wrong := map[string]any{"staff_id": apptest.ApproverID, "pin": "000000"}
	for i := 0; i < consent.DefaultLimits().PINPerDevice.Max; i++ {
		wantError(t, s, 400, "staff.pin", "POST", approve, key, wrong)
	}
	wantError(t, s, 429, "staff.pin", "POST", approve, key, apptest.Approval())
	// The approver is a clinician too: the same key may not try their PIN to countersign.
	sig := map[string]any{"role": "clinician", "staff": map[string]any{"id": apptest.ApproverID, "pin": apptest.ApproverPIN},
		"identity_verified": true, "signature": map[string]any{"type": "typed", "text": apptest.ApproverName}}
	wantError(t, s, 429, "staff.pin", "POST", "/v1/consents/"+id+"/signatures", key, sig)
	// Another place (the admin key) is not locked out.
	want(t, s, 200, "POST", approve, s.AdminKey, apptest.Approval())
}

// oneLine joins a page's text into one line with single spaces, so a phrase
// wrapped by the layout is still found.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
