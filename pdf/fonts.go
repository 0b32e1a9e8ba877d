package pdf

import (
	_ "embed"
	"encoding/binary"
	"slices"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/consentd/consentd/consent"
	"github.com/jung-kurt/gofpdf"
)

// The fonts are subsets made by fonts/subset.sh (licences in fonts/):
// DejaVu Sans for Latin, Greek, Cyrillic, Hebrew, Arabic and symbols, and
// Droid Sans Fallback for Chinese, Japanese and Korean. Each is parsed once
// per process (Droid only when a document first needs it) and every
// document registers with gofpdf a font cut to the glyphs it draws, so a
// Latin-only consent never pays for the 32,000 CJK glyphs.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DroidSansFallback.ttf
	fontCJK []byte
)

// Font family names the document registers its fonts under.
const (
	fontFamily = "dejavu"
	cjkFamily  = "droid"
)

// Fonts a rune can be drawn with.
const (
	fontNone  = -1
	fontLatin = 0
	fontCJKID = 1
)

// italicSkew is the slant, in degrees, of the synthetic italic: DejaVu Sans
// Oblique is itself a slanted Sans, so skewing the upright glyphs looks the
// same and saves a second font per document.
const italicSkew = 11

// mustParse parses an embedded font; they are part of the binary, so a
// failure is a build defect.
func mustParse(b []byte) *ttf {
	t, err := parseTTF(b)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	latinTTF = sync.OnceValue(func() *ttf { return mustParse(fontRegular) })
	cjkTTF   = sync.OnceValue(func() *ttf { return mustParse(fontCJK) })
)

// baseRunes are drawn by the renderer itself (labels in every language,
// marks, digits, the ⟨U+XXXX⟩ fallback): every document's Latin font has them.
var baseRunes = sync.OnceValue(func() map[rune]bool {
	set := map[rune]bool{}
	add := func(s string) {
		for _, r := range s {
			set[r] = true
		}
	}
	for r := rune(0x20); r < 0x7F; r++ {
		set[r] = true
	}
	for r := rune(0xA0); r <= 0xFF; r++ {
		set[r] = true
	}
	add("✓•“”‘’⟨⟩·–—…")
	for _, l := range labelsByLang {
		add(l.Clinic + l.Template + l.Version + l.Locale + l.ContentSHA256 + l.TemplateSHA256 + l.Patient + l.Name + l.BirthDate +
			l.PatientID + l.ConsentID + l.Created + l.Acknowledged + l.Disclosure + l.DisclosureAccepted + l.By + l.Signatures +
			l.Role + l.Relationship + l.StaffID + l.IdentityVerified + l.SignedAt + l.ClinicTime + l.Meaning + l.Page + l.Of +
			l.DOB + l.Evidence + l.EvidenceIntro + l.AuditTrail + l.Time + l.Event + l.Actor + l.IP + l.UserAgent + l.Device +
			l.CertSHA256 + l.ConsentSignedAt + l.NoEvents + l.Yes + l.ImageUnreadable)
		for _, v := range l.Roles {
			add(v)
		}
	}
	for _, t := range verifyTexts {
		add(t.Footer + t.Heading + t.Intro)
	}
	for _, t := range withdrawalTexts {
		add(t.Banner + t.Heading + t.Statement + t.WithdrawnAt + t.Reason + t.SignedSHA256)
	}
	return set
})

// fontSet says which font draws each rune in one document.
type fontSet struct {
	latin, cjk map[rune]bool // nil: any rune the full font has
	id         string        // names the sets (see fontSetID); "" for fullFonts
	// latinBits and cjkBits hold the BMP part of latin and cjk as bit
	// sets (set by register): fontOf runs for every character measured.
	latinBits, cjkBits []uint64
}

