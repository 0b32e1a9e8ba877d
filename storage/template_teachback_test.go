package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// TestVersionKeepsTeachBack stores a version whose countersignature waits
// for right teach-back answers and reads it back from a fresh process: the
// flag must survive (the clinician's gate depends on it), and the content
// read back must hash to the stored content_sha256.
func TestVersionKeepsTeachBack(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	v := newVersion("tb", 1, consent.VersionPublished)
	c := v.Content()
	c.TeachBack = consent.TeachBackRequired
	one := 1
	en := c.Locales["en"]
	en.Sections[0].Questions = []consent.Question{{Key: "q", Question: "Who drives you home?", Choices: []string{"I do", "An adult"}, Correct: &one}}
	c.Locales["en"] = en
	if err := v.SetContent(c); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "tb", Title: "Teach-back", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.Templates().CreateVersion(ctx, v)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := storagetest.MustOpenConfig(t, storage.Config{DataDir: dir, Now: func() time.Time { return t0 }})
	got, err := again.FindVersion(ctx, "tb", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.TeachBack != consent.TeachBackRequired {
		t.Errorf("teach_back read back as %q, want %q", got.TeachBack, consent.TeachBackRequired)
	}
	if sum, err := got.Content().SHA256(); err != nil || sum != got.ContentSHA256 {
		t.Errorf("content read back hashes to %s, stored content_sha256 %s (%v)", sum, got.ContentSHA256, err)
	}

	// A draft edited to require teach-back keeps the flag too.
	draft := newVersion("tb", 2, consent.VersionDraft)
	update(t, again, func(tx consent.Tx) error { return tx.Templates().CreateVersion(ctx, draft) })
	if err := draft.SetContent(c); err != nil {
		t.Fatal(err)
	}
	update(t, again, func(tx consent.Tx) error { return tx.Templates().UpdateDraftVersion(ctx, draft) })
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	third := storagetest.MustOpenConfig(t, storage.Config{DataDir: dir, Now: func() time.Time { return t0 }})
	if got, err := third.FindVersion(ctx, "tb", 2); err != nil || got.TeachBack != consent.TeachBackRequired {
		t.Errorf("edited draft read back: %v, teach_back %q", err, got.TeachBack)
	}
}
