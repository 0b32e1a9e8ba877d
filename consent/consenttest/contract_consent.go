package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// newConsent returns a pending consent to version 1 of slug, created at
// created and expiring a day later.
func newConsent(id, slug string, created time.Time) *consent.Consent {
	doc := func(locale, title string) consent.Document {
		return consent.Document{Locale: locale, Title: title, Disclosure: "Disclosure " + locale, DisclosureHTML: "<p>Disclosure</p>",
			Meanings: map[string]string{consent.RolePatient: "I consent (" + locale + ")."}, ContentSHA256: "sha-" + locale + "-" + id,
			Sections: []consent.DocumentSection{{Key: "risks", Kind: "risks_long_term", Heading: "Risks", Body: "Body",
				BodyHTML: "<p>Body</p>", RequiresAcknowledgment: true}}}
	}
	return &consent.Consent{ID: id, Status: consent.StatusPending, TemplateSlug: slug, TemplateVersion: 1, TemplateSHA256: "tsha",
		Locale: "en", Patient: consent.Patient{ID: "MRN-" + id, GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-02-29"},
		Variables: map[string]string{"clinic": "Calm Waters"}, CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour),
		CreatedBy: "apikey:k1", SigningTokenHash: "tok-" + id, SigningCodeHash: "code-" + id,
		Documents: map[string]consent.Document{"en": doc("en", "Consent"), "es": doc("es", "Consentimiento")}}
}

func createConsent(t *testing.T, st consent.Store, c *consent.Consent) {
	t.Helper()
	update(t, st, func(tx consent.Tx) error { return tx.Consents().CreateConsent(context.Background(), c) })
}

func contractConsents(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	err := st.Update(ctx, func(tx consent.Tx) error {
		c := newConsent("C0", "tpl", T0)
		c.TemplateVersion = 9
		return tx.Consents().CreateConsent(ctx, c)
	})
	wantCode(t, "CreateConsent to a missing version", err, consent.ENOTFOUND)

	c := newConsent("C1", "tpl", T0)
	createConsent(t, st, c)
	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "consent round trip", got, c)
	// (Frozen documents may be shared between reads: callers never change them.)
	got.Variables["clinic"] = "changed by a caller"
	got.Status = consent.StatusVoided
	again := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "a caller's change to a returned consent does not reach the store", again, c)

	for _, tc := range []struct {
		name string
		find func() (*consent.Consent, error)
		code string
	}{
		{"by token", func() (*consent.Consent, error) { return st.Consents().FindConsentBySigningToken(ctx, "tok-C1") }, ""},
		{"by code", func() (*consent.Consent, error) { return st.Consents().FindConsentBySigningCode(ctx, "code-C1") }, ""},
		{"by unknown ID", func() (*consent.Consent, error) { return st.Consents().FindConsentByID(ctx, "C9") }, consent.ENOTFOUND},
		{"by unknown token", func() (*consent.Consent, error) { return st.Consents().FindConsentBySigningToken(ctx, "tok-C9") }, consent.ENOTFOUND},
		{"by empty token", func() (*consent.Consent, error) { return st.Consents().FindConsentBySigningToken(ctx, "") }, consent.ENOTFOUND},
		{"by empty code", func() (*consent.Consent, error) { return st.Consents().FindConsentBySigningCode(ctx, "") }, consent.ENOTFOUND},
	} {
		got, err := tc.find()
		wantCode(t, tc.name, err, tc.code)
		if err == nil && got.ID != "C1" {
			t.Errorf("%s: found %s, want C1", tc.name, got.ID)
		}
	}

	for _, tc := range []struct {
		name   string
		mutate func(c *consent.Consent)
	}{
		{"same ID", func(c *consent.Consent) {}},
		{"same signing token", func(c *consent.Consent) { c.ID, c.SigningCodeHash = "C2", "code-other" }},
		{"same signing code", func(c *consent.Consent) { c.ID, c.SigningTokenHash = "C2", "tok-other" }},
	} {
		dup := newConsent("C1", "tpl", T0)
		tc.mutate(dup)
		err := st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, dup) })
		wantCode(t, "CreateConsent with the "+tc.name, err, consent.ECONFLICT)
	}
	// Empty signing secrets (consents created by an import) are not unique.
	for _, id := range []string{"E1", "E2"} {
		e := newConsent(id, "tpl", T0)
		e.SigningTokenHash, e.SigningCodeHash = "", ""
		createConsent(t, st, e)
	}

	// Locale: free until the first signature, then fixed.
	update(t, st, func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C1", "es") })
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().CreateSignature(ctx, newSignature("S1", "C1", consent.RolePatient, T0.Add(time.Minute)))
	})
	update(t, st, func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C1", "es") })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C1", "en") })
	wantCode(t, "SetConsentLocale after a signature", err, consent.ECONFLICT)
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().SetConsentLocale(ctx, "C9", "en") })
	wantCode(t, "SetConsentLocale of a missing consent", err, consent.ENOTFOUND)
	got = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "locale fixed by the first signature", got.Locale, "es")
}

