package pdf

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// junkPDF returns n random bytes behind a %PDF- header: the input that made
// the PDF library spend time quadratic in its size.
func junkPDF(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 9))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	copy(b, "%PDF-1.4\n")
	return b
}

// TestPrecheckShapes checks the structure check against a real sealed consent
// and files built to get past one check after another.
func TestPrecheckShapes(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	good := sealFixture(t, s, "en").Bytes
	if err := precheck(good); err != nil {
		t.Fatalf("a sealed consent fails the precheck: %v", err)
	}
	tail := func(b []byte, off int) []byte {
		return append(bytes.Clone(b), fmt.Sprintf("\nstartxref\n%d\n%%%%EOF\n", off)...)
	}
	junk := junkPDF(2 << 20)
	lastXref := bytes.LastIndex(good, []byte("\nxref\n")) + 1
	// Same length, so every offset still holds.
	withSecondSig := bytes.Replace(good, []byte("/Reason (Signed i"), []byte("/ByteRange[0 1 2]"), 1)
	tests := []struct {
		name   string
		in     []byte
		reason string
		detail string
	}{
		{"junk behind a PDF header", junk, ReasonNotPDF, "%%EOF"},
		{"junk with a tail pointing nowhere", tail(junk, 1<<30), ReasonNotPDF, "startxref"},
		{"junk with a tail pointing at junk", tail(junk, 100), ReasonNotPDF, "xref table"},
		{"xref with entries past the end", tail(append(junkPDF(1<<10), "\nxref\n0 3\n9999999999 00000 n \n"...), 1<<10+1), ReasonNotPDF, "xref table"},
		{"a /Prev loop", tail(append(junkPDF(1<<10), "\nxref\n0 0\ntrailer\n<< /Root 1 0 R /Prev 2000 >>\n"...), 1<<10+1), ReasonNotPDF, "/Prev"},
		{"a second signature", withSecondSig, ReasonNotPDF, "more than one signature"},
		{"no PDF header", append([]byte("%PDX"), good[4:]...), ReasonNotPDF, "header"},
		{"a sealed consent without its last xref", good[:lastXref], ReasonNotPDF, "%%EOF"},
		{"too large", append(bytes.Clone(good), make([]byte, 8<<20)...), ReasonNotPDF, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := s.Verify(tt.in)
			if v.Valid || !v.Unprocessable || v.Reason != tt.reason || !strings.Contains(v.Detail, tt.detail) {
				t.Errorf("Verify = valid %v unprocessable %v reason %q detail %q; want unprocessable %q mentioning %q",
					v.Valid, v.Unprocessable, v.Reason, v.Detail, tt.reason, tt.detail)
			}
		})
	}
	// Bytes added after the seal are a tampering verdict, not an unreadable file.
	v := s.Verify(append(bytes.Clone(good), "\n% appended\n"...))
	if v.Valid || v.Unprocessable || v.Reason != ReasonTampered {
		t.Errorf("appended: %+v", v)
	}
}

// BenchmarkPrecheckJunk measures the structure check on junk behind a PDF
// header, which the PDF library parses in quadratic time (1 MB: 7 s).
func BenchmarkPrecheckJunk(b *testing.B) {
	for _, n := range []int{1 << 20, 2 << 20, 8<<20 - 4096} {
		junk := junkPDF(n)
		withTail := append(bytes.Clone(junk), "\nstartxref\n100\n%%EOF\n"...)
		// A real xref table and trailer at the end: every check up to the
		// signature count reads the whole file.
		withXref := append(bytes.Clone(junk), fmt.Sprintf("\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\n"+
			"startxref\n%d\n%%%%EOF\n", n+1)...)
		b.Run(fmt.Sprintf("%dMiB", n>>20), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if precheck(junk) == nil || precheck(withTail) == nil || precheck(withXref) == nil {
					b.Fatal("junk passed")
				}
			}
		})
	}
}

// BenchmarkVerifySealed measures the whole verification of a real sealed
// consent, for comparison with the precheck's cost.
func BenchmarkVerifySealed(b *testing.B) {
	s := newTestSealer(b, b.TempDir())
	good := sealFixture(b, s, "en").Bytes
	b.SetBytes(int64(len(good)))
	for b.Loop() {
		if !s.Verify(good).Valid {
			b.Fatal("invalid")
		}
	}
}
