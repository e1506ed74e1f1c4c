"""A bounded load test on loopback (issue 8): wrk, 32 connections for 12 s against `gcmkg serve`, mixing cheap
and expensive named queries, the same .rq texts through /sparql, entity pages, search, and runaway queries that
must hit the time limit on purpose.

What must hold: no answer but 200, the announced 429 (per-client limit: wrk's connections all come from one
address) and 503 (time limit, or every evaluator busy, with Retry-After); runaway queries stopped at their limit
throughout the run (read from the server's JSON request log); resident memory of master + workers + evaluators
bounded across the run. The figures (throughput, p50/p95/p99, statuses, memory) are printed (pytest -s) and
written to the test's temporary folder as load-report.json.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conformance.harness import http, processes_with_env, serve
from ontology.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

DURATION = 12  # seconds of load
CONNECTIONS = 32
TIME_LIMIT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEAVY = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n)"

LUA = r"""
-- requests are given as {method, path, accept, content-type, body}; each thread walks the list from its own start
local requests = REQUESTS
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  i = id * 7
  statuses = {}
end

function request()
  i = i + 1
  local r = requests[(i % #requests) + 1]
  local headers = { ["Accept"] = r[3] }
  if r[4] ~= "" then headers["Content-Type"] = r[4] end
  local body = nil
  if r[5] ~= "" then body = r[5] end
  return wrk.format(r[1], r[2], headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, '
    .. '"mean": %.1f}, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean, table.concat(parts, ", ")))
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _mix() -> list[tuple[str, str, str, str, str]]:
    """(method, path, accept, content type, body): the request mix, weighted by repetition."""
    rj = "application/sparql-results+json"
    cheap = ["review-events", "regional-processes", "objective-profile", "country-profile", "statements-by-principle"]
    expensive = ["objective-country-matrix", "actors-by-objective", "figures", "treaty-status-escap",
                 "search-statements"]
    mix = []
    for name in cheap:
        mix += [("GET", f"/queries/{name}?run=1", rj, "", "")] * 2
    for name in expensive:
        mix.append(("GET", f"/queries/{name}?run=1", rj, "", ""))
        mix.append(("GET", f"/queries/{name}?run=1&format=html", "text/html", "", ""))
    for name in cheap[:3] + expensive[:3]:  # the same texts through the SPARQL endpoint
        text = (PROJECT_ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        mix.append(("POST", "/sparql", rj, "application/sparql-query", text))
    mix += [("POST", "/sparql", "text/csv", "application/sparql-query", HEAVY)] * 2
    mix += [("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a gcm:Objective }"}), rj, "", "")] * 2
    for path in ["/id/objective/13", "/id/objective/7", "/id/country/tha", "/id/country/npl", "/id/objective/23.ttl",
                 "/", "/browse/gcm:Country", "/search?q=labour+migration", "/search.json?q=thai", "/queries",
                 "/-/ready"]:
        mix.append(("GET", path, "text/html" if not path.endswith(".ttl") else "text/turtle", "", ""))
    mix.append(("POST", "/sparql", rj, "application/sparql-query", RUNAWAY))  # stopped at the limit, on purpose
    return mix


def _rss_kb(marker: str) -> tuple[int, int]:
    """(total resident KiB, processes) of every process of the server (its environment holds *marker*)."""
    procs = processes_with_env(marker)
    return sum(p["rss_kb"] for p in procs.values()), len(procs)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (.ci/run installs it)")
def test_load_mix_on_loopback(built_config, tmp_path):
    mix = _mix()
    lua = LUA.replace("REQUESTS", "{\n" + ",\n".join(
        "{" + ", ".join(_lua_string(x) for x in r) + "}" for r in mix) + "\n}")
    script = tmp_path / "mix.lua"
    script.write_text(lua, encoding="utf-8")
    env = {"GCMKG_QUERY_TIMEOUT": str(TIME_LIMIT), "GCMKG_CACHE": "0", "GCMKG_ACCESS_LOG": "1",
           "GCMKG_CLIENT_CONCURRENCY": "8"}
    samples: list[tuple[float, int, int]] = []
    with serve(built_config.instance_dir, env=env, workers=2, threads=8) as base:
        port = int(base.rsplit(":", 1)[1])
        marker = f"GCMKG_PORT={port}"
        log_file = built_config.instance_dir.parent / f"serve-{port}.log"
        for method, path, accept, ctype, body in mix[:: max(1, len(mix) // 12)]:  # warm every worker a little
            http(base, method, path, headers={"Accept": accept, **({"Content-Type": ctype} if ctype else {})},
                 body=body.encode() if body else None)
        offset = log_file.stat().st_size
        stop = threading.Event()

        def sample():
            started = time.monotonic()
            while not stop.is_set():
                kb, n = _rss_kb(marker)
                samples.append((time.monotonic() - started, kb, n))
                stop.wait(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        done = subprocess.run(["wrk", "-t", "4", "-c", str(CONNECTIONS), "-d", f"{DURATION}s", "--timeout", "20s",
                               "-s", str(script), base], capture_output=True, text=True, timeout=DURATION + 60)
        stop.set()
        sampler.join(5)
        status, _, body = http(base, "GET", "/-/metrics")
        metrics = body.decode()
        ready, _, _ = http(base, "GET", "/-/ready")
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRKJSON "))
    wrk = json.loads(line[len("WRKJSON "):])
    # the server's own record of every request of the run
    lines = [json.loads(x) for x in log_file.read_text(errors="replace")[offset:].splitlines() if x.startswith("{")]
    runaways = [e for e in lines if e.get("outcome") == "timeout"]
    by_status: dict[str, int] = {}
    for e in lines:
        by_status[str(e["status"])] = by_status.get(str(e["status"]), 0) + 1
    page_ms = sorted(e["ms"] for e in lines if e["route"] == "/id/<path:rest>" and e["status"] == 200)
    query_ms = sorted(e["ms"] for e in lines if e["route"] in ("/sparql", "/queries/<name>") and e["status"] == 200)
    half = len(samples) // 2
    first_max = max(kb for _, kb, _ in samples[:half])
    second_max = max(kb for _, kb, _ in samples[half:])
    report = {
        "connections": CONNECTIONS, "seconds": DURATION, "requests": wrk["requests"],
        "requests_per_second": round(wrk["requests"] / (wrk["duration_us"] / 1e6), 1),
        "latency_ms": {k: round(v / 1000, 1) for k, v in wrk["latency_us"].items()},
        "statuses_client": wrk["statuses"], "socket_errors": wrk["errors"], "statuses_server": by_status,
        "entity_page_p95_ms": page_ms[int(0.95 * (len(page_ms) - 1))] if page_ms else None,
        "query_p95_ms": query_ms[int(0.95 * (len(query_ms) - 1))] if query_ms else None,
        "runaway_queries_stopped": len(runaways),
        "runaway_eval_ms": [min((e["eval_ms"] for e in runaways), default=None),
                            max((e["eval_ms"] for e in runaways), default=None)],
        "runaway_total_ms_max": max((e["query_ms"] for e in runaways), default=None),
        "busy_503": sum(1 for e in lines if e.get("outcome") == "busy"),
        "rss_mb": {"first_half_max": round(first_max / 1024), "second_half_max": round(second_max / 1024),
                   "processes": max(n for _, _, n in samples)},
    }
    (tmp_path / "load-report.json").write_text(json.dumps(report, indent=2))
    print("\nload report: " + json.dumps(report, indent=2))
    assert ready == 200
    # no errors apart from the announced 429s and the 503s of the limit
    assert set(wrk["statuses"]) <= {"200", "429", "503"}, wrk["statuses"]
    assert wrk["errors"]["connect"] == 0 and wrk["errors"]["read"] == 0 and wrk["errors"]["timeout"] == 0, wrk
    assert set(by_status) <= {"200", "429", "503"}, by_status
    bad_503 = [e for e in lines if e["status"] == 503 and e.get("outcome") not in ("timeout", "busy")]
    assert bad_503 == [], bad_503[:5]
    assert wrk["statuses"].get("200", 0) > 0.6 * wrk["requests"], wrk["statuses"]
    assert {e["route"] for e in lines if e["status"] in (429, 503)} <= {"/sparql"}  # pages and named queries: 200
    assert wrk["requests"] > 500
    # runaway queries were stopped at the limit throughout the run
    assert len(runaways) >= 3
    for e in runaways:  # evaluation stopped at the limit; the wait for an idle evaluator is bounded by it too (the
        # rest of query_ms is a fresh evaluator loading the build, which has its own allowance)
        assert TIME_LIMIT * 1000 * 0.95 <= e["eval_ms"] <= TIME_LIMIT * 1000 + 1000, e
        assert e["wait_ms"] <= TIME_LIMIT * 1000 + 1000, e
    times = sorted(e["ts"] for e in runaways)
    assert times[0] < times[-1]  # early and late in the run, not a burst
    assert "gcmkg_sparql_timeouts_total" in metrics
    # memory bounded: no growth across the run beyond a margin, and an absolute ceiling
    assert second_max <= first_max * 1.25 + 100 * 1024, report["rss_mb"]
    assert second_max < 4 * 1024 * 1024, report["rss_mb"]
    # p95 latency stays interactive (runaways excluded: they take the time limit by design)
    assert report["entity_page_p95_ms"] is not None and report["entity_page_p95_ms"] < 2000, report
    assert os.path.exists(tmp_path / "load-report.json")
