package consenttest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// ContractContent is the content of the versions the contract stores.
func ContractContent(title string) consent.VersionContent {
	return consent.VersionContent{
		Locales: map[string]consent.LocaleContent{
			"en": {Title: title, Disclosure: "We keep this record electronically.",
				Meanings: map[string]string{consent.RolePatient: "I consent.", consent.RoleClinician: "I explained it."},
				Sections: []consent.Section{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Some risks for {{clinic}}.",
					RequiresAcknowledgment: true}}},
			"es": {Title: title + " (es)", Disclosure: "Guardamos este registro.",
				Meanings: map[string]string{consent.RolePatient: "Doy mi consentimiento.", consent.RoleClinician: "Lo expliqué."},
				Sections: []consent.Section{{Key: "risks", Kind: "risks_long_term", Heading: "Riesgos", Body: "Algunos riesgos."}}},
		},
		Variables:       []consent.Variable{{Name: "clinic", Label: "Clinic", Required: true}},
		RequiredSigners: []string{consent.RolePatient, consent.RoleClinician}, SignatureForms: []string{"typed", "drawn"},
		ExpiresAfterHours: 72,
	}
}

// newVersion returns a version of slug with the contract's content.
func newVersion(slug string, n int, status string) *consent.TemplateVersion {
	v := &consent.TemplateVersion{Slug: slug, Version: n, Status: status, CreatedAt: T0}
	if err := v.SetContent(ContractContent("Version " + consent.FormatTime(T0))); err != nil {
		panic(err)
	}
	if status != consent.VersionDraft {
		at := T0.Add(time.Minute)
		v.PublishedAt, v.ApprovedBy = &at, "Dr. Approver"
	}
	return v
}

// seedTemplate stores a template with one published version.
func seedTemplate(t *testing.T, st consent.Store, slug string) *consent.TemplateVersion {
	t.Helper()
	ctx := context.Background()
	v := newVersion(slug, 1, consent.VersionPublished)
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: slug, Title: "Title of " + slug, CreatedAt: T0}); err != nil {
			return err
		}
		return tx.Templates().CreateVersion(ctx, v)
	})
	return v
}

func contractTemplates(t *testing.T, st consent.Store) {
	ctx := context.Background()
	_, err := st.Templates().FindTemplate(ctx, "nope")
	wantCode(t, "FindTemplate unknown", err, consent.ENOTFOUND)
	_, err = st.Templates().FindVersion(ctx, "nope", 1)
	wantCode(t, "FindVersion unknown", err, consent.ENOTFOUND)
	_, err = st.Templates().ListVersions(ctx, "nope")
	wantCode(t, "ListVersions of an unknown template", err, consent.ENOTFOUND)

	for _, slug := range []string{"zeta", "alpha"} {
		update(t, st, func(tx consent.Tx) error {
			return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: slug, Title: "T " + slug, CreatedAt: T0})
		})
	}
	err = st.Update(ctx, func(tx consent.Tx) error {
		return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "alpha", Title: "again", CreatedAt: T0})
	})
	wantCode(t, "CreateTemplate with a slug taken", err, consent.ECONFLICT)

	err = st.Update(ctx, func(tx consent.Tx) error {
		return tx.Templates().CreateVersion(ctx, newVersion("nope", 1, consent.VersionDraft))
	})
	wantCode(t, "CreateVersion without its template", err, consent.ENOTFOUND)

	// No published version: no current version, no locales.
	v1 := newVersion("alpha", 1, consent.VersionPublished)
	v2 := newVersion("alpha", 2, consent.VersionDraft)
	update(t, st, func(tx consent.Tx) error { return tx.Templates().CreateVersion(ctx, v2) })
	got := must[*consent.Template](t, "FindTemplate")(st.Templates().FindTemplate(ctx, "alpha"))
	same(t, "template with a draft only", got, &consent.Template{Slug: "alpha", Title: "T alpha", CreatedAt: T0})
	update(t, st, func(tx consent.Tx) error { return tx.Templates().CreateVersion(ctx, v1) })
	err = st.Update(ctx, func(tx consent.Tx) error {
		return tx.Templates().CreateVersion(ctx, newVersion("alpha", 2, consent.VersionDraft))
	})
	wantCode(t, "CreateVersion with a number taken", err, consent.ECONFLICT)

	one := 1
	got = must[*consent.Template](t, "FindTemplate")(st.Templates().FindTemplate(ctx, "alpha"))
	same(t, "template with version 1 published", got,
		&consent.Template{Slug: "alpha", Title: "T alpha", CreatedAt: T0, CurrentVersion: &one, Locales: []string{"en", "es"}})

	list := must[[]*consent.Template](t, "ListTemplates")(st.Templates().ListTemplates(ctx))
	same(t, "ListTemplates (by slug)", list, []*consent.Template{got, {Slug: "zeta", Title: "T zeta", CreatedAt: T0}})

	versions := must[[]*consent.TemplateVersion](t, "ListVersions")(st.Templates().ListVersions(ctx, "alpha"))
	same(t, "ListVersions (oldest first)", versions, []*consent.TemplateVersion{v1, v2})
	gotV := must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "alpha", 1))
	same(t, "FindVersion round trip", gotV, v1)
	if sum, _ := gotV.Content().SHA256(); sum != v1.ContentSHA256 {
		t.Errorf("stored content hashes to %s, want %s", sum, v1.ContentSHA256)
	}
	versions = must[[]*consent.TemplateVersion](t, "ListVersions")(st.Templates().ListVersions(ctx, "zeta"))
	same(t, "ListVersions of a template without versions", len(versions), 0)
}

