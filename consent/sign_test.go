package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestSigningOrder signs a sequence of roles on one consent and checks each
// answer: the patient side signs once (a patient or a representative), the
// clinician countersigns after it, a witness at any time, nobody twice.
func TestSigningOrder(t *testing.T) {
	rep := patientSig()
	rep.Role, rep.Relationship = consent.RoleRepresentative, "daughter"
	clin := staffSig(consent.RoleClinician, "dr")
	witness := staffSig(consent.RoleWitness, "wit")
	type step struct {
		in    consent.SignInput
		code  string
		field string
	}
	tests := []struct {
		name   string
		steps  []step
		status string
	}{
		{"patient then clinician", []step{{patientSig(), "", ""}, {clin, "", ""}}, consent.StatusSigned},
		{"representative then clinician", []step{{rep, "", ""}, {clin, "", ""}}, consent.StatusSigned},
		{"clinician first", []step{{clin, consent.ECONFLICT, "role"}, {patientSig(), "", ""}}, consent.StatusPending},
		{"patient twice", []step{{patientSig(), "", ""}, {patientSig(), consent.ECONFLICT, "role"}}, consent.StatusPending},
		{"patient and representative", []step{{patientSig(), "", ""}, {rep, consent.ECONFLICT, "role"}}, consent.StatusPending},
		{"witness first, then the rest", []step{{witness, "", ""}, {patientSig(), "", ""}, {witness, consent.ECONFLICT, "role"}, {clin, "", ""}},
			consent.StatusSigned},
		{"after completion", []step{{patientSig(), "", ""}, {clin, "", ""}, {witness, consent.ECONFLICT, ""}}, consent.StatusSigned},
		{"unknown role", []step{{consent.SignInput{Role: "notary"}, consent.EINVALID, "role"}}, consent.StatusPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t)
			id := w.create().Consent.ID
			for i, s := range tt.steps {
				_, err := w.svc.Sign(w.admin, id, s.in)
				wantCode(t, s.in.Role+" (step "+string(rune('1'+i))+")", err, s.code, s.field)
			}
			c := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, id))
			if c.Status != tt.status {
				t.Errorf("status %s, want %s", c.Status, tt.status)
			}
			w.intact()
		})
	}
}

func TestPatientSignatureRules(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(in *consent.SignInput)
		code  string
		field string
	}{
		{"valid", func(in *consent.SignInput) {}, "", ""},
		{"a section not acknowledged", func(in *consent.SignInput) { in.AcknowledgedSections = []string{"overview"} }, consent.EINVALID, "acknowledged_sections"},
		{"an unknown section", func(in *consent.SignInput) { in.AcknowledgedSections = append(in.AcknowledgedSections, "extra") },
			consent.EINVALID, "acknowledged_sections[2]"},
		{"no electronic-records consent", func(in *consent.SignInput) { in.ElectronicRecordsConsent = false }, consent.EINVALID, "electronic_records_consent"},
		{"no name", func(in *consent.SignInput) { in.Name = "" }, consent.EINVALID, "name"},
		{"a patient states a relationship", func(in *consent.SignInput) { in.Relationship = "self" }, consent.EINVALID, "relationship"},
		{"a representative without one", func(in *consent.SignInput) { in.Role = consent.RoleRepresentative }, consent.EINVALID, "relationship"},
		{"a patient with a staff PIN", func(in *consent.SignInput) { in.StaffID, in.StaffPIN = "dr", "123456" }, consent.EINVALID, "staff"},
		{"a locale the consent lacks", func(in *consent.SignInput) { in.Locale = "fr" }, consent.EINVALID, "locale"},
		{"a typed signature that is not the name", func(in *consent.SignInput) {
			in.Mark = consent.Mark{Type: "typed", Text: "Someone Else"}
		}, consent.EINVALID, "signature.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t)
			id := w.create().Consent.ID
			in := patientSig()
			tt.edit(&in)
			before := w.head()
			_, err := w.svc.Sign(w.admin, id, in)
			wantCode(t, "Sign", err, tt.code, tt.field)
			if err != nil && w.head() != before {
				t.Errorf("a refused signature wrote events %v", w.types("", before))
			}
		})
	}
}

