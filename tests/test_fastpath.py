"""server.fastpath: /sparql cache hits replayed before Flask, byte for byte, per build and per request (issue 5)."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from ontology import settings
from server import create_app
from server.fastpath import Direct, FastPath

Q = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?s"


def _store(n: int) -> ox.Store:
    store = ox.Store()
    for i in range(n):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(f"v{i}"),
                          ox.DefaultGraph()))
    return store


@pytest.fixture()
def app(tmp_path):
    app = create_app(settings.load({"instance_dir": str(tmp_path), "cache": True, "access_log": False}))
    app.extensions["gcmkg_store"].use(_store(3), {"id": "three"})
    app.testing = True
    return app


def _flask_only(app):
    """The same app without the fast paths (cache hits, Direct): what Flask alone answers (its own response cache
    included)."""
    wsgi = app.wsgi_app
    if isinstance(wsgi, FastPath):
        wsgi = wsgi.wsgi_app
    assert isinstance(wsgi, Direct)
    return wsgi.wsgi_app


def _cached_count(app) -> float:
    counters = app.extensions["gcmkg_metrics"].state()["counters"]
    return sum(v for k, v in counters.get("gcmkg_sparql_queries_total", {}).items() if "cached" in k)


def test_a_hit_is_the_miss_byte_for_byte(app):
    c = app.test_client()
    miss = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "application/sparql-results+json"})
    hit = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "application/sparql-results+json"})
    assert miss.status_code == hit.status_code == 200
    assert miss.headers["X-GCMKG-Cache"] == "miss" and hit.headers["X-GCMKG-Cache"] == "hit"
    assert hit.data == miss.data and len(json.loads(hit.data)["results"]["bindings"]) == 3
    def others(r):
        return sorted((k, v) for k, v in r.headers.items() if k != "X-GCMKG-Cache")

    assert others(hit) == others(miss)
    assert hit.headers["Vary"] == "Accept" and hit.headers["Access-Control-Allow-Origin"] == "*"
    assert hit.headers["X-GCMKG-Build"] == "three" and hit.headers["ETag"].startswith('"')
    assert app.wsgi_app.cache.hits == 1


def test_the_hit_equals_what_flask_alone_answers(app):
    """Same bytes and headers as the Flask path's own cache hit (apart from the ETag the fast path adds)."""
    c = app.test_client()
    c.get("/sparql", query_string={"query": Q})
    fast = c.get("/sparql", query_string={"query": Q})
    app.wsgi_app = _flask_only(app)
    slow = app.test_client().get("/sparql", query_string={"query": Q})
    assert fast.headers["X-GCMKG-Cache"] == slow.headers["X-GCMKG-Cache"] == "hit"
    assert fast.data == slow.data
    assert sorted((k, v) for k, v in fast.headers.items() if k != "ETag") == sorted(slow.headers.items())


def test_a_different_accept_is_a_different_entry(app):
    c = app.test_client()
    json_ = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "application/sparql-results+json"})
    csv = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "text/csv"})
    assert csv.headers["X-GCMKG-Cache"] == "miss" and csv.mimetype == "text/csv"
    csv2 = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "text/csv"})
    json2 = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "application/sparql-results+json"})
    assert csv2.headers["X-GCMKG-Cache"] == json2.headers["X-GCMKG-Cache"] == "hit"
    assert csv2.data == csv.data and json2.data == json_.data and csv.data != json_.data
    assert csv2.mimetype == "text/csv" and json2.mimetype == "application/sparql-results+json"
    assert csv.headers["ETag"] != json_.headers["ETag"]
    # a format= override is part of the query string, so part of the key
    forced = c.get("/sparql", query_string={"query": Q, "format": "xml"}, headers={"Accept": "text/csv"})
    assert forced.mimetype == "application/sparql-results+xml"


