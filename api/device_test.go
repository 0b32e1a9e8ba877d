package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
)

// enrol creates a device through the admin API, enrols it as a tablet would
// (POST the token from the enrolment URL) and returns the device and the
// Cookie header the tablet then sends.
func enrol(t *testing.T, s *apptest.Server, name string) (device map[string]any, cookie string) {
	t.Helper()
	d := wantJSON(t, s, 201, "POST", "/v1/devices", s.AdminKey, map[string]any{"name": name})
	tok, _ := d["token"].(string)
	if u, _ := d["enrol_url"].(string); !strings.HasPrefix(tok, "cdt_") || u != s.API.PublicURL+"/enrol#"+tok {
		t.Fatalf("created device: %v", d)
	}
	resp, b := fetch(t, s, "POST", "/v1/signing/device", "", "application/json", strings.NewReader(`{"token":"`+tok+`"}`))
	if resp.StatusCode != 200 || apptest.JSON(t, b)["id"] != d["id"] {
		t.Fatalf("enrol: %d %s", resp.StatusCode, b)
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "consentd_device" {
			c = k
		}
	}
	if c == nil || c.Value != tok || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode ||
		c.Path != "/v1/signing" || c.MaxAge < 300*24*3600 {
		t.Fatalf("device cookie %+v", c)
	}
	return d, "consentd_device=" + c.Value
}

// guessLetters are 20 letters of the signing-code alphabet, for distinct wrong codes.
const guessLetters = "ABCDEFGHJKMNPQRSTUVW"

