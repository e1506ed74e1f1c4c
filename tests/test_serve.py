"""`gcmkg serve` as a real process on loopback: limits that hold under gunicorn, and a rebuild picked up live."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
from http.client import HTTPConnection

import pytest

from conformance.harness import ROOT, http, serve

pytestmark = pytest.mark.slow

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT ?o WHERE { ?o a gcm:Objective } LIMIT 3"


def get(base: str, query: str, source: str = "127.0.0.1", timeout: float = 60, accept="application/sparql-results+json"):
    """GET /sparql?query= from a chosen loopback source address (a distinct client for the per-client limit)."""
    host, port = base.rsplit("//", 1)[1].split(":")
    conn = HTTPConnection(host, int(port), timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
        r = conn.getresponse()
        return r.status, r.headers, r.read()  # case-insensitive (granian sends lower-case names)
    finally:
        conn.close()


def test_limits_hold_in_the_real_server(built_config):
    env = {"GCMKG_QUERY_TIMEOUT": "3", "GCMKG_CLIENT_CONCURRENCY": "1"}
    with serve(built_config.instance_dir, env=env, workers=2, threads=4) as base:
        assert get(base, CHEAP)[0] == 200
        slow: dict = {}

        def runaway():
            started = time.monotonic()
            slow["status"], slow["headers"], slow["body"] = get(base, ENDLESS)
            slow["seconds"] = time.monotonic() - started

        t = threading.Thread(target=runaway)
        t.start()
        # the same client is over its limit of 1 while its runaway query runs: 429 with Retry-After (polled: on a
        # loaded machine the runaway may take a moment to reach its evaluator)
        deadline = time.monotonic() + 2.5
        polls = 0
        while True:
            time.sleep(0.2)
            polls += 1  # a new text each time: a cached answer is served without a slot (server.fastpath)
            status, headers, body = get(base, f"{CHEAP} # poll {polls}")
            if status == 429 or time.monotonic() > deadline or not t.is_alive():
                break
        assert status == 429, (status, body)
        assert headers["Retry-After"] == "2", headers
        # other clients are served, quickly, meanwhile
        for _ in range(5):
            started = time.monotonic()
            status, _, body = get(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s a gcm:Objective }", source="127.0.0.2")
            assert status == 200 and time.monotonic() - started < 1.5  # served while the runaway query runs (3 s limit)
        t.join(30)
        assert slow["status"] == 503 and b"stopped after 3 s" in slow["body"]
        assert 2.5 < slow["seconds"] < 6
        assert get(base, CHEAP)[0] == 200  # the slot and the evaluator are back
        # SERVICE to a non-allowed address: refused, and nothing is fetched
        status, _, body = get(base, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
        assert status == 403 and b"127.0.0.1:9" in body


def test_a_rebuild_is_picked_up_without_dropping_a_request(tmp_path):
    instance = tmp_path / "instance"
    build = [sys.executable, "-m", "gcmkg", "build", "--instance-dir", str(instance)]
    subprocess.run(build, cwd=ROOT, check=True, capture_output=True, timeout=300)
    first = json.loads((instance / "current" / "build.json").read_text())["id"]
    results: list = []
    stop = threading.Event()
    with serve(instance, workers=2, threads=2, env={"GCMKG_CACHE": "0"}) as base:
        def loop():
            queries = [CHEAP, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "ASK { ?s a gcm:Objective }"]
            n = 0
            while not stop.is_set() and n < 5000:
                status, _, body = get(base, queries[n % len(queries)], timeout=30)
                results.append((status, body[:200]))
                n += 1

        clients = [threading.Thread(target=loop) for _ in range(2)]
        for c in clients:
            c.start()
        subprocess.run(build, cwd=ROOT, check=True, capture_output=True, timeout=300)
        second = json.loads((instance / "current" / "build.json").read_text())["id"]
        time.sleep(1.0)  # keep querying on the new build for a while
        stop.set()
        for c in clients:
            c.join(30)
        _, _, ready = http(base, "GET", "/-/ready")
    assert second != first
    assert json.loads(ready)["build"] == second
    failed = [r for r in results if r[0] != 200]
    assert len(results) > 20 and failed == []
