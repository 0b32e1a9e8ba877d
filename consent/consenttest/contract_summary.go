package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractConsentSummary checks FindConsentSummary against its definition,
// consent.SummaryOf(FindConsentByID), and ListConsentSummaries against
// SummaryOf each consent ListConsents returns (sameSummaryLists), on consents with every part it leaves
// out (document text, drawings, acknowledgments, answer attempts) and every
// part it keeps (signatures, both PDFs, successors).
func contractConsentSummary(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	// P: pending, untouched. W: signed by three roles with acknowledgments,
	// answer attempts and its PDF, then withdrawn with its withdrawal copy.
	// S: signed, with two re-consents (R1 ended unsigned, R2 pending).
	for _, id := range []string{"P", "W", "S"} {
		createConsent(t, st, newConsent(id, "tpl", T0))
	}
	patient := newSignature("W-pat", "W", consent.RolePatient, T0.Add(2*time.Minute))
	clinician := newSignature("W-clin", "W", consent.RoleClinician, T0.Add(3*time.Minute))
	clinician.Mark, clinician.StaffID, clinician.IdentityVerified = consent.Mark{Type: "typed", Text: "Dr. Who"}, "st1", true
	clinician.ElectronicRecordsConsentAt, clinician.Acknowledged, clinician.DiscussedSections = nil, nil, []string{"risks"}
	witness := newSignature("W-wit", "W", consent.RoleWitness, T0.Add(3*time.Minute))
	witness.Mark = consent.Mark{Type: "image", Width: 2, Height: 1, PNG: []byte("\x89PNG-bytes")}
	signedPDF := &consent.SealedPDF{ConsentID: "W", Bytes: []byte("%PDF-signed"),
		Info: consent.PDFInfo{SHA256: "aa", Size: 11, CreatedAt: T0.Add(3 * time.Minute), CertSHA256: "cert"}}
	withdrawnPDF := &consent.SealedPDF{ConsentID: "W", Kind: consent.PDFKindWithdrawn, Bytes: []byte("%PDF-withdrawn"),
		Info: consent.PDFInfo{SHA256: "bb", Size: 14, CreatedAt: T0.Add(time.Hour), CertSHA256: "cert2"}}
	ev := patient.Evidence
	update(t, st, func(tx consent.Tx) error {
		for _, s := range []*consent.Signature{patient, clinician, witness} {
			if err := tx.Consents().CreateSignature(ctx, s); err != nil {
				return err
			}
		}
		ack := consent.Acknowledgment{ConsentID: "W", SectionKey: "risks", Locale: "en", At: T0, Evidence: ev}
		if err := tx.Consents().CreateAcknowledgment(ctx, &ack); err != nil {
			return err
		}
		answer := consent.AnswerAttempt{ConsentID: "W", SectionKey: "risks", QuestionKey: "escort", Locale: "en", At: T0, Evidence: ev}
		if err := tx.Consents().CreateAnswerAttempt(ctx, &answer); err != nil {
			return err
		}
		if err := tx.Consents().StorePDF(ctx, signedPDF); err != nil {
			return err
		}
		// Stored while not yet withdrawn: neither load shows it until then.
		return tx.Consents().StoreAdditionalPDF(ctx, withdrawnPDF)
	})
	check := func(name, id string) *consent.Consent {
		t.Helper()
		// The summary first: a store may keep what one load read for the other.
		got := must[*consent.Consent](t, "FindConsentSummary")(st.Consents().FindConsentSummary(ctx, id))
		full := must[*consent.Consent](t, "FindConsentByID")(st.Consents().FindConsentByID(ctx, id))
		same(t, name+": FindConsentSummary = SummaryOf(FindConsentByID)", got, consent.SummaryOf(full))
		sameSummaryLists(t, st, name)
		return got
	}
	check("pending", "P")
	got := check("signed parts on a pending consent", "W")
	if got.WithdrawalPDF != nil {
		t.Errorf("a pending consent's summary shows a withdrawal copy: %+v", got.WithdrawalPDF)
	}
	update(t, st, func(tx consent.Tx) error {
		for _, id := range []string{"W", "S"} {
			if err := tx.Consents().TransitionConsent(ctx, id, consent.StatusPending, consent.StatusSigned, T0.Add(4*time.Minute), ""); err != nil {
				return err
			}
		}
		return tx.Consents().TransitionConsent(ctx, "W", consent.StatusSigned, consent.StatusWithdrawn, T0.Add(time.Hour), "changed mind")
	})
	got = check("withdrawn", "W")
	// What the summary keeps and drops, spelled out (SummaryOf is the rule).
	same(t, "withdrawn: documents by locale and hash", got.Documents, map[string]consent.Document{
		"en": {Locale: "en", ContentSHA256: "sha-en-W"}, "es": {Locale: "es", ContentSHA256: "sha-es-W"}})
	var marks []consent.Mark
	for _, s := range got.Signatures {
		marks = append(marks, s.Mark)
	}
	same(t, "withdrawn: marks by type, in signing order", marks, []consent.Mark{{Type: "drawn"}, {Type: "typed"}, {Type: "image"}})
	same(t, "withdrawn: discussed sections kept", got.Signatures[1].DiscussedSections, []string{"risks"})
	same(t, "withdrawn: no acknowledgments or answers", len(got.Acknowledgments)+len(got.Answers), 0)
	same(t, "withdrawn: the patient by reference only, no secrets", []any{got.Patient, got.Variables, got.SigningTokenHash,
		got.SigningCodeHash, got.CreatedBy}, []any{consent.Patient{ID: "MRN-W"}, map[string]string(nil), "", "", ""})
	same(t, "withdrawn: PDFs", []*consent.PDFInfo{got.PDF, got.WithdrawalPDF}, []*consent.PDFInfo{&signedPDF.Info, &withdrawnPDF.Info})

	// Made in the opposite order of their creation times: both loads list
	// re-consents by created_at.
	for _, id := range []string{"R2", "R1"} {
		r := newConsent(id, "tpl", T0.Add(map[string]time.Duration{"R1": time.Hour, "R2": 2 * time.Hour}[id]))
		r.Supersedes = "S"
		createConsent(t, st, r)
	}
	update(t, st, func(tx consent.Tx) error {
		return tx.Consents().TransitionConsent(ctx, "R1", consent.StatusPending, consent.StatusDeclined, T0.Add(2*time.Hour), "no")
	})
	got = check("re-consented", "S")
	same(t, "re-consented: successors", got.Successors, []consent.Successor{
		{ID: "R1", Status: consent.StatusDeclined, ExpiresAt: T0.Add(25 * time.Hour)},
		{ID: "R2", Status: consent.StatusPending, ExpiresAt: T0.Add(26 * time.Hour)}})
	check("a re-consent", "R2")

	_, err := st.Consents().FindConsentSummary(ctx, "NOPE")
	wantCode(t, "FindConsentSummary of a missing consent", err, consent.ENOTFOUND)
}
