package pdf

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/klauspost/compress/zlib"
)

// gofpdf compresses every page with a new zlib writer, and a writer costs about
// 1 MB of zeroed memory, more than compressing a page does. So documents are
// written uncompressed and compressStreams then compresses the streams gofpdf
// would have, with pooled writers and klauspost/compress, whose fastest level
// takes about a third less CPU than the standard library's (and writes a
// little less): the result is the file gofpdf writes with compression on, with
// other deflate bytes in the page streams (TestCompressStreamsMatchesGofpdf).

// zlibWriters holds zlib writers at gofpdf's level (BestSpeed). A reset
// writer produces the same bytes as a new one. A fixed free list, not a
// sync.Pool: the pool is emptied by every other garbage collection, and a
// render allocates enough to run one every few documents, so the pool gave
// a new 1 MB writer to about every second document.
var zlibWriters = make(chan *zlib.Writer, 4)

// deflate returns data zlib-compressed at BestSpeed, appended to dst.
func deflate(dst *bytes.Buffer, data []byte) error {
	var w *zlib.Writer
	select {
	case w = <-zlibWriters:
	default:
		w, _ = zlib.NewWriterLevel(nil, zlib.BestSpeed)
	}
	defer func() {
		select {
		case zlibWriters <- w:
		default:
		}
	}()
	w.Reset(dst)
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}

// pdfObject is one indirect object of a gofpdf file: its number and bytes.
type pdfObject struct {
	num  int
	body []byte // from "N 0 obj" to the end of its "endobj" line
}

// compressStreams rewrites a PDF that gofpdf wrote with compression off:
// page contents and image palettes get /FlateDecode, and the cross-reference
// table and startxref are recomputed. It relies on gofpdf's layout (one
// classic xref table, no incremental updates, objects written one after
// another) and fails rather than guess when the file does not match it.
func compressStreams(in []byte) ([]byte, error) {
	objs, xref, err := splitObjects(in)
	if err != nil {
		return nil, err
	}
	targets := map[int]bool{}
	for _, o := range objs {
		// Only gofpdf's own dictionaries are read, never one that holds text
		// from the consent (such as the Info dictionary).
		dict := o.body[bytes.IndexByte(o.body, '\n')+1:]
		switch {
		case bytes.HasPrefix(dict, []byte("<</Type /Page\n")):
			// The page's last entry: "/Contents <n> 0 R>>".
			if i := bytes.LastIndex(dict, []byte("/Contents ")); i >= 0 {
				if n, ok := ref(dict[i+len("/Contents "):]); ok {
					targets[n] = true
				}
			}
		case bytes.HasPrefix(dict, []byte("<</Type /XObject\n")):
			// "/ColorSpace [/Indexed /DeviceRGB <hival> <n> 0 R]"
			const key = "/ColorSpace [/Indexed /DeviceRGB "
			if i := bytes.Index(dict, []byte(key)); i >= 0 {
				rest := dict[i+len(key):]
				if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
					if n, ok := ref(rest[sp+1:]); ok {
						targets[n] = true
					}
				}
			}
		}
	}

	var out bytes.Buffer
	out.Grow(len(in) / 2)
	var z bytes.Buffer // each stream's compressed bytes, reused
	out.Write(in[:xref.first])
	offsets := make([]int, xref.count)
	for _, o := range objs {
		offsets[o.num] = out.Len()
		if !targets[o.num] {
			out.Write(o.body)
			continue
		}
		data, err := plainStream(o)
		if err != nil {
			return nil, err
		}
		z.Reset()
		z.Grow(len(data)/3 + 64)
		if err := deflate(&z, data); err != nil {
			return nil, err
		}
		b := out.AvailableBuffer()
		b = strconv.AppendInt(b, int64(o.num), 10)
		b = append(b, " 0 obj\n<</Filter /FlateDecode /Length "...)
		b = strconv.AppendInt(b, int64(z.Len()), 10)
		b = append(b, ">>\nstream\n"...)
		out.Write(b)
		out.Write(z.Bytes())
		out.WriteString("\nendstream\nendobj\n")
	}
	start := out.Len()
	b := out.AvailableBuffer()
	b = append(b, "xref\n0 "...)
	b = strconv.AppendInt(b, int64(len(offsets)), 10)
	b = append(b, "\n0000000000 65535 f \n"...)
	for _, off := range offsets[1:] {
		s := strconv.Itoa(off)
		for range 10 - len(s) {
			b = append(b, '0')
		}
		b = append(b, s...)
		b = append(b, " 00000 n \n"...)
	}
	trailer := in[xref.end:]
	i := bytes.LastIndex(trailer, []byte("startxref\n"))
	if i < 0 {
		return nil, fmt.Errorf("compress streams: no startxref")
	}
	b = append(b, trailer[:i+len("startxref\n")]...)
	b = strconv.AppendInt(b, int64(start), 10)
	b = append(b, "\n%%EOF\n"...)
	out.Write(b)
	return out.Bytes(), nil
}

