#!/usr/bin/env bash
# Regenerates every icon under icons/ from icons/source.svg (our own drawing), and the
# macOS tray icon from icons/tray-template.svg.
# Needs librsvg2-bin (rsvg-convert), imagemagick and icnsutils; the outputs are committed,
# so this runs only when the drawing changes.
set -euo pipefail
cd "$(dirname "$0")/../icons"
png() { rsvg-convert -w "$1" -h "$1" source.svg -o "$2"; }
png 32 32x32.png
png 64 64x64.png
png 128 128x128.png
png 256 128x128@2x.png
png 512 icon.png
# The macOS tray icon (a template image: black on transparent, 18 pt at 2x).
rsvg-convert -w 36 -h 36 tray-template.svg -o tray-template.png
for s in 16 24 48 256 1024; do png "$s" "tmp-$s.png"; done
convert tmp-16.png 32x32.png tmp-48.png tmp-256.png icon.ico
png2icns icon.icns tmp-16.png 32x32.png 128x128.png tmp-256.png icon.png tmp-1024.png >/dev/null
rm -f tmp-*.png
# Tauri needs 8-bit RGBA PNGs.
for f in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray-template.png; do
  convert "$f" -define png:color-type=6 -depth 8 "PNG32:$f"
done
