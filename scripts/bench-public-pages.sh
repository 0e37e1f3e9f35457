#!/usr/bin/env bash
# Load benchmark for the public observatory pages (a benchmark, not a test: it prints figures).
# Starts the release binary's demo on a free port, loads the open data with one request to a page
# not measured, times each page's first (uncached) render, then runs wrk with 200 concurrent
# connections for DURATION seconds per page twice: as browsers ask (Accept-Encoding: gzip, the
# cached page's kept gzipped bytes) and without Accept-Encoding (the plain HTML). Prints
# requests/s and latency percentiles. Installs wrk from Debian if it is missing.
#
# Usage: scripts/bench-public-pages.sh [DURATION_SECONDS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS=200
THREADS=2

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release --bin waymark >/dev/null
BIN=target/release/waymark
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
WAYMARK_LOG=warn "$BIN" demo --bind "127.0.0.1:$PORT" --data-dir "$DIR" >"$DIR/out.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
# The server loads the open data in the background as it starts; the first observatory request
# waits for it. One request to a page not in the list below takes that wait out of the figures.
curl -sf "http://127.0.0.1:$PORT/explore/cost" >/dev/null

PAGES=(
  "/explore"
  "/explore?measure=susp&type=secondary&year=2012/13&sort=value"
  "/explore/la/886"
  "/explore/cold-spots"
  "/explore/timpson"
  "/explore/cost?area=330&year=2016/17&cost=370000"
  "/explore?measure=after-pru-persistent-absence&year=2022/23"
  "/explore?measure=after-neet-nk-ehcp&year=2022/23"
  "/explore/la/202"
)
echo "Machine: $(nproc) cores; $CONNECTIONS connections, $THREADS wrk threads, ${DURATION}s per page and encoding; wrk runs on the same machine."
echo
echo "| page | bytes | gzip bytes | first request ms | gzip: requests/s | p50 ms | p90 ms | p99 ms | max ms | plain: requests/s | p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
ms() { # wrk prints e.g. 1.23ms, 456.78us or 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); printf "%.2f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.2f", v } else { sub(/s$/,"",v); printf "%.2f", v*1000 } }'
}
load() { # load URL [extra wrk args...]: "requests/s p50 p90 p99 max"; errors to stderr
  local url="$1"; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url")
  local errors
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" || true)
  if [ -n "$errors" ]; then echo "  (wrk, $url: $errors)" >&2; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(ms "$(echo "$out" | awk '$1=="50%" {print $2}')")" \
    "$(ms "$(echo "$out" | awk '$1=="90%" {print $2}')")" \
    "$(ms "$(echo "$out" | awk '$1=="99%" {print $2}')")" \
    "$(ms "$(echo "$out" | awk '$1=="Latency" {print $4}')")"
}
for page in "${PAGES[@]}"; do
  url="http://127.0.0.1:$PORT$page"
  # The first request renders the page (uncached) and keeps it in the page cache: its time, on
  # loopback, is the first-render figure.
  first=$(curl -s -o "$DIR/page" -w '%{time_total}' "$url")
  first=$(awk -v t="$first" 'BEGIN { printf "%.2f", t*1000 }')
  bytes=$(wc -c <"$DIR/page")
  gzip_bytes=$(curl -s -H 'Accept-Encoding: gzip' "$url" | wc -c)
  read -r g_rps g_p50 g_p90 g_p99 g_max < <(load "$url" -H 'Accept-Encoding: gzip')
  read -r p_rps _ _ p_p99 _ < <(load "$url")
  echo "| \`$page\` | $bytes | $gzip_bytes | $first | $g_rps | $g_p50 | $g_p90 | $g_p99 | $g_max | $p_rps | $p_p99 |"
done
