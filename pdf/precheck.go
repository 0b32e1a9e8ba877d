package pdf

import (
	"bytes"
	"strconv"

	"github.com/consentd/consentd/consent"
)

// The PDF library parses without a context and, on some malformed files,
// takes time quadratic in their size. So before parsing, Verify checks in one
// linear pass that the file has the shape a consent sealed by consentd has:
//
//	%PDF-1.x ... the rendered document, its xref table and trailer
//	an incremental update with one signature dictionary whose
//	/ByteRange [0 a b c] covers the whole file except <hex Contents>,
//	its xref table, a trailer whose /Prev points back, startxref N, %%EOF
//
// Files that do not have it are refused without parsing.

// maxUpdates bounds the xref sections followed back from the end: consentd
// writes two (the document and the seal); the rest is margin.
const maxUpdates = 4

// shapeError says why a file does not have a sealed consent's shape.
type shapeError struct {
	reason string // one of the Reason* constants
	detail string // which check failed, for the person who sent it
	// verdict marks a file that has the shape but whose signed range does
	// not reach its end: bytes were added after sealing, which is a
	// tampering verdict rather than an unreadable file.
	verdict bool
}

func (e *shapeError) Error() string { return e.reason + ": " + e.detail }

func notShaped(reason, detail string) *shapeError { return &shapeError{reason: reason, detail: detail} }

// precheck checks the shape of b in time linear in its size. It returns nil
// when b may be a sealed consent and is worth parsing.
func precheck(b []byte) *shapeError {
	if len(b) > consent.MaxSealedPDFBytes {
		return notShaped(ReasonNotPDF, "larger than any sealed consent ("+strconv.Itoa(consent.MaxSealedPDFBytes)+" bytes)")
	}
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		return notShaped(ReasonNotPDF, "no %PDF-1.x header")
	}
	xref, err := lastXref(b)
	if err != nil {
		return err
	}
	if err := checkXrefChain(b, xref); err != nil {
		return err
	}
	return checkByteRange(b)
}

// lastXref reads the file's tail, "startxref N %%EOF", and returns N. Like
// PDF readers it looks for the last %%EOF in the final 1024 bytes, so bytes
// appended after it are judged by the signed range (tampered), not here.
func lastXref(b []byte) (int, *shapeError) {
	tail := b[max(0, len(b)-1024):]
	eof := bytes.LastIndex(tail, []byte("%%EOF"))
	if eof < 0 {
		return 0, notShaped(ReasonNotPDF, "no %%EOF at the end (truncated?)")
	}
	tail = tail[max(0, eof-64):eof]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, notShaped(ReasonNotPDF, "no startxref before %%EOF")
	}
	num := bytes.TrimSpace(tail[i+len("startxref"):])
	off, ok := atoi(num)
	if !ok || off >= len(b) {
		return 0, notShaped(ReasonNotPDF, "startxref is not an offset in the file")
	}
	return off, nil
}

// checkXrefChain follows the classic xref tables from the last one back
// through each trailer's /Prev: every table must parse, every in-use entry
// point inside the file, and each /Prev lie before its table.
func checkXrefChain(b []byte, off int) *shapeError {
	for n := 0; ; n++ {
		if n == maxUpdates {
			return notShaped(ReasonNotPDF, "more incremental updates than a sealed consent has")
		}
		trailer, err := readXrefTable(b, off)
		if err != nil {
			return err
		}
		if !bytes.Contains(trailer, []byte("/Root")) {
			return notShaped(ReasonNotPDF, "trailer without /Root")
		}
		i := bytes.Index(trailer, []byte("/Prev"))
		if i < 0 {
			return nil
		}
		prev, ok := atoi(leadingDigits(bytes.TrimLeft(trailer[i+len("/Prev"):], " \t\r\n")))
		if !ok || prev >= off {
			return notShaped(ReasonNotPDF, "trailer /Prev does not point back into the file")
		}
		off = prev
	}
}

