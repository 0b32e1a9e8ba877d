package gofpdf

// consentd patch (see PATCHES.md): Text is called once per run of text, and
// fmt.Sprintf, utf8toutf16, four strings.Replace passes and the []rune
// conversion were a tenth of a document's CPU time. textUTF8 writes the same
// bytes with strconv into a reused buffer.

import (
	"bytes"
	"strconv"
	"sync"
)

// textUTF8 is Text for a UTF-8 font without right-to-left reversal,
// underline or strike-out: "BT x y Td (text) Tj ET", wrapped in
// "q <colour> … Q" when the text colour differs from the fill colour, with
// the text as escaped UTF-16BE.
func (f *Fpdf) textUTF8(x, y float64, txtStr string) {
	b := f.textBuf[:0]
	if f.colorFlag {
		b = append(b, "q "...)
		b = append(b, f.color.text.str...)
		b = append(b, ' ')
	}
	b = append(b, "BT "...)
	b = strconv.AppendFloat(b, x*f.k, 'f', 2, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, (f.h-y)*f.k, 'f', 2, 64)
	b = append(b, " Td ("...)
	b = appendEscapedUTF16(b, txtStr)
	b = append(b, ") Tj ET"...)
	if f.colorFlag {
		b = append(b, " Q"...)
	}
	// usedRunes gets every rune, as in Text; a bit set per font remembers
	// the runes already there, so the map is written once per rune, not
	// once per character (entries are never removed before putfonts, which
	// removes 0: 0 is always written).
	bits := f.usedBits[f.currentFont.i]
	if bits == nil {
		if f.usedBits == nil {
			f.usedBits = map[string][]uint64{}
		}
		bits = make([]uint64, 0x10000/64)
		f.usedBits[f.currentFont.i] = bits
	}
	for _, uni := range txtStr {
		if uni > 0 && uni < 0x10000 {
			if bits[uni>>6]&(1<<uint(uni&63)) != 0 {
				continue
			}
			bits[uni>>6] |= 1 << uint(uni&63)
		}
		f.currentFont.usedRunes[int(uni)] = int(uni)
	}
	f.outBytes(b)
	f.textBuf = b
}

// appendEscapedUTF16 appends f.escape(utf8toutf16(s, false)) to b: the same
// conversion byte for byte (including its handling of 4-byte sequences),
// and the same escapes of '\\', '(', ')' and '\r' in the UTF-16 bytes.
func appendEscapedUTF16(b []byte, s string) []byte {
	put := func(c byte) {
		switch c {
		case '\\', '(', ')':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	nb := len(s)
	i := 0
	for i < nb {
		c1 := s[i]
		i++
		if c1 < 192 && c1 != '\\' && c1 != '(' && c1 != ')' && c1 != '\r' {
			b = append(b, 0, c1) // the default case below, without the calls
			continue
		}
		switch {
		case c1 >= 224:
			c2 := s[i]
			i++
			c3 := s[i]
			i++
			put(((c1 & 0x0F) << 4) + ((c2 & 0x3C) >> 2))
			put(((c2 & 0x03) << 6) + (c3 & 0x3F))
		case c1 >= 192:
			c2 := s[i]
			i++
			put((c1 & 0x1C) >> 2)
			put(((c1 & 0x03) << 6) + (c2 & 0x3F))
		default:
			put(0)
			put(c1)
		}
	}
	return b
}

// replaceShrinking replaces every alias in b with a replacement no longer
// than it, in place, as bytes.Replace would, and returns the new length.
func replaceShrinking(b []byte, alias, replacement string) int {
	w, r := 0, 0
	for {
		i := bytes.Index(b[r:], []byte(alias))
		if i < 0 {
			break
		}
		w += copy(b[w:], b[r:r+i])
		w += copy(b[w:], replacement)
		r += i + len(alias)
	}
	w += copy(b[w:], b[r:])
	return w
}

// outFixed2 writes "<a> <b><op1>" and, when op2 is not "", " <c> <d><op2>",
// each number as %.2f formats it: the path operators of Line, LineTo and
// MoveTo without fmt.
func (f *Fpdf) outFixed2(op1 string, a, b float64, op2 string, c, d float64) {
	buf := f.textBuf[:0]
	buf = strconv.AppendFloat(buf, a, 'f', 2, 64)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, b, 'f', 2, 64)
	buf = append(buf, op1...)
	if op2 != "" {
		buf = append(buf, ' ')
		buf = strconv.AppendFloat(buf, c, 'f', 2, 64)
		buf = append(buf, ' ')
		buf = strconv.AppendFloat(buf, d, 'f', 2, 64)
		buf = append(buf, op2...)
	}
	f.outBytes(buf)
	f.textBuf = buf
}

// outFontSize writes "BT /F<id> <size> Tf ET" as SetFont did with fmt.
func (f *Fpdf) outFontSize() {
	buf := append(f.textBuf[:0], "BT /F"...)
	buf = append(buf, f.currentFont.i...)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, f.fontSizePt, 'f', 2, 64)
	buf = append(buf, " Tf ET"...)
	f.outBytes(buf)
	f.textBuf = buf
}

// outBytes is out for bytes.
func (f *Fpdf) outBytes(b []byte) {
	if f.state == 2 {
		f.pages[f.page].Write(b)
		f.pages[f.page].WriteString("\n")
	} else {
		f.buffer.Write(b)
		f.buffer.WriteString("\n")
	}
}

// rgbKey names a call of rgbColorValue.
type rgbKey struct {
	r, g, b          int
	grayStr, fullStr string
}

// rgbMemo maps an rgbKey to its colorType; rgbMemoN counts the stores, so a
// program that uses millions of colours keeps only the first rgbMemoMax.
var (
	rgbMemo  sync.Map
	rgbMemoN int64
)

const rgbMemoMax = 4096

// OutputBytes closes the document if needed and returns the PDF, written
// in dst's storage when it has room (consentd patch: Output copies the
// file from gofpdf's own buffer, which is allocated afresh per document,
// into the writer's). The result aliases the document's buffer: use it
// before the document is changed.
func (f *Fpdf) OutputBytes(dst []byte) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.state < 3 {
		b := append(dst[:0], f.buffer.Bytes()...)
		f.buffer.Buffer = *bytes.NewBuffer(b)
		f.Close()
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.buffer.Bytes(), nil
}
