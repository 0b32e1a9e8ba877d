package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage/storagetest"
)

func TestConsentRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "ketamine-iv")
	c := newConsent("C1", "ketamine-iv", t0)
	createConsent(t, db, c)

	ack := consent.Acknowledgment{ConsentID: "C1", SectionKey: "risks", Locale: "en", At: t0.Add(10 * time.Second),
		Evidence: consent.Evidence{Channel: consent.ChannelTablet, IP: "192.0.2.7", Actor: "token:C1"}}
	patient := newSignature("S1", "C1", consent.RolePatient)
	clinician := newSignature("S2", "C1", consent.RoleClinician)
	clinician.SignedAt, clinician.StaffID, clinician.IdentityVerified = t0.Add(2*time.Minute), "DR-1", true
	clinician.Mark = consent.Mark{Type: "image", PNG: []byte("\x89PNG\r\n")}
	clinician.ElectronicRecordsConsentAt, clinician.Acknowledged = nil, nil
	signedAt := t0.Add(2 * time.Minute)
	pdf := &consent.SealedPDF{ConsentID: "C1", Bytes: []byte("%PDF-1.7 sealed"),
		Info: consent.PDFInfo{SHA256: "ee", Size: 15, CreatedAt: signedAt, CertSHA256: "ff"}}
	update(t, db, func(tx consent.Tx) error {
		for _, err := range []error{
			tx.Consents().SetConsentLocale(ctx, "C1", "es"),
			tx.Consents().CreateAcknowledgment(ctx, &ack),
			tx.Consents().CreateSignature(ctx, clinician), // signed later, listed second
			tx.Consents().CreateSignature(ctx, patient),
			tx.Consents().StorePDF(ctx, pdf),
			tx.Consents().TransitionConsent(ctx, "C1", consent.StatusPending, consent.StatusSigned, signedAt, ""),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})

	want := *c
	want.Locale, want.Status, want.SignedAt, want.StatusChangedAt = "es", consent.StatusSigned, &signedAt, &signedAt
	want.Signatures = []consent.Signature{*patient, *clinician}
	want.Acknowledgments = []consent.Acknowledgment{ack}
	want.PDF = &pdf.Info
	finds := map[string]func() (*consent.Consent, error){
		"ByID": func() (*consent.Consent, error) { return db.FindConsentByID(ctx, "C1") },
		"ByToken": func() (*consent.Consent, error) {
			return db.FindConsentBySigningToken(ctx, consent.HashSecret("token-C1"))
		},
		"ByCode": func() (*consent.Consent, error) {
			return db.FindConsentBySigningCode(ctx, consent.HashSecret("code-C1"))
		},
	}
	for name, find := range finds {
		t.Run(name, func(t *testing.T) {
			got, err := find()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got, equateEmpty); diff != "" {
				t.Errorf("consent (-want +got):\n%s", diff)
			}
		})
	}
	gotPDF, err := db.FindPDF(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pdf, gotPDF); diff != "" {
		t.Errorf("FindPDF (-want +got):\n%s", diff)
	}
}

