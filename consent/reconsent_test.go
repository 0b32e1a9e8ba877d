package consent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// newVersion publishes a copy of tpl's newest version with a change summary
// and the given policy.
func (w *world) newVersion(policy string, edit func(*consent.VersionContent)) *consent.TemplateVersion {
	w.t.Helper()
	c := testContent()
	for code, lc := range c.Locales {
		lc.ChangeSummary = "What changed (" + code + "): the **risks** section."
		c.Locales[code] = lc
	}
	if edit != nil {
		edit(&c)
	}
	v := must[*consent.TemplateVersion](w.t)(w.svc.CreateVersion(w.admin, "tpl", &c))
	return must[*consent.TemplateVersion](w.t)(w.svc.PublishVersion(w.admin, "tpl", v.Version, w.approver(policy)))
}

func (w *world) get(id string) *consent.Consent {
	w.t.Helper()
	return must[*consent.Consent](w.t)(w.svc.GetConsent(w.admin, id))
}

func (w *world) listIDs(f consent.ConsentFilter) []string {
	w.t.Helper()
	list, _, err := w.svc.ListConsents(w.admin, f)
	if err != nil {
		w.t.Fatal(err)
	}
	out := []string{}
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func TestReconsentRequiredFlagsSignedAndBlocksPending(t *testing.T) {
	w := ready(t)
	signed := w.signed()
	pending := w.create().Consent
	withdrawn := w.signed()
	must[*consent.Consent](t)(w.svc.Transition(w.admin, withdrawn.ID, consent.StatusWithdrawn, "changed my mind"))
	if got := w.get(signed.ID); got.ReconsentDue != nil {
		t.Fatalf("flagged before any new version: %+v", got.ReconsentDue)
	}

	v2 := w.newVersion(consent.ReconsentRequired, nil)
	if v2.Reconsent != consent.ReconsentRequired {
		t.Errorf("published policy %q", v2.Reconsent)
	}
	got := w.get(signed.ID)
	if got.ReconsentDue == nil || got.ReconsentDue.Version != 2 || got.ReconsentDue.Policy != consent.ReconsentRequired ||
		!strings.Contains(got.ReconsentDue.Reason, "Version 2") {
		t.Errorf("signed consent on v1: reconsent_due %+v", got.ReconsentDue)
	}
	if got := w.get(withdrawn.ID); got.ReconsentDue != nil {
		t.Errorf("withdrawn consent flagged: %+v", got.ReconsentDue)
	}
	same := w.listIDs(consent.ConsentFilter{ReconsentDue: true})
	if len(same) != 1 || same[0] != signed.ID {
		t.Errorf("list reconsent_due = %v, want [%s]", same, signed.ID)
	}

	// The pending consent on version 1 can no longer be signed.
	_, err := w.svc.Sign(w.admin, pending.ID, patientSig())
	wantCode(t, "sign a pending consent on a version superseded under required", err, consent.ECONFLICT, "")
	if err == nil || !strings.Contains(err.Error(), "POST /v1/consents/"+pending.ID+"/reconsent") {
		t.Errorf("refusal does not name the re-issue route: %v", err)
	}
	// Nor can a new one be made on version 1.
	in := consentInput("tpl")
	in.Version = 1
	_, err = w.svc.CreateConsent(w.admin, in)
	wantCode(t, "create on version 1", err, consent.ECONFLICT, "version")

	// Re-issuing the pending one cancels it and makes a new one on version 2.
	re := must[*consent.CreatedConsent](t)(w.svc.Reconsent(w.admin, pending.ID, consent.ReconsentInput{}))
	if re.Consent.TemplateVersion != 2 || re.Consent.Supersedes != pending.ID {
		t.Errorf("re-issued: version %d supersedes %q", re.Consent.TemplateVersion, re.Consent.Supersedes)
	}
	if old := w.get(pending.ID); old.Status != consent.StatusCancelled || old.SupersededBy != re.Consent.ID {
		t.Errorf("re-issued pending consent: status %s superseded_by %q", old.Status, old.SupersededBy)
	}
	w.intact()
}

func TestReconsentCreatesLinkedConsentWithChangeSummary(t *testing.T) {
	w := ready(t)
	old := w.signed()
	w.newVersion(consent.ReconsentRecommended, func(c *consent.VersionContent) {
		c.Variables = append(c.Variables, consent.Variable{Name: "fee", Label: "Fee", Default: "$500"})
	})

	// A pending consent on version 1 may still be signed under recommended,
	// but cannot be re-consented (it is not signed).
	p := w.create()
	_, err := w.svc.Reconsent(w.admin, p.Consent.ID, consent.ReconsentInput{})
	wantCode(t, "re-consent a pending consent under recommended", err, consent.ECONFLICT, "")

	re := must[*consent.CreatedConsent](t)(w.svc.Reconsent(w.admin, old.ID, consent.ReconsentInput{}))
	c := re.Consent
	if c.Patient != old.Patient || c.Locale != old.Locale || c.Variables["clinic"] != "Calm Waters" || c.Variables["fee"] != "$500" {
		t.Errorf("re-consent: patient %+v locale %s variables %v", c.Patient, c.Locale, c.Variables)
	}
	if d := c.Document(); !strings.Contains(d.ChangeSummary, "What changed (en)") || !strings.Contains(d.ChangeSummaryHTML, "What changed (en)") {
		t.Errorf("document change summary %q / %q", d.ChangeSummary, d.ChangeSummaryHTML)
	}
	// Idempotency of the use case: a second re-consent is refused, naming the first.
	_, err = w.svc.Reconsent(w.admin, old.ID, consent.ReconsentInput{})
	wantCode(t, "second re-consent while the first is pending", err, consent.ECONFLICT, "")
	if err == nil || !strings.Contains(err.Error(), c.ID) {
		t.Errorf("refusal does not name the live re-consent: %v", err)
	}
	if got := w.get(old.ID); got.SupersededBy != c.ID || got.ReconsentDue == nil {
		t.Errorf("old consent while re-consent pending: superseded_by %q, reconsent_due %+v", got.SupersededBy, got.ReconsentDue)
	}
	// Signing the re-consent clears the flag of the old one.
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.ID, patientSig()))
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.ID, staffSig(consent.RoleClinician, "dr")))
	if got := w.get(old.ID); got.ReconsentDue != nil || got.SupersededBy != c.ID {
		t.Errorf("old consent after re-consent signed: reconsent_due %+v superseded_by %q", got.ReconsentDue, got.SupersededBy)
	}
	if ids := w.listIDs(consent.ConsentFilter{ReconsentDue: true}); len(ids) != 0 {
		t.Errorf("reconsent_due list after re-signing: %v", ids)
	}
	// A declined consent cannot be re-consented.
	d := w.create()
	must[*consent.Consent](t)(w.svc.Transition(w.admin, d.Consent.ID, consent.StatusDeclined, "no"))
	_, err = w.svc.Reconsent(w.admin, d.Consent.ID, consent.ReconsentInput{})
	wantCode(t, "re-consent a declined consent", err, consent.ECONFLICT, "")
	w.intact()
}

