package consent_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestAuditReadsAreAuditedAndFolded: reads of the audit log and scope
// denials are events themselves, folded per actor, route and consent.
func TestAuditReadsAreAuditedAndFolded(t *testing.T) {
	w := ready(t)
	c := w.create().Consent
	reader := consent.WithRequest(context.Background(), consent.Request{Actor: "apikey:KAUDIT", Channel: consent.ChannelAPI, IP: "10.0.0.8"})
	before := w.head()
	for range 3 {
		must[[]*consent.AuditEvent](t)(w.svc.ListAudit(reader, "GET /v1/consents/:id/audit", consent.AuditFilter{ConsentID: c.ID}))
	}
	must[[]*consent.AuditEvent](t)(w.svc.ListAudit(reader, "GET /v1/audit", consent.AuditFilter{Type: consent.EventConsentCreated}))
	_, err := w.svc.ListAudit(reader, "GET /v1/consents/:id/audit", consent.AuditFilter{ConsentID: "nope"})
	wantCode(t, "audit of an unknown consent", err, consent.ENOTFOUND, "")
	for range 2 {
		if err := w.svc.RecordScopeDenial(reader, "KAUDIT", "POST /v1/consents", consent.ScopeConsentsWrite); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Add(30 * time.Second)
	check(t, w.svc.FlushAccessEvents(reader, false)) // nothing has ended yet
	if n := w.head() - before; n != 3 {
		t.Errorf("%d events before the windows end, want 3 (the first of each)", n)
	}
	w.clock.Add(30 * time.Second)
	check(t, w.svc.FlushAccessEvents(reader, false))
	var got []map[string]any
	for _, e := range w.events("") {
		if e.Seq > before {
			got = append(got, map[string]any{"type": e.Type, "consent": e.ConsentID, "actor": e.Actor, "route": e.Details["route"],
				"count": e.Details["count"], "folded": e.Details["folded"], "scope": e.Details["scope"]})
		}
	}
	want := []map[string]any{
		{"type": consent.EventAuditRead, "consent": c.ID, "actor": "apikey:KAUDIT", "route": "GET /v1/consents/:id/audit", "count": float64(1), "folded": nil, "scope": nil},
		{"type": consent.EventAuditRead, "consent": "", "actor": "apikey:KAUDIT", "route": "GET /v1/audit", "count": float64(1), "folded": nil, "scope": nil},
		{"type": consent.EventScopeDenied, "consent": "", "actor": "apikey:KAUDIT", "route": "POST /v1/consents", "count": float64(1), "folded": nil, "scope": consent.ScopeConsentsWrite},
		{"type": consent.EventAuditRead, "consent": c.ID, "actor": "apikey:KAUDIT", "route": "GET /v1/consents/:id/audit", "count": float64(2), "folded": true, "scope": nil},
		{"type": consent.EventScopeDenied, "consent": "", "actor": "apikey:KAUDIT", "route": "POST /v1/consents", "count": float64(1), "folded": true, "scope": consent.ScopeConsentsWrite},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("access events (-want +got):\n%s", d)
	}
}

// signer signs checkpoints with an HMAC, standing in for the sealing key.
type signer struct{ key []byte }

func (s signer) SignCheckpoint(msg []byte) (consent.CheckpointSignature, error) {
	m := hmac.New(sha256.New, s.key)
	m.Write(msg)
	return consent.CheckpointSignature{Algorithm: "test-hmac", CertSHA256: "test", Value: m.Sum(nil)}, nil
}

func (s signer) VerifyCheckpoint(msg []byte, sig consent.CheckpointSignature) error {
	m := hmac.New(sha256.New, s.key)
	m.Write(msg)
	if !hmac.Equal(m.Sum(nil), sig.Value) {
		return errors.New("signature does not match")
	}
	return nil
}

func TestCheckpoints(t *testing.T) {
	w := ready(t)
	w.svc.Checkpoints = signer{key: []byte("sealing key")}
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook", []string{consent.EventAuditCheckpoint}))
	policy := consent.CheckpointPolicy{Events: 5, Interval: time.Hour}
	cp := must[*consent.AuditCheckpoint](t)(w.svc.WriteCheckpoint(w.admin, policy))
	head := w.head()
	if cp == nil || cp.Seq != head || !cp.At.Equal(w.clock.Now()) {
		t.Fatalf("first checkpoint %+v at head %d", cp, head)
	}
	if again := must[*consent.AuditCheckpoint](t)(w.svc.WriteCheckpoint(w.admin, policy)); again != nil {
		t.Errorf("a checkpoint with nothing new: %+v", again)
	}
	w.create()
	if cp2 := must[*consent.AuditCheckpoint](t)(w.svc.WriteCheckpoint(w.admin, policy)); cp2 != nil {
		t.Errorf("a checkpoint after 1 event, before the interval: %+v", cp2)
	}
	w.clock.Add(time.Hour)
	cp2 := must[*consent.AuditCheckpoint](t)(w.svc.WriteCheckpoint(w.admin, policy))
	if cp2 == nil || cp2.Seq != w.head() {
		t.Fatalf("after the interval: %+v", cp2)
	}
	if d := cmp.Diff([]string{consent.EventAuditCheckpoint, consent.EventAuditCheckpoint}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	// Stored checkpoints, and copies an integration kept, are checked
	// against the chain; a copy that does not verify is a finding.
	forged := *cp2
	forged.Hash = "0000"
	r := must[*consent.IntegrityReport](t)(w.svc.VerifyAuditIntegrity(w.admin, []*consent.AuditCheckpoint{cp, &forged}, "kept.jsonl"))
	if len(r.Faults) != 1 || r.Faults[0].Seq != cp2.Seq || r.Checkpoints != 3 {
		t.Errorf("report %+v, want one fault at seq %d (the forged copy) and 3 checkpoints compared", r, cp2.Seq)
	}
	badSig := *cp
	badSig.Signature.Value = []byte("nope")
	r = must[*consent.IntegrityReport](t)(w.svc.VerifyAuditIntegrity(w.admin, []*consent.AuditCheckpoint{&badSig}, "kept.jsonl"))
	if len(r.Faults) != 1 || r.Checkpoints != 2 {
		t.Errorf("report %+v, want the badly signed copy as the one fault, not compared", r)
	}
	list := must[[]*consent.AuditCheckpoint](t)(w.svc.ListAuditCheckpoints(w.admin, "GET /v1/audit/checkpoints", 0, 10))
	if len(list) != 2 {
		t.Errorf("%d checkpoints listed", len(list))
	}
	// No signer: checkpoints are off.
	w.svc.Checkpoints = nil
	if cp := must[*consent.AuditCheckpoint](t)(w.svc.WriteCheckpoint(w.admin, policy)); cp != nil {
		t.Errorf("a checkpoint without a signer: %+v", cp)
	}
}

// fakeVerifier answers VerifyPDF with a fixed verdict, once hold (if set)
// is closed.
type fakeVerifier struct {
	res  consent.PDFVerification
	hold chan struct{}
}

func (f fakeVerifier) VerifyPDF(b []byte) *consent.PDFVerification {
	if f.hold != nil {
		<-f.hold
	}
	r := f.res
	return &r
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerifyPDF(t *testing.T) {
	w := ready(t)
	c := w.signed()
	for _, tc := range []struct {
		name   string
		res    consent.PDFVerification
		valid  bool
		reason string
		code   string
	}{
		{"ours", consent.PDFVerification{Valid: true, ConsentID: c.ID, FileSHA256: c.PDF.SHA256}, true, "", ""},
		{"another file of the consent", consent.PDFVerification{Valid: true, ConsentID: c.ID, FileSHA256: "ff"}, false,
			"not ours: the file differs from the signed PDF issued for this consent", ""},
		{"a consent we never sealed", consent.PDFVerification{Valid: true, ConsentID: "nope", FileSHA256: "ff"}, false,
			"not ours: no signed PDF of consent nope was issued by this server", ""},
		{"a broken seal", consent.PDFVerification{Valid: false, Reason: "tampered"}, false, "tampered", ""},
		{"not a sealed consent", consent.PDFVerification{Unprocessable: true, Reason: "no seal", Detail: "no signature"}, false, "",
			consent.EUNPROCESSABLE},
	} {
		res, err := w.svc.VerifyPDF(w.admin, fakeVerifier{res: tc.res}, []byte("%PDF"))
		wantCode(t, tc.name, err, tc.code, "")
		if err == nil && (res.Valid != tc.valid || res.Reason != tc.reason) {
			t.Errorf("%s: valid %v %q, want %v %q", tc.name, res.Valid, res.Reason, tc.valid, tc.reason)
		}
	}
	_, err := w.svc.VerifyPDF(w.admin, fakeVerifier{}, make([]byte, consent.MaxSealedPDFBytes+1))
	wantCode(t, "too large", err, consent.ETOOLARGE, "")
	// One slot: a verification that does not end keeps it until it ends.
	w = ready(t)
	w.svc.VerifySlots, w.svc.VerifyTimeout = 1, 10*time.Millisecond
	hold := make(chan struct{})
	_, err = w.svc.VerifyPDF(w.admin, fakeVerifier{hold: hold}, []byte("%PDF"))
	wantCode(t, "a verification that takes too long", err, consent.EUNAVAILABLE, "")
	_, err = w.svc.VerifyPDF(w.admin, fakeVerifier{}, []byte("%PDF"))
	wantCode(t, "every slot busy", err, consent.EUNAVAILABLE, "")
	close(hold)
}
