package consent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestCreateConsentValidation(t *testing.T) {
	w := ready(t)
	w.publish("draft-only", testContent())
	must[*consent.TemplateVersion](t)(w.svc.RetireVersion(w.admin, "draft-only", 1))
	tests := []struct {
		name  string
		edit  func(in *consent.CreateConsentInput)
		code  string
		field string
	}{
		{"valid", func(in *consent.CreateConsentInput) {}, "", ""},
		{"bad slug", func(in *consent.CreateConsentInput) { in.Template = "Not A Slug" }, consent.EINVALID, "template"},
		{"unknown template", func(in *consent.CreateConsentInput) { in.Template = "nope" }, consent.ENOTFOUND, "template"},
		{"no current version", func(in *consent.CreateConsentInput) { in.Template = "draft-only" }, consent.ECONFLICT, "template"},
		{"unknown version", func(in *consent.CreateConsentInput) { in.Version = 7 }, consent.ENOTFOUND, "version"},
		{"negative version", func(in *consent.CreateConsentInput) { in.Version = -1 }, consent.EINVALID, "version"},
		{"no locale", func(in *consent.CreateConsentInput) { in.Locale = "" }, consent.EINVALID, "locale"},
		{"unknown locale", func(in *consent.CreateConsentInput) { in.Locale = "fr" }, consent.EINVALID, "locale"},
		{"required variable missing", func(in *consent.CreateConsentInput) { in.Variables = nil }, consent.EINVALID, "variables.clinic"},
		{"undeclared variable", func(in *consent.CreateConsentInput) { in.Variables["x"] = "1" }, consent.EINVALID, "variables.x"},
		{"multi-line variable", func(in *consent.CreateConsentInput) { in.Variables["clinic"] = "a\nb" }, consent.EINVALID, "variables.clinic"},
		{"birth date in the future", func(in *consent.CreateConsentInput) { in.Patient.BirthDate = "2099-01-01" }, consent.EINVALID, "patient.birth_date"},
		{"birth date not a date", func(in *consent.CreateConsentInput) { in.Patient.BirthDate = "1980-02-30" }, consent.EINVALID, "patient.birth_date"},
		{"name the PDF cannot print", func(in *consent.CreateConsentInput) { in.Patient.GivenName = "😀" }, consent.EINVALID, "patient.given_name"},
		{"name with spaces around", func(in *consent.CreateConsentInput) { in.Patient.FamilyName = " Müller" }, consent.EINVALID, "patient.family_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := consentInput("tpl")
			in.Variables = map[string]string{"clinic": "Calm Waters"}
			tt.edit(&in)
			before := w.head()
			_, err := w.svc.CreateConsent(w.admin, in)
			wantCode(t, "CreateConsent", err, tt.code, tt.field)
			if err != nil && w.head() != before {
				t.Errorf("a refused consent wrote %d audit events", w.head()-before)
			}
		})
	}
}

func TestCreateConsentFreezesDocuments(t *testing.T) {
	w := ready(t)
	in := consentInput("tpl")
	in.Variables["clinic"] = "Calm *Waters*"
	out := must[*consent.CreatedConsent](t)(w.svc.CreateConsent(w.admin, in))
	c := out.Consent
	if c.Status != consent.StatusPending || !c.ExpiresAt.Equal(w.clock.Now().Add(48*time.Hour)) || c.CreatedBy != "apikey:KADMIN" {
		t.Errorf("new consent: %s, expires %v, by %s", c.Status, c.ExpiresAt, c.CreatedBy)
	}
	if len(out.SigningToken) < 40 || len(consent.NormalizeSigningCode(out.SigningCode)) != 8 {
		t.Errorf("signing token %q, code %q", out.SigningToken, out.SigningCode)
	}
	if c.SigningTokenHash != consent.HashSecret(out.SigningToken) || strings.Contains(c.SigningCodeHash, out.SigningCode) {
		t.Error("signing secrets are not stored as hashes")
	}
	// Every locale is rendered now, with the variables filled in and escaped,
	// and its hash is the hash of its canonical text.
	en := c.Documents["en"]
	if got := en.Sections[0].Body; got != `Treatment at Calm \*Waters\*.` {
		t.Errorf("filled body %q", got)
	}
	if want, _ := consent.CanonicalSHA256(en.CanonicalMap("tpl", 1)); en.ContentSHA256 != want || len(c.Documents) != 2 {
		t.Errorf("document hash %s, want %s; %d documents", en.ContentSHA256, want, len(c.Documents))
	}
	stored := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, c.ID))
	if d := cmp.Diff(c.Documents, stored.Documents); d != "" {
		t.Errorf("stored documents (-created +stored):\n%s", d)
	}
	want := []string{consent.EventConsentCreated}
	if d := cmp.Diff(want, w.types(c.ID, 0)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	e := w.events(c.ID)[0]
	if e.Details["content_sha256"] != en.ContentSHA256 || e.Actor != "apikey:KADMIN" || e.IP != "10.0.0.5" {
		t.Errorf("consent.created: %+v", e)
	}
	w.intact()
}

