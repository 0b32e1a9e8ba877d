package api_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// requireTool returns an outside program's path; it skips the test when the
// program is missing locally and fails it when CI is set.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// pdfPages returns the text of each page of a PDF (pdftotext).
func pdfPages(t *testing.T, b []byte) []string {
	t.Helper()
	tool := requireTool(t, "pdftotext")
	p := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	return pages
}

// TestWithdrawnConsentPDF: withdrawing seals an additional PDF that says so
// on every page and records the withdrawal on its evidence page; the signed
// PDF stays byte for byte and keeps verifying; patients' links serve the
// withdrawal copy; both verify as this server's.
func TestWithdrawnConsentPDF(t *testing.T) {
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	original := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil)
	before := createLink(t, s, id, map[string]any{"require_birth_date": true})["url"].(string)
	wantError(t, s, 409, "", "GET", "/v1/consents/"+id+"/pdf/withdrawn", s.AdminKey, nil)

	w := wantJSON(t, s, 200, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "Patient changed their mind"})
	if w["status"] != "withdrawn" || w["withdrawal_pdf"] == nil {
		t.Fatalf("withdraw: %v", w)
	}
	c := getConsent(t, s, id)
	wp := c["withdrawal_pdf"].(map[string]any)
	if c["pdf"].(map[string]any)["sha256"] == wp["sha256"] || wp["url"] != "/v1/consents/"+id+"/pdf/withdrawn" {
		t.Fatalf("consent lists %v and %v", c["pdf"], wp)
	}
	if again := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf", s.AdminKey, nil); !bytes.Equal(again, original) {
		t.Fatal("the signed PDF changed when the consent was withdrawn")
	}
	copyPDF := want(t, s, 200, "GET", wp["url"].(string), s.AdminKey, nil)
	if bytes.Equal(copyPDF, original) || !bytes.HasPrefix(copyPDF, []byte("%PDF-")) {
		t.Fatal("no separate withdrawal copy")
	}

	// The patient's link (made before or after) serves the withdrawal copy.
	resp, b := postBirthDate(t, s, before, "1980-04-02")
	checkPDFResponse(t, resp, b, copyPDF, id)
	after := createLink(t, s, id, map[string]any{})["url"].(string)
	resp, b = fetch(t, s, "GET", after, "", "", nil)
	checkPDFResponse(t, resp, b, copyPDF, id)

	// Both files verify as this server's, and say which they are.
	ro := s.Key(t, consent.ScopeConsentsRead)
	v := wantJSON(t, s, 200, "POST", "/v1/verify", ro, original, "Content-Type", "application/pdf")
	if v["valid"] != true || v["kind"] != "signed" || v["withdrawn_at"] != nil {
		t.Fatalf("verify the signed PDF: %v", v)
	}
	v = wantJSON(t, s, 200, "POST", "/v1/verify", ro, copyPDF, "Content-Type", "application/pdf")
	if v["valid"] != true || v["kind"] != "withdrawn" || v["withdrawn_at"] != c["withdrawn_at"] || v["consent_id"] != id ||
		v["signed_at"] != c["signed_at"] {
		t.Fatalf("verify the withdrawal copy: %v (consent withdrawn_at %v)", v, c["withdrawn_at"])
	}
	tampered := bytes.Clone(copyPDF)
	tampered[len(tampered)/2] ^= 0xff
	if v := wantJSON(t, s, 200, "POST", "/v1/verify", ro, tampered, "Content-Type", "application/pdf"); v["valid"] != false {
		t.Fatalf("tampered withdrawal copy verifies: %v", v)
	}

	// What the copy says: withdrawn on every page; the withdrawal, its reason
	// and the signed PDF's hash on the evidence page.
	pages := pdfPages(t, copyPDF)
	date := c["withdrawn_at"].(string)[:10]
	for i, p := range pages {
		if !strings.Contains(p, "WITHDRAWN on "+date) {
			t.Errorf("page %d does not say it was withdrawn:\n%.300s", i+1, p)
		}
	}
	// The evidence pages (from the "Evidence" heading on) hold more than the
	// signed PDF's: the withdrawal. The document before them is the same.
	evidence, signedEvidence := evidenceStart(pages), evidenceStart(pdfPages(t, original))
	last := strings.Join(strings.Fields(strings.Join(pages[evidence:], " ")), " ")
	for _, want := range []string{"Patient changed their mind", c["pdf"].(map[string]any)["sha256"].(string), "consent.withdrawn", "Zoë Müller"} {
		if !strings.Contains(last, want) {
			t.Errorf("evidence pages lack %q:\n%s", want, last)
		}
	}
	if evidence != signedEvidence || evidence == 0 {
		t.Errorf("withdrawal copy's evidence starts on page %d, the signed PDF's on %d", evidence+1, signedEvidence+1)
	}
	for _, p := range pdfPages(t, original) {
		if strings.Contains(p, "WITHDRAWN") {
			t.Fatal("the signed PDF says WITHDRAWN")
		}
	}

	// The audit trail names the copy; the consent.withdrawn webhook carries its hash.
	ev := eventsOfType(auditEvents(t, s, id), "consent.withdrawn")
	if len(ev) != 1 || ev[0]["details"].(map[string]any)["withdrawal_pdf_sha256"] != wp["sha256"] {
		t.Fatalf("consent.withdrawn events %v", ev)
	}
	// The sealed copy is append-only in the database.
	err := s.DB.Update(context.Background(), func(tx consent.Tx) error {
		return tx.Consents().StoreAdditionalPDF(context.Background(), &consent.SealedPDF{ConsentID: id, Kind: consent.PDFKindWithdrawn,
			Bytes: []byte("%PDF-forged")})
	})
	if consent.ErrorCode(err) != consent.ECONFLICT {
		t.Fatalf("a second withdrawal copy: %v", err)
	}
}