// xrefTable is where the cross-reference table lies in the file.
type xrefTable struct {
	start, end int // the table, from "xref" to before "trailer"
	count      int // entries, including object 0
	first      int // offset of the first object
}

// splitObjects returns the file's objects in file order, read from its xref
// table; every object must run up to the next one (or the table).
func splitObjects(in []byte) ([]pdfObject, xrefTable, error) {
	bad := func(what string) ([]pdfObject, xrefTable, error) {
		return nil, xrefTable{}, fmt.Errorf("compress streams: %s", what)
	}
	i := bytes.LastIndex(in, []byte("\nstartxref\n"))
	if i < 0 {
		return bad("no startxref")
	}
	rest := in[i+len("\nstartxref\n"):]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return bad("truncated startxref")
	}
	start, err := strconv.Atoi(string(rest[:nl]))
	if err != nil || start <= 0 || start >= i {
		return bad("bad startxref")
	}
	table := in[start:]
	head := []byte("xref\n0 ")
	if !bytes.HasPrefix(table, head) {
		return bad("no xref table at startxref")
	}
	table = table[len(head):]
	nl = bytes.IndexByte(table, '\n')
	if nl < 0 {
		return bad("truncated xref table")
	}
	count, err := strconv.Atoi(string(table[:nl]))
	if err != nil || count < 2 {
		return bad("bad xref count")
	}
	table = table[nl+1:]
	const entry = 20
	if len(table) < count*entry || string(table[:entry]) != "0000000000 65535 f \n" {
		return bad("bad xref entries")
	}
	type pos struct{ num, off int }
	ps := make([]pos, 0, count-1)
	for n := 1; n < count; n++ {
		e := table[n*entry : (n+1)*entry]
		if string(e[10:]) != " 00000 n \n" {
			return bad("bad xref entry")
		}
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || off <= 0 || off >= start {
			return bad("bad xref offset")
		}
		ps = append(ps, pos{n, off})
	}
	slices.SortFunc(ps, func(a, b pos) int { return a.off - b.off })
	objs := make([]pdfObject, len(ps))
	for k, p := range ps {
		end := start
		if k+1 < len(ps) {
			end = ps[k+1].off
		}
		body := in[p.off:end]
		if !bytes.HasPrefix(body, []byte(strconv.Itoa(p.num)+" 0 obj\n")) || !bytes.HasSuffix(body, []byte("endobj\n")) {
			return bad("object " + strconv.Itoa(p.num) + " is not where the xref says")
		}
		objs[k] = pdfObject{num: p.num, body: body}
	}
	return objs, xrefTable{start: start, end: start + len(head) + nl + 1 + count*entry, count: count, first: ps[0].off}, nil
}

// ref parses "<n> 0 R" at the start of b.
func ref(b []byte) (int, bool) {
	j := 0
	for j < len(b) && j < 9 && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == 0 || !bytes.HasPrefix(b[j:], []byte(" 0 R")) {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[:j]))
	return n, err == nil
}

// plainStream returns the data of an object written as
// "N 0 obj\n<</Length L>>\nstream\n<L bytes>\nendstream\nendobj\n".
func plainStream(o pdfObject) ([]byte, error) {
	bad := fmt.Errorf("compress streams: object %d is not a plain stream", o.num)
	head := strconv.Itoa(o.num) + " 0 obj\n<</Length "
	b := o.body
	if !bytes.HasPrefix(b, []byte(head)) {
		return nil, bad
	}
	b = b[len(head):]
	j := bytes.Index(b, []byte(">>\nstream\n"))
	if j < 0 {
		return nil, bad
	}
	n, err := strconv.Atoi(string(b[:j]))
	b = b[j+len(">>\nstream\n"):]
	if err != nil || n < 0 || n > len(b) || string(b[n:]) != "\nendstream\nendobj\n" {
		return nil, bad
	}
	return b[:n], nil
}