func TestDeviceEnrolment(t *testing.T) {
	s := apptest.New(t)
	d, cookie := enrol(t, s, "Front desk 1")
	list := wantJSON(t, s, 200, "GET", "/v1/devices", s.AdminKey, nil)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "Front desk 1" || list[0].(map[string]any)["token"] != nil {
		t.Fatalf("device list %v", list)
	}
	got := wantJSON(t, s, 200, "GET", "/v1/signing/device", "", nil, "Cookie", cookie)
	if got["enrolled"] != true || got["id"] != d["id"] || got["name"] != "Front desk 1" {
		t.Fatalf("enrolled tablet sees %v", got)
	}
	if got := wantJSON(t, s, 200, "GET", "/v1/signing/device", "", nil); got["enrolled"] != false {
		t.Fatalf("a tablet without the cookie sees %v", got)
	}
	wantError(t, s, 401, "", "POST", "/v1/signing/device", "", map[string]any{"token": "cdt_nope"})
	wantError(t, s, 400, "name", "POST", "/v1/devices", s.AdminKey, map[string]any{"name": ""})
	wantError(t, s, 403, "", "GET", "/v1/devices", s.Key(t, "consents:write"), nil)

	revoked := wantJSON(t, s, 200, "DELETE", "/v1/devices/"+d["id"].(string), s.AdminKey, nil)
	if revoked["revoked_at"] == nil {
		t.Fatalf("revoke: %v", revoked)
	}
	req, _ := http.NewRequest("GET", s.URL+"/v1/signing/device", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cleared := false
	for _, k := range resp.Cookies() {
		cleared = cleared || (k.Name == "consentd_device" && k.MaxAge < 0)
	}
	if !cleared {
		t.Fatalf("a revoked device's cookie is not cleared: %v", resp.Header["Set-Cookie"])
	}
	wantError(t, s, 401, "", "POST", "/v1/signing/device", "", map[string]any{"token": strings.TrimPrefix(cookie, "consentd_device=")})
	types := map[string]int{}
	for _, e := range wantJSON(t, s, 200, "GET", "/v1/audit?limit=200", s.AdminKey, nil)["data"].([]any) {
		types[e.(map[string]any)["type"].(string)]++
	}
	if types["device.created"] != 1 || types["device.enrolled"] != 1 || types["device.revoked"] != 1 {
		t.Fatalf("audit %v", types)
	}
}

// TestEnrolledTabletIsNotBlockedByOthers: behind one clinic router every
// tablet has the same IP. Unenrolled clients that mistype codes are limited
// per IP; an enrolled tablet is counted on its own, and its signatures name it.
func TestEnrolledTabletIsNotBlockedByOthers(t *testing.T) {
	// The counts per window in the database are under test: the token bucket
	// in front of them (10 at once per device or IP) would answer 429 first.
	s := apptest.New(t, func(c *app.Config) { c.CodeLimit.Burst = 100 })
	apptest.FreshWindows(s)
	d, cookie := enrol(t, s, "Front desk 1")
	for i := range 20 {
		wantError(t, s, 404, "", "POST", "/v1/signing/codes/ZZZZ-ZZZ"+guessLetters[i:i+1], "", nil)
	}
	c := s.CreateConsent(t, "en")
	code := c["signing"].(map[string]any)["code"].(string)
	wantError(t, s, 429, "", "POST", "/v1/signing/codes/"+code, "", nil)
	wantError(t, s, 429, "", "GET", "/v1/signing/"+signingToken(t, c), "", nil)
	x := wantJSON(t, s, 200, "POST", "/v1/signing/codes/"+code, "", nil, "Cookie", cookie)
	tok := x["token"].(string)
	want(t, s, 200, "GET", "/v1/signing/"+tok, "", nil, "Cookie", cookie)
	acknowledgeAll(t, s, tok, c, "Cookie", cookie)
	want(t, s, 201, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.PatientSignature(apptest.Acknowledged(t, c)),
		"Cookie", cookie, "X-Device-ID", "tablet-claims-this")
	sig := getConsent(t, s, c["id"].(string))["signatures"].([]any)[0].(map[string]any)
	if ev := sig["evidence"].(map[string]any); ev["device_id"] != "enrolled:"+d["id"].(string) || ev["channel"] != "tablet" {
		t.Fatalf("evidence of an enrolled tablet: %v", ev)
	}

	// Wrong codes from the enrolled tablet lock only that tablet.
	for i := range 20 {
		wantError(t, s, 404, "", "POST", "/v1/signing/codes/ZZZZ-ZZY"+guessLetters[i:i+1], "", nil, "Cookie", cookie)
	}
	wantError(t, s, 429, "", "POST", "/v1/signing/codes/ZZZZ-ZZZZ", "", nil, "Cookie", cookie)
	_, other := enrol(t, s, "Front desk 2")
	wantError(t, s, 404, "", "POST", "/v1/signing/codes/ZZZZ-ZZZZ", "", nil, "Cookie", other)
}

// TestDeclaredDeviceCannotPoseAsEnrolled: the X-Device-ID header is the
// client's own claim and never reads like an enrolled device.
func TestDeclaredDeviceCannotPoseAsEnrolled(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	acknowledgeAll(t, s, signingToken(t, c), c)
	want(t, s, 201, "POST", "/v1/signing/"+signingToken(t, c)+"/signatures", "", apptest.PatientSignature(apptest.Acknowledged(t, c)),
		"X-Device-ID", "enrolled:01JXXXXXXXXXXXXXXXXXXXXXXX")
	sig := getConsent(t, s, c["id"].(string))["signatures"].([]any)[0].(map[string]any)
	if dev := sig["evidence"].(map[string]any)["device_id"]; dev != "declared:enrolled:01JXXXXXXXXXXXXXXXXXXXXXXX" {
		t.Fatalf("declared device recorded as %v", dev)
	}
}

// TestEnrolledDevicePINLimits: PIN failures on an enrolled tablet are counted
// per device across its signing sessions; another tablet is unaffected, and
// past the per-staff ceiling enrolled tablets still let the clinician sign.
func TestEnrolledDevicePINLimits(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	_, a := enrol(t, s, "Tablet A")
	_, b := enrol(t, s, "Tablet B")
	for range 5 {
		_, tok := awaitingClinician(t, s)
		wantError(t, s, 400, "staff.pin", "POST", "/v1/signing/"+tok+"/signatures", "", wrongPIN(), "Cookie", a)
	}
	_, tok := awaitingClinician(t, s)
	wantError(t, s, 429, "staff.pin", "POST", "/v1/signing/"+tok+"/signatures", "", apptest.ClinicianSignature(), "Cookie", a)
	want(t, s, 201, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.ClinicianSignature(), "Cookie", b)

	// Reach the ceiling from unenrolled sessions (20 more wrong PINs).
	for range 4 {
		_, tok := awaitingClinician(t, s)
		for range 5 {
			wantError(t, s, 400, "staff.pin", "POST", "/v1/signing/"+tok+"/signatures", "", wrongPIN())
		}
	}
	_, tok = awaitingClinician(t, s)
	wantError(t, s, 429, "staff.pin", "POST", "/v1/signing/"+tok+"/signatures", "", apptest.ClinicianSignature())
	want(t, s, 201, "POST", "/v1/signing/"+tok+"/signatures", "", apptest.ClinicianSignature(), "Cookie", b)
}

// TestSigningGuessesCountedAcrossProcesses: two servers on one database
// share the count of wrong signing codes from one client.
func TestSigningGuessesCountedAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	one := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	two := apptest.New(t, func(c *app.Config) { c.DataDir = dir })
	apptest.FreshWindows(one, two)
	for i := range 20 {
		s := []*apptest.Server{one, two}[i%2]
		wantError(t, s, 404, "", "POST", "/v1/signing/codes/ZZZZ-ZZ"+guessLetters[i:i+1]+"X", "", nil)
	}
	wantError(t, one, 429, "", "POST", "/v1/signing/codes/ZZZZ-ZZZZ", "", nil)
	wantError(t, two, 429, "", "POST", "/v1/signing/codes/ZZZZ-ZZZZ", "", nil)
}
