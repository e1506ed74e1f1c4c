"""Named queries run under the endpoint's limits (server.sparql.evaluate): killed at the time limit, refused when
the answer is larger than the result limit, never cut."""
from __future__ import annotations

import dataclasses

from server import create_app


def _client(config, **settings):
    app = create_app(dataclasses.replace(config, **settings))
    app.testing = True
    return app.test_client()


def test_a_named_query_over_the_time_limit_is_stopped_with_503(built_config):
    client = _client(built_config, query_timeout=0.001)
    resp = client.get("/queries/objective-coverage", query_string={"run": "1"}, headers={"Accept": "text/csv"})
    assert resp.status_code == 503, resp.data
    assert b"objective-coverage" in resp.data and b"0.001" in resp.data


def test_a_named_query_answer_larger_than_the_result_limit_is_refused_not_cut(built_config):
    client = _client(built_config, max_results=3)
    for accept in ("text/csv", "text/html", "application/sparql-results+json"):
        resp = client.get("/queries/figures", query_string={"run": "1"}, headers={"Accept": accept})
        assert resp.status_code == 422, (accept, resp.data)
        assert b"more than 3" in resp.data
    small = _client(built_config, max_results=100000).get("/queries/figures", query_string={"run": "1"},
                                                          headers={"Accept": "text/csv"})
    assert small.status_code == 200 and small.data.count(b"\n") > 4


def test_named_queries_take_a_per_client_slot(built_config):
    from server.limits import ClientSlots

    client = _client(built_config, client_concurrency=1)
    slots = client.application.extensions["gcmkg_slots"]
    with ClientSlots(slots.path, 1).hold("127.0.0.1"):  # this client runs a query in another worker
        resp = client.get("/queries/figures", query_string={"run": "1"}, headers={"Accept": "text/csv"})
    assert resp.status_code == 429 and "Retry-After" in resp.headers
