#!/usr/bin/env bash
# Vendor htmx (https://htmx.org/) into crates/waymark-web/assets/, which the app serves at
# /assets/ (the Content-Security-Policy allows scripts from the app itself only).
#
# Usage: scripts/update-htmx.sh [VERSION]
#   VERSION defaults to the pinned 2.x release below (htmx 4 changed its configuration).
#
# Needs: npm, tar. Works from any directory.
set -euo pipefail

DEFAULT_VERSION="2.0.4"
VERSION="${1:-$DEFAULT_VERSION}"

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
DEST="$REPO_ROOT/crates/waymark-web/assets"

TMP="$(mktemp -d)"
trap 'rm -rf -- "$TMP"' EXIT

echo "Fetching htmx.org@$VERSION ..."
(cd "$TMP" && npm pack --silent "htmx.org@$VERSION" >/dev/null)
TARBALL="$(find "$TMP" -maxdepth 1 -name 'htmx.org-*.tgz' -print -quit)"
if [[ -z "$TARBALL" ]]; then
  echo "error: npm pack produced no tarball" >&2
  exit 1
fi
tar -xzf "$TARBALL" -C "$TMP"
PKG="$TMP/package"
PKG_VERSION="$(node -p 'require(process.argv[1]).version' "$PKG/package.json")"
if [[ ! -f "$PKG/dist/htmx.min.js" ]]; then
  echo "error: dist/htmx.min.js missing from package" >&2
  exit 1
fi
LICENSE_FILE="$(find "$PKG" -maxdepth 1 -type f -iname 'LICEN[CS]E*' -print -quit)"
if [[ -z "$LICENSE_FILE" ]]; then
  echo "error: the package ships no licence file" >&2
  exit 1
fi

mkdir -p "$DEST"
cp "$PKG/dist/htmx.min.js" "$DEST/htmx.min.js"
cp "$LICENSE_FILE" "$DEST/HTMX-LICENSE.txt"
printf '%s\n' "$PKG_VERSION" > "$DEST/HTMX-VERSION"
echo "Vendored htmx $PKG_VERSION into ${DEST#"$REPO_ROOT"/}"
