#!/bin/sh
# Regenerates the embedded fonts and the tables derived from them, with
# fonttools (Debian: fonttools): subsetting once here keeps gofpdf's
# per-document font work small.
# - DejaVuSans.ttf: DejaVu Sans (Debian fonts-dejavu-core) cut to the
#   printable Latin, Greek, Cyrillic, Hebrew and Arabic letters, the Arabic
#   presentation forms the renderer draws joined letters with, punctuation
#   and common symbols (one font: bold and italic are synthesised).
# - DroidSansFallback.ttf: Droid Sans Fallback (Debian fonts-droid-fallback,
#   Apache-2.0; NOT DroidSansFallbackFull.ttf, which lacks most Hangul) cut to
#   kana, the CJK unified ideographs U+4E00-9FA5, Hangul syllables and
#   full-width forms, without hinting. Only documents that need it load it.
# - consent/printable_table.go (the domain's rule of which runes print) and
#   pdf/arabic_forms.go, from tables.py.
set -eu
dejavu=${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}/DejaVuSans.ttf
droid=${DROID_FILE:-/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf}
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 tables.py "$dejavu" "$droid" "$work"
common="--layout-features= --no-hinting --desubroutinize --drop-tables+=FFTM,GDEF,GPOS,GSUB,kern,vhea,vmtx,MATH --name-IDs=* --name-languages=* --notdef-outline --recommended-glyphs"
# shellcheck disable=SC2086
pyftsubset "$dejavu" --unicodes-file="$work/dejavu.unicodes" --output-file=DejaVuSans.ttf $common
# shellcheck disable=SC2086
pyftsubset "$droid" --unicodes-file="$work/droid.unicodes" --output-file=DroidSansFallback.ttf $common
cp /usr/share/doc/fonts-dejavu-core/copyright LICENSE-DejaVu.txt
cp /usr/share/doc/fonts-droid-fallback/copyright LICENSE-DroidSansFallback.txt
gofmt -w ../../consent/printable_table.go ../arabic_forms.go
