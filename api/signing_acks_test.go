package api_test

import (
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestTokenSignatureNeedsEachAcknowledgmentFirst: on the tablet (signing
// token) channel a patient signature is refused until every section that
// needs acknowledgment was acknowledged through its own call; listing them in
// the signature does not stand in for the taps, and nothing is stored.
func TestTokenSignatureNeedsEachAcknowledgmentFirst(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id, token := c["id"].(string), signingToken(t, c)
	required := apptest.Acknowledged(t, c)
	sign := "/v1/signing/" + token + "/signatures"

	wantError(t, s, 400, "acknowledged_sections", "POST", sign, "", apptest.PatientSignature(required))
	for _, key := range required[:len(required)-1] {
		want(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": key, "locale": "en"})
	}
	// One required section still untapped: listing it does not count.
	wantError(t, s, 400, "acknowledged_sections", "POST", sign, "", apptest.PatientSignature(required))
	got := wantJSON(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if n := len(got["signatures"].([]any)); n != 0 {
		t.Fatalf("%d signatures stored after refusals", n)
	}
	if n := len(got["acknowledgments"].([]any)); n != len(required)-1 {
		t.Fatalf("%d acknowledgments stored, want only the %d tapped", n, len(required)-1)
	}

	last := required[len(required)-1]
	s.Clock.Advance(2 * time.Second)
	ack := wantJSON(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": last, "locale": "en"})
	s.Clock.Advance(2 * time.Second)
	// The list is optional now; sent, it may name only acknowledged sections.
	body := apptest.PatientSignature(nil)
	delete(body, "acknowledged_sections")
	sig := wantJSON(t, s, 201, "POST", sign, "", body)
	got = wantJSON(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	acks := got["acknowledgments"].([]any)
	if len(acks) != len(required) {
		t.Fatalf("%d acknowledgments, want %d", len(acks), len(required))
	}
	for _, a := range acks {
		if a.(map[string]any)["at"] == sig["signed_at"] {
			t.Errorf("acknowledgment %v carries the signature's time", a)
		}
		if a.(map[string]any)["section"] == last && a.(map[string]any)["at"] != ack["at"] {
			t.Errorf("acknowledgment of %s at %v, tapped at %v", last, a.(map[string]any)["at"], ack["at"])
		}
	}
	if keys := got["signatures"].([]any)[0].(map[string]any)["acknowledged_sections"].([]any); len(keys) != len(required) {
		t.Errorf("signature lists %d acknowledged sections, want %d", len(keys), len(required))
	}
}

// TestTokenSignatureListMayNameOnlyTappedSections: a section named in the
// signature's list but never acknowledged through its call is refused by its
// position, even one that needs no acknowledgment.
func TestTokenSignatureListMayNameOnlyTappedSections(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	token := signingToken(t, c)
	required := apptest.Acknowledged(t, c)
	for _, key := range required {
		want(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": key, "locale": "en"})
	}
	var optional string
	for _, sec := range c["document"].(map[string]any)["sections"].([]any) {
		if m := sec.(map[string]any); m["requires_acknowledgment"] == false {
			optional = m["key"].(string)
			break
		}
	}
	if optional == "" {
		t.Fatal("the template has no section without acknowledgment")
	}
	wantError(t, s, 400, "acknowledged_sections[1]", "POST", "/v1/signing/"+token+"/signatures", "",
		apptest.PatientSignature([]string{required[0], optional}))
	want(t, s, 201, "POST", "/v1/signing/"+token+"/signatures", "", apptest.PatientSignature(required))
}

// TestAPIKeySignatureStillAcceptsTheList: the API-key channel (an EHR that
// showed the document itself) keeps recording acknowledgments from the list.
func TestAPIKeySignatureStillAcceptsTheList(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c)))
	got := wantJSON(t, s, 200, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	if n := len(got["acknowledgments"].([]any)); n != len(apptest.Acknowledged(t, c)) {
		t.Fatalf("%d acknowledgments recorded from the list", n)
	}
}

// acknowledgeAll taps "I understand" on every section of c that needs it,
// in c's locale, through the signing token (as the tablet does).
func acknowledgeAll(t *testing.T, s *apptest.Server, token string, c map[string]any, headers ...string) {
	t.Helper()
	for _, key := range apptest.Acknowledged(t, c) {
		want(t, s, 201, "POST", "/v1/signing/"+token+"/acknowledgments", "", map[string]any{"section": key, "locale": c["locale"]}, headers...)
	}
}