func contractTransitions(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	at := T0.Add(time.Hour)
	for _, tc := range []statusCase{
		{"an illegal move", "C1", consent.StatusPending, consent.StatusWithdrawn, consent.ECONFLICT},
		{"from a status it is not in", "C1", consent.StatusSigned, consent.StatusVoided, consent.ECONFLICT},
		{"a missing consent", "C9", consent.StatusPending, consent.StatusSigned, consent.ENOTFOUND},
		{"pending to signed", "C1", consent.StatusPending, consent.StatusSigned, ""},
		{"pending to signed again", "C1", consent.StatusPending, consent.StatusSigned, consent.ECONFLICT},
		{"back to pending", "C1", consent.StatusSigned, consent.StatusPending, consent.ECONFLICT},
		{"signed to withdrawn", "C1", consent.StatusSigned, consent.StatusWithdrawn, ""},
		{"withdrawn to voided", "C1", consent.StatusWithdrawn, consent.StatusVoided, consent.ECONFLICT},
	} {
		err := st.Update(ctx, func(tx consent.Tx) error {
			return tx.Consents().TransitionConsent(ctx, tc.id, tc.from, tc.to, at, "reason "+tc.to)
		})
		wantCode(t, tc.name, err, tc.code)
	}
	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	want := newConsent("C1", "tpl", T0)
	want.Status, want.SignedAt, want.StatusChangedAt, want.StatusReason = consent.StatusWithdrawn, &at, &at, "reason withdrawn"
	same(t, "consent after signed → withdrawn", got, want)

	// A transition and the writes before it in one transaction fail together.
	createConsent(t, st, newConsent("C2", "tpl", T0))
	err := st.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Consents().TransitionConsent(ctx, "C2", consent.StatusPending, consent.StatusCancelled, at, "first"); err != nil {
			return err
		}
		c, err := tx.Consents().FindConsentByID(ctx, "C2")
		if err != nil || c.Status != consent.StatusCancelled {
			t.Errorf("inside the transaction the consent is %v (err %v), want cancelled", c, err)
		}
		return tx.Consents().TransitionConsent(ctx, "C2", consent.StatusPending, consent.StatusDeclined, at, "second")
	})
	wantCode(t, "a second transition from the old status", err, consent.ECONFLICT)
	got = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C2"))
	same(t, "status after the rolled-back transaction", got.Status, consent.StatusPending)
}

func newSignature(id, consentID, role string, at time.Time) *consent.Signature {
	er := at
	return &consent.Signature{ID: id, ConsentID: consentID, Role: role, Name: "Signer " + id, Locale: "en", Meaning: "I consent.",
		SignedAt: at, Mark: consent.Mark{Type: "drawn", Width: 600, Height: 200, Strokes: [][]consent.Point{{{X: 1, Y: 2, T: 0}, {X: 3.5, Y: 4, T: 16}}}},
		ElectronicRecordsConsentAt: &er, Acknowledged: []string{"risks"},
		Evidence: consent.Evidence{Channel: "tablet", IP: "10.0.0.7", UserAgent: "UA", DeviceID: "enrolled:d1", Actor: "token:" + consentID}}
}

