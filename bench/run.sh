#!/usr/bin/env bash
# The endpoint benchmark (not a test): the four anchor queries of queries.py on gen.py's graph (10,000 statements,
# ~80k triples), wrk with 8 connections (2 threads), against, in one sitting on this machine:
#   ours under gunicorn (the default) and under granian (GCMKG_HTTP_SERVER=granian), each with the cache off and on,
#   Virtuoso 7.2.5 (Debian's packages), Oxigraph's own server, plain Flask + pyoxigraph (2 gunicorn workers),
#   rdflib-endpoint 0.6.3
# plus the endpoint's overhead (HTTP median minus in-process evaluation+serialization median, bench/overhead.py).
# Usage: bench/run.sh   DUR=seconds per wrk run (default 8); WORK=scratch folder (default /tmp/gcmkg-bench);
#        ENGINES="ours-off ours-on granian-off granian-on virtuoso oxigraph plain rdflib" (default: all).
# Needs: wrk (apt-get install wrk); the project's .venv; Oxigraph's server and rdflib-endpoint are pip-installed
# into their own venvs under $WORK, granian with pip --target into $WORK/granian-lib (unless the .venv has it); Virtuoso is unpacked from Debian's .debs by tests/engines.py (apt-get download).
# wrk waits 10 s for an answer (rdflib-endpoint takes ~2 s for join: the default 2 s would count it failed).
# Each result line: BENCH engine query http=<status of one curl> rows=<result rows> rps= p50= p95= p99= (ms)
# non2xx= errors= requests= load=<1-minute load average after the run>.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
py="$root/.venv/bin/python"
DUR=${DUR:-8}
WORK=${WORK:-/tmp/gcmkg-bench}
ENGINES=${ENGINES:-"ours-off ours-on granian-off granian-on virtuoso oxigraph plain rdflib"}
want() { [[ " $ENGINES " == *" $1 "* ]]; }
rm -rf "$WORK/instance" "$WORK/oxdata"
mkdir -p "$WORK"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
echo "START $(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) cores=$(nproc) DUR=$DUR"

"$py" "$here/gen.py" 10000 "$WORK/kg.nt"
(cd "$root" && "$py" -P "$here/make_instance.py" "$WORK/kg.nt" "$WORK/instance")

port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_up() { for _ in $(seq 300); do curl -sf -o /dev/null -H 'Accept: application/sparql-results+json' "$1" && return 0
            sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

bench() {  # bench LABEL URL [EXTRA query-string parameters, e.g. &default-graph-uri=...]
  local label=$1 url=$2 extra=${3:-}
  for name in entity join text classes; do
    q=$("$py" -c "import sys,urllib.parse; sys.path.insert(0,'$here'); import queries; print(urllib.parse.quote(queries.QUERIES['$name']))")
    target="$url?query=$q$extra"
    code=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -H 'Accept: application/sparql-results+json' "$target")
    rows=$("$py" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['results']['bindings']))" \
           "$WORK/answer.json" 2>/dev/null || echo '?')
    line=$(wrk -t2 -c8 -d"${DUR}s" --timeout 10s --latency -s "$here/report.lua" -H 'Accept: application/sparql-results+json' \
           "$target" 2>&1 | grep '^RESULT' || true)
    echo "BENCH $label $name http=$code rows=$rows ${line#RESULT } load=$(cut -d' ' -f1 /proc/loadavg)"
  done
}

ours() {  # ours LABEL CACHE HTTP_SERVER
  local p; p=$(port)
  GCMKG_INSTANCE_DIR="$WORK/instance" GCMKG_PORT=$p GCMKG_WORKERS=2 GCMKG_THREADS=4 GCMKG_CACHE=$2 \
    GCMKG_CLIENT_CONCURRENCY=0 GCMKG_ACCESS_LOG=0 GCMKG_HTTP_SERVER=$3 PYTHONPATH="${granian_path:-}" \
    "$root/.venv/bin/gcmkg" serve >"$WORK/ours-$1.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  wait_up "http://127.0.0.1:$p/-/ready"; sleep 10  # let every evaluator finish loading its copy of the build
  grep -q "SPARQL at /sparql, $3)" "$WORK/ours-$1.log" || { echo "$1 is not served by $3" >&2; exit 1; }
  bench "$1" "http://127.0.0.1:$p/sparql"
  PYTHONPATH="$here" "$py" "$here/overhead.py" "http://127.0.0.1:$p/sparql" "$WORK/kg.nt" "$1"
  stop "$pid"
}