// readXrefTable parses the classic xref table at off and returns its trailer
// dictionary's bytes.
func readXrefTable(b []byte, off int) ([]byte, *shapeError) {
	bad := notShaped(ReasonNotPDF, "no readable xref table at offset "+strconv.Itoa(off))
	p, ok := skipLine(b, off, "xref")
	if !ok {
		return nil, bad
	}
	for {
		line, next := readLine(b, p)
		if bytes.HasPrefix(line, []byte("trailer")) {
			rest := b[p+len("trailer"):]
			end := bytes.Index(rest, []byte("startxref"))
			if end < 0 {
				return nil, bad
			}
			return rest[:end], nil
		}
		f := bytes.Fields(line)
		if len(f) != 2 {
			return nil, bad
		}
		_, ok1 := atoi(f[0])
		count, ok2 := atoi(f[1])
		if !ok1 || !ok2 || count > (len(b)-next)/20 {
			return nil, bad
		}
		// Each entry is exactly 20 bytes: "oooooooooo ggggg n" and a two-byte end of line.
		for i := 0; i < count; i++ {
			e := b[next+20*i : next+20*i+20]
			o, ok := atoi(e[:10])
			if !ok || e[10] != ' ' || e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') || (e[17] == 'n' && o >= len(b)) {
				return nil, bad
			}
		}
		p = next + 20*count
	}
}

// checkByteRange checks the one signature's /ByteRange [0 a b c]: the
// signature's hex Contents fill the gap and the range reaches the end of the file.
func checkByteRange(b []byte) *shapeError {
	key := []byte("/ByteRange")
	switch n := bytes.Count(b, key); {
	case n == 0:
		return notShaped(ReasonNoSignature, "no signature dictionary")
	case n > 1:
		return notShaped(ReasonNotPDF, "more than one signature; consentd seals a consent once")
	}
	i := bytes.Index(b, key) + len(key)
	rest := bytes.TrimLeft(b[i:min(len(b), i+128)], " \t\r\n")
	end := bytes.IndexByte(rest, ']')
	if len(rest) == 0 || rest[0] != '[' || end < 0 {
		return notShaped(ReasonNotPDF, "malformed /ByteRange")
	}
	var r [4]int
	f := bytes.Fields(rest[1:end])
	if len(f) != 4 {
		return notShaped(ReasonNotPDF, "malformed /ByteRange")
	}
	for k := range r {
		v, ok := atoi(f[k])
		if !ok {
			return notShaped(ReasonNotPDF, "malformed /ByteRange")
		}
		r[k] = v
	}
	start1, len1, start2, len2 := r[0], r[1], r[2], r[3]
	if start1 != 0 || len1 < 1 || start2 <= len1+1 || start2 > len(b) || len2 > len(b)-start2 {
		return &shapeError{reason: ReasonTampered, detail: "the signed byte range does not fit the file", verdict: true}
	}
	if b[len1] != '<' || b[start2-1] != '>' || !isHex(b[len1+1:start2-1]) {
		return &shapeError{reason: ReasonTampered, detail: "the signature's Contents are not where the signed range says", verdict: true}
	}
	if start2+len2 != len(b) {
		return &shapeError{reason: ReasonTampered, detail: "bytes were added after sealing", verdict: true}
	}
	return nil
}

// skipLine expects word at off followed by an end of line and returns the
// offset after it.
func skipLine(b []byte, off int, word string) (int, bool) {
	if !bytes.HasPrefix(b[off:], []byte(word)) {
		return 0, false
	}
	line, next := readLine(b, off)
	return next, len(bytes.TrimSpace(line)) == len(word)
}

// readLine returns the line at off (without its end of line) and the offset
// of the next line.
func readLine(b []byte, off int) ([]byte, int) {
	i := bytes.IndexAny(b[off:], "\r\n")
	if i < 0 {
		return b[off:], len(b)
	}
	next := off + i + 1
	if b[off+i] == '\r' && next < len(b) && b[next] == '\n' {
		next++
	}
	return b[off : off+i], next
}

// atoi parses a non-negative decimal of at most 10 digits.
func atoi(s []byte) (int, bool) {
	if len(s) == 0 || len(s) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func leadingDigits(s []byte) []byte {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func isHex(s []byte) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