// runeBits returns the BMP runes of set as a bit set.
func runeBits(set map[rune]bool) []uint64 {
	bits := make([]uint64, 0x10000/64)
	for r := range set {
		if r >= 0 && r < 0x10000 {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return bits
}

// fullFonts chooses fonts as if every glyph of both fonts were registered;
// collectRunes uses it to find what a document draws.
var fullFonts = &fontSet{}

// fontOf returns the font that draws r, or fontNone. A rune the domain
// accepts is always drawn by one of them (TestPrintableRunesHaveGlyphs).
func (fs *fontSet) fontOf(r rune) int {
	if fs.latin == nil {
		if latinTTF().has(r) {
			return fontLatin
		} else if consent.Printable(r) {
			return fontCJKID
		}
		return fontNone
	}
	if fs.latinBits != nil && r >= 0 && r < 0x10000 {
		if fs.latinBits[r>>6]&(1<<(r&63)) != 0 {
			return fontLatin
		} else if fs.cjkBits[r>>6]&(1<<(r&63)) != 0 {
			return fontCJKID
		}
		return fontNone
	}
	if fs.latin[r] {
		return fontLatin
	} else if fs.cjk[r] {
		return fontCJKID
	}
	return fontNone
}

// register cuts the fonts to the runes a document draws, registers them
// with gofpdf and returns the document's font set.
func register(f *gofpdf.Fpdf, runes map[rune]bool) *fontSet {
	return registerFonts(f, runes, true)
}

// registerFonts is register; cached takes the cut fonts from subsets
// (false only in tests that compare the bytes with and without caches).
func registerFonts(f *gofpdf.Fpdf, runes map[rune]bool, cached bool) *fontSet {
	fs := &fontSet{latin: map[rune]bool{}, cjk: map[rune]bool{}}
	var latin, cjk []rune
	for r := range baseRunes() {
		latin = append(latin, r)
	}
	for r := range runes {
		switch fullFonts.fontOf(r) {
		case fontLatin:
			latin = append(latin, r)
		case fontCJKID:
			cjk = append(cjk, r)
		}
	}
	lt := latinTTF()
	for _, r := range latin {
		if lt.has(r) {
			fs.latin[r] = true
		}
	}
	f.AddUTF8FontFromBytes(fontFamily, "", cutFont(lt, fontLatin, latin, cached))
	if len(cjk) > 0 {
		ct := cjkTTF()
		for _, r := range cjk {
			if ct.has(r) {
				fs.cjk[r] = true
			}
		}
		f.AddUTF8FontFromBytes(cjkFamily, "", cutFont(ct, fontCJKID, cjk, cached))
	}
	fs.latinBits, fs.cjkBits = runeBits(fs.latin), runeBits(fs.cjk)
	fs.id = fontSetID(fs.latin, fs.cjk)
	return fs
}

// ttfOf returns the parsed font for a font ID.
func ttfOf(font int) *ttf {
	if font == fontCJKID {
		return cjkTTF()
	}
	return latinTTF()
}

// familyOf returns the family name a font ID is registered under.
func familyOf(font int) string {
	if font == fontCJKID {
		return cjkFamily
	}
	return fontFamily
}

// subsets keeps fonts cut to a set of runes. A cut font is a function of
// the font and the set alone, and holds glyphs, never text; most consents
// of a template version and locale need the same set (a name in Latin-1
// adds nothing to the renderer's own characters), so the cut is made once.
// Entries are never changed once stored.
var subsets = func() *lru.Cache[string, []byte] {
	c, err := lru.New[string, []byte](64)
	if err != nil {
		panic("pdf: " + err.Error())
	}
	return c
}()

// cutFont returns t cut to runes (in any order, repeats allowed), from
// subsets when cached.
func cutFont(t *ttf, font int, runes []rune, cached bool) []byte {
	if !cached {
		return t.subset(runes)
	}
	sorted := slices.Clone(runes)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	key := make([]byte, 0, 1+4*len(sorted))
	key = append(key, byte(font))
	for _, r := range sorted {
		key = binary.LittleEndian.AppendUint32(key, uint32(r))
	}
	if b, ok := subsets.Get(string(key)); ok {
		return b
	}
	b := t.subset(runes)
	subsets.Add(string(key), b)
	return b
}