def test_a_new_build_is_a_miss(app):
    c = app.test_client()
    c.get("/sparql", query_string={"query": Q})
    assert c.get("/sparql", query_string={"query": Q}).headers["X-GCMKG-Cache"] == "hit"
    app.extensions["gcmkg_store"].use(_store(5), {"id": "five"})
    after = c.get("/sparql", query_string={"query": Q})
    assert after.headers["X-GCMKG-Cache"] == "miss" and after.headers["X-GCMKG-Build"] == "five"
    assert len(json.loads(after.data)["results"]["bindings"]) == 5
    again = c.get("/sparql", query_string={"query": Q})
    assert again.headers["X-GCMKG-Cache"] == "hit" and again.data == after.data


def test_form_posts_are_cached_by_body(app):
    c = app.test_client()
    first = c.post("/sparql", data={"query": Q})
    second = c.post("/sparql", data={"query": Q})
    assert first.headers["X-GCMKG-Cache"] == "miss" and second.headers["X-GCMKG-Cache"] == "hit"
    assert first.data == second.data
    other = c.post("/sparql", data={"query": Q + " LIMIT 1"})
    assert other.headers["X-GCMKG-Cache"] == "miss" and len(json.loads(other.data)["results"]["bindings"]) == 1
    direct = c.post("/sparql", data=Q.encode(), content_type="application/sparql-query")
    assert direct.status_code == 200 and direct.data == first.data
    # a GET of the same query is another request (another key), with the same answer
    assert c.get("/sparql", query_string={"query": Q}).data == first.data


def test_errors_updates_and_the_service_description_are_never_replayed(app):
    c = app.test_client()
    for _ in range(2):
        bad = c.get("/sparql", query_string={"query": "SELECT * {"})
        assert bad.status_code == 400 and "X-GCMKG-Cache" not in bad.headers
        sd = c.get("/sparql", headers={"Accept": "text/turtle"})
        assert sd.status_code == 200 and "X-GCMKG-Cache" not in sd.headers
        html = c.get("/sparql", query_string={"query": Q}, headers={"Accept": "text/html"})
        assert html.status_code == 303
    assert len(app.wsgi_app.cache._entries) == 0


