package api

import (
	"regexp"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// internalWords are what no error message may show: Go types and packages.
var internalWords = regexp.MustCompile(`json: |(?i:jsontext|unmarshal|Go (type|value)|\bapi\.|\bint64\b|\bfloat64\b|reflect|struct)`)

// FuzzDecodeStrict feeds arbitrary bodies to the request decoder: it must never
// panic and must answer every bad body with a client error, never an internal
// one, in words that show no internals.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{
		`{"template":"ketamine-iv","locale":"en","patient":{"id":"MRN-1","given_name":"Zoë","family_name":"Müller","birth_date":"1980-04-02"}}`,
		`{"role":"patient","signature":{"type":"drawn","width":600,"height":200,"strokes":[[{"x":1,"y":2,"t":0}]]}}`,
		`{"a":1}`, `[]`, `{} {}`, `{"version":"1"}`, "{\"name\":\"\xff\"}", `{"patient":{"ssn":1}}`, ``, `nul`,
		`{"signature":{"strokes":[[{"x":1e400}]]}}`, `{"role":"a","role":"b"}`, `{"Patient":{"ID":1}}`,
		`{"locales":{"en":{"sections":[{"key":1}]}}}`, `{"version":1e99}`, `{"version":1.5}`, `{"variables":{"a":"1","a":"2"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&createConsentRequest{}, &signRequest{}, &consent.VersionContent{}} {
			err := decodeStrict(b, v)
			if err != nil && consent.ErrorCode(err) != consent.EINVALID {
				t.Fatalf("decode %q: %v (code %s)", b, err, consent.ErrorCode(err))
			} else if msg := strings.TrimPrefix(consent.ErrorMessage(err), consent.ErrorField(err)); internalWords.MatchString(msg) {
				t.Fatalf("decode %q: message shows internals: %q", b, msg)
			}
		}
		var req signRequest
		if decodeStrict(b, &req) == nil {
			if _, err := req.input(); err != nil && consent.ErrorCode(err) == consent.EINTERNAL {
				t.Fatalf("input %q: %v", b, err)
			}
		}
	})
}