func TestStaffSignatureRules(t *testing.T) {
	tests := []struct {
		name  string
		in    consent.SignInput
		code  string
		field string
	}{
		{"clinician", staffSig(consent.RoleClinician, "dr"), "", ""},
		{"identity not confirmed", func() consent.SignInput {
			s := staffSig(consent.RoleClinician, "dr")
			s.IdentityVerified = false
			return s
		}(),
			consent.EINVALID, "identity_verified"},
		{"a witness as clinician", staffSig(consent.RoleClinician, "wit"), consent.EINVALID, "role"},
		{"a clinician as witness", staffSig(consent.RoleWitness, "dr"), "", ""},
		{"no PIN", func() consent.SignInput { s := staffSig(consent.RoleClinician, "dr"); s.StaffPIN = ""; return s }(), consent.EINVALID, "staff.pin"},
		{"no staff ID", func() consent.SignInput { s := staffSig(consent.RoleClinician, "dr"); s.StaffID = ""; return s }(), consent.EINVALID, "staff.id"},
		{"wrong PIN", func() consent.SignInput { s := staffSig(consent.RoleClinician, "dr"); s.StaffPIN = "999999"; return s }(), consent.EINVALID, "staff.pin"},
		{"unknown staff", staffSig(consent.RoleClinician, "ghost"), consent.EINVALID, "staff.pin"},
		{"acknowledging sections", func() consent.SignInput {
			s := staffSig(consent.RoleClinician, "dr")
			s.AcknowledgedSections = []string{"overview"}
			return s
		}(), consent.EINVALID, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t)
			id := w.create().Consent.ID
			must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
			res, err := w.svc.Sign(w.admin, id, tt.in)
			wantCode(t, "Sign", err, tt.code, tt.field)
			if err == nil && (res.Signature.StaffID != tt.in.StaffID || res.Signature.Name != "Name of "+tt.in.StaffID) {
				t.Errorf("signature names %s %q, want the staff member's record", res.Signature.StaffID, res.Signature.Name)
			}
		})
	}
	// An unknown ID costs a PIN comparison like a real one; a deactivated
	// member is refused.
	w := ready(t)
	id := w.create().Consent.ID
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
	n := w.pins.Compares()
	w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "ghost"))
	if w.pins.Compares() != n+1 {
		t.Errorf("an unknown staff ID made %d comparisons, want 1", w.pins.Compares()-n)
	}
	must[*consent.Staff](t)(w.svc.DeactivateStaff(w.admin, "dr"))
	_, err := w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr"))
	wantCode(t, "a deactivated clinician", err, consent.EINVALID, "staff.pin")
}

// TestSigningCompletesAndSeals: the last required signature moves the
// consent to signed and stores the PDF sealed outside the transaction, with
// the consent's events so far and this signing's on its evidence page; one
// transaction writes signature, acknowledgments, status, PDF, events and
// webhooks.
func TestSigningCompletesAndSeals(t *testing.T) {
	w := ready(t)
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook",
		[]string{consent.EventSignatureRecorded, consent.EventConsentSigned}))
	c := w.create().Consent
	w.clock.Add(time.Minute)
	in := patientSig()
	in.Locale = "es"
	p := must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.ID, in))
	if p.Consent.Locale != "es" || p.Consent.Status != consent.StatusPending || len(p.Consent.Acknowledgments) != 2 {
		t.Errorf("after the patient: locale %s, status %s, %d acknowledgments", p.Consent.Locale, p.Consent.Status, len(p.Consent.Acknowledgments))
	}
	if p.Signature.Meaning != "I consent (es)." || !p.Signature.SignedAt.Equal(w.clock.Now()) || p.Signature.Evidence.Actor != "apikey:KADMIN" {
		t.Errorf("patient signature: %+v", p.Signature)
	}
	clin := staffSig(consent.RoleClinician, "dr")
	clin.Locale = "en"
	_, err := w.svc.Sign(w.admin, c.ID, clin)
	wantCode(t, "countersign in another locale", err, consent.EINVALID, "locale")
	if n := len(w.sealer.Sealed()); n != 0 {
		t.Fatalf("sealed %d PDFs before completion", n)
	}
	w.clock.Add(time.Minute)
	res := must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.ID, staffSig(consent.RoleClinician, "dr")))
	done := res.Consent
	if done.Status != consent.StatusSigned || !done.SignedAt.Equal(w.clock.Now()) || done.PDF == nil {
		t.Fatalf("completed consent: %s, signed at %v, PDF %v", done.Status, done.SignedAt, done.PDF)
	}
	calls := w.sealer.Sealed()
	if len(calls) != 1 {
		t.Fatalf("%d seals, want 1", len(calls))
	}
	var evidence []string
	for _, e := range calls[0].Events {
		evidence = append(evidence, e.Type)
	}
	wantEvidence := []string{consent.EventConsentCreated, consent.EventAcknowledged, consent.EventAcknowledged, consent.EventSignatureRecorded,
		consent.EventSignatureRecorded, consent.EventConsentSigned}
	if d := cmp.Diff(wantEvidence, evidence); d != "" {
		t.Errorf("evidence events (-want +got):\n%s", d)
	}
	stored := must[*consent.SealedPDF](t)(w.store.Consents().FindPDF(w.admin, c.ID))
	if stored.Info.SHA256 != done.PDF.SHA256 {
		t.Errorf("stored PDF %s, consent says %s", stored.Info.SHA256, done.PDF.SHA256)
	}
	if d := cmp.Diff(wantEvidence, w.types(c.ID, 0)); d != "" {
		t.Errorf("audit events (-want +got):\n%s", d)
	}
	signedEvent := w.events(c.ID)[5]
	if signedEvent.Details["pdf_sha256"] != done.PDF.SHA256 {
		t.Errorf("consent.signed names PDF %v", signedEvent.Details["pdf_sha256"])
	}
	if d := cmp.Diff([]string{consent.EventSignatureRecorded, consent.EventSignatureRecorded, consent.EventConsentSigned}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	w.intact()

	// A failing seal leaves the consent as it was.
	other := w.create().Consent
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, other.ID, patientSig()))
	w.sealer.Err = errSeal
	_, err = w.svc.Sign(w.admin, other.ID, staffSig(consent.RoleClinician, "dr"))
	got := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, other.ID))
	if err == nil || got.Status != consent.StatusPending || len(got.Signatures) != 1 {
		t.Errorf("with a failing seal: %v, status %s, %d signatures", err, got.Status, len(got.Signatures))
	}
}

