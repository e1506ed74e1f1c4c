"""The endpoint's hard limits: time (the evaluator is really killed), result size (an error, never a cut), query
length (413), concurrency per client (429 + Retry-After). Real-process versions are in test_serve.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest

from ontology import settings
from server import create_app, executor
from server.evaluator import count_rows
from server.limits import ClientSlots, TooManyRequests

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _app(built_config, **overrides):
    app = create_app(settings.load({"instance_dir": str(built_config.instance_dir), **overrides}))
    app.testing = True
    return app


def _evaluator_pids() -> set[int]:
    return {ev.proc.pid for p in executor.pools() for ev in p._all if isinstance(ev, executor._Evaluator)}


def test_a_runaway_query_is_stopped_at_the_limit_and_its_process_killed(built_config):
    c = _app(built_config, query_timeout=1.0).test_client()
    assert c.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    before = _evaluator_pids()
    started = time.monotonic()
    r = c.get("/sparql", query_string={"query": ENDLESS})
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert b"stopped after 1 s" in r.data and r.mimetype == "text/plain"
    assert elapsed < 3.0
    killed = before - _evaluator_pids()
    for pid in killed:  # reaped: no such process any more
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    # the next query is answered by a fresh evaluator
    assert c.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def _rows_app(built_config, **overrides):
    app = _app(built_config, **overrides)
    store = ox.Store()
    for i in range(10):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"),
                          ox.Literal(f'line\n"{i}",{{"type":"x"}}<result>'), ox.NamedNode("http://g")))
    app.extensions["gcmkg_store"].use(store, {"id": "ten"})
    return app.test_client()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_too_many_rows_is_an_error_with_the_limit_never_a_cut(built_config, fmt):
    c = _rows_app(built_config, max_results=5)
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
    assert r.status_code == 422
    assert b"10 rows" in r.data and b"5" in r.data and b"LIMIT" in r.data
    ok = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 5", "format": fmt})
    assert ok.status_code == 200


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_too_many_triples_is_an_error(built_config, fmt):
    c = _rows_app(built_config, max_results=5)
    r = c.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": fmt})
    assert r.status_code == 422 and b"more than 5 triples" in r.data
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
    assert c.get("/sparql", query_string={"query": q, "format": fmt}).status_code == 200


def test_too_many_bytes_is_an_error(built_config):
    c = _rows_app(built_config, max_result_bytes=300)
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert r.status_code == 422 and b"300 bytes" in r.data


def _true_count(store, query, fmt) -> tuple[int, bytes]:
    res = store.query(query)
    body = res.serialize(format={"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                                 "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt])
    return len(list(store.query(query))), body


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_counting_reads_nasty_literals_right(fmt):
    store = ox.Store()
    nasty = ['a\nb', 'q"uote', '\\"', '\\', ',{', '{"type":"uri"}', '<result>', '"\r\n"', ']},{', '', ':[{']
    for i, text in enumerate(nasty):
        store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), ox.Literal(text)))
        store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/q"),
                          ox.Literal(text, language="en")))
    for q in ["SELECT * { ?s ?p ?o }", "SELECT ?o { ?s ?p ?o }", "SELECT * { }", "SELECT * { FILTER(false) }",
              "SELECT ?x { VALUES ?x { UNDEF UNDEF UNDEF } }", "SELECT ?s ?x { ?s ?p ?o OPTIONAL { ?s <http://x> ?x } }"]:
        expected, body = _true_count(store, q, fmt)
        assert count_rows(body, fmt) == expected, (q, body[:200])


def test_a_query_longer_than_the_limit_is_413(built_config):
    c = _app(built_config, max_query_length=100).test_client()
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200
    for r in (c.get("/sparql", query_string={"query": long_query}),
              c.post("/sparql", data={"query": long_query}),
              c.post("/sparql", data=long_query, content_type="application/sparql-query"),
              c.post("/sparql", data=long_query * 100, content_type="application/sparql-query")):
        assert r.status_code == 413, r.data
        assert r.mimetype == "text/plain" and b"100" in r.data


def test_a_client_over_its_concurrency_gets_429_with_retry_after(built_config):
    app = _app(built_config, client_concurrency=1)
    slots = app.extensions["gcmkg_slots"]
    other_holder = ClientSlots(slots.path, 1)  # another worker process or thread, as far as the locks go
    with other_holder.hold("127.0.0.1"):
        r = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "2" and b"1 queries running" in r.data
        other = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                      environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other.status_code == 200  # another client is not affected
    assert app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_slots_conflict_across_processes_and_die_with_their_process(tmp_path):
    path = tmp_path / "slots.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from server.limits import ClientSlots\n"
        f"s = ClientSlots({str(path)!r}, 2)\n"
        "with s.hold('198.51.100.7'):\n"
        "    with ClientSlots(s.path, 2).hold('198.51.100.7'):\n"
        "        print('held', flush=True); time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        mine = ClientSlots(path, 2)
        with pytest.raises(TooManyRequests):
            with mine.hold("198.51.100.7"):
                pass
        with mine.hold("198.51.100.8"):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with ClientSlots(path, 2).hold("198.51.100.7"):  # the kernel released the dead process's slots
        pass


def test_the_limits_are_announced_in_the_service_description(built_config):
    c = _app(built_config, max_results=1234, query_timeout=7.5).test_client()
    body = c.get("/sparql", headers={"Accept": "application/n-triples"}).data.decode()
    assert '"1234"^^<http://www.w3.org/2001/XMLSchema#integer>' in body
    assert "7.5" in body and "422" in body and "503" in body and "413" in body


def test_json_result_counts_match_for_a_real_select(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?s ?label { ?s rdfs:label ?label } LIMIT 200"})
    assert r.status_code == 200
    assert count_rows(r.data, "json") == len(json.loads(r.data)["results"]["bindings"])