func TestGetAndListConsentsAreAudited(t *testing.T) {
	w := ready(t)
	a, b := w.create().Consent, w.create().Consent
	before := w.head()
	got := must[*consent.Consent](t)(w.svc.GetConsent(w.admin, a.ID))
	if got.ID != a.ID {
		t.Fatal(got.ID)
	}
	list, next := must2[[]*consent.Consent, string](t)(w.svc.ListConsents(w.admin, consent.ConsentFilter{Limit: 10}))
	if len(list) != 2 || next != "" || list[0].ID != b.ID {
		t.Errorf("list %d, next %q", len(list), next)
	}
	if d := cmp.Diff([]string{consent.EventConsentViewed, consent.EventConsentViewed, consent.EventConsentViewed}, w.types("", before)); d != "" {
		t.Errorf("views (-want +got):\n%s", d)
	}
	_, _, err := w.svc.ListConsents(w.admin, consent.ConsentFilter{Status: "lost"})
	wantCode(t, "unknown status", err, consent.EINVALID, "status")
	_, err = w.svc.GetConsent(w.admin, "nope")
	wantCode(t, "unknown consent", err, consent.ENOTFOUND, "")

	// Past its expiry a pending consent shows as expired, before the job runs.
	w.clock.Add(49 * time.Hour)
	got = must[*consent.Consent](t)(w.svc.GetConsent(w.admin, a.ID))
	list, _ = must2[[]*consent.Consent, string](t)(w.svc.ListConsents(w.admin, consent.ConsentFilter{Status: consent.StatusExpired}))
	if got.Status != consent.StatusExpired || len(list) != 2 {
		t.Errorf("after expiry: shown %s, %d listed as expired", got.Status, len(list))
	}
}

func must2[A, B any](t *testing.T) func(a A, b B, err error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// TestTransitions tries every move from every status: only the moves
// CanTransition allows happen, each with its event and webhook.
func TestTransitions(t *testing.T) {
	targets := []string{consent.StatusDeclined, consent.StatusCancelled, consent.StatusWithdrawn, consent.StatusVoided}
	tests := []struct {
		from string
		want map[string]string // target → error code ("" allowed)
	}{
		{consent.StatusPending, map[string]string{consent.StatusDeclined: "", consent.StatusCancelled: "",
			consent.StatusWithdrawn: consent.ECONFLICT, consent.StatusVoided: consent.ECONFLICT}},
		{consent.StatusSigned, map[string]string{consent.StatusDeclined: consent.ECONFLICT, consent.StatusCancelled: consent.ECONFLICT,
			consent.StatusWithdrawn: "", consent.StatusVoided: ""}},
		{consent.StatusDeclined, map[string]string{consent.StatusDeclined: consent.ECONFLICT, consent.StatusCancelled: consent.ECONFLICT,
			consent.StatusWithdrawn: consent.ECONFLICT, consent.StatusVoided: consent.ECONFLICT}},
		{consent.StatusExpired, map[string]string{consent.StatusDeclined: consent.EGONE, consent.StatusCancelled: consent.EGONE,
			consent.StatusWithdrawn: consent.EGONE, consent.StatusVoided: consent.EGONE}},
		{consent.StatusWithdrawn, map[string]string{consent.StatusDeclined: consent.ECONFLICT, consent.StatusCancelled: consent.ECONFLICT,
			consent.StatusWithdrawn: consent.ECONFLICT, consent.StatusVoided: consent.ECONFLICT}},
	}
	for _, tt := range tests {
		for _, to := range targets {
			t.Run(tt.from+"→"+to, func(t *testing.T) {
				w := ready(t)
				var id string
				switch tt.from {
				case consent.StatusSigned, consent.StatusWithdrawn:
					id = w.signed().ID
				default:
					id = w.create().Consent.ID
				}
				switch tt.from {
				case consent.StatusDeclined, consent.StatusWithdrawn:
					must[*consent.Consent](t)(w.svc.Transition(w.admin, id, tt.from, "first"))
				case consent.StatusExpired:
					w.clock.Add(48 * time.Hour)
				}
				before := w.head()
				c, err := w.svc.Transition(w.admin, id, to, "reason: "+to)
				wantCode(t, "Transition", err, tt.want[to], "")
				if err != nil {
					if w.head() != before {
						t.Errorf("a refused transition wrote events: %v", w.types("", before))
					}
					return
				}
				if c.Status != to || c.StatusReason != "reason: "+to || !c.StatusChangedAt.Equal(w.clock.Now()) {
					t.Errorf("after the transition: %s %q %v", c.Status, c.StatusReason, c.StatusChangedAt)
				}
				stored := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, id))
				if stored.Status != to {
					t.Errorf("stored status %s", stored.Status)
				}
				if got := w.types(id, before); len(got) != 1 || got[0] != "consent."+to {
					t.Errorf("events %v, want consent.%s", got, to)
				}
				w.intact()
			})
		}
	}
	w := ready(t)
	_, err := w.svc.Transition(w.admin, w.create().Consent.ID, consent.StatusSigned, "")
	wantCode(t, "sign through Transition", err, consent.EINVALID, "")
	_, err = w.svc.Transition(w.admin, "nope", consent.StatusCancelled, "x")
	wantCode(t, "unknown consent", err, consent.ENOTFOUND, "")
}