func TestSigningAnExpiredConsent(t *testing.T) {
	w := ready(t)
	c := w.create()
	w.clock.Add(48 * time.Hour)
	_, err := w.svc.Sign(w.admin, c.Consent.ID, patientSig())
	wantCode(t, "Sign", err, consent.EGONE, "")
	_, err = w.svc.SignWithToken(tablet("10.1.1.1", ""), c.SigningToken, patientSig())
	wantCode(t, "SignWithToken", err, consent.EGONE, "")
	_, err = w.svc.OpenSigning(tablet("10.1.1.1", ""), c.SigningToken)
	wantCode(t, "OpenSigning", err, consent.EGONE, "expires_at")
}

// racingSealer signs the consent's clinician side while the seal runs, as a
// concurrent request would, so the planned signature finds the consent changed.
type racingSealer struct {
	consent.Sealer
	w    *world
	race func()
}

func (r *racingSealer) SealConsent(ctx context.Context, c *consent.Consent, events []*consent.AuditEvent) (*consent.SealedPDF, error) {
	if r.race != nil {
		race := r.race
		r.race = nil
		race()
	}
	return r.Sealer.SealConsent(ctx, c, events)
}

func TestSignatureRetriesWhenTheConsentChanged(t *testing.T) {
	w := ready(t)
	id := w.create().Consent.ID
	// The witness signs while the clinician's signature is being sealed:
	// the clinician's signing is planned again and completes.
	rs := &racingSealer{Sealer: w.sealer, w: w}
	w.svc.Sealer = rs
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
	rs.race = func() { must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, staffSig(consent.RoleWitness, "wit"))) }
	res := must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr")))
	var roles []string
	for _, s := range res.Consent.Signatures {
		roles = append(roles, s.Role)
	}
	if d := cmp.Diff([]string{consent.RolePatient, consent.RoleWitness, consent.RoleClinician}, roles); d != "" || res.Consent.Status != consent.StatusSigned {
		t.Errorf("signatures (-want +got):\n%s; status %s", d, res.Consent.Status)
	}
	if n := len(w.sealer.Sealed()); n != 2 {
		t.Errorf("sealed %d times, want 2 (the first plan was stale)", n)
	}
	// Another clinician completing it meanwhile: the stale plan is refused.
	id = w.create().Consent.ID
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
	w.staff("dr2", consent.RoleClinician)
	rs.race = func() { must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr2"))) }
	_, err := w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr"))
	wantCode(t, "clinician after another completed it", err, consent.ECONFLICT, "")
	// Cancelled meanwhile: planned again, and refused as cancelled.
	id = w.create().Consent.ID
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
	rs.race = func() {
		must[*consent.Consent](t)(w.svc.Transition(w.admin, id, consent.StatusCancelled, "Patient left."))
	}
	_, err = w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr"))
	wantCode(t, "clinician after a cancellation", err, consent.ECONFLICT, "")
	if c := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(context.Background(), id)); c.Status != consent.StatusCancelled || len(c.Signatures) != 1 {
		t.Errorf("cancelled consent is %s with %d signatures, want cancelled with the patient's only", c.Status, len(c.Signatures))
	}
	// Expired while sealing: refused as expired, nothing written.
	id = w.create().Consent.ID
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, id, patientSig()))
	rs.race = func() { w.clock.Add(48 * time.Hour) }
	_, err = w.svc.Sign(w.admin, id, staffSig(consent.RoleClinician, "dr"))
	wantCode(t, "clinician after the consent expired", err, consent.EGONE, "")
	if c := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(context.Background(), id)); c.Status != consent.StatusPending || len(c.Signatures) != 1 {
		t.Errorf("expired consent is %s with %d signatures, want pending with the patient's only", c.Status, len(c.Signatures))
	}
	w.intact()
}
