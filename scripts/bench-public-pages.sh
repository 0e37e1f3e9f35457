#!/usr/bin/env bash
# Load benchmark for the public observatory pages (a benchmark, not a test: it prints figures).
# Starts the release binary's demo on a free port, warms each page, then runs wrk with 200
# concurrent connections for DURATION seconds per page and prints requests/s and latency
# percentiles. Installs wrk from Debian if it is missing.
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
echo "Machine: $(nproc) cores; $CONNECTIONS connections, $THREADS wrk threads, ${DURATION}s per page; wrk runs on the same machine."
echo
echo "| page | bytes | first request ms | requests/s | p50 ms | p90 ms | p99 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for page in "${PAGES[@]}"; do
  url="http://127.0.0.1:$PORT$page"
  # The first request renders the page (uncached) and warms the page cache: its time, on
  # loopback, is the first-render figure.
  first=$(curl -s -o "$DIR/page" -w '%{time_total}' "$url")
  first=$(awk -v t="$first" 'BEGIN { printf "%.2f", t*1000 }')
  bytes=$(wc -c <"$DIR/page")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
  ms() { # wrk prints e.g. 1.23ms, 456.78us or 1.02s
    awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); printf "%.2f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.2f", v } else { sub(/s$/,"",v); printf "%.2f", v*1000 } }'
  }
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p90=$(echo "$out" | awk '$1=="90%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  max=$(echo "$out" | awk '$1=="Latency" {print $4}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" || true)
  echo "| \`$page\` | $bytes | $first | $rps | $(ms "$p50") | $(ms "$p90") | $(ms "$p99") | $(ms "$max") |"
  if [ -n "$errors" ]; then echo "  (wrk: $errors)"; fi
done
