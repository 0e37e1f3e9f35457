#!/usr/bin/env bash
# Installs what the browser test needs (Debian chromium, the npm packages in
# package-lock.json) if missing, then runs it.
#
# Usage: tests/browser/run.sh PATH_TO_WAYMARK_BINARY     (from any directory)
#
# Environment: CHROMIUM (default /usr/bin/chromium); see run.mjs for more.
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  echo "Usage: $0 PATH_TO_WAYMARK_BINARY" >&2
  exit 2
fi
BINARY="$1"

# Run a command as root: directly if we are root, else via sudo if available.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    as_root apt-get update
    apt_updated=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# 1. chromium (Debian's; never a browser download from playwright)
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMIUM
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$CHROMIUM" == "/usr/bin/chromium" ]]; then
    echo "chromium missing; installing it with apt-get"
    apt_install chromium
  else
    echo "error: CHROMIUM=$CHROMIUM is not executable" >&2
    exit 1
  fi
fi

# 2. node + npm (playwright-core needs node >= 20)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node/npm missing; installing them with apt-get"
  apt_install nodejs npm
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "error: node $(node --version) is too old; playwright-core needs node >= 20" >&2
  exit 1
fi

# 3. npm packages, reinstalled whenever package-lock.json changes
stamp="$HERE/node_modules/.waymark-lock.sha256"
want="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d "$HERE/node_modules" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "Installing npm packages (npm ci)"
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  printf '%s\n' "$want" > "$stamp"
fi

# 4. run (the binary path is resolved against the caller's directory)
exec node "$HERE/run.mjs" "$BINARY"