func TestReconsentNoneFlagsNothing(t *testing.T) {
	w := ready(t)
	old := w.signed()
	w.newVersion(consent.ReconsentNone, nil)
	if got := w.get(old.ID); got.ReconsentDue != nil {
		t.Errorf("policy none flagged %+v", got.ReconsentDue)
	}
	n := must[int](t)(w.svc.NotifyReconsentDue(context.Background()))
	if n != 0 {
		t.Errorf("policy none queued %d notices", n)
	}
}

func TestReconsentDueWebhookOncePerConsentInBatches(t *testing.T) {
	w := ready(t)
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "http://192.0.2.10/hook", []string{consent.EventConsentReconsentDue}))
	var signed []string
	for range 250 { // more than one batch
		signed = append(signed, w.signed().ID)
	}
	w.newVersion(consent.ReconsentRequired, nil)
	if got := w.outbox(); len(got) != 0 {
		t.Fatalf("publishing queued %d events itself; the job must", len(got))
	}
	n := must[int](t)(w.svc.NotifyReconsentDue(context.Background()))
	again := must[int](t)(w.svc.NotifyReconsentDue(context.Background()))
	if n != len(signed) || again != 0 {
		t.Errorf("notified %d then %d, want %d then 0", n, again, len(signed))
	}
	if got := w.outbox(); len(got) != len(signed) || got[0] != consent.EventConsentReconsentDue {
		t.Errorf("outbox: %d events (%v...)", len(got), got[:min(len(got), 1)])
	}
}

func TestRenewalDueAfterValidForDays(t *testing.T) {
	w := newWorld(t)
	c := testContent()
	c.ValidForDays = 30
	w.publish("tpl", c)
	w.staff("dr", consent.RoleClinician)
	old := w.signed()
	if got := w.get(old.ID); got.RenewalDue != nil {
		t.Fatalf("renewal due at once: %+v", got.RenewalDue)
	}
	w.clock.Add(30*24*time.Hour - time.Millisecond)
	if ids := w.listIDs(consent.ConsentFilter{RenewalDue: true}); len(ids) != 0 {
		t.Errorf("renewal due a millisecond early: %v", ids)
	}
	w.clock.Add(time.Millisecond)
	got := w.get(old.ID)
	if got.RenewalDue == nil || got.RenewalDue.ValidForDays != 30 || !got.RenewalDue.DueAt.Equal(old.SignedAt.Add(30*24*time.Hour)) {
		t.Errorf("renewal_due %+v", got.RenewalDue)
	}
	if ids := w.listIDs(consent.ConsentFilter{RenewalDue: true}); len(ids) != 1 || ids[0] != old.ID {
		t.Errorf("renewal_due list %v", ids)
	}
	// A renewal is a re-consent on the same (current) version.
	re := must[*consent.CreatedConsent](t)(w.svc.Reconsent(w.admin, old.ID, consent.ReconsentInput{}))
	if re.Consent.TemplateVersion != 1 || re.Consent.Supersedes != old.ID {
		t.Errorf("renewal: %+v", re.Consent)
	}
}
