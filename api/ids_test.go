package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// IDs a caller chooses use [A-Za-z0-9._-], 1–64 characters starting with a
// letter or digit, so every one can be addressed in a URL path.
func TestCallerChosenIDsUseTheDocumentedCharacterSet(t *testing.T) {
	s := apptest.New(t)
	staff := func(id string) map[string]any {
		return map[string]any{"id": id, "name": "Nurse Joy", "role": "witness", "pin": "135790"}
	}
	for _, id := range []string{"st/curl1", "st%2Fcurl1", "st curl", "stäff", "st?x", "st#x", "..", ".hidden", "-dash",
		"", strings.Repeat("a", 65), "st\\x", "st:x"} {
		wantError(t, s, 400, "id", "POST", "/v1/staff", s.AdminKey, staff(id))
	}
	for _, id := range []string{"nurse.joy_1-B", "7", strings.Repeat("a", 64)} {
		want(t, s, 201, "POST", "/v1/staff", s.AdminKey, staff(id))
		want(t, s, 200, "DELETE", "/v1/staff/"+id, s.AdminKey, nil)
	}
	for _, slug := range []string{"a/b", "A-b", "a.b", "-a"} {
		wantError(t, s, 400, "slug", "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": slug, "title": "X"})
	}
	v := wantJSON(t, s, 200, "GET", "/v1/templates/ketamine-iv/versions/1", s.AdminKey, nil)
	for _, k := range []string{"slug", "version", "status", "content_sha256", "published_at", "approved_by", "approval", "created_at", "retired_at"} {
		delete(v, k)
	}
	v["variables"].([]any)[0].(map[string]any)["name"] = "a/b"
	wantError(t, s, 400, "variables[0].name", "POST", "/v1/templates/ketamine-iv/versions", s.AdminKey, v)
}

// A staff member stored with an odd ID before the check existed can still be
// deactivated through its escaped path, and then no longer countersigns.
func TestExistingOddStaffIDIsReachableThroughEscapedPath(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	hash, err := s.Service.PINs.Hash("135790")
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB.Update(ctx, func(tx consent.Tx) error {
		return tx.Access().CreateStaff(ctx, &consent.Staff{ID: "st/curl1", Name: "Dr. Old Row", Role: consent.RoleClinician, PINHash: hash, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	countersign := func() (int, []byte) {
		c := s.CreateConsent(t, "en")
		id := c["id"].(string)
		want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c)))
		return s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, map[string]any{"role": "clinician",
			"staff": map[string]any{"id": "st/curl1", "pin": "135790"}, "identity_verified": true,
			"signature": map[string]any{"type": "typed", "text": "Dr. Old Row"}})
	}
	if st, b := countersign(); st != 201 {
		t.Fatalf("odd-ID clinician before deactivation: %d %s", st, b)
	}
	got := wantJSON(t, s, 200, "DELETE", "/v1/staff/st%2Fcurl1", s.AdminKey, nil)
	if got["id"] != "st/curl1" || got["deactivated_at"] == nil {
		t.Fatalf("deactivated %v", got)
	}
	if st, b := countersign(); st == 201 {
		t.Fatalf("deactivated odd-ID clinician still countersigns: %s", b)
	}
	// Other escaped paths keep working: an escaped letter is the letter.
	want(t, s, 200, "GET", "/v1/templates/ketamine%2Div", s.AdminKey, nil)
}
