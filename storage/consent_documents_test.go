package storage_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// TestConsentDocumentsStoredApart: a new consent's frozen documents are
// written once, to consent_documents, and its consents row keeps none, so a
// status change rewrites a short row and never the documents; a database
// opened afresh (nothing cached) reads them back whole.
func TestConsentDocumentsStoredApart(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	seedTemplate(t, db, "k")
	c := newConsent("C1", "k", t0)
	createConsent(t, db, c)
	raw := rawDB(t, dir)

	var inline, stored string
	if err := raw.QueryRow(rebind("SELECT documents FROM consents WHERE id = ?"), "C1").Scan(&inline); err != nil {
		t.Fatal(err)
	}
	if inline != "" {
		t.Errorf("consents.documents of a new consent holds %d bytes, want none: a status change would rewrite them", len(inline))
	}
	if err := raw.QueryRow(rebind("SELECT documents FROM consent_documents WHERE consent_id = ?"), "C1").Scan(&stored); err != nil {
		t.Fatalf("consent_documents of a new consent: %v", err)
	}

	at := t0.Add(time.Hour)
	update(t, db, func(tx consent.Tx) error {
		if err := tx.Consents().TransitionConsent(ctx, "C1", consent.StatusPending, consent.StatusSigned, at, ""); err != nil {
			return err
		}
		return tx.Consents().TransitionConsent(ctx, "C1", consent.StatusSigned, consent.StatusWithdrawn, at, "changed my mind")
	})
	var after string
	if err := raw.QueryRow(rebind("SELECT documents FROM consent_documents WHERE consent_id = ?"), "C1").Scan(&after); err != nil || after != stored {
		t.Errorf("consent_documents after two status changes: %v, changed %v", err, after != stored)
	}
	if err := raw.QueryRow(rebind("SELECT documents FROM consents WHERE id = ?"), "C1").Scan(&inline); err != nil || inline != "" {
		t.Errorf("consents.documents after two status changes: %d bytes, %v", len(inline), err)
	}
	// A second handle on the same database has nothing cached: it reads
	// the documents from where they are stored.
	fresh := storagetest.MustOpenConfig(t, storage.Config{DataDir: dir, Now: func() time.Time { return t0 }})
	got, err := fresh.FindConsentByID(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Documents, c.Documents) {
		t.Errorf("documents read back from consent_documents:\n got %+v\nwant %+v", got.Documents, c.Documents)
	}
	if got.Status != consent.StatusWithdrawn {
		t.Errorf("status = %s, want withdrawn", got.Status)
	}
	sum, err := fresh.FindConsentSummary(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if want := consent.DocumentRefs(c.Documents); !reflect.DeepEqual(sum.Documents, want) {
		t.Errorf("summary documents = %+v, want %+v", sum.Documents, want)
	}
}
