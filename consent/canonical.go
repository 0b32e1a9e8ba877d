package consent

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
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

// canonicalWriter is where an encoding goes: a bytes.Buffer, or a
// bufio.Writer in front of a hash, so large content is hashed without
// being held whole in memory.
type canonicalWriter interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

// canonicalBuffers keeps WriteCanonicalJSON's 32 KB buffers: one per row
// digest otherwise, several per signing.
var canonicalBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// WriteCanonicalJSON encodes v as CanonicalJSON does, into w.
func WriteCanonicalJSON(w io.Writer, v any) error {
	bw := canonicalBuffers.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Reset(nil) // let go of w
		canonicalBuffers.Put(bw)
	}()
	if err := writeCanonical(bw, v); err != nil {
		return err
	}
	return bw.Flush()
}

func writeCanonical(buf canonicalWriter, v any) error {
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
	case frozenDocument:
		b, err := v.canonical()
		if err != nil {
			return err
		}
		buf.Write(b)
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
func writeCanonicalInt(buf canonicalWriter, n int64) error {
	if n > 1<<53 || n < -(1<<53) {
		return fmt.Errorf("canonical json: integer %d out of the exact range", n)
	}
	buf.WriteString(strconv.FormatInt(n, 10))
	return nil
}

// writeCanonicalString copies runs that need no escape in one write: only
// '"', '\\' and control characters below U+0020 are escaped, and every byte of
// a multi-byte UTF-8 sequence is 0x80 or above, so the scan can go by bytes.
func writeCanonicalString(buf canonicalWriter, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("canonical json: invalid UTF-8")
	}
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
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
			fmt.Fprintf(buf, `\u%04x`, c)
		}
		start = i + 1
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
	return nil
}

// lessUTF16 orders strings by their UTF-16 code units without converting
// them: a rune outside the Basic Multilingual Plane sorts by its high
// surrogate (below U+E000), and runes with the same first unit compare as
// runes.
func lessUTF16(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			if ua, ub := firstUTF16(ra), firstUTF16(rb); ua != ub {
				return ua < ub
			}
			return ra < rb
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) < len(b)
}

// firstUTF16 returns the first UTF-16 code unit of r.
func firstUTF16(r rune) rune {
	if r < 0x10000 {
		return r
	}
	return 0xd800 + (r-0x10000)>>10
}
