#!/usr/bin/env bash
# Vendor GOV.UK Frontend (https://frontend.design-system.service.gov.uk/) into
# crates/waymark-web/assets/, which the app serves at /assets/.
#
# Usage: scripts/update-govuk-frontend.sh [VERSION]
#   VERSION defaults to the pinned 5.x release below.
#
# Needs: npm, tar. Works from any directory.
set -euo pipefail

DEFAULT_VERSION="5.14.0"
VERSION="${1:-$DEFAULT_VERSION}"

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
DEST="$REPO_ROOT/crates/waymark-web/assets"

# Our own files in $DEST; everything else there is considered vendored.
KEEP=("waymark.css" "init.js" "waymark-icon.svg" "htmx.min.js" "HTMX-LICENSE.txt" "HTMX-VERSION")

TMP="$(mktemp -d)"
trap 'rm -rf -- "$TMP"' EXIT

echo "Fetching govuk-frontend@$VERSION ..."
(cd "$TMP" && npm pack --silent "govuk-frontend@$VERSION" >/dev/null)
TARBALL="$(find "$TMP" -maxdepth 1 -name 'govuk-frontend-*.tgz' -print -quit)"
if [[ -z "$TARBALL" ]]; then
  echo "error: npm pack produced no tarball" >&2
  exit 1
fi
tar -xzf "$TARBALL" -C "$TMP"
PKG="$TMP/package"
SRC="$PKG/dist/govuk"

PKG_VERSION="$(node -p 'require(process.argv[1]).version' "$PKG/package.json")"

for f in "$SRC/govuk-frontend.min.css" "$SRC/govuk-frontend.min.js"; do
  if [[ ! -f "$f" ]]; then
    echo "error: expected file missing from package: ${f#"$TMP"/}" >&2
    exit 1
  fi
done
if [[ ! -d "$SRC/assets" ]]; then
  echo "error: dist/govuk/assets missing from package" >&2
  exit 1
fi

# The npm tarball does not ship a LICENSE file (package.json "files" omits it;
# "license": "MIT"). Use the package's own licence file if a future release
# includes one, otherwise write the upstream repository's LICENSE.txt text.
write_license() {
  local out="$1" lic
  lic="$(find "$PKG" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' \) -print -quit)"
  if [[ -n "$lic" ]]; then
    cp "$lic" "$out"
    return
  fi
  {
    cat <<'LICENSE'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE
    printf '\n---\n'
    printf 'Source: https://github.com/alphagov/govuk-frontend/blob/main/LICENSE.txt\n'
    printf '(the npm package govuk-frontend@%s declares "license": "MIT" but ships no licence file)\n' "$PKG_VERSION"
    printf '\nFrom the package README:\n\n'
    # The README's "## Licence" section, up to the next heading.
    awk '/^## Licen[cs]e/{on=1; next} on && /^## /{exit} on' "$PKG/README.md"
    printf '\nNote: Waymark does not ship the GDS Transport font or the GOV.UK crown and crest\n'
    printf '(not covered by the MIT licence; for services on GOV.UK only).\n'
  } > "$out"
}

mkdir -p "$DEST"

# Remove previously vendored files, keeping our own.
shopt -s dotglob nullglob
for entry in "$DEST"/*; do
  name="$(basename -- "$entry")"
  keep=false
  for k in "${KEEP[@]}"; do
    [[ "$name" == "$k" ]] && keep=true
  done
  if ! $keep; then
    rm -rf -- "$entry"
  fi
done
shopt -u dotglob nullglob

cp "$SRC/govuk-frontend.min.css" "$DEST/govuk-frontend.min.css"
cp "$SRC/govuk-frontend.min.js" "$DEST/govuk-frontend.min.js"
# The package's assets/ folder (GDS Transport fonts, GOV.UK crown, crest, favicons, manifest) is
# deliberately NOT vendored: those are for services on GOV.UK only, and Waymark is not one.
# waymark.css sets the font to Arial; the CSS's @font-face rules for GDS Transport are removed too,
# so a browser never asks for the fonts (it did, now and then, before waymark.css applied).
sed -E -i 's/@font-face\{[^}]*\}//g' "$DEST/govuk-frontend.min.css"
write_license "$DEST/GOVUK-FRONTEND-LICENSE.txt"
printf '%s\n' "$PKG_VERSION" > "$DEST/GOVUK-FRONTEND-VERSION"

echo "Vendored govuk-frontend $PKG_VERSION into ${DEST#"$REPO_ROOT"/}"
echo "CSS url() references:"
grep -o 'url([^)]*)' "$DEST/govuk-frontend.min.css" | sort -u | sed 's/^/  /'
