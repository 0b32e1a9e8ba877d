#!/bin/sh
# Regenerates the embedded font subset from Debian's fonts-dejavu-core with
# fonttools' pyftsubset. Subsetting once here keeps gofpdf's per-document font
# parsing small (one font: bold and italic are synthesised): Latin, Latin-1, Latin Extended-A/B, Greek, Cyrillic, general
# punctuation, currency symbols, arrows and the check marks used on the PDF.
set -eu
src=${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}
cd "$(dirname "$0")"
unicodes="U+0020-007E,U+00A0-024F,U+0370-03FF,U+0400-04FF,U+2000-206F,U+20A0-20CF,U+2100-2122,U+2190-2193,U+2212,U+2713,U+2714,U+FFFD"
for f in DejaVuSans; do
	pyftsubset "$src/$f.ttf" --unicodes="$unicodes" --output-file="$f.ttf" \
		--layout-features='' --no-hinting --desubroutinize --drop-tables+=FFTM,GDEF,GPOS,GSUB,kern \
		--name-IDs='*' --name-languages='*' --notdef-outline --recommended-glyphs
done
cp /usr/share/doc/fonts-dejavu-core/copyright LICENSE-DejaVu.txt