// TestWithdrawalCopyForConsentsWithdrawnBeforeTheUpgrade: a consent
// withdrawn before withdrawal copies existed gets one sealed (once) when
// first needed, from its stored record and audit trail.
func TestWithdrawalCopyForConsentsWithdrawnBeforeTheUpgrade(t *testing.T) {
	ctx := context.Background()
	s := apptest.New(t)
	id := s.SignedConsent(t, "en")
	// The old withdrawal: a transition and its audit event, no copy.
	err := s.DB.Update(ctx, func(tx consent.Tx) error {
		now := s.Clock.Now()
		if err := tx.Consents().TransitionConsent(ctx, id, consent.StatusSigned, consent.StatusWithdrawn, now, "by phone"); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentWithdrawn, At: now, Actor: "apikey:old",
			ConsentID: id, Details: map[string]any{"from": "signed", "to": "withdrawn", "reason": "by phone"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	link := createLink(t, s, id, map[string]any{})["url"].(string)
	first := want(t, s, 200, "GET", link, "", nil)
	second := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf/withdrawn", s.AdminKey, nil)
	if !bytes.Equal(first, second) {
		t.Fatal("the withdrawal copy was sealed twice")
	}
	if pages := pdfPages(t, first); !strings.Contains(pages[0], "WITHDRAWN") || !strings.Contains(strings.Join(pages[evidenceStart(pages):], " "), "by phone") {
		t.Fatalf("late withdrawal copy:\n%.500s", pages[0])
	}
	if n := len(eventsOfType(auditEvents(t, s, id), "consent.withdrawal_pdf_sealed")); n != 1 {
		t.Fatalf("%d consent.withdrawal_pdf_sealed events, want 1", n)
	}
}

// evidenceStart returns the index of the page where the evidence section
// starts (0 when none does).
func evidenceStart(pages []string) int {
	for i, p := range pages {
		if strings.Contains(p, "This document is sealed with a digital signature") {
			return i
		}
	}
	return 0
}
