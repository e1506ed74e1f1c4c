#!/usr/bin/env bash
# The endpoint benchmark (not a test): the four anchor queries of queries.py on gen.py's graph (10,000 statements,
# ~80k triples), wrk with 8 connections, against, in one sitting on this machine:
#   ours (gunicorn, cache off), ours (cache on), Oxigraph's own server, plain Flask + pyoxigraph (2 gunicorn workers)
# plus the endpoint's overhead (HTTP median minus in-process evaluation+serialization median).
# Usage: bench/run.sh            (DUR=seconds per wrk run, default 8; WORK=scratch folder, default /tmp/gcmkg-bench)
# Needs: wrk (apt-get install wrk); the project's .venv; Oxigraph's server is pip-installed into $WORK/oxvenv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
py="$root/.venv/bin/python"
DUR=${DUR:-8}
WORK=${WORK:-/tmp/gcmkg-bench}
rm -rf "$WORK/instance" "$WORK/oxdata"
mkdir -p "$WORK"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

"$py" "$here/gen.py" 10000 "$WORK/kg.nt"
(cd "$root" && "$py" -P "$here/make_instance.py" "$WORK/kg.nt" "$WORK/instance")
if [ ! -x "$WORK/oxvenv/bin/oxigraph" ]; then
  python3 -m venv "$WORK/oxvenv"
  "$WORK/oxvenv/bin/pip" install --quiet oxigraph
fi
"$WORK/oxvenv/bin/oxigraph" load --location "$WORK/oxdata" --file "$WORK/kg.nt" >/dev/null 2>&1

port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_up() { for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }

bench() {  # bench LABEL URL
  local label=$1 url=$2
  for name in entity join text classes; do
    q=$("$py" -c "import sys,urllib.parse; sys.path.insert(0,'$here'); import queries; print(urllib.parse.quote(queries.QUERIES['$name']))")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/sparql-results+json' "$url?query=$q")
    line=$(wrk -t2 -c8 -d"${DUR}s" --latency -s "$here/report.lua" -H 'Accept: application/sparql-results+json' \
           "$url?query=$q" 2>&1 | grep '^RESULT' || true)
    echo "BENCH $label $name http=$code ${line#RESULT }"
  done
}

ours() {  # ours LABEL CACHE
  local p; p=$(port)
  GCMKG_INSTANCE_DIR="$WORK/instance" GCMKG_PORT=$p GCMKG_WORKERS=2 GCMKG_THREADS=4 GCMKG_CACHE=$2 \
    GCMKG_CLIENT_CONCURRENCY=0 GCMKG_ACCESS_LOG=0 "$root/.venv/bin/gcmkg" serve >"$WORK/ours-$1.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  wait_up "http://127.0.0.1:$p/-/ready"; sleep 10  # let every evaluator finish loading its copy of the build
  bench "$1" "http://127.0.0.1:$p/sparql"
  if [ "$2" = 0 ]; then PYTHONPATH="$here" "$py" "$here/overhead.py" "http://127.0.0.1:$p/sparql" "$WORK/kg.nt"; fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

ours ours-cache-off 0
ours ours-cache-on 1

p=$(port)
"$WORK/oxvenv/bin/oxigraph" serve-read-only --location "$WORK/oxdata" --bind "127.0.0.1:$p" >"$WORK/oxigraph.log" 2>&1 &
pid=$!; pids+=("$pid"); wait_up "http://127.0.0.1:$p/query?query=ASK%7B%7D"
bench oxigraph-server "http://127.0.0.1:$p/query"
kill "$pid"; wait "$pid" 2>/dev/null || true

p=$(port)
(cd "$here" && BENCH_NT="$WORK/kg.nt" exec "$root/.venv/bin/gunicorn" -w 2 -b "127.0.0.1:$p" plain_flask:app \
  >"$WORK/plain.log" 2>&1) &
pid=$!; pids+=("$pid"); wait_up "http://127.0.0.1:$p/sparql?query=ASK%7B%7D"
bench plain-flask "http://127.0.0.1:$p/sparql"
