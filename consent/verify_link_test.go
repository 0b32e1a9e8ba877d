package consent

import (
	"strings"
	"testing"
)

func TestVerifyLinkIsACapability(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	l := NewVerifyLinks("https://consent.example.org/", key)
	const id = "01JDQ7Z4X8K2M5N9P3R6T1V0WY"
	u := l.URL(id)
	prefix := "https://consent.example.org" + VerifyLinkPath
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("URL %q does not start with %q", u, prefix)
	}
	token := strings.TrimPrefix(u, prefix)
	// Short enough to type from paper: the ID, a dash and the MAC.
	if want := len(id) + 1 + verifyMACChars; len(token) != want {
		t.Errorf("token %q has %d characters, want %d", token, len(token), want)
	}
	if got, ok := l.Check(token); !ok || got != id {
		t.Fatalf("Check(%q) = %q, %v; want %q, true", token, got, ok, id)
	}
	// Typed in lower case, with the letters people confuse with digits.
	typed := strings.ToLower(token)
	typed = strings.NewReplacer("0", "o", "1", "l").Replace(typed[len(id):])
	if got, ok := l.Check(strings.ToLower(id) + typed); !ok || got != id {
		t.Errorf("typed token %q: got %q, %v", strings.ToLower(id)+typed, got, ok)
	}
	mac := token[len(id)+1:]
	wrong := []byte(mac)
	wrong[0] = map[bool]byte{true: 'B', false: 'A'}[wrong[0] == 'A']
	for _, bad := range []string{
		id,                                  // the consent ID alone
		id + "-",                            // an empty MAC
		id + "-" + string(wrong),            // one character off
		"01JDQ7Z4X8K2M5N9P3R6T1V0WZ-" + mac, // another consent's ID with this MAC
		id + "-" + mac + "0",                // too long
		"", "-", "-" + mac,
	} {
		if got, ok := l.Check(bad); ok {
			t.Errorf("Check(%q) accepted (consent %q)", bad, got)
		}
	}
	other := NewVerifyLinks("https://consent.example.org", []byte("another key, another server......"))
	if _, ok := other.Check(token); ok {
		t.Error("a token made with another key was accepted")
	}
	if got := other.URL(id); got == u {
		t.Error("two keys give the same URL")
	}
}

// A consent ID chosen before IDs were ULIDs may hold dashes and lower case:
// its link still checks, split at the last dash.
func TestVerifyLinkOddID(t *testing.T) {
	l := NewVerifyLinks("https://c.example.org", []byte("0123456789abcdef0123456789abcdef"))
	const id = "legacy-consent.7"
	u := l.URL(id)
	token := u[strings.LastIndex(u, "/")+1:]
	if got, ok := l.Check(token); !ok || got != id {
		t.Fatalf("Check(%q) = %q, %v", token, got, ok)
	}
}

// While the public URL is a local default, no link is printed (a QR code
// that opens localhost on a patient's phone helps nobody); links printed
// earlier still check.
func TestVerifyLinkNotPrintedForLocalURLs(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	printed := NewVerifyLinks("https://consent.example.org", key).URL("X1")
	token := printed[strings.LastIndex(printed, "/")+1:]
	for _, base := range []string{"", "http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:8080", "http://[::1]:8080",
		"http://0.0.0.0:8080", "http://app.localhost", "not a url", "ftp://consent.example.org"} {
		l := NewVerifyLinks(base, key)
		if u := l.URL("X1"); u != "" {
			t.Errorf("public URL %q: link %q printed", base, u)
		}
		if got, ok := l.Check(token); !ok || got != "X1" {
			t.Errorf("public URL %q: a printed link no longer checks", base)
		}
	}
	var none *VerifyLinks
	if none.URL("X1") != "" {
		t.Error("nil links print a URL")
	}
	if _, ok := none.Check(token); ok {
		t.Error("nil links accept a token")
	}
	if u := NewVerifyLinks("http://clinic.lan:8080/consentd/", key).URL("X1"); !strings.HasPrefix(u, "http://clinic.lan:8080/consentd"+VerifyLinkPath) {
		t.Errorf("base path lost: %q", u)
	}
}
