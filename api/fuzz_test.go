package api

import (
	"testing"

	"github.com/consentd/consentd/consent"
)

// FuzzDecodeStrict feeds arbitrary bodies to the request decoder: it must never
// panic and must answer every bad body with a client error, never an internal one.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{
		`{"template":"ketamine-iv","locale":"en","patient":{"id":"MRN-1","given_name":"Zoë","family_name":"Müller","birth_date":"1980-04-02"}}`,
		`{"role":"patient","signature":{"type":"drawn","width":600,"height":200,"strokes":[[{"x":1,"y":2,"t":0}]]}}`,
		`{"a":1}`, `[]`, `{} {}`, `{"version":"1"}`, "{\"name\":\"\xff\"}", `{"patient":{"ssn":1}}`, ``, `nul`,
		`{"signature":{"strokes":[[{"x":1e400}]]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&createConsentRequest{}, &signRequest{}, &contentJSON{}} {
			err := decodeStrict(b, v)
			if err != nil && consent.ErrorCode(err) != consent.EINVALID {
				t.Fatalf("decode %q: %v (code %s)", b, err, consent.ErrorCode(err))
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
