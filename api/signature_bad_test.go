package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2+(x%7)-3, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugeHeaderPNG is a tiny file whose IHDR claims 60000x60000 pixels.
func hugeHeaderPNG(t *testing.T) []byte {
	b := pngBytes(t, 40, 20)
	binary.BigEndian.PutUint32(b[16:], 60000)
	binary.BigEndian.PutUint32(b[20:], 60000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func mark(kind string, extra map[string]any) map[string]any {
	m := map[string]any{"type": kind}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestSignatureBadInputStoresNothing(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	acks := apptest.Acknowledged(t, c)
	other := s.CreateConsent(t, "en")
	otherToken := strings.TrimPrefix(other["signing"].(map[string]any)["url"].(string), "/sign/")
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 100, 50)), nil)
	line := []any{}
	for i := 0; i < 20; i++ {
		line = append(line, map[string]any{"x": 10 + i*20, "y": 100, "t": i * 10})
	}
	dot := []any{}
	for i := 0; i < 20; i++ {
		dot = append(dot, map[string]any{"x": 100 + i%2, "y": 100, "t": i * 10})
	}
	patient := func(edit func(m map[string]any)) map[string]any {
		m := apptest.PatientSignature(acks)
		edit(m)
		return m
	}
	withMark := func(mk map[string]any) map[string]any {
		return patient(func(m map[string]any) { m["signature"] = mk })
	}
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"missing acknowledgment", patient(func(m map[string]any) { m["acknowledged_sections"] = acks[1:] }), 400, "acknowledged_sections"},
		{"unknown section key", patient(func(m map[string]any) { m["acknowledged_sections"] = append(acks, "nope") }), 400, "acknowledged_sections[" + itoa(len(acks)) + "]"},
		{"no e-records consent", patient(func(m map[string]any) { m["electronic_records_consent"] = false }), 400, "electronic_records_consent"},
		{"wrong role", patient(func(m map[string]any) { m["role"] = "nurse" }), 400, "role"},
		{"representative without relationship", patient(func(m map[string]any) { m["role"] = "representative" }), 400, "relationship"},
		{"patient with staff", patient(func(m map[string]any) { m["staff"] = map[string]any{"id": "C-7", "pin": "246810"} }), 400, "staff"},
		{"clinician before patient", apptest.ClinicianSignature(), 409, "role"},
		{"no signature", patient(func(m map[string]any) { delete(m, "signature") }), 400, "signature"},
		{"unknown signature type", withMark(mark("stamp", nil)), 400, "signature.type"},
		{"garbage strokes", patient(func(m map[string]any) {
			m["signature"] = mark("drawn", map[string]any{"width": 600, "height": 200, "strokes": "zigzag"})
		}), 400, "signature.strokes"},
		{"points outside canvas", withMark(mark("drawn", map[string]any{"width": 60, "height": 60, "strokes": apptest.Strokes()})), 400, ""},
		{"a dot", withMark(mark("drawn", map[string]any{"width": 600, "height": 200, "strokes": []any{dot}})), 400, "signature.strokes"},
		{"a straight line", withMark(mark("drawn", map[string]any{"width": 600, "height": 200, "strokes": []any{line}})), 400, "signature.strokes"},
		{"too few points", withMark(mark("drawn", map[string]any{"width": 600, "height": 200, "strokes": []any{line[:3]}})), 400, "signature.strokes"},
		{"jpeg renamed png", withMark(mark("image", map[string]any{"png_base64": base64.StdEncoding.EncodeToString(jpg.Bytes())})), 400, "signature.png_base64"},
		{"png header claims 60000x60000", withMark(mark("image", map[string]any{"png_base64": base64.StdEncoding.EncodeToString(hugeHeaderPNG(t))})), 400, "signature.png_base64"},
		{"not base64", withMark(mark("image", map[string]any{"png_base64": "!!!"})), 400, "signature.png_base64"},
		{"typed name differs", withMark(mark("typed", map[string]any{"text": "Someone Else"})), 400, "signature.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, b)
			}
			if _, field, _ := errorOf(t, b); tt.field != "" && field != tt.field {
				t.Fatalf("field %q, want %q (%s)", field, tt.field, b)
			}
		})
	}
	t.Run("20 MB image", func(t *testing.T) {
		big := base64.StdEncoding.EncodeToString(make([]byte, 20<<20))
		st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, withMark(mark("image", map[string]any{"png_base64": big})))
		if st != 413 {
			t.Fatalf("status %d: %.200s", st, b)
		}
	})
	t.Run("token for another consent", func(t *testing.T) {
		// The other consent's token signs the other consent only: this one stays untouched.
		st, _ := s.Do(t, "GET", "/v1/signing/"+otherToken, "", nil)
		if st != 200 {
			t.Fatalf("open other: %d", st)
		}
		st, _ = s.Do(t, "POST", "/v1/consents/"+id+"/signatures", otherToken, apptest.PatientSignature(acks))
		if st != 401 {
			t.Fatalf("signing token used as API key: %d", st)
		}
	})
	_, b := s.Do(t, "GET", "/v1/consents/"+id, s.AdminKey, nil)
	got := apptest.JSON(t, b)
	if n := len(got["signatures"].([]any)); n != 0 || got["status"] != "pending" {
		t.Fatalf("bad requests stored %d signatures (status %v)", n, got["status"])
	}
	if n := len(got["acknowledgments"].([]any)); n != 0 {
		t.Fatalf("bad requests stored %d acknowledgments", n)
	}
	_, b = s.Do(t, "GET", "/v1/consents/"+id+"/audit", s.AdminKey, nil)
	for _, e := range apptest.JSON(t, b)["data"].([]any) {
		if typ := e.(map[string]any)["type"]; typ != "consent.created" && typ != "consent.viewed" {
			t.Fatalf("bad request left audit event %v", typ)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestStaffPINWrongIsAuditedAndRateLimited(t *testing.T) {
	s := apptest.New(t)
	apptest.FreshWindows(s)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c))); st != 201 {
		t.Fatalf("patient: %d %s", st, b)
	}
	wrong := apptest.ClinicianSignature()
	wrong["staff"] = map[string]any{"id": apptest.StaffID, "pin": "000000"}
	for i := 0; i < 5; i++ {
		st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, wrong)
		if _, field, _ := errorOf(t, b); st != 400 || field != "staff.pin" {
			t.Fatalf("wrong pin %d: %d %s", i, st, b)
		}
	}
	st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	if st != 429 {
		t.Fatalf("after 5 wrong PINs the right one got %d %s, want 429", st, b)
	}
	_, b = s.Do(t, "GET", "/v1/audit?type=staff.auth_failed", s.AdminKey, nil)
	if n := len(apptest.JSON(t, b)["data"].([]any)); n != 5 {
		t.Fatalf("%d staff.auth_failed events, want 5", n)
	}
	if bytes.Contains(b, []byte("000000")) {
		t.Fatal("a PIN reached the audit log")
	}
	s.Clock.Advance(16 * time.Minute)
	no := apptest.ClinicianSignature()
	no["identity_verified"] = false
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, no); st != 400 {
		t.Fatalf("identity not verified: %d %s", st, b)
	}
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature()); st != 201 {
		t.Fatalf("right PIN after the window: %d %s", st, b)
	}
}

