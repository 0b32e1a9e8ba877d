package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestCreateDownloadLink(t *testing.T) {
	w := ready(t)
	c := w.signed()
	for _, tc := range []struct {
		name string
		id   string
		ttl  time.Duration
		code string
	}{
		{"default TTL", c.ID, 0, ""},
		{"a day", c.ID, 24 * time.Hour, ""},
		{"too long", c.ID, 31 * 24 * time.Hour, consent.EINVALID},
		{"too short", c.ID, time.Millisecond, consent.EINVALID},
		{"unsigned consent", w.create().Consent.ID, time.Hour, consent.ECONFLICT},
		{"unknown consent", "nope", time.Hour, consent.ENOTFOUND},
	} {
		l, err := w.svc.CreateDownloadLink(w.admin, tc.id, tc.ttl, false)
		wantCode(t, tc.name, err, tc.code, "")
		if err == nil {
			ttl := tc.ttl
			if ttl == 0 {
				ttl = consent.DefaultLinkTTL
			}
			if !l.Link.ExpiresAt.Equal(w.clock.Now().Add(ttl)) || l.Link.TokenHash != consent.HashSecret(l.Token) {
				t.Errorf("%s: link expires %v, token hash %s", tc.name, l.Link.ExpiresAt, l.Link.TokenHash)
			}
		}
	}
}