func TestExpireDue(t *testing.T) {
	w := ready(t)
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook", []string{consent.EventConsentExpired}))
	old := w.create().Consent
	w.clock.Add(24 * time.Hour)
	young := w.create().Consent
	signedID := w.signed().ID
	w.clock.Add(25 * time.Hour) // old is past its expiry, young is not
	before := w.head()
	if n := must[int](t)(w.svc.ExpireDue(w.admin)); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	got := map[string]string{}
	for _, id := range []string{old.ID, young.ID, signedID} {
		got[id] = must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, id)).Status
	}
	want := map[string]string{old.ID: consent.StatusExpired, young.ID: consent.StatusPending, signedID: consent.StatusSigned}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	events := w.events(old.ID)
	e := events[len(events)-1]
	digests, _ := e.RowDigests()
	if e.Type != consent.EventConsentExpired || e.Actor != "system" || e.Seq <= before || digests[old.RowRef()].Before == "" {
		t.Errorf("expiry event %+v vouches %v: want consent.expired by system, with the row before", e, digests)
	}
	if d := cmp.Diff([]string{consent.EventConsentExpired}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	if n := must[int](t)(w.svc.ExpireDue(w.admin)); n != 0 {
		t.Errorf("a second run expired %d", n)
	}
	w.intact()
}

func TestWithdrawalSealsACopy(t *testing.T) {
	w := ready(t)
	c := w.signed()
	signedPDF := must[*consent.SealedPDF](t)(w.svc.GetPDF(w.admin, c.ID))
	w.clock.Add(time.Hour)
	out := must[*consent.Consent](t)(w.svc.Transition(w.admin, c.ID, consent.StatusWithdrawn, "changed mind"))
	copyPDF := must[*consent.SealedPDF](t)(w.svc.GetWithdrawalPDF(w.admin, c.ID))
	if out.WithdrawalPDF == nil || out.WithdrawalPDF.SHA256 != copyPDF.Info.SHA256 || copyPDF.Kind != consent.PDFKindWithdrawn {
		t.Fatalf("withdrawn: %+v, copy %+v", out.WithdrawalPDF, copyPDF.Info)
	}
	// The signed PDF is never changed; the copy is sealed with the withdrawal on its evidence page.
	if again := must[*consent.SealedPDF](t)(w.svc.GetPDF(w.admin, c.ID)); again.Info.SHA256 != signedPDF.Info.SHA256 {
		t.Error("withdrawing changed the signed PDF")
	}
	calls := w.sealer.Sealed()
	last := calls[len(calls)-1]
	if last.Kind != consent.PDFKindWithdrawn || last.Consent.Status != consent.StatusWithdrawn ||
		last.Events[len(last.Events)-1].Type != consent.EventConsentWithdrawn {
		t.Errorf("sealed withdrawal copy of a %s consent, last evidence event %s", last.Consent.Status, last.Events[len(last.Events)-1].Type)
	}
	var downloads []any
	for _, e := range w.events(c.ID) {
		if e.Type == consent.EventPDFDownloaded {
			downloads = append(downloads, e.Details["kind"])
		}
	}
	if d := cmp.Diff([]any{nil, consent.PDFKindWithdrawn, nil}, downloads); d != "" {
		t.Errorf("downloads audited, by kind (-want +got):\n%s", d)
	}
	_, err := w.svc.GetWithdrawalPDF(w.admin, w.signed().ID)
	wantCode(t, "withdrawal copy of a signed consent", err, consent.ECONFLICT, "")
	_, err = w.svc.GetPDF(w.admin, w.create().Consent.ID)
	wantCode(t, "PDF of a pending consent", err, consent.ECONFLICT, "")
	// A seal that fails changes nothing.
	other := w.signed()
	w.sealer.Err = errSeal
	_, err = w.svc.Transition(w.admin, other.ID, consent.StatusWithdrawn, "x")
	if err == nil || must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, other.ID)).Status != consent.StatusSigned {
		t.Errorf("withdrawal with a failing seal: %v", err)
	}
	w.intact()
}

var errSeal = &consent.Error{Code: consent.EINTERNAL, Message: "seal failed"}
