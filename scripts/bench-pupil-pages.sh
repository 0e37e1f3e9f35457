#!/usr/bin/env bash
# Load benchmark for the signed-in pupil pages at the size of Kent (a benchmark, not a test: it
# prints figures). Generates Kent 2016/17 (about 232,000 pupils, all thirteen files), imports it
# into a fresh SQLite file and into a fresh PostgreSQL schema, signs in as the LA user, and runs
# wrk with CONNECTIONS concurrent clients for DURATION seconds against each of: the first page of
# the pupil list, a name search (POST) and pupil pages (a hundred different pupils). Reports
# p50/p99 latency, errors, and the server's peak memory (VmHWM). Installs wrk if missing.
#
# Usage: scripts/bench-pupil-pages.sh [DURATION_SECONDS] [sqlite|postgres|both]   (default 20 both)
# Environment: WAYMARK_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
#              CONNECTIONS (default 100), LA (default 886, Kent), WORK (default /tmp/wm-bench-pupils).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
ENGINES="${2:-both}"
CONNECTIONS="${CONNECTIONS:-100}"
LA="${LA:-886}"
WORK="${WORK:-/tmp/wm-bench-pupils}"
PG_URL="${WAYMARK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
PASSWORD="a long benchmark password"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release --bin waymark >/dev/null
BIN="$PWD/target/release/waymark"
mkdir -p "$WORK"
if [ ! -f "$WORK/csv/attendance.csv" ]; then
  "$BIN" synth --la "$LA" --year 2016/17 --seed 1 --out "$WORK/csv" >/dev/null
fi
# One key for the benchmark's databases, kept with them so a rerun can open them.
[ -f "$WORK/key" ] || python3 -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())' >"$WORK/key"
export WAYMARK_KEY
WAYMARK_KEY=$(cat "$WORK/key")
export WAYMARK_LOG=warn

ms() { # wrk prints e.g. 1.23ms, 456.78us or 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); printf "%.1f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.1f", v } else { sub(/s$/,"",v); printf "%.1f", v*1000 } }'
}

run_engine() {
  local engine="$1" url="$2"
  local t0 t1 port pid cookies csrf ids name
  t0=$(date +%s.%N)
  "$BIN" import "$WORK/csv" --database-url "$url" | tail -n 1
  t1=$(date +%s.%N)
  printf 'import into %s: %.1f s\n' "$engine" "$(python3 -c "print($t1 - $t0)")"
  WAYMARK_NEW_PASSWORD="$PASSWORD" "$BIN" admin create-user --database-url "$url" \
    --email la@bench.test --name "LA analyst" --role la --la "$LA" >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" serve --database-url "$url" --bind "127.0.0.1:$port" --secure-cookies never >"$WORK/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
  sleep 8 # the name index is built in the background at start (a few seconds for Kent)
  local base="http://127.0.0.1:$port"
  cookies="$WORK/cookies.txt"; rm -f "$cookies"
  csrf=$(curl -s -c "$cookies" "$base/sign-in" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -b "$cookies" -c "$cookies" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "email=la@bench.test" --data-urlencode "password=$PASSWORD" "$base/sign-in"
  local session
  session=$(awk '$6=="waymark_session" {print $7}' "$cookies")
  [ -n "$session" ] || { echo "sign-in failed"; kill "$pid"; return 1; }
  local list t2
  t2=$(date +%s.%N)
  list=$(curl -s -H "Cookie: waymark_session=$session" "$base/pupils")
  printf 'first pupil list after start: %.2f s\n' "$(python3 -c "print($(date +%s.%N) - $t2)")"
  csrf=$(echo "$list" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
  name=$(echo "$list" | grep -o 'href="/pupils/[0-9]*">[^<]*' | head -1 | sed 's/.*">//; s/.* //')
  ids=$(for p in 1 40 80 120 160 200 240 280 320 360; do
    curl -s -H "Cookie: waymark_session=$session" "$base/pupils?page=$p" | grep -o 'href="/pupils/[0-9]*"' | sed 's/href="\/pupils\///; s/"//' | head -10
  done | paste -sd, -)
  cat >"$WORK/pages.lua" <<LUA
local ids = { $ids }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/pupils/" .. ids[(i % #ids) + 1])
end
LUA
  cat >"$WORK/search.lua" <<LUA
wrk.method = "POST"
wrk.body = "csrf=$csrf&q=$name"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
  echo
  echo "| $engine: page | requests/s | p50 ms | p99 ms | max ms | errors |"
  echo "| --- | ---: | ---: | ---: | ---: | --- |"
  for what in list search pupil; do
    local args=()
    case "$what" in
      list) args=("$base/pupils") ;;
      search) args=(-s "$WORK/search.lua" "$base/pupils") ;;
      pupil) args=(-s "$WORK/pages.lua" "$base/") ;;
    esac
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: waymark_session=$session" "${args[@]}")
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    max=$(echo "$out" | awk '$1=="Latency" {print $4}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr -s ' ' | paste -sd';' - || true)
    label=$([ "$what" = list ] && echo "/pupils (first page, $(echo "$list" | grep -o 'of [0-9]* pupils' | head -1 | sed 's/of //'))" || { [ "$what" = search ] && echo "POST /pupils (search \"$name\")" || echo "/pupils/{id} (100 pupils)"; })
    echo "| $label | $rps | $(ms "$p50") | $(ms "$p99") | $(ms "$max") | ${errors:-none} |"
  done
  echo
  echo "server peak memory: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
  echo "server log error lines: $(grep -ci " error" "$WORK/serve.log" || true)"
  kill "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

echo "Machine: $(nproc) cores; wrk (2 threads, $CONNECTIONS connections, ${DURATION}s each) on the same machine."
if [ "$ENGINES" != postgres ]; then
  rm -f "$WORK/bench.db" "$WORK/bench.db-wal" "$WORK/bench.db-shm"
  run_engine SQLite "sqlite://$WORK/bench.db"
fi
if [ "$ENGINES" != sqlite ]; then
  schema="wm_bench_pages_$$"
  psql "$PG_URL" -qc "CREATE SCHEMA $schema"
  trap 'PGOPTIONS=--client-min-messages=warning psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
  sep='?'; case "$PG_URL" in *\?*) sep='&';; esac
  run_engine PostgreSQL "${PG_URL}${sep}options=-c%20search_path%3D${schema}"
fi
