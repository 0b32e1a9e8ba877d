package pdf

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"golang.org/x/text/unicode/norm"
)

// scriptNames are patient names in every script the PDF prints.
var scriptNames = []struct{ script, given, family string }{
	{"Vietnamese", "Nguyễn Thị Ánh", "Trần"},
	{"Vietnamese decomposed", "Nguye\u0302\u0303n Thi\u0323", "Tra\u0300n"},
	{"Latin extended", "Łukasz Şükrü", "Ağaoğlu-Żółć"},
	{"Azerbaijani and Hawaiian", "Ələsgər ʻIolani", "Məmmədov"},
	{"Greek", "Γιώργος", "Παπαδόπουλος"},
	{"Cyrillic", "Ґрицько Їжак", "Петров"},
	{"Hebrew", "דוד", "כהן"},
	{"Arabic", "محمد", "عبد الله"},
	{"Persian", "پریسا", "گلچین"},
	{"Chinese simplified", "小明", "王"},
	{"Chinese traditional", "美麗", "陳"},
	{"Japanese", "さくら タロウ", "山田"},
	{"Korean", "민준", "김"},
	{"mixed", "Zoë 王", "محمد Smith (MRN 42)"},
}

// cidToGID returns, for every embedded CID font, its CIDToGIDMap (gofpdf's
// CIDs are Unicode code points; a GID of 0 is .notdef, an empty box), read
// with qpdf from the PDF itself.
func cidToGID(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	qpdf := requireTool(t, "qpdf")
	out, err := exec.Command(qpdf, "--json=2", "--json-stream-data=inline", writeTemp(t, "c.pdf", pdf)).Output()
	if err != nil {
		t.Fatalf("qpdf: %v", err)
	}
	type object struct {
		Value  map[string]any `json:"value"`
		Stream struct {
			Data string `json:"data"`
		} `json:"stream"`
	}
	var doc struct {
		QPDF []map[string]json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.QPDF) < 2 {
		t.Fatalf("qpdf json: %v", err)
	}
	objs := map[string]object{}
	for k, raw := range doc.QPDF[1] {
		var o object
		if json.Unmarshal(raw, &o) == nil {
			objs[k] = o
		}
	}
	var maps [][]byte
	for _, o := range objs {
		if o.Value["/Subtype"] != "/CIDFontType2" {
			continue
		}
		ref, _ := o.Value["/CIDToGIDMap"].(string)
		data, err := base64.StdEncoding.DecodeString(objs["obj:"+ref].Stream.Data)
		if err != nil || len(data) == 0 {
			t.Fatalf("CIDToGIDMap %s: %v", ref, err)
		}
		maps = append(maps, data)
	}
	return maps
}

// hasGlyph reports whether some embedded font maps r to a real glyph.
func hasGlyph(maps [][]byte, r rune) bool {
	for _, m := range maps {
		if i := 2 * int(r); i+1 < len(m) && (m[i] != 0 || m[i+1] != 0) {
			return true
		}
	}
	return false
}

// textNFKC extracts a PDF's text with pdftotext, without bidi marks and
// NFKC-normalised (presentation forms back to letters).
func textNFKC(t *testing.T, pdf []byte) string {
	t.Helper()
	text := run(t, requireTool(t, "pdftotext"), writeTemp(t, "c.pdf", pdf), "-")
	text = strings.Map(func(r rune) rune {
		if r == '\u200e' || r == '\u200f' || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return -1
		}
		return r
	}, text)
	return strings.Join(strings.Fields(norm.NFKC.String(text)), " ")
}

// namedConsent returns the fixture consent for a patient who also signs
// under that name, typed.
func namedConsent(t *testing.T, given, family string) *consent.Consent {
	c := fixtureConsent(t, "en")
	c.Patient.GivenName, c.Patient.FamilyName = given, family
	c.Signatures[0].Name = given + " " + family
	c.Signatures[1].Mark = consent.Mark{Type: "typed", Text: c.Signatures[1].Name}
	return c
}

// TestNamesInEveryScript seals a consent for a patient of each script and
// checks, in the sealed PDF, that every character drawn for the name has a
// real glyph (pdftotext alone would "find" text drawn as boxes through the
// ToUnicode map) and that pdftotext finds the name.
func TestNamesInEveryScript(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	for _, tt := range scriptNames {
		t.Run(tt.script, func(t *testing.T) {
			name := tt.given + " " + tt.family
			for _, r := range name {
				if r != ' ' && !consent.Printable(r) {
					t.Fatalf("U+%04X of %q is not printable", r, name)
				}
			}
			c := namedConsent(t, tt.given, tt.family)
			p, err := s.SealConsent(context.Background(), c, fixtureEvents(c))
			if err != nil {
				t.Fatal(err)
			}
			maps := cidToGID(t, p.Bytes)
			drawn := (&pen{fonts: fullFonts}).sanitize(name)
			if strings.Contains(drawn, "⟨U+") {
				t.Fatalf("name printed with code points: %q", drawn)
			}
			for _, r := range drawn {
				if r != ' ' && !hasGlyph(maps, r) {
					t.Errorf("U+%04X (drawn for %q) maps to .notdef in the sealed PDF", r, name)
				}
			}
			text := textNFKC(t, p.Bytes)
			for _, w := range strings.Fields(norm.NFKC.String(name)) {
				w = strings.Trim(w, "()")
				if !strings.Contains(text, w) && !strings.Contains(text, reverseRunes(w)) {
					t.Errorf("pdftotext lacks %q", w)
				}
			}
			if t.Failed() {
				t.Logf("text: %s", text)
			}
			if dir := os.Getenv("PDF_OUT"); dir != "" {
				os.WriteFile(dir+"/script-"+strings.ReplaceAll(tt.script, " ", "-")+".pdf", p.Bytes, 0o644)
			}
		})
	}
}

// reverseRunes reverses a word (a right-to-left word drawn in visual order
// comes out of pdftotext reversed when it does not reorder it).
func reverseRunes(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// TestPrintableTable: the renderer's table of printable characters agrees
// with consent.Printable everywhere in the BMP and beyond it.
func TestPrintableTable(t *testing.T) {
	for r := rune(0); r < 0x110000; r++ {
		if printable(r) != consent.Printable(r) {
			t.Fatalf("printable(U+%04X) = %v, consent.Printable says %v", r, printable(r), consent.Printable(r))
		}
	}
}