def test_if_none_match_gets_304(app):
    c = app.test_client()
    etag = c.get("/sparql", query_string={"query": Q}).headers["ETag"]
    r = c.get("/sparql", query_string={"query": Q}, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.data == b""
    assert r.headers["ETag"] == etag and r.headers["Vary"] == "Accept" and r.headers["X-GCMKG-Build"] == "three"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = c.get("/sparql", query_string={"query": Q}, headers={"If-None-Match": '"other", W/' + etag})
    assert r.status_code == 304
    assert c.get("/sparql", query_string={"query": Q}, headers={"If-None-Match": '"other"'}).status_code == 200


def test_hits_are_counted_in_metrics(app):
    c = app.test_client()
    before = _cached_count(app)
    c.get("/sparql", query_string={"query": Q})  # miss
    for _ in range(3):
        assert c.get("/sparql", query_string={"query": Q}).headers["X-GCMKG-Cache"] == "hit"
    assert _cached_count(app) == before + 3
    text = c.get("/-/metrics").get_data(as_text=True)
    line = [ln for ln in text.splitlines() if ln.startswith('gcmkg_sparql_queries_total{outcome="cached"}')]
    assert line and float(line[0].split()[-1]) == before + 3
    assert 'gcmkg_http_requests_total{method="GET",route="/sparql",status="200"} 4' in text


def test_hits_are_logged_when_the_access_log_is_on(tmp_path, capsys):
    app = create_app(settings.load({"instance_dir": str(tmp_path), "access_log": True}))
    app.extensions["gcmkg_store"].use(_store(2), {"id": "two"})
    c = app.test_client()
    c.get("/sparql", query_string={"query": Q})
    capsys.readouterr()
    c.get("/sparql", query_string={"query": Q, "token": "s3cret"}, headers={"User-Agent": "t"})
    c.get("/sparql", query_string={"query": Q, "token": "s3cret"}, headers={"User-Agent": "t"})
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    hit = lines[-1]
    assert hit["cache"] == "hit" and hit["outcome"] == "cached" and hit["status"] == 200
    assert hit["build"] == "two" and hit["route"] == "/sparql" and "s3cret" not in json.dumps(hit)


def test_no_fast_path_without_the_cache(tmp_path):
    app = create_app(settings.load({"instance_dir": str(tmp_path), "cache": False}))
    assert not isinstance(app.wsgi_app, FastPath)


# -- Direct: GET /sparql?query= answered by the view's functions without Flask's request context ------------------
def _direct_app(tmp_path, **settings_):
    app = create_app(settings.load({"instance_dir": str(tmp_path), "cache": False, "access_log": False,
                                    "max_query_length": 400, **settings_}))
    app.extensions["gcmkg_store"].use(_store(3), {"id": "three"})
    app.testing = True
    return app


RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.mark.parametrize("params,headers", [
    ({"query": Q}, RESULTS),
    ({"query": Q}, {"Accept": "text/csv"}),
    ({"query": Q, "format": "tsv"}, {}),
    ({"query": Q}, {"Accept": "text/html,application/xhtml+xml"}),  # a browser: 303 to the query UI
    ({"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+xml"}),
    ({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, {"Accept": "text/turtle"}),
    ({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, RESULTS),  # 406: no graph format accepted
    ({"query": Q}, {"Accept": "image/png"}),  # 406
    ({"query": "SELECT * WHERE { ?s ?p "}, RESULTS),  # 400, the parser's message
    ({"query": [Q, Q]}, RESULTS),  # 400: given twice
    ({"query": Q, "update": "CLEAR ALL"}, RESULTS),  # 400: no update by GET
    ({"query": "SELECT * { SERVICE <http://evil.example/> { ?s ?p ?o } }"}, RESULTS),  # 403
    ({"query": "SELECT * { ?s ?p ?o } # " + "x" * 400}, RESULTS),  # 413
    ({"query": Q, "default-graph-uri": "http://e/g"}, RESULTS),
    ({"query": Q, "format": "nonsense"}, RESULTS),  # 406
])
def test_direct_answers_what_flask_answers(tmp_path, params, headers):
    app = _direct_app(tmp_path)
    assert isinstance(app.wsgi_app, Direct)
    flask_calls, inner = [], app.wsgi_app.wsgi_app
    app.wsgi_app.wsgi_app = lambda environ, start_response: flask_calls.append(1) or inner(environ, start_response)
    direct = app.test_client().get("/sparql", query_string=params, headers=headers)
    flask_app = _direct_app(tmp_path / "flask")
    flask_app.wsgi_app = _flask_only(flask_app)
    flask_only = flask_app.test_client().get("/sparql", query_string=params, headers=headers)
    assert direct.status_code == flask_only.status_code
    assert direct.data == flask_only.data
    assert sorted(direct.headers.items()) == sorted(flask_only.headers.items())
    assert app.wsgi_app._enabled is True and not flask_calls  # Direct answered; Flask was never asked


def test_direct_counts_and_logs_like_flask(tmp_path, capsys):
    def run(app):
        app.test_client().get("/sparql", query_string={"query": Q, "token": "s3cret"},
                              headers={**RESULTS, "User-Agent": "probe"})
        app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p "}, headers=RESULTS)
        counters = app.extensions["gcmkg_metrics"].state()["counters"]
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        return counters, [{k: v for k, v in e.items() if k not in ("ts", "ms", "query_ms", "eval_ms", "wait_ms")}
                          for e in lines]

    direct = run(_direct_app(tmp_path, access_log=True))
    flask_app = _direct_app(tmp_path / "flask", access_log=True)
    flask_app.wsgi_app = _flask_only(flask_app)
    assert direct == run(flask_app)
    assert [e["status"] for e in direct[1]] == [200, 400] and direct[1][0]["route"] == "/sparql"
    assert "s3cret" not in json.dumps(direct[1])


def test_direct_steps_aside_when_a_request_hook_is_added(tmp_path):
    app = _direct_app(tmp_path)
    app.after_request(lambda resp: (resp.headers.__setitem__("X-Added", "1"), resp)[1])
    r = app.test_client().get("/sparql", query_string={"query": Q}, headers=RESULTS)
    assert r.status_code == 200 and r.headers["X-Added"] == "1"  # Flask answered, with the new hook
    assert app.wsgi_app._enabled is False


def test_direct_steps_aside_when_an_error_handler_is_added(tmp_path):
    from werkzeug.exceptions import BadRequest

    app = _direct_app(tmp_path)
    app.register_error_handler(BadRequest, lambda exc: ("handled by the app", 400))
    r = app.test_client().get("/sparql", query_string={"query": [Q, Q]}, headers=RESULTS)  # 400: given twice
    assert app.wsgi_app._enabled is False  # Flask answered: the handler it would call is not one Direct knows
    assert r.status_code == 400


def test_direct_answers_500_like_flask_when_the_view_fails(tmp_path, monkeypatch):
    from server import sparql

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sparql, "evaluate", broken)
    answers = []
    for wrap in (False, True):
        app = _direct_app(tmp_path / str(wrap))
        app.testing = False  # Flask answers 500 instead of raising
        if wrap:
            app.wsgi_app = _flask_only(app)
        answers.append(app.test_client().get("/sparql", query_string={"query": Q}, headers=RESULTS))
    assert answers[0].status_code == answers[1].status_code == 500
    assert answers[0].data == answers[1].data and answers[0].mimetype == "text/plain"
    assert sorted(answers[0].headers.items()) == sorted(answers[1].headers.items())


# -- the real server (gunicorn by default; granian where it is installed) ---------------------------------------
def _quads(n: int) -> list:
    return [ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(f"v{i}"),
                    ox.NamedNode("http://e/g")) for i in range(n)]


@pytest.mark.slow
@pytest.mark.parametrize("http_server", ["gunicorn", "granian"])
def test_the_fast_path_in_the_real_server(tmp_path, http_server):
    import importlib.util
    import urllib.parse

    from conformance.harness import activate, http, serve, write_build

    if http_server == "granian" and importlib.util.find_spec("granian") is None:
        pytest.skip("granian is not installed (pip install granian)")
    instance = tmp_path / "instance"
    activate(instance, write_build(tmp_path / "builds" / "first", _quads(3)))
    path = "/sparql?" + urllib.parse.urlencode({"query": Q})
    accept = {"Accept": "application/sparql-results+json"}
    with serve(instance, workers=1, threads=2, env={"GCMKG_HTTP_SERVER": http_server}) as base:
        status, h1, miss = http(base, "GET", path, accept)
        status2, h2, hit = http(base, "GET", path, accept)
        assert status == status2 == 200 and h1["x-gcmkg-cache"] == "miss" and h2["x-gcmkg-cache"] == "hit"
        assert hit == miss and h1["etag"] == h2["etag"] and h2["x-gcmkg-build"] == "first"
        assert {k: v for k, v in h1.items() if k not in ("x-gcmkg-cache", "date")} == \
            {k: v for k, v in h2.items() if k not in ("x-gcmkg-cache", "date")}
        status, h3, body = http(base, "GET", path, {**accept, "If-None-Match": h2["etag"]})
        assert status == 304 and body == b"" and h3["etag"] == h2["etag"]
        form = urllib.parse.urlencode({"query": Q}).encode()
        post = {"Content-Type": "application/x-www-form-urlencoded", **accept}
        http(base, "POST", "/sparql", post, form)  # Flask's own cache answers it (same query and format as the GET)
        status, h4, posted = http(base, "POST", "/sparql", post, form)
        assert status == 200 and h4["x-gcmkg-cache"] == "hit" and posted == miss
        activate(instance, write_build(tmp_path / "builds" / "second", _quads(4)))
        status, h5, after = http(base, "GET", path, accept)
        assert h5["x-gcmkg-cache"] == "miss" and h5["x-gcmkg-build"] == "second"
        assert len(json.loads(after)["results"]["bindings"]) == 4
        import time

        time.sleep(1.2)  # the worker writes its counters twice a second
        metrics = http(base, "GET", "/-/metrics")[2].decode()
        # GET hit, 304, the first POST (Flask's cache), the second POST (this one's)
        assert 'gcmkg_sparql_queries_total{outcome="cached"} 4' in metrics, metrics
