package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/consent/consenttest"
)

// world is a service on the in-memory store with a fake clock, IDs, sealer,
// PIN hasher and Markdown renderer: the domain's rules at domain speed.
type world struct {
	t      *testing.T
	svc    *consent.Service
	store  *consenttest.Store
	clock  *consenttest.Clock
	sealer *consenttest.Sealer
	pins   *consenttest.PINs
	// admin is a request from an admin API key through the REST API.
	admin context.Context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := &consenttest.Clock{}
	st := consenttest.New(clock.Now)
	w := &world{t: t, store: st, clock: clock, sealer: &consenttest.Sealer{}, pins: &consenttest.PINs{}}
	w.svc = &consent.Service{Store: st, Markdown: consenttest.Markdown{}, Sealer: w.sealer, PINs: w.pins,
		SecretKey: []byte("domain-test-secret-32-bytes-long"), Now: clock.Now, NewID: (&consenttest.IDs{}).New}
	w.admin = consent.WithRequest(context.Background(), consent.Request{Actor: "apikey:KADMIN", Channel: consent.ChannelAPI,
		IP: "10.0.0.5", UserAgent: "ehr/1.0"})
	return w
}

// tablet is a request from the kiosk page, from an enrolled device when device is set.
func tablet(ip, device string) context.Context {
	r := consent.Request{Actor: "token:t", Channel: consent.ChannelTablet, IP: ip, UserAgent: "Kiosk"}
	if device != "" {
		r.Device, r.DeviceID = device, consent.DeviceEvidence(device, "")
	}
	return consent.WithRequest(context.Background(), r)
}

// testContent is a valid two-locale version: patient and clinician sign,
// two sections need acknowledging.
func testContent() consent.VersionContent {
	meanings := func(l string) map[string]string {
		return map[string]string{consent.RolePatient: "I consent (" + l + ").", consent.RoleRepresentative: "I consent for the patient (" + l + ").",
			consent.RoleClinician: "I explained it (" + l + ").", consent.RoleWitness: "I saw it (" + l + ").",
			consent.RoleInterpreter: "I interpreted it (" + l + ")."}
	}
	sections := func(l string) []consent.Section {
		return []consent.Section{
			{Key: "overview", Kind: "overview", Heading: "Overview " + l, Body: "Treatment at {{clinic}}.", RequiresAcknowledgment: true},
			{Key: "risks", Kind: "risks_long_term", Heading: "Risks " + l, Body: "Some **risks**.", RequiresAcknowledgment: true},
			{Key: "rights", Kind: "rights", Heading: "Rights " + l, Body: "You may stop. {{note}}"},
		}
	}
	return consent.VersionContent{
		Locales: map[string]consent.LocaleContent{
			"en": {Title: "Treatment", Sections: sections("en"), Disclosure: "We keep records electronically.", Meanings: meanings("en")},
			"es": {Title: "Tratamiento", Sections: sections("es"), Disclosure: "Guardamos registros electrónicos.", Meanings: meanings("es")},
		},
		Variables:       []consent.Variable{{Name: "clinic", Label: "Clinic", Required: true}, {Name: "note", Label: "Note"}},
		RequiredSigners: []string{consent.RolePatient, consent.RoleClinician}, SignatureForms: []string{"typed", "drawn", "image"},
		ExpiresAfterHours: 48,
	}
}

// must fails the test on an error and returns the value.
func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantCode fails the test unless err has code ("" for no error) and, when
// field is set, names field.
func wantCode(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	if got := consent.ErrorCode(err); (code == "") != (err == nil) || (err != nil && got != code) {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	} else if field != "" && consent.ErrorField(err) != field {
		t.Errorf("%s: error %v names field %q, want %q", what, err, consent.ErrorField(err), field)
	}
}

// publish creates a template with one published version of c.
func (w *world) publish(slug string, c consent.VersionContent) *consent.TemplateVersion {
	w.t.Helper()
	must[*consent.Template](w.t)(w.svc.CreateTemplate(w.admin, slug, "Template "+slug))
	v := must[*consent.TemplateVersion](w.t)(w.svc.CreateVersion(w.admin, slug, &c))
	return must[*consent.TemplateVersion](w.t)(w.svc.PublishVersion(w.admin, slug, v.Version, w.approver()))
}

