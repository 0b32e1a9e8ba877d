package consent

import (
	"strings"
	"testing"
	"time"
)

var rowKey = []byte("row-key-row-key-row-key-row-key!")

func testConsent(id, birth string) *Consent {
	at := time.Date(2026, 11, 25, 9, 44, 0, 123e6, time.UTC)
	return &Consent{ID: id, Status: StatusPending, TemplateSlug: "k", TemplateVersion: 1, Locale: "en",
		Patient: Patient{ID: "MRN-1", GivenName: "Zoë", FamilyName: "Müller", BirthDate: birth}, CreatedAt: at, ExpiresAt: at,
		Documents: map[string]Document{"en": {Locale: "en", Title: "T", Sections: []DocumentSection{{Key: "a", Body: "b"}}}}}
}

// TestRowDigestIsKeyedAndNamesItsRow: the digest changes with the content,
// the key and the row it names, so it can be neither guessed from a name or
// birth date without the key nor moved to another row.
func TestRowDigestIsKeyedAndNamesItsRow(t *testing.T) {
	digest := func(key []byte, r Row) string {
		t.Helper()
		d, err := RowDigest(key, r)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := digest(rowKey, testConsent("C1", "1980-04-02"))
	if again := digest(rowKey, testConsent("C1", "1980-04-02")); again != base {
		t.Fatal("the same row digests differently")
	}
	for name, d := range map[string]string{
		"another birth date": digest(rowKey, testConsent("C1", "1980-04-03")),
		"another key":        digest([]byte("another key, another key, other!"), testConsent("C1", "1980-04-02")),
		"another row":        digest(rowKey, testConsent("C2", "1980-04-02")),
	} {
		if d == base {
			t.Errorf("%s gives the same digest", name)
		}
	}
	if plain, _ := CanonicalSHA256(testConsent("C1", "1980-04-02").RowContent()); strings.Contains(base, plain) {
		t.Error("the digest is a plain hash of the content")
	}
}

// TestAttachRowDigestsReplaces: an event appended again (a transaction run
// twice) carries one list, not two.
func TestAttachRowDigestsReplaces(t *testing.T) {
	e := &AuditEvent{Type: EventConsentCreated, Rows: []Row{testConsent("C1", "1980-04-02")}}
	for range 2 {
		if err := e.AttachRowDigests(rowKey); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := e.RowDigests()
	if !ok || len(got) != 1 || got[RowRef{Table: TableConsents, ID: "C1"}].Digest == "" {
		t.Fatalf("row digests %v, %v", got, ok)
	}
	e.Details[DetailRowDigests] = "not a list"
	if _, ok := e.RowDigests(); ok {
		t.Fatal("a malformed list was accepted")
	}
}

// TestIntegrityVerifierUsesTheNewestEvent: a row written by one event and
// changed by a later one must match the later digest; the earlier one no
// longer vouches for it.
func TestIntegrityVerifierUsesTheNewestEvent(t *testing.T) {
	auditKey := []byte("0123456789abcdef0123456789abcdef")
	pending, signed := testConsent("C1", "1980-04-02"), testConsent("C1", "1980-04-02")
	signed.Status = StatusSigned
	var evs []*AuditEvent
	prev := ""
	for i, r := range []Row{pending, signed} {
		e := &AuditEvent{Seq: int64(i + 1), Type: EventConsentCreated, PrevHash: prev, Rows: []Row{r}}
		if err := e.AttachRowDigests(RowDigestKey(auditKey)); err != nil {
			t.Fatal(err)
		}
		if err := e.Seal(auditKey); err != nil {
			t.Fatal(err)
		}
		prev, evs = e.Hash, append(evs, e)
	}
	check := func(stored Row) *IntegrityReport {
		v := NewIntegrityVerifier(auditKey)
		for _, e := range evs {
			if !v.Event(e) {
				t.Fatal("chain broken")
			}
		}
		if stored != nil {
			v.Row(stored)
		}
		return v.Finish(nil)
	}
	if r := check(signed); !r.Intact() || r.Rows != 1 || r.Events != 2 {
		t.Fatalf("current row: %+v", r)
	}
	if r := check(pending); r.Intact() || r.Faults[0].Seq != 2 || !strings.Contains(r.Faults[0].String(), "row consents C1 (vouched for by event seq 2)") {
		t.Fatalf("row rolled back to its first state: %+v", r.Faults)
	}
	if r := check(nil); r.Intact() || !strings.Contains(r.Faults[0].Reason, "missing") {
		t.Fatalf("row deleted: %+v", r.Faults)
	}
	if r := check(testConsent("C9", "1980-04-02")); r.Intact() || !strings.Contains(r.Faults[0].Reason, "no audit event vouches") {
		t.Fatalf("row added: %+v", r.Faults)
	}
}

// TestSealedPDFRowsByKind: the signed PDF is a row of pdfs whatever its Kind
// says ("" or "signed" digest alike); a withdrawal copy is a row of
// additional_pdfs of its own, so one cannot stand in for the other.
func TestSealedPDFRowsByKind(t *testing.T) {
	info := PDFInfo{SHA256: "ab", Size: 2, CertSHA256: "cd", CreatedAt: time.Date(2026, 11, 25, 9, 44, 0, 0, time.UTC)}
	unset := &SealedPDF{ConsentID: "C1", Info: info, Bytes: []byte("%P")}
	signed := &SealedPDF{ConsentID: "C1", Kind: PDFKindSigned, Info: info, Bytes: []byte("%P")}
	withdrawn := &SealedPDF{ConsentID: "C1", Kind: PDFKindWithdrawn, Info: info, Bytes: []byte("%P")}
	if unset.RowRef() != (RowRef{Table: TablePDFs, ID: "C1"}) || signed.RowRef() != unset.RowRef() {
		t.Fatalf("signed PDF rows: %v, %v", unset.RowRef(), signed.RowRef())
	}
	if withdrawn.RowRef() != (RowRef{Table: TableAdditionalPDFs, ID: "C1/withdrawn"}) {
		t.Fatalf("withdrawal copy row: %v", withdrawn.RowRef())
	}
	d := map[string]string{}
	for name, p := range map[string]*SealedPDF{"unset": unset, "signed": signed, "withdrawn": withdrawn} {
		var err error
		if d[name], err = RowDigest(rowKey, p); err != nil {
			t.Fatal(err)
		}
	}
	if d["unset"] != d["signed"] || d["withdrawn"] == d["signed"] {
		t.Fatalf("digests %v", d)
	}
}
