package consent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// TestRemoteSigningLink walks a remote link through the domain on the
// in-memory store: the code is stored as a MAC, wrong answers lock the link
// like a download link's, the session signs the patient side only (channel
// remote), uses the link up in the signature's transaction, tells the EHR,
// and every row stays vouched for.
func TestRemoteSigningLink(t *testing.T) {
	w := ready(t)
	must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://203.0.113.10/hook",
		[]string{consent.EventPatientSigned, consent.EventRemoteLinkLocked, consent.EventConsentSigned}))
	c := w.create().Consent
	l := must[*consent.CreatedRemoteLink](t)(w.svc.CreateRemoteLink(w.admin, c.ID, 0, true))
	if len(l.Code) != 6 || strings.Trim(l.Code, "0123456789") != "" || l.Link.CodeHash == "" || strings.Contains(l.Link.CodeHash, l.Code) ||
		l.Link.TokenHash != consent.HashSecret(l.Token) || !l.Link.ExpiresAt.Equal(c.ExpiresAt) || l.Link.Purpose != consent.LinkPurposeRemote {
		t.Fatalf("created link %+v code %q", l.Link, l.Code)
	}
	phone := consent.WithRequest(context.Background(), consent.Request{Actor: "link", Channel: consent.ChannelRemote, IP: "198.51.100.7"})
	_, err := w.svc.OpenRemoteLink(phone, l.Token, "1980-04-02", wrongCode(l.Code))
	wantCode(t, "wrong code", err, consent.EFORBIDDEN, "birth_date")
	_, err = w.svc.DownloadLinkStatus(phone, l.Token)
	wantCode(t, "a remote link at the download gate", err, consent.ENOTFOUND, "")
	tok := must[string](t)(w.svc.OpenRemoteLink(phone, l.Token, "1980-04-02", l.Code))

	clin := staffSig(consent.RoleClinician, "dr")
	_, err = w.svc.SignWithToken(phone, tok, clin)
	wantCode(t, "a clinician on the phone", err, consent.EFORBIDDEN, "role")
	for _, sec := range []string{"overview", "risks"} {
		must[*consent.Acknowledgment](t)(w.svc.Acknowledge(phone, tok, sec, "en"))
	}
	in := patientSig()
	in.AcknowledgedSections = nil
	res := must[*consent.SignResult](t)(w.svc.SignWithToken(phone, tok, in))
	if res.Signature.Evidence.Channel != consent.ChannelRemote || res.Consent.Status != consent.StatusPending {
		t.Fatalf("patient signature %+v, consent %s", res.Signature.Evidence, res.Consent.Status)
	}
	_, err = w.svc.RemoteLinkStatus(phone, l.Token)
	wantCode(t, "status after use", err, consent.EGONE, "used_at")
	_, err = w.svc.SignWithToken(phone, tok, in)
	wantCode(t, "signing again", err, consent.EGONE, "used_at")
	w.clock.Add(time.Hour)
	must[*consent.SignResult](t)(w.svc.Sign(w.admin, c.ID, clin))

	if d := cmp.Diff([]string{consent.EventPatientSigned, consent.EventConsentSigned}, w.outbox()); d != "" {
		t.Errorf("webhooks (-want +got):\n%s", d)
	}
	var used int
	for _, e := range w.events(c.ID) {
		if e.Type == consent.EventRemoteLinkUsed && e.Details["link_id"] == l.Link.ID && e.Details["signature_id"] == res.Signature.ID {
			used++
		}
	}
	if used != 1 {
		t.Errorf("%d remote_link.used events, want 1", used)
	}
	w.intact()

	// Five wrong answers lock another link for good.
	c2 := w.create().Consent
	l2 := must[*consent.CreatedRemoteLink](t)(w.svc.CreateRemoteLink(w.admin, c2.ID, time.Hour, false))
	for i := range 5 {
		_, err := w.svc.OpenRemoteLink(phone, l2.Token, "1970-01-0"+string(rune('1'+i)), "")
		want, field := consent.EFORBIDDEN, "birth_date"
		if i == 4 {
			want, field = consent.EGONE, "locked_at"
		}
		wantCode(t, "wrong date", err, want, field)
	}
	_, err = w.svc.OpenRemoteLink(phone, l2.Token, "1980-04-02", "")
	wantCode(t, "right date on a locked link", err, consent.EGONE, "locked_at")
	w.intact()
}

// wrongCode returns a code of the same length that differs from code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