// approver returns the signature of "md", a clinician who may approve
// templates (PIN "123456"), registering them first when needed.
func (w *world) approver(reconsent ...string) consent.PublishInput {
	w.t.Helper()
	if _, err := w.store.Access().FindStaff(w.admin, "md"); consent.ErrorCode(err) == consent.ENOTFOUND {
		must[*consent.Staff](w.t)(w.svc.CreateStaff(w.admin, consent.NewStaff{ID: "md", Name: "Dr. Medical Director",
			Role: consent.RoleClinician, PIN: "123456", TemplateApprover: true}))
	}
	in := consent.PublishInput{Approver: consent.Approver{StaffID: "md", PIN: "123456"}}
	if len(reconsent) > 0 {
		in.Reconsent = reconsent[0]
	}
	return in
}

// staff registers a staff member with PIN "123456".
func (w *world) staff(id, role string) {
	w.t.Helper()
	must[*consent.Staff](w.t)(w.svc.CreateStaff(w.admin, consent.NewStaff{ID: id, Name: "Name of " + id, Role: role, PIN: "123456"}))
}

func consentInput(slug string) consent.CreateConsentInput {
	return consent.CreateConsentInput{Template: slug, Locale: "en",
		Patient:   consent.Patient{ID: "MRN-1", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: map[string]string{"clinic": "Calm Waters"}}
}

// ready returns a world with template "tpl" published, clinician "dr" and
// witness "wit" registered.
func ready(t *testing.T) *world {
	w := newWorld(t)
	w.publish("tpl", testContent())
	w.staff("dr", consent.RoleClinician)
	w.staff("wit", consent.RoleWitness)
	return w
}

func (w *world) create() *consent.CreatedConsent {
	w.t.Helper()
	return must[*consent.CreatedConsent](w.t)(w.svc.CreateConsent(w.admin, consentInput("tpl")))
}

func patientSig() consent.SignInput {
	return consent.SignInput{Role: consent.RolePatient, Name: "Zoë Müller", AcknowledgedSections: []string{"overview", "risks"},
		ElectronicRecordsConsent: true, Mark: consent.Mark{Type: "typed", Text: "Zoë Müller"}}
}

func staffSig(role, id string) consent.SignInput {
	return consent.SignInput{Role: role, StaffID: id, StaffPIN: "123456", IdentityVerified: role == consent.RoleClinician,
		Mark: consent.Mark{Type: "typed", Text: "Name of " + id}}
}

// signed returns a consent signed by the patient and countersigned.
func (w *world) signed() *consent.Consent {
	w.t.Helper()
	c := w.create()
	must[*consent.SignResult](w.t)(w.svc.Sign(w.admin, c.Consent.ID, patientSig()))
	return must[*consent.SignResult](w.t)(w.svc.Sign(w.admin, c.Consent.ID, staffSig(consent.RoleClinician, "dr"))).Consent
}

// events returns the audit events, of one consent when id is set, as stored.
func (w *world) events(id string) []*consent.AuditEvent {
	w.t.Helper()
	return must[[]*consent.AuditEvent](w.t)(w.store.Audit().ListAuditEvents(context.Background(), consent.AuditFilter{ConsentID: id, Limit: 1000}))
}

// types lists the types of the events after seq after.
func (w *world) types(id string, after int64) []string {
	out := []string{}
	for _, e := range w.events(id) {
		if e.Seq > after {
			out = append(out, e.Type)
		}
	}
	return out
}

// head is the seq of the newest audit event.
func (w *world) head() int64 {
	h := must[consent.AuditHead](w.t)(w.store.Audit().AuditChainHead(context.Background()))
	return h.Seq
}

// intact checks the whole audit chain and every row it vouches for.
func (w *world) intact() {
	w.t.Helper()
	r := must[*consent.IntegrityReport](w.t)(w.svc.VerifyAuditIntegrity(context.Background(), nil, ""))
	if len(r.Faults) > 1 || (len(r.Faults) == 1 && r.Faults[0].Reason != "no sealing key is configured to check checkpoints with") {
		w.t.Errorf("audit integrity: %v", r.Faults)
	}
}

// outbox returns the types of the webhook events queued for hook.
func (w *world) outbox() []string {
	w.t.Helper()
	out := []string{}
	due := must[[]*consent.WebhookDelivery](w.t)(w.store.Deliveries().ClaimDueDeliveries(context.Background(), w.clock.Now().Add(time.Hour),
		time.Minute, consent.DeliveryClaim{Limit: 1000}))
	for _, d := range due {
		out = append(out, d.EventType)
	}
	return out
}
