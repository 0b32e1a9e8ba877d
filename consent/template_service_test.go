package consent_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestTemplateValidation(t *testing.T) {
	edit := func(f func(c *consent.VersionContent)) consent.VersionContent {
		c := testContent()
		// Copy the maps and slices edited below, so cases do not share them.
		locales := map[string]consent.LocaleContent{}
		for k, v := range c.Locales {
			v.Sections = append([]consent.Section(nil), v.Sections...)
			locales[k] = v
		}
		c.Locales = locales
		f(&c)
		return c
	}
	setEN := func(c *consent.VersionContent, f func(l *consent.LocaleContent)) {
		l := c.Locales["en"]
		f(&l)
		c.Locales["en"] = l
	}
	tests := []struct {
		name    string
		content consent.VersionContent
		field   string // "" for valid
	}{
		{"valid", testContent(), ""},
		{"no locale", edit(func(c *consent.VersionContent) { c.Locales = nil }), "locales"},
		{"bad locale code", edit(func(c *consent.VersionContent) { c.Locales["EN"] = c.Locales["en"] }), "locales.EN"},
		{"no signer", edit(func(c *consent.VersionContent) { c.RequiredSigners = nil }), "required_signers"},
		{"representative required", edit(func(c *consent.VersionContent) { c.RequiredSigners = []string{"representative"} }), "required_signers[0]"},
		{"signature form twice", edit(func(c *consent.VersionContent) { c.SignatureForms = []string{"typed", "typed"} }), "signature_forms[1]"},
		{"expiry out of range", edit(func(c *consent.VersionContent) { c.ExpiresAfterHours = 0 }), "expires_after_hours"},
		{"undeclared variable", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) { l.Sections[0].Body = "At {{clinc}}." })
		}), "locales.en.sections[0].body"},
		{"duplicate variable", edit(func(c *consent.VersionContent) { c.Variables = append(c.Variables, c.Variables[0]) }), "variables[2].name"},
		{"locales differ in sections", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) { l.Sections[1].RequiresAcknowledgment = false })
		}), "locales.es.sections[1]"},
		{"unknown section kind", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) { l.Sections[0].Kind = "misc" })
		}), "locales.en.sections[0].kind"},
		{"meaning of a required role missing", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) {
				m := map[string]string{}
				for k, v := range l.Meanings {
					m[k] = v
				}
				delete(m, consent.RoleRepresentative)
				l.Meanings = m
			})
		}), "locales.en.meanings.representative"},
		{"unprintable text", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) { l.Title = "Treatment क" })
		}), "locales.en.title"},
		{"lists nested too deep", edit(func(c *consent.VersionContent) {
			setEN(c, func(l *consent.LocaleContent) {
				l.Sections[2].Body = "- a\n  - b\n    - c\n      - d\n        - e\n          - f"
			})
		}), "locales.en.sections[2].body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			must[*consent.Template](t)(w.svc.CreateTemplate(w.admin, "tpl", "T"))
			c := tt.content
			_, err := w.svc.CreateVersion(w.admin, "tpl", &c)
			if tt.field == "" {
				wantCode(t, "CreateVersion", err, "", "")
				return
			}
			wantCode(t, "CreateVersion", err, consent.EINVALID, tt.field)
			// The same content is refused as a draft edit and at publishing.
			v := must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", ptr(testContent())))
			_, err = w.svc.UpdateDraft(w.admin, "tpl", v.Version, c)
			wantCode(t, "UpdateDraft", err, consent.EINVALID, tt.field)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestTemplateLifecycle(t *testing.T) {
	w := newWorld(t)
	_, err := w.svc.CreateTemplate(w.admin, "Bad Slug", "T")
	wantCode(t, "bad slug", err, consent.EINVALID, "slug")
	must[*consent.Template](t)(w.svc.CreateTemplate(w.admin, "tpl", "Treatment"))
	_, err = w.svc.CreateTemplate(w.admin, "tpl", "Again")
	wantCode(t, "slug taken", err, consent.ECONFLICT, "slug")
	_, err = w.svc.CreateVersion(w.admin, "tpl", nil)
	wantCode(t, "first version without content", err, consent.EINVALID, "locales")
	_, err = w.svc.CreateVersion(w.admin, "none", ptr(testContent()))
	wantCode(t, "version of an unknown template", err, consent.ENOTFOUND, "")

	v1 := must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", ptr(testContent())))
	sum, _ := testContent().SHA256()
	if v1.Version != 1 || v1.Status != consent.VersionDraft || v1.ContentSHA256 != sum {
		t.Fatalf("first version: %d %s %s", v1.Version, v1.Status, v1.ContentSHA256)
	}
	// A draft may change; its hash follows its content.
	edited := testContent()
	edited.ExpiresAfterHours = 24
	v1 = must[*consent.TemplateVersion](t)(w.svc.UpdateDraft(w.admin, "tpl", 1, edited))
	if want, _ := edited.SHA256(); v1.ContentSHA256 != want || v1.ExpiresAfterHours != 24 {
		t.Errorf("edited draft: hash %s, expiry %d", v1.ContentSHA256, v1.ExpiresAfterHours)
	}
	_, err = w.svc.CreateConsent(w.admin, consentInput("tpl"))
	wantCode(t, "consent before a version is published", err, consent.ECONFLICT, "template")

	_, err = w.svc.PublishVersion(w.admin, "tpl", 1, consent.PublishInput{})
	wantCode(t, "publish without approver", err, consent.EINVALID, "staff_id")
	pub := must[*consent.TemplateVersion](t)(w.svc.PublishVersion(w.admin, "tpl", 1, w.approver()))
	if pub.Status != consent.VersionPublished || !pub.PublishedAt.Equal(w.clock.Now()) || pub.ApprovedBy != "" {
		t.Errorf("published: %+v", pub)
	}
	// Published content is frozen.
	for name, err := range map[string]error{
		"edit a published version":  second(w.svc.UpdateDraft(w.admin, "tpl", 1, testContent())),
		"publish it again":          second(w.svc.PublishVersion(w.admin, "tpl", 1, w.approver())),
		"retire a version not made": second(w.svc.RetireVersion(w.admin, "tpl", 2)),
		"publish an unknown number": second(w.svc.PublishVersion(w.admin, "tpl", 9, w.approver())),
	} {
		want := consent.ECONFLICT
		if name == "retire a version not made" || name == "publish an unknown number" {
			want = consent.ENOTFOUND
		}
		wantCode(t, name, err, want, "")
	}
	// A new version starts as a copy of the newest and takes the next number.
	v2 := must[*consent.TemplateVersion](t)(w.svc.CreateVersion(w.admin, "tpl", nil))
	if d := cmp.Diff(edited, v2.Content()); v2.Version != 2 || v2.Status != consent.VersionDraft || d != "" {
		t.Errorf("copied version %d %s (-want +got):\n%s", v2.Version, v2.Status, d)
	}
	_, err = w.svc.PublishVersion(w.admin, "tpl", 2, w.approver())
	wantCode(t, "publish version 2 without a re-consent policy", err, consent.EINVALID, "reconsent")
	_, err = w.svc.PublishVersion(w.admin, "tpl", 2, w.approver("always"))
	wantCode(t, "publish version 2 with an unknown policy", err, consent.EINVALID, "reconsent")
	must[*consent.TemplateVersion](t)(w.svc.PublishVersion(w.admin, "tpl", 2, w.approver(consent.ReconsentNone)))
	tpl := must[*consent.Template](t)(w.store.Templates().FindTemplate(w.admin, "tpl"))
	if *tpl.CurrentVersion != 2 {
		t.Errorf("current version %d, want 2", *tpl.CurrentVersion)
	}
	ret := must[*consent.TemplateVersion](t)(w.svc.RetireVersion(w.admin, "tpl", 2))
	tpl = must[*consent.Template](t)(w.store.Templates().FindTemplate(w.admin, "tpl"))
	if ret.Status != consent.VersionRetired || *tpl.CurrentVersion != 1 {
		t.Errorf("after retiring 2: status %s, current %d; want retired, 1", ret.Status, *tpl.CurrentVersion)
	}
	_, err = w.svc.CreateConsent(w.admin, consent.CreateConsentInput{Template: "tpl", Version: 2, Locale: "en",
		Patient: consentInput("tpl").Patient, Variables: map[string]string{"clinic": "C"}})
	wantCode(t, "consent to a retired version", err, consent.ECONFLICT, "version")

	want := []string{consent.EventTemplateCreated, consent.EventVersionCreated, consent.EventVersionUpdated, consent.EventStaffCreated,
		consent.EventVersionPublished, consent.EventVersionApproved, consent.EventVersionCreated, consent.EventVersionPublished,
		consent.EventVersionApproved, consent.EventVersionRetired}
	if d := cmp.Diff(want, w.types("", 0)); d != "" {
		t.Errorf("audit events (-want +got):\n%s", d)
	}
	// Every change vouches for the version's row as it was and is.
	for _, e := range w.events("") {
		digests, ok := e.RowDigests()
		if !ok || len(digests) != 1 {
			t.Errorf("%s: row digests %v", e.Type, digests)
		}
		for ref, d := range digests {
			changes := e.Type != consent.EventTemplateCreated && e.Type != consent.EventVersionCreated &&
				e.Type != consent.EventStaffCreated && e.Type != consent.EventVersionApproved
			if changes != (d.Before != "") {
				t.Errorf("%s vouches for %s with before %q", e.Type, ref, d.Before)
			}
		}
	}
	w.intact()
}

func second[T any](_ T, err error) error { return err }

func TestImportShipped(t *testing.T) {
	w := newWorld(t)
	shipped := []consent.ShippedVersion{{Slug: "ship", Title: "Shipped", Version: 1, Content: testContent()}}
	created := must[[]*consent.TemplateVersion](t)(w.svc.ImportShipped(w.admin, shipped, true))
	if len(created) != 1 || created[0].Status != consent.VersionPublished || created[0].ApprovedBy != "" {
		t.Fatalf("first start: %+v", created)
	}
	// Published on first start, but nobody signed it: its approval is pending.
	if a, err := w.svc.ApprovalOf(w.admin, "ship", 1); a != nil || err != nil {
		t.Errorf("approval of a version published on first start: %+v, %v; want pending", a, err)
	}
	// Again: nothing new. A new shipped text for a known template comes in as a draft.
	if again := must[[]*consent.TemplateVersion](t)(w.svc.ImportShipped(w.admin, shipped, true)); len(again) != 0 {
		t.Errorf("second import created %d versions", len(again))
	}
	next := testContent()
	next.ExpiresAfterHours = 72
	shipped = append(shipped, consent.ShippedVersion{Slug: "ship", Title: "Shipped", Version: 2, Content: next})
	created = must[[]*consent.TemplateVersion](t)(w.svc.ImportShipped(w.admin, shipped, true))
	if len(created) != 1 || created[0].Version != 2 || created[0].Status != consent.VersionDraft {
		t.Errorf("new shipped text: %+v, want version 2 as a draft", created)
	}
	bad := testContent()
	bad.Locales = nil
	_, err := w.svc.ImportShipped(w.admin, []consent.ShippedVersion{{Slug: "bad", Title: "Bad", Version: 1, Content: bad}}, true)
	wantCode(t, "invalid shipped text", err, consent.EINVALID, "locales")
}
