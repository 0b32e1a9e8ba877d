package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON encodes v per RFC 8785 (JSON Canonicalization Scheme) for the
// value types the domain hashes: nil, bool, string, integers, integral float64,
// []any, []string and map[string]any. Object members are sorted by their UTF-16
// code units and strings use the minimal RFC 8785 escaping, so the same content
// always yields the same bytes. It is tested byte for byte against an independent
// JCS implementation.
func CanonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CanonicalSHA256 returns the lowercase hex SHA-256 of the canonical encoding of v.
func CanonicalSHA256(v any) (string, error) {
	b, err := CanonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case string:
		return writeCanonicalString(buf, v)
	case int:
		return writeCanonicalInt(buf, int64(v))
	case int64:
		return writeCanonicalInt(buf, v)
	case float64:
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			return fmt.Errorf("canonical json: non-integral number %v", v)
		}
		return writeCanonicalInt(buf, int64(v))
	case []string:
		buf.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonicalString(buf, s); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonicalString(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := writeCanonical(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return writeCanonical(buf, m)
	default:
		return fmt.Errorf("canonical json: unsupported type %T", v)
	}
	return nil
}

// Integers beyond 2^53 cannot be represented exactly by the ES6 number
// serialisation RFC 8785 prescribes, so they are refused rather than rounded.
func writeCanonicalInt(buf *bytes.Buffer, n int64) error {
	if n > 1<<53 || n < -(1<<53) {
		return fmt.Errorf("canonical json: integer %d out of the exact range", n)
	}
	buf.WriteString(strconv.FormatInt(n, 10))
	return nil
}

func writeCanonicalString(buf *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("canonical json: invalid UTF-8")
	}
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteRune(r)
			}
		}
	}
	buf.WriteByte('"')
	return nil
}

func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}
