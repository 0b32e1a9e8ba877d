package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"net"
	"net/url"
	"strings"
)

// VerifyLinkPath is the path, under the public URL, of the verification page
// a sealed PDF's QR code opens; the token follows it.
const VerifyLinkPath = "/verify/c/"

// verifyMACChars is the length of a link's MAC in Crockford base32: 50 bits,
// short enough to type from paper. Guessing it is an online attack against
// a rate-limited endpoint (per client and a global ceiling), where 2^50
// tries are out of reach; it adds nothing to an attacker who holds the PDF.
const verifyMACChars = 10

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a typed
// token survives the usual confusions (see normalizeMAC).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// maxVerifyTokenBytes bounds the work a token can cause: the longest
// consent ID (64 bytes), a dash and the MAC.
const maxVerifyTokenBytes = 64 + 1 + verifyMACChars

// VerifyLinks makes and checks the verification links printed (as text and
// a QR code) on sealed PDFs. A link is a capability: it carries a MAC of the
// consent ID under a key derived from the server secret, so knowing a
// consent ID is not enough to learn its status.
type VerifyLinks struct {
	// BaseURL is the public URL links start with; "" prints no links (the
	// public URL is a local default), while printed links still check.
	BaseURL string
	Key     []byte
}

// NewVerifyLinks returns links under publicURL signed with key. A public URL
// that is not an absolute http(s) URL, or that names this machine
// (localhost, a loopback or unspecified address), prints no links: a QR code
// that opens localhost on a patient's phone helps nobody.
func NewVerifyLinks(publicURL string, key []byte) *VerifyLinks {
	l := &VerifyLinks{Key: key}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || isLocalHost(u.Hostname()) {
		return l
	}
	l.BaseURL = strings.TrimRight(publicURL, "/")
	return l
}

// isLocalHost reports whether host names this machine.
func isLocalHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// URL returns the verification link of a consent, or "" when no links are
// printed.
func (l *VerifyLinks) URL(consentID string) string {
	if l == nil || l.BaseURL == "" || len(l.Key) == 0 {
		return ""
	}
	return l.BaseURL + VerifyLinkPath + consentID + "-" + l.mac(consentID)
}

// mac returns the first 50 bits of HMAC-SHA256(key, consent ID) in
// Crockford base32.
func (l *VerifyLinks) mac(consentID string) string {
	m := hmac.New(sha256.New, l.Key)
	m.Write([]byte("consentd verify link|" + consentID))
	sum := m.Sum(nil)
	var bits uint64
	for _, b := range sum[:8] {
		bits = bits<<8 | uint64(b)
	}
	out := make([]byte, verifyMACChars)
	for i := range out {
		out[i] = crockford[bits>>(64-5*(i+1))&31]
	}
	return string(out)
}

// Check returns the consent ID a link's token names when its MAC is right.
// The token may be typed: its MAC in any case, with O for 0 and I or L for
// 1, and a ULID consent ID in lower case.
func (l *VerifyLinks) Check(token string) (consentID string, ok bool) {
	if l == nil || len(l.Key) == 0 || len(token) > maxVerifyTokenBytes {
		return "", false
	}
	i := strings.LastIndexByte(token, '-')
	if i <= 0 {
		return "", false
	}
	id, mac := token[:i], normalizeMAC(token[i+1:])
	if len(mac) != verifyMACChars {
		return "", false
	}
	for _, cand := range []string{id, strings.ToUpper(id)} {
		if hmac.Equal([]byte(l.mac(cand)), []byte(mac)) {
			return cand, true
		}
	}
	return "", false
}

// normalizeMAC maps a typed MAC onto the alphabet; "" if a character has no
// place in it.
func normalizeMAC(s string) string {
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		switch c {
		case 'O':
			b[i] = '0'
		case 'I', 'L':
			b[i] = '1'
		}
		if strings.IndexByte(crockford, b[i]) < 0 {
			return ""
		}
	}
	return string(b)
}
