package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/gowebpki/jcs"

	"github.com/consentd/consentd/consent"
)

// jcsOf canonicalises v with an independent RFC 8785 implementation.
func jcsOf(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true) // deliberately not canonical input: jcs must undo it
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	out, err := jcs.Transform(buf.Bytes())
	if err != nil {
		t.Fatalf("jcs.Transform(%s): %v", buf.Bytes(), err)
	}
	return out
}

func TestCanonicalJSONMatchesJCS(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	audit := &consent.AuditEvent{Seq: 7, Type: consent.EventConsentSigned, Actor: "token:01J", ConsentID: "01J",
		IP: "::1", UserAgent: "Mozilla/5.0 (iPad; \"quoted\")", Details: map[string]any{"roles": []any{"patient", "clinician"}, "n": 2, "ok": true}}
	tests := []struct {
		name string
		v    any
	}{
		{"ascii", "plain"},
		{"latin accents", "Sí, señor: ¿qué tal? ñandú"},
		{"cjk", "日本語のテキスト"},
		{"astral plane", "emoji 😀 and 𝄞"},
		{"line and paragraph separators", "a\u2028b\u2029c"},
		{"json escapes", "quote \" backslash \\ slash / tab \t newline \n cr \r bs \b ff \f"},
		{"control characters", "\x00\x01\x07\x0b\x0e\x1f and del \x7f and c1 \u0085\u009f"},
		{"html characters", "<script>&amp;</script>"},
		{"bom and noncharacters", "\ufeff\ufffe\uffff"},
		{"integers", []any{0, 1, -1, int64(1) << 53, -(int64(1) << 53), 1e15, math.Copysign(0, -1), 123456789}},
		{"literals", []any{nil, true, false, "", []any{}, map[string]any{}, []string{}}},
		{"string slice", []string{"b", "a", "ü"}},
		{"non-ASCII keys sorted by UTF-16", map[string]any{
			"e": 1, "é": 2, "z": 3, "😀": 4, "\ue000": 5, "\uffff": 6, "": 7, "A": 8, "a": 9, "\u0080": 10, "ß": 11, "日": 12,
		}},
		{"nested", map[string]any{"ñ": map[string]any{"ü": []any{map[string]any{"b": "x", "a": nil}}, "\x01": "ctl"}, "k": map[string]string{"é": "e", "e": "é"}}},
		{"shipped template", s.Content.CanonicalMap()},
		{"audit event", audit.CanonicalMap()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consent.CanonicalJSON(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(jcsOf(t, tt.v)), string(got)); d != "" {
				t.Errorf("CanonicalJSON differs from jcs.Transform (-jcs +consent):\n%s", d)
			}
		})
	}
}

// TestContentSHA256Independent recomputes the shipped template's hash from the
// independent canonicalisation, so the frozen hash does not rest on one encoder.
func TestContentSHA256Independent(t *testing.T) {
	s := shipped(t, "ketamine-iv", 1)
	sum := sha256.Sum256(jcsOf(t, s.Content.CanonicalMap()))
	got, err := s.Content.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Content.SHA256() = %s, independent = %s", got, want)
	}
}

func FuzzCanonicalJSONString(f *testing.F) {
	for _, seed := range []string{"", "a", "é", "😀", "\x00", "\u2028", "\"\\", "\x7f", "\ue000"} {
		f.Add(seed, "k")
	}
	f.Fuzz(func(t *testing.T, s, k string) {
		if !utf8.ValidString(s) || !utf8.ValidString(k) {
			t.Skip("encoding/json replaces invalid UTF-8; CanonicalJSON refuses it")
		}
		v := map[string]any{k: s, s: []any{k, 1}, "z" + k: nil}
		got, err := consent.CanonicalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := jcsOf(t, v); !bytes.Equal(got, want) {
			t.Errorf("CanonicalJSON(%q) = %s, jcs = %s", v, got, want)
		}
	})
}