func contractSignatures(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	patient := newSignature("S1", "C1", consent.RolePatient, T0.Add(2*time.Minute))
	clinician := newSignature("S2", "C1", consent.RoleClinician, T0.Add(time.Minute))
	clinician.Mark, clinician.StaffID, clinician.IdentityVerified = consent.Mark{Type: "typed", Text: "Dr. Who"}, "st1", true
	clinician.ElectronicRecordsConsentAt, clinician.Acknowledged = nil, nil
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Consents().CreateSignature(ctx, patient); err != nil {
			return err
		}
		return tx.Consents().CreateSignature(ctx, clinician)
	})
	for _, tc := range []struct {
		name string
		sig  *consent.Signature
		code string
	}{
		{"the same role again", newSignature("S3", "C1", consent.RolePatient, T0), consent.ECONFLICT},
		{"a representative beside the patient", newSignature("S4", "C1", consent.RoleRepresentative, T0), consent.ECONFLICT},
		{"a taken ID", newSignature("S1", "C1", consent.RoleWitness, T0), consent.ECONFLICT},
		{"a missing consent", newSignature("S5", "C9", consent.RolePatient, T0), consent.ENOTFOUND},
	} {
		err := st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().CreateSignature(ctx, tc.sig) })
		wantCode(t, "CreateSignature for "+tc.name, err, tc.code)
	}
	// A witness is a role of its own.
	witness := newSignature("S6", "C1", consent.RoleWitness, T0.Add(3*time.Minute))
	update(t, st, func(tx consent.Tx) error { return tx.Consents().CreateSignature(ctx, witness) })

	var first, second consent.Acknowledgment
	update(t, st, func(tx consent.Tx) error {
		first = consent.Acknowledgment{ConsentID: "C1", SectionKey: "risks", Locale: "en", At: T0, Evidence: patient.Evidence}
		second = consent.Acknowledgment{ConsentID: "C1", SectionKey: "risks", Locale: "es", At: T0.Add(time.Second), Evidence: patient.Evidence}
		if err := tx.Consents().CreateAcknowledgment(ctx, &first); err != nil {
			return err
		}
		return tx.Consents().CreateAcknowledgment(ctx, &second)
	})
	if first.ID <= 0 || second.ID <= first.ID {
		t.Errorf("acknowledgment IDs %d, %d: want positive and increasing", first.ID, second.ID)
	}
	err := st.Update(ctx, func(tx consent.Tx) error {
		return tx.Consents().CreateAcknowledgment(ctx, &consent.Acknowledgment{ConsentID: "C9", SectionKey: "risks", Locale: "en", At: T0})
	})
	wantCode(t, "CreateAcknowledgment for a missing consent", err, consent.ENOTFOUND)

	got := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "signatures in signing order", got.Signatures, []consent.Signature{*clinician, *patient, *witness})
	same(t, "acknowledgments in recording order", got.Acknowledgments, []consent.Acknowledgment{first, second})
}

func contractPDFs(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	createConsent(t, st, newConsent("C1", "tpl", T0))
	signed := &consent.SealedPDF{ConsentID: "C1", Bytes: []byte("%PDF-signed"),
		Info: consent.PDFInfo{SHA256: "aa", Size: 11, CreatedAt: T0.Add(time.Minute), CertSHA256: "cert"}}
	withdrawn := &consent.SealedPDF{ConsentID: "C1", Kind: consent.PDFKindWithdrawn, Bytes: []byte("%PDF-withdrawn"),
		Info: consent.PDFInfo{SHA256: "bb", Size: 14, CreatedAt: T0.Add(time.Hour), CertSHA256: "cert"}}
	_, err := st.Consents().FindPDF(ctx, "C1")
	wantCode(t, "FindPDF before one is stored", err, consent.ENOTFOUND)
	update(t, st, func(tx consent.Tx) error { return tx.Consents().StorePDF(ctx, signed) })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().StorePDF(ctx, signed) })
	wantCode(t, "StorePDF twice", err, consent.ECONFLICT)
	err = st.Update(ctx, func(tx consent.Tx) error {
		return tx.Consents().StorePDF(ctx, &consent.SealedPDF{ConsentID: "C9", Bytes: []byte("x")})
	})
	wantCode(t, "StorePDF for a missing consent", err, consent.ENOTFOUND)
	got := must[*consent.SealedPDF](t, "FindPDF")(st.Consents().FindPDF(ctx, "C1"))
	same(t, "signed PDF", got.Bytes, signed.Bytes)
	same(t, "signed PDF info", got.Info, signed.Info)

	_, err = st.Consents().FindAdditionalPDF(ctx, "C1", consent.PDFKindWithdrawn)
	wantCode(t, "FindAdditionalPDF before one is stored", err, consent.ENOTFOUND)
	update(t, st, func(tx consent.Tx) error { return tx.Consents().StoreAdditionalPDF(ctx, withdrawn) })
	err = st.Update(ctx, func(tx consent.Tx) error { return tx.Consents().StoreAdditionalPDF(ctx, withdrawn) })
	wantCode(t, "StoreAdditionalPDF twice", err, consent.ECONFLICT)
	got = must[*consent.SealedPDF](t, "FindAdditionalPDF")(st.Consents().FindAdditionalPDF(ctx, "C1", consent.PDFKindWithdrawn))
	same(t, "withdrawal copy", got, withdrawn)

	// The consent carries the signed PDF's info, and the withdrawal copy's
	// once withdrawn.
	c := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "PDF info on the consent", c.PDF, &signed.Info)
	if c.WithdrawalPDF != nil {
		t.Errorf("a pending consent shows a withdrawal copy: %+v", c.WithdrawalPDF)
	}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Consents().TransitionConsent(ctx, "C1", consent.StatusPending, consent.StatusSigned, T0, ""); err != nil {
			return err
		}
		return tx.Consents().TransitionConsent(ctx, "C1", consent.StatusSigned, consent.StatusWithdrawn, T0, "changed mind")
	})
	c = must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, "C1"))
	same(t, "withdrawal copy info on the withdrawn consent", c.WithdrawalPDF, &withdrawn.Info)
}