func TestRepresentativeFillsPatientPlace(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	rep := apptest.PatientSignature(apptest.Acknowledged(t, c))
	rep["role"], rep["name"], rep["relationship"] = "representative", "Hans Müller", "spouse, health care proxy"
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, rep); st != 201 {
		t.Fatalf("representative: %d %s", st, b)
	}
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.PatientSignature(apptest.Acknowledged(t, c))); st != 409 {
		t.Fatalf("patient after representative: %d %s", st, b)
	}
	st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	if st != 201 || apptest.JSON(t, b)["consent_status"] != "signed" {
		t.Fatalf("clinician: %d %s", st, b)
	}
	if st, b := s.Do(t, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature()); st != 409 {
		t.Fatalf("signing a signed consent: %d %s", st, b)
	}
}

func TestIdempotencyKey(t *testing.T) {
	s := apptest.New(t)
	body := apptest.ConsentRequest("en")
	st1, b1 := s.Do(t, "POST", "/v1/consents", s.AdminKey, body, "Idempotency-Key", "k-1")
	st2, b2 := s.Do(t, "POST", "/v1/consents", s.AdminKey, body, "Idempotency-Key", "k-1")
	if st1 != 201 || st2 != 201 || apptest.JSON(t, b1)["id"] != apptest.JSON(t, b2)["id"] {
		t.Fatalf("replay: %d %d\n%s\n%s", st1, st2, b1, b2)
	}
	body["locale"] = "es"
	if st, b := s.Do(t, "POST", "/v1/consents", s.AdminKey, body, "Idempotency-Key", "k-1"); st != 409 {
		t.Fatalf("same key, other body: %d %s", st, b)
	}
	if st, _ := s.Do(t, "POST", "/v1/consents", s.AdminKey, body, "Idempotency-Key", strings.Repeat("k", 256)); st != 400 {
		t.Fatalf("overlong key: %d", st)
	}
	if n := countConsents(t, s); n != 1 {
		t.Fatalf("%d consents, want 1", n)
	}
}
