"""Named queries run under the endpoint's limits (server.sparql.evaluate): killed at the time limit, refused when
the answer is larger than the result limit, never cut."""
from __future__ import annotations

import dataclasses

from server import create_app


def _client(config, **settings):
    app = create_app(dataclasses.replace(config, **settings))
    app.testing = True
    return app.test_client()


RUNAWAY = """#+ summary: A named query that would run for hours (a triple cross product)
#+ description: For the time-limit test only.
#+ tags: test
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }
"""


def test_a_named_query_over_the_time_limit_is_stopped_with_503(built_config, tmp_path, monkeypatch):
    import time

    from queries.catalog import Catalog
    from server import catalog

    (tmp_path / "runaway.rq").write_text(RUNAWAY, encoding="utf-8")
    monkeypatch.setattr(catalog, "_catalog", lambda: Catalog.load(tmp_path))
    client = _client(built_config, query_timeout=1.0)
    started = time.monotonic()
    resp = client.get("/queries/runaway", query_string={"run": "1"}, headers={"Accept": "text/csv"})
    assert resp.status_code == 503, resp.data
    assert b"runaway" in resp.data and b"stopped after 1 s" in resp.data
    assert time.monotonic() - started < 10  # stopped at the limit, not run to its end


def test_a_named_query_answer_larger_than_the_result_limit_is_refused_not_cut(built_config):
    client = _client(built_config, max_results=3)
    for accept in ("text/csv", "text/html", "application/sparql-results+json"):
        resp = client.get("/queries/figures", query_string={"run": "1"}, headers={"Accept": accept})
        assert resp.status_code == 422, (accept, resp.data)
        assert b"more than 3" in resp.data
    small = _client(built_config, max_results=100000).get("/queries/figures", query_string={"run": "1"},
                                                          headers={"Accept": "text/csv"})
    assert small.status_code == 200 and small.data.count(b"\n") > 4


def test_a_client_at_its_query_limit_still_gets_named_queries(built_config):
    """The per-client limit guards /sparql; named queries (what the pages link to) stay available to that client."""
    from server.limits import ClientSlots

    client = _client(built_config, client_concurrency=1)
    slots = client.application.extensions["gcmkg_slots"]
    with ClientSlots(slots.path, 1).hold("127.0.0.1"):  # this client runs an ad-hoc query in another worker
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 429
        resp = client.get("/queries/figures", query_string={"run": "1"}, headers={"Accept": "text/csv"})
    assert resp.status_code == 200


def test_named_queries_are_answered_while_runaway_queries_hold_every_sparql_evaluator(built_config):
    """The named queries have their own evaluators: a flood of ad-hoc queries running to the time limit (from
    other clients) does not keep a page's named query waiting."""
    import threading
    import time

    client = _client(built_config, query_timeout=3.0, evaluators=1, client_concurrency=0)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200  # evaluator started
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    runaway = threading.Thread(target=lambda: client.get("/sparql", query_string={"query": endless}))
    runaway.start()
    time.sleep(0.3)
    started = time.monotonic()
    resp = client.get("/queries/regional-processes", query_string={"run": "1"}, headers={"Accept": "text/csv"})
    assert resp.status_code == 200 and time.monotonic() - started < 2.5  # not after the runaway's 3 s
    runaway.join(10)


def test_a_paginated_named_query_announces_its_page_and_links_the_next(client):
    import csv
    import io

    def rows(resp):
        return [tuple(r) for r in csv.reader(io.StringIO(resp.get_data(as_text=True)))][1:]

    whole = client.get("/queries/figures", query_string={"run": "1", "limit": "1000"}, headers={"Accept": "text/csv"})
    assert whole.headers["X-GCMKG-Page"].endswith("more=false") and "Link" not in whole.headers
    everything = rows(whole)
    assert len(everything) > 20
    first = client.get("/queries/figures", query_string={"run": "1", "limit": "10"}, headers={"Accept": "text/csv"})
    assert first.headers["X-GCMKG-Page"] == "offset=0; limit=10; rows=10; more=true"
    assert 'rel="next"' in first.headers["Link"] and "offset=10" in first.headers["Link"]
    nxt = first.headers["Link"].split(">", 1)[0].lstrip("<")
    second = client.get(nxt, headers={"Accept": "text/csv"})
    assert second.headers["X-GCMKG-Page"].startswith("offset=10; limit=10")
    assert rows(first) + rows(second) == everything[:20]  # in order, no overlap, no gap
    html = client.get("/queries/figures", query_string={"run": "1", "limit": "10", "offset": "10"},
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Rows 11–20, a page of 10" in html and 'rel="next"' in html and 'rel="prev"' in html


def test_the_catalog_describes_the_paging_parameters(client):
    listing = client.get("/queries", headers={"Accept": "application/json"}).get_json()
    figures = next(q for q in listing["queries"] if q["name"] == "figures")
    assert figures["pageSize"] == 100 and {"limit", "offset"} <= {p["name"] for p in figures["params"]}
    bad = client.get("/queries/figures", query_string={"run": "1", "limit": "0"}, headers={"Accept": "text/csv"})
    assert bad.status_code == 400 and b"limit" in bad.data
