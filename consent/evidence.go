package consent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Byte limits of the evidence taken from request headers. They bound what a
// client can make the server store and hash with every event.
const (
	MaxActorBytes      = 200
	MaxChannelBytes    = 20
	MaxIPBytes         = 64
	MaxUserAgentBytes  = 300
	MaxDeviceIDBytes   = 100
	MaxClientTimeBytes = 40
)

// clean returns r with every field made storable evidence (see CleanEvidence).
// It runs in WithRequest, the one way a request reaches the domain, so no
// header byte a client sends can make an audit event unhashable.
func (r Request) clean() Request {
	r.Actor = CleanEvidence(r.Actor, MaxActorBytes)
	r.Channel = CleanEvidence(r.Channel, MaxChannelBytes)
	r.IP = CleanEvidence(r.IP, MaxIPBytes)
	r.UserAgent = CleanEvidence(r.UserAgent, MaxUserAgentBytes)
	r.DeviceID = CleanEvidence(r.DeviceID, MaxDeviceIDBytes)
	r.ClientTime = CleanEvidence(r.ClientTime, MaxClientTimeBytes)
	return r
}

// CleanEvidence returns s as valid UTF-8 of at most max bytes: each invalid
// byte becomes U+FFFD, a tab a space, any other control character U+FFFD, and
// the cut falls on a character boundary. It keeps what the client sent
// recognisable while making it safe to store, hash and print.
func CleanEvidence(s string, max int) string {
	if max <= 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\t':
			r = ' '
		case r == utf8.RuneError, unicode.IsControl(r):
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > max {
			return b.String()
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanDetails replaces invalid UTF-8 in the string values of audit details in
// place. Details hold values the domain checked, but a value that reached an
// event unchecked (a path parameter, say) must still leave the chain hashable.
func cleanDetails(d map[string]any) {
	for k, v := range d {
		d[k] = cleanValue(v)
	}
}

func cleanValue(v any) any {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return strings.ToValidUTF8(v, string(utf8.RuneError))
		}
	case []string:
		for i := range v {
			v[i] = cleanValue(v[i]).(string)
		}
	case []any:
		for i := range v {
			v[i] = cleanValue(v[i])
		}
	case map[string]any:
		cleanDetails(v)
	case map[string]string:
		for k, s := range v {
			v[k] = cleanValue(s).(string)
		}
	}
	return v
}
