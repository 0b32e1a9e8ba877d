package pdf

import (
	"bytes"
	_ "embed"

	"github.com/jung-kurt/gofpdf"
)

// The fonts are DejaVu Sans subsets made by fonts/subset.sh (licence in
// fonts/LICENSE-DejaVu.txt). Subsetting at build time keeps gofpdf's
// per-document TTF parsing and subsetting small.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
)

// fontFamily is the family name the document registers the fonts under.
const fontFamily = "dejavu"

// italicSkew is the slant, in degrees, of the synthetic italic: DejaVu Sans
// Oblique is itself a slanted Sans, so skewing the upright glyphs looks the
// same and saves parsing a third font per document.
const italicSkew = 11

// addFonts registers the font with a document. Each document gets its own
// copy of the bytes: gofpdf's subsetter pads table slices with append, which
// writes into the bytes that follow them in the shared array (a data race).
func addFonts(f *gofpdf.Fpdf) {
	f.AddUTF8FontFromBytes(fontFamily, "", bytes.Clone(fontRegular))
}