// TestDownloadGate walks a birth-date link through right and wrong dates:
// each wrong date is audited and counted per link, the 5th locks the link
// for good (audited, webhook), and a lock is checked before any date.
func TestDownloadGate(t *testing.T) {
	w := ready(t)
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook", []string{consent.EventDownloadLinkLocked}))
	c := w.signed()
	l := must[*consent.CreatedDownloadLink](t)(w.svc.CreateDownloadLink(w.admin, c.ID, time.Hour, true))
	patient := consent.WithRequest(context.Background(), consent.Request{Actor: "link", Channel: "patient-link", IP: "198.51.100.7"})
	steps := []struct {
		date  string
		code  string
		field string
	}{
		{"1980-04-02", "", ""},
		{"1980-04-03", consent.EFORBIDDEN, "birth_date"},
		{"", consent.EFORBIDDEN, "birth_date"},
		{"1980-04-02", "", ""}, // a right date gives its count back
		{"1979-01-01", consent.EFORBIDDEN, "birth_date"},
		{"1979-01-02", consent.EFORBIDDEN, "birth_date"},
		{"1979-01-03", consent.EGONE, "locked_at"}, // the 5th wrong date locks it
		{"1980-04-02", consent.EGONE, "locked_at"}, // locked for good
	}
	for i, s := range steps {
		p, err := w.svc.DownloadWithLink(patient, l.Token, s.date)
		wantCode(t, "date "+s.date+" (step "+string(rune('1'+i))+")", err, s.code, s.field)
		if err == nil && p.Info.SHA256 != c.PDF.SHA256 {
			t.Errorf("step %d served %s, want the signed PDF", i, p.Info.SHA256)
		}
	}
	var wrong []any
	var locked, downloads int
	for _, e := range w.events(c.ID) {
		switch {
		case e.Type == consent.EventAuthFailed:
			wrong = append(wrong, e.Details["failures"])
		case e.Type == consent.EventDownloadLinkLocked:
			locked++
		case e.Type == consent.EventPDFDownloaded && e.Actor == "link:"+l.Link.ID:
			downloads++
		}
	}
	if d := cmp.Diff([]any{float64(1), float64(2), float64(3), float64(4), float64(5)}, wrong); d != "" || locked != 1 || downloads != 2 {
		t.Errorf("wrong dates audited with failures (-want +got):\n%s; %d locks, %d downloads", d, locked, downloads)
	}
	if d := cmp.Diff([]string{consent.EventDownloadLinkLocked}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	_, err := w.svc.DownloadLinkStatus(patient, l.Token)
	wantCode(t, "status of a locked link", err, consent.EGONE, "locked_at")
	w.intact()
}

func TestDownloadLinkStates(t *testing.T) {
	w := ready(t)
	c := w.signed()
	newLink := func(require bool) *consent.CreatedDownloadLink {
		return must[*consent.CreatedDownloadLink](t)(w.svc.CreateDownloadLink(w.admin, c.ID, time.Hour, require))
	}
	open, revoked, expiring := newLink(false), newLink(false), newLink(false)
	must[*consent.DownloadLink](t)(w.svc.RevokeDownloadLink(w.admin, c.ID, revoked.Link.ID))
	again := must[*consent.DownloadLink](t)(w.svc.RevokeDownloadLink(w.admin, c.ID, revoked.Link.ID))
	if !again.RevokedAt.Equal(w.clock.Now()) {
		t.Errorf("revoking twice: %v", again.RevokedAt)
	}
	_, err := w.svc.RevokeDownloadLink(w.admin, "other", revoked.Link.ID)
	wantCode(t, "revoke a link of another consent", err, consent.ENOTFOUND, "")
	for _, tc := range []struct {
		name, token, code, field string
	}{
		{"open", open.Token, "", ""},
		{"revoked", revoked.Token, consent.EGONE, "revoked_at"},
		{"unknown", "nope", consent.ENOTFOUND, ""},
	} {
		_, err := w.svc.DownloadWithLink(w.admin, tc.token, "")
		wantCode(t, tc.name, err, tc.code, tc.field)
	}
	w.clock.Add(time.Hour)
	_, err = w.svc.DownloadWithLink(w.admin, expiring.Token, "")
	wantCode(t, "expired", err, consent.EGONE, "expires_at")

	// A withdrawn consent stays the patient's to download: its withdrawal copy.
	c2 := w.signed()
	l := must[*consent.CreatedDownloadLink](t)(w.svc.CreateDownloadLink(w.admin, c2.ID, time.Hour, false))
	out := must[*consent.Consent](t)(w.svc.Transition(w.admin, c2.ID, consent.StatusWithdrawn, "changed mind"))
	p := must[*consent.SealedPDF](t)(w.svc.DownloadWithLink(w.admin, l.Token, ""))
	if p.Kind != consent.PDFKindWithdrawn || p.Info.SHA256 != out.WithdrawalPDF.SHA256 {
		t.Errorf("link to a withdrawn consent served %s %s", p.Kind, p.Info.SHA256)
	}
	// A voided one is not.
	c3 := w.signed()
	l3 := must[*consent.CreatedDownloadLink](t)(w.svc.CreateDownloadLink(w.admin, c3.ID, time.Hour, false))
	must[*consent.Consent](t)(w.svc.Transition(w.admin, c3.ID, consent.StatusVoided, "entered in error"))
	_, err = w.svc.DownloadWithLink(w.admin, l3.Token, "")
	wantCode(t, "voided", err, consent.EGONE, "status")
	w.intact()
}

// TestWithdrawalCopyForAnOlderWithdrawal: a consent withdrawn before
// withdrawal copies existed gets one on first request, once, from its record
// and audit trail up to the withdrawal.
func TestWithdrawalCopyForAnOlderWithdrawal(t *testing.T) {
	w := ready(t)
	c := w.signed()
	at := w.clock.Now().Add(time.Hour)
	// As an earlier release withdrew it: the transition and its event, no copy.
	err := w.store.Update(context.Background(), func(tx consent.Tx) error {
		if err := tx.Consents().TransitionConsent(w.admin, c.ID, consent.StatusSigned, consent.StatusWithdrawn, at, "old"); err != nil {
			return err
		}
		after := *c
		after.Status, after.StatusChangedAt, after.StatusReason = consent.StatusWithdrawn, &at, "old"
		return tx.Audit().AppendAudit(w.admin, &consent.AuditEvent{Type: consent.EventConsentWithdrawn, At: at, ConsentID: c.ID,
			Rows: []consent.Row{&after}, RowsBefore: []consent.Row{c}})
	})
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Add(2 * time.Hour)
	must[*consent.Consent](t)(w.svc.GetConsent(w.admin, c.ID)) // an event after the withdrawal
	first := must[*consent.SealedPDF](t)(w.svc.GetWithdrawalPDF(w.admin, c.ID))
	second := must[*consent.SealedPDF](t)(w.svc.GetWithdrawalPDF(w.admin, c.ID))
	calls := w.sealer.Sealed()
	last := calls[len(calls)-1]
	if first.Info.SHA256 != second.Info.SHA256 || len(calls) != 2 || last.Kind != consent.PDFKindWithdrawn {
		t.Fatalf("copies %s, %s after %d seals", first.Info.SHA256, second.Info.SHA256, len(calls))
	}
	if e := last.Events[len(last.Events)-1]; e.Type != consent.EventConsentWithdrawn {
		t.Errorf("the copy's evidence ends with %s, want the withdrawal (events after it are left out)", e.Type)
	}
	n := 0
	for _, e := range w.events(c.ID) {
		if e.Type == consent.EventWithdrawalPDFSealed {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d consent.withdrawal_pdf_sealed events, want 1", n)
	}
	w.intact()
}