func TestConsentErrors(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	createConsent(t, db, newConsent("C1", "k", t0))
	createConsent(t, db, newConsent("C2", "k", t0))
	update(t, db, func(tx consent.Tx) error {
		return tx.Consents().CreateSignature(ctx, newSignature("S2", "C2", consent.RolePatient))
	})

	otherToken := newConsent("C3", "k", t0)
	otherToken.SigningTokenHash = consent.HashSecret("token-C1")
	tests := []struct {
		name string
		fn   func(tx consent.Tx) error
		code string
	}{
		{"duplicate ID", func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, newConsent("C1", "k", t0)) }, consent.ECONFLICT},
		{"duplicate signing token", func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, otherToken) }, consent.ECONFLICT},
		{"unknown template version", func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, newConsent("C9", "zz", t0)) }, consent.ENOTFOUND},
		{"transition from the wrong status", func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, "C1", consent.StatusSigned, consent.StatusWithdrawn, t0, "r")
		}, consent.ECONFLICT},
		{"illegal transition", func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, "C1", consent.StatusPending, consent.StatusWithdrawn, t0, "r")
		}, consent.ECONFLICT},
		{"transition unknown consent", func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, "nope", consent.StatusPending, consent.StatusDeclined, t0, "r")
		}, consent.ENOTFOUND},
		{"locale after the first signature", func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C2", "es") }, consent.ECONFLICT},
		{"signature on unknown consent", func(tx consent.Tx) error {
			return tx.Consents().CreateSignature(ctx, newSignature("S9", "nope", consent.RolePatient))
		}, consent.ENOTFOUND},
		{"acknowledgment on unknown consent", func(tx consent.Tx) error {
			return tx.Consents().CreateAcknowledgment(ctx, &consent.Acknowledgment{ConsentID: "nope", SectionKey: "x", At: t0})
		}, consent.ENOTFOUND},
		{"second PDF", func(tx consent.Tx) error {
			p := &consent.SealedPDF{ConsentID: "C1", Bytes: []byte("x")}
			if err := tx.Consents().StorePDF(ctx, p); err != nil {
				return err
			}
			return tx.Consents().StorePDF(ctx, p)
		}, consent.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, db.Update(ctx, tt.fn), tt.code) })
	}
	// The same locale again is no change, so it is allowed after signing.
	update(t, db, func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C2", "en") })

	for name, err := range map[string]error{
		"ByID":       func() error { _, err := db.FindConsentByID(ctx, "nope"); return err }(),
		"ByToken":    func() error { _, err := db.FindConsentBySigningToken(ctx, "nope"); return err }(),
		"EmptyToken": func() error { _, err := db.FindConsentBySigningToken(ctx, ""); return err }(),
		"ByCode":     func() error { _, err := db.FindConsentBySigningCode(ctx, "nope"); return err }(),
		"PDF":        func() error { _, err := db.FindPDF(ctx, "C2"); return err }(),
	} {
		t.Run("not found "+name, func(t *testing.T) { wantCode(t, err, consent.ENOTFOUND) })
	}
}

func TestSignatureConflicts(t *testing.T) {
	ctx := context.Background()
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "k")
	tests := []struct {
		first, second string
		code          string
	}{
		{consent.RolePatient, consent.RolePatient, consent.ECONFLICT},
		{consent.RolePatient, consent.RoleRepresentative, consent.ECONFLICT},
		{consent.RoleRepresentative, consent.RolePatient, consent.ECONFLICT},
		{consent.RoleClinician, consent.RoleClinician, consent.ECONFLICT},
		{consent.RolePatient, consent.RoleClinician, ""},
		{consent.RoleRepresentative, consent.RoleWitness, ""},
	}
	for i, tt := range tests {
		t.Run(tt.first+"+"+tt.second, func(t *testing.T) {
			id := "C" + string(rune('a'+i))
			createConsent(t, db, newConsent(id, "k", t0))
			update(t, db, func(tx consent.Tx) error {
				return tx.Consents().CreateSignature(ctx, newSignature(id+"1", id, tt.first))
			})
			err := db.Update(ctx, func(tx consent.Tx) error {
				return tx.Consents().CreateSignature(ctx, newSignature(id+"2", id, tt.second))
			})
			wantCode(t, err, tt.code)
			got, ferr := db.FindConsentByID(ctx, id)
			if ferr != nil {
				t.Fatal(ferr)
			}
			if want := map[bool]int{true: 2, false: 1}[tt.code == ""]; len(got.Signatures) != want {
				t.Errorf("%d signatures stored, want %d", len(got.Signatures), want)
			}
			if err != nil {
				t.Log(consent.ErrorMessage(err))
			}
		})
	}
}
