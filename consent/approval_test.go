package consent_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// draftWorld returns a world with template "tpl" holding one draft, clinician
// "dr" (no approver) and approver "md" registered.
func draftWorld(t *testing.T) *world {
	w := newWorld(t)
	must[*consent.Template](t)(w.svc.CreateTemplate(w.admin, "tpl", "Treatment"))
	must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", ptr(testContent())))
	w.staff("dr", consent.RoleClinician)
	w.approver()
	return w
}

func by(id, pin string) consent.PublishInput {
	return consent.PublishInput{Approver: consent.Approver{StaffID: id, PIN: pin}}
}

// byWith is by with a re-consent policy, as a template's second version needs.
func byWith(id, pin, reconsent string) consent.PublishInput {
	in := by(id, pin)
	in.Reconsent = reconsent
	return in
}

func TestPublishNeedsAnApproversSignature(t *testing.T) {
	w := draftWorld(t)
	for _, tc := range []struct {
		name, id, pin, code, field string
	}{
		{"no signature", "", "", consent.EINVALID, "staff_id"},
		{"no PIN", "md", "", consent.EINVALID, "staff_id"},
		{"wrong PIN", "md", "999999", consent.EINVALID, "staff.pin"},
		{"unknown staff", "nobody", "123456", consent.EINVALID, "staff.pin"},
		{"not an approver", "dr", "123456", consent.EFORBIDDEN, "staff_id"},
	} {
		_, err := w.svc.PublishVersion(w.admin, "tpl", 1, by(tc.id, tc.pin))
		wantCode(t, tc.name, err, tc.code, tc.field)
	}
	if v := must[*consent.TemplateVersion](t)(w.store.Templates().FindVersion(w.admin, "tpl", 1)); v.Status != consent.VersionDraft {
		t.Fatalf("refused publishes left the version %s", v.Status)
	}
	before := w.head()
	pub := must[*consent.TemplateVersion](t)(w.svc.PublishVersion(w.admin, "tpl", 1, by("md", "123456")))
	a := must[*consent.TemplateApproval](t)(w.svc.ApprovalOf(w.admin, "tpl", 1))
	want := &consent.TemplateApproval{Slug: "tpl", Version: 1, StaffID: "md", Name: "Dr. Medical Director",
		Meaning: "I reviewed and approve this consent text for use at this clinic", At: w.clock.Now(),
		Evidence: consent.Evidence{Channel: consent.ChannelAPI, IP: "10.0.0.5", UserAgent: "ehr/1.0", Actor: "apikey:KADMIN"}}
	if d := cmp.Diff(want, a); d != "" || pub.Status != consent.VersionPublished {
		t.Errorf("approval (-want +got):\n%s", d)
	}
	// Publish and approval are one transaction: both events, the approval's row vouched for.
	if d := cmp.Diff([]string{consent.EventVersionPublished, consent.EventVersionApproved}, w.types("", before)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	ev := w.events("")[len(w.events(""))-1]
	digests, _ := ev.RowDigests()
	if _, ok := digests[consent.RowRef{Table: consent.TableTemplateApprovals, ID: "tpl/1"}]; !ok || ev.Details["staff_id"] != "md" ||
		ev.Details["meaning"] != consent.ApprovalMeaning {
		t.Errorf("approval event %+v", ev.Details)
	}
	_, err := w.svc.ApproveVersion(w.admin, "tpl", 1, consent.Approver{StaffID: "md", PIN: "123456"})
	wantCode(t, "approve twice", err, consent.ECONFLICT, "")
	w.intact()
}

func TestApproveAPendingVersion(t *testing.T) {
	w := newWorld(t)
	must[[]*consent.TemplateVersion](t)(w.svc.ImportShipped(w.admin,
		[]consent.ShippedVersion{{Slug: "tpl", Title: "Shipped", Version: 1, Content: testContent()}}, true))
	w.staff("dr", consent.RoleClinician)
	w.approver()
	must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", nil)) // a draft: approved by publishing
	_, err := w.svc.ApproveVersion(w.admin, "tpl", 2, consent.Approver{StaffID: "md", PIN: "123456"})
	wantCode(t, "approve a draft", err, consent.ECONFLICT, "")
	_, err = w.svc.ApproveVersion(w.admin, "tpl", 1, consent.Approver{StaffID: "dr", PIN: "123456"})
	wantCode(t, "not an approver", err, consent.EFORBIDDEN, "staff_id")

	// A consent sealed while pending says so; one sealed after the approval carries it.
	pending := w.signed()
	must[*consent.TemplateVersion](t)(w.svc.ApproveVersion(w.admin, "tpl", 1, consent.Approver{StaffID: "md", PIN: "123456"}))
	approved := w.signed()
	calls := w.sealer.Calls
	if len(calls) != 2 || calls[0].Consent.Approval != nil || calls[1].Consent.Approval == nil ||
		calls[1].Consent.Approval.StaffID != "md" {
		t.Fatalf("sealed %d consents; approvals %+v", len(calls), calls)
	}
	for id, want := range map[string]string{pending.ID: "pending", approved.ID: "approved"} {
		evs := w.events(id)
		if got := evs[len(evs)-1].Details["template_approval"]; got != want {
			t.Errorf("consent.signed of %s records template_approval %v, want %s", id, got, want)
		}
	}
	// Deactivated approvers approve nothing.
	must[*consent.Staff](t)(w.svc.DeactivateStaff(w.admin, "md"))
	must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", nil))
	_, err = w.svc.PublishVersion(w.admin, "tpl", 3, w.approver())
	wantCode(t, "deactivated approver", err, consent.EINVALID, "staff.pin")
	w.intact()
}

// Wrong approval PINs are counted with the countersigning ones, per place:
// approvals are no way around the lock-out.
func TestApprovalPINsShareTheLockOut(t *testing.T) {
	w := ready(t)
	must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", nil))
	c := w.create()
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.Consent.ID, patientSig()))
	lim := consent.DefaultLimits().PINPerDevice.Max
	for i := 0; i < lim; i++ {
		_, err := w.svc.PublishVersion(w.admin, "tpl", 2, byWith("md", "000000", consent.ReconsentNone))
		wantCode(t, "wrong PIN", err, consent.EINVALID, "staff.pin")
	}
	_, err := w.svc.PublishVersion(w.admin, "tpl", 2, byWith("md", "123456", consent.ReconsentNone))
	wantCode(t, "right PIN after the limit", err, consent.ERATELIMITED, "staff.pin")
	// md is a clinician too: the same place may not try md's PIN to countersign either.
	_, err = w.svc.Sign(w.admin, c.Consent.ID, staffSig(consent.RoleClinician, "md"))
	wantCode(t, "countersign after approval guesses", err, consent.ERATELIMITED, "staff.pin")
	failures := 0
	for _, e := range w.events("") {
		if e.Type == consent.EventStaffAuthFailed && e.Details["role"] == consent.RoleTemplateApprover {
			failures++
		}
	}
	if failures != lim {
		t.Errorf("%d staff.auth_failed events for the approver, want %d", failures, lim)
	}
	// Another place (another API key) is not locked out.
	other := consent.WithRequest(context.Background(), consent.Request{Actor: "apikey:KOTHER", Channel: consent.ChannelAPI})
	must[*consent.TemplateVersion](t)(w.svc.PublishVersion(other, "tpl", 2, byWith("md", "123456", consent.ReconsentNone)))
}