want ours-off && ours ours-gunicorn-cache-off 0 gunicorn
want ours-on && ours ours-gunicorn-cache-on 1 gunicorn
if want granian-off || want granian-on; then
  if ! "$py" -c 'import granian' 2>/dev/null; then
    [ -d "$WORK/granian-lib/granian" ] || "$root/.venv/bin/pip" install --quiet --target "$WORK/granian-lib" granian
    granian_path="$WORK/granian-lib"
  fi
fi
want granian-off && ours ours-granian-cache-off 0 granian
want granian-on && ours ours-granian-cache-on 1 granian

if want virtuoso; then
  # queries without FROM see every graph in Virtuoso, its own system graphs included: the protocol's
  # default-graph-uri names the data's graph (the query text stays the same as for the other engines)
  coproc VIRT { cd "$here" && exec "$py" virtuoso.py "$WORK/virtuoso" "$WORK/kg.nt" 2>"$WORK/virtuoso.err"; }
  vpid=$VIRT_PID; pids+=("$vpid")
  read -r ready vurl <&"${VIRT[0]}" || { echo "Virtuoso did not start: $(tail -5 "$WORK/virtuoso.err")" >&2; exit 1; }
  [ "$ready" = READY ] || { echo "Virtuoso: $ready $vurl" >&2; exit 1; }
  echo "VIRTUOSO $(tail -1 "$WORK/virtuoso.err")"
  bench virtuoso "$vurl" "&default-graph-uri=https%3A%2F%2Fexample.org%2Fkg%2Fgraph"
  stop "$vpid"
fi

if want oxigraph; then
  if [ ! -x "$WORK/oxvenv/bin/oxigraph" ]; then
    python3 -m venv "$WORK/oxvenv"
    "$WORK/oxvenv/bin/pip" install --quiet oxigraph
  fi
  "$WORK/oxvenv/bin/oxigraph" load --location "$WORK/oxdata" --file "$WORK/kg.nt" >/dev/null 2>&1
  p=$(port)
  "$WORK/oxvenv/bin/oxigraph" serve-read-only --location "$WORK/oxdata" --bind "127.0.0.1:$p" >"$WORK/oxigraph.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_up "http://127.0.0.1:$p/query?query=ASK%7B%7D"
  bench oxigraph-server "http://127.0.0.1:$p/query"
  stop "$pid"
fi

if want plain; then
  p=$(port)
  (cd "$here" && BENCH_NT="$WORK/kg.nt" exec "$root/.venv/bin/gunicorn" -w 2 -b "127.0.0.1:$p" plain_flask:app \
    >"$WORK/plain.log" 2>&1) &
  pid=$!; pids+=("$pid"); wait_up "http://127.0.0.1:$p/sparql?query=ASK%7B%7D"
  bench plain-flask "http://127.0.0.1:$p/sparql"
  stop "$pid"
fi

if want rdflib; then
  if [ ! -x "$WORK/rdflibvenv/bin/rdflib-endpoint" ]; then
    python3 -m venv "$WORK/rdflibvenv"
    "$WORK/rdflibvenv/bin/pip" install --quiet "rdflib-endpoint==0.6.3" uvicorn
  fi
  p=$(port)
  "$WORK/rdflibvenv/bin/rdflib-endpoint" serve --host 127.0.0.1 --port "$p" "$WORK/kg.nt" >"$WORK/rdflib.log" 2>&1 &
  pid=$!; pids+=("$pid"); wait_up "http://127.0.0.1:$p/?query=ASK%7B%7D"  # its CLI serves the endpoint at /
  bench rdflib-endpoint "http://127.0.0.1:$p/"
  stop "$pid"
fi
echo "END $(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg)"
