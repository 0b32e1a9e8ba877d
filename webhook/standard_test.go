package webhook

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSignStandardMatchesSpecVector checks the signature against the
// published test vector of the Standard Webhooks libraries.
func TestSignStandardMatchesSpecVector(t *testing.T) {
	got, err := SignStandard([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestStandardKey(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xbf, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
		0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0xff}
	for name, secret := range map[string]string{
		"standard":       "whsec_" + base64.StdEncoding.EncodeToString(raw),
		"legacy url":     "whsec_" + base64.RawURLEncoding.EncodeToString(raw),
		"standard unpad": "whsec_" + base64.RawStdEncoding.EncodeToString(raw),
	} {
		key, err := StandardKey(secret)
		if err != nil || string(key) != string(raw) {
			t.Errorf("%s: StandardKey(%q) = %x, %v", name, secret, key, err)
		}
		std, err := StandardSecret(secret)
		if want := "whsec_" + base64.StdEncoding.EncodeToString(raw); err != nil || std != want {
			t.Errorf("%s: StandardSecret = %q, %v; want %q", name, std, err, want)
		}
	}
	for _, bad := range []string{"", "whsec_", "sk_" + base64.StdEncoding.EncodeToString(raw), "whsec_!!!!", "whsec_" + base64.StdEncoding.EncodeToString(raw[:16])} {
		if _, err := StandardKey(bad); err == nil {
			t.Errorf("StandardKey(%q) accepted", bad)
		}
	}
}

func TestVerifyStandard(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("o", 32)))
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"E1"}`)
	sig, err := SignStandard([]string{other, secret}, "E1", now.Unix(), body)
	if err != nil {
		t.Fatal(err)
	}
	h := func(id, ts, sig string) http.Header {
		out := http.Header{}
		out.Set(IDHeader, id)
		out.Set(TimestampHeader, ts)
		out.Set(StandardSignatureHeader, sig)
		return out
	}
	good := h("E1", strconv.FormatInt(now.Unix(), 10), sig)
	for _, s := range []string{secret, other} {
		if err := VerifyStandard(s, good, body, now.Add(time.Minute), 5*time.Minute); err != nil {
			t.Errorf("either of two signatures: %v", err)
		}
	}
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
		at   time.Time
	}{
		"other ID":     {h("E2", strconv.FormatInt(now.Unix(), 10), sig), body, now},
		"other body":   {good, []byte(`{"id":"E2"}`), now},
		"too old":      {good, body, now.Add(6 * time.Minute)},
		"no signature": {h("E1", strconv.FormatInt(now.Unix(), 10), ""), body, now},
		"bad time":     {h("E1", "soon", sig), body, now},
	} {
		if err := VerifyStandard(secret, c.h, c.body, c.at, 5*time.Minute); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
