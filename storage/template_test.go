package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestTemplateRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "ketamine-iv")
	draft := newVersion("ketamine-iv", 2, consent.VersionDraft)
	update(t, db, func(tx consent.Tx) error { return tx.Templates().CreateVersion(ctx, draft) })

	got, err := db.FindVersion(ctx, "ketamine-iv", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(draft, got, equateEmpty); diff != "" {
		t.Errorf("FindVersion (-want +got):\n%s", diff)
	}
	one := 1
	wantTpl := &consent.Template{Slug: "ketamine-iv", Title: "Title of ketamine-iv", CurrentVersion: &one,
		Locales: []string{"en", "es"}, CreatedAt: t0}
	tpl, err := db.FindTemplate(ctx, "ketamine-iv")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTpl, tpl); diff != "" {
		t.Errorf("FindTemplate (-want +got):\n%s", diff)
	}
	// The first list reads version 1 whole; the second takes both contents
	// from the cache by content hash (only the versions' own columns are read).
	for _, pass := range []string{"first", "cached"} {
		vs, err := db.ListVersions(ctx, "ketamine-iv")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*consent.TemplateVersion{newVersion("ketamine-iv", 1, consent.VersionPublished), draft}, vs, equateEmpty); diff != "" {
			t.Errorf("ListVersions, %s (-want +got):\n%s", pass, diff)
		}
	}
}

func TestTemplateLifecycle(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "a")
	update(t, db, func(tx consent.Tx) error {
		return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "b", Title: "B", CreatedAt: t0})
	})
	update(t, db, func(tx consent.Tx) error {
		return tx.Templates().CreateVersion(ctx, newVersion("a", 2, consent.VersionDraft))
	})

	// Edit the draft, publish it: it becomes current.
	edited := newVersion("a", 2, consent.VersionDraft)
	c := edited.Content()
	c.ExpiresAfterHours = 24
	c.Locales = map[string]consent.LocaleContent{"fr": {Title: "Kétamine"}}
	if err := edited.SetContent(c); err != nil {
		t.Fatal(err)
	}
	pub := t0.Add(time.Hour)
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Templates().UpdateDraftVersion(ctx, edited); err != nil {
			return err
		}
		return tx.Templates().SetVersionStatus(ctx, "a", 2, consent.VersionDraft, consent.VersionPublished, pub, "Dr. B")
	})
	got, err := db.FindVersion(ctx, "a", 2)
	if err != nil {
		t.Fatal(err)
	}
	edited.Status, edited.PublishedAt, edited.ApprovedBy = consent.VersionPublished, &pub, "Dr. B"
	if diff := cmp.Diff(edited, got, equateEmpty); diff != "" {
		t.Errorf("published version (-want +got):\n%s", diff)
	}
	tpls, err := db.ListTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	want := []*consent.Template{
		{Slug: "a", Title: "Title of a", CurrentVersion: &two, Locales: []string{"fr"}, CreatedAt: t0},
		{Slug: "b", Title: "B", CreatedAt: t0},
	}
	if diff := cmp.Diff(want, tpls); diff != "" {
		t.Errorf("ListTemplates (-want +got):\n%s", diff)
	}

	// Retiring version 2 falls back to version 1.
	update(t, db, func(tx consent.Tx) error {
		return tx.Templates().SetVersionStatus(ctx, "a", 2, consent.VersionPublished, consent.VersionRetired, pub, "")
	})
	tpl, err := db.FindTemplate(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.CurrentVersion == nil || *tpl.CurrentVersion != 1 {
		t.Errorf("current version after retiring 2 = %v, want 1", tpl.CurrentVersion)
	}
}

func TestTemplateErrors(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "a")
	tests := []struct {
		name string
		fn   func(tx consent.Tx) error
		code string
	}{
		{"duplicate slug", func(tx consent.Tx) error {
			return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "a", Title: "again", CreatedAt: t0})
		}, consent.ECONFLICT},
		{"duplicate version", func(tx consent.Tx) error {
			return tx.Templates().CreateVersion(ctx, newVersion("a", 1, consent.VersionDraft))
		}, consent.ECONFLICT},
		{"version of unknown template", func(tx consent.Tx) error {
			return tx.Templates().CreateVersion(ctx, newVersion("nope", 1, consent.VersionDraft))
		}, consent.ENOTFOUND},
		{"edit a published version", func(tx consent.Tx) error {
			return tx.Templates().UpdateDraftVersion(ctx, newVersion("a", 1, consent.VersionDraft))
		}, consent.ECONFLICT},
		{"edit an unknown version", func(tx consent.Tx) error {
			return tx.Templates().UpdateDraftVersion(ctx, newVersion("a", 9, consent.VersionDraft))
		}, consent.ENOTFOUND},
		{"publish from the wrong status", func(tx consent.Tx) error {
			return tx.Templates().SetVersionStatus(ctx, "a", 1, consent.VersionDraft, consent.VersionPublished, t0, "x")
		}, consent.ECONFLICT},
		{"back to draft", func(tx consent.Tx) error {
			return tx.Templates().SetVersionStatus(ctx, "a", 1, consent.VersionPublished, consent.VersionDraft, t0, "")
		}, consent.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, db.Update(ctx, tt.fn), tt.code)
		})
	}
	for name, err := range map[string]error{
		"FindTemplate": func() error { _, err := db.FindTemplate(ctx, "nope"); return err }(),
		"FindVersion":  func() error { _, err := db.FindVersion(ctx, "a", 7); return err }(),
		"ListVersions": func() error { _, err := db.ListVersions(ctx, "nope"); return err }(),
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, err, consent.ENOTFOUND) })
	}
}