func contractTemplateLifecycle(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "life")
	draft := newVersion("life", 2, consent.VersionDraft)
	update(t, st, func(tx consent.Tx) error { return tx.Templates().CreateVersion(ctx, draft) })

	// A draft's content may be replaced; a published version's may not.
	edited := *draft
	c := ContractContent("Edited")
	if err := edited.SetContent(c); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx consent.Tx) error { return tx.Templates().UpdateDraftVersion(ctx, &edited) })
	got := must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "life", 2))
	same(t, "edited draft", got, &edited)
	pub := newVersion("life", 1, consent.VersionPublished)
	err := st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().UpdateDraftVersion(ctx, pub) })
	wantCode(t, "UpdateDraftVersion of a published version", err, consent.ECONFLICT)
	missing := newVersion("life", 9, consent.VersionDraft)
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().UpdateDraftVersion(ctx, missing) })
	wantCode(t, "UpdateDraftVersion of a missing version", err, consent.ENOTFOUND)

	// Transitions are guarded by the expected status.
	at := T0.Add(time.Hour)
	for _, tc := range []statusCase{
		{"retire a draft", "2", consent.VersionPublished, consent.VersionRetired, consent.ECONFLICT},
		{"publish from the wrong status", "2", consent.VersionRetired, consent.VersionPublished, consent.ECONFLICT},
		{"back to draft", "1", consent.VersionPublished, consent.VersionDraft, consent.ECONFLICT},
		{"unknown version", "7", consent.VersionDraft, consent.VersionPublished, consent.ENOTFOUND},
		{"publish the draft", "2", consent.VersionDraft, consent.VersionPublished, ""},
		{"publish it twice", "2", consent.VersionDraft, consent.VersionPublished, consent.ECONFLICT},
		{"retire version 1", "1", consent.VersionPublished, consent.VersionRetired, ""},
	} {
		version, _ := strconv.Atoi(tc.id)
		err := st.Update(ctx, func(tx consent.Tx) error {
			return tx.Templates().SetVersionStatus(ctx, "life", version, tc.from, tc.to, at, "Dr. Second")
		})
		wantCode(t, tc.name, err, tc.code)
	}
	got = must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "life", 2))
	want := edited
	want.Status, want.PublishedAt, want.ApprovedBy = consent.VersionPublished, &at, "Dr. Second"
	same(t, "published version", got, &want)
	got = must[*consent.TemplateVersion](t, "FindVersion")(st.Templates().FindVersion(ctx, "life", 1))
	wantRetired := *pub
	wantRetired.Status, wantRetired.RetiredAt = consent.VersionRetired, &at
	same(t, "retired version", got, &wantRetired)

	two := 2
	tpl := must[*consent.Template](t, "FindTemplate")(st.Templates().FindTemplate(ctx, "life"))
	same(t, "current version is the newest published", tpl.CurrentVersion, &two)
	update(t, st, func(tx consent.Tx) error {
		return tx.Templates().SetVersionStatus(ctx, "life", 2, consent.VersionPublished, consent.VersionRetired, at, "")
	})
	tpl = must[*consent.Template](t, "FindTemplate")(st.Templates().FindTemplate(ctx, "life"))
	if tpl.CurrentVersion != nil || len(tpl.Locales) != 0 {
		t.Errorf("every version retired: current version %v, locales %v; want none", tpl.CurrentVersion, tpl.Locales)
	}
}
