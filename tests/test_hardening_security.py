"""Security hardening (issue 8): no SSRF, no loader, no traversal, no markup injection, no update without the token,
no secret in the logs, security headers on every HTML page.

The SSRF oracle is a loopback TCP listener that records every connection made to it: the SPARQL endpoint's
evaluator processes are real processes running pyoxigraph, which would call a SERVICE target over HTTP, so "the
listener saw nothing" proves that nothing was fetched. A positive control shows the listener does see the engine.
"""
from __future__ import annotations

import io
import json
import logging
import re
import shutil
import socket
import threading
import time
import urllib.parse
from contextlib import redirect_stderr, redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from ontology import settings
from ontology.settings import PROJECT_ROOT
from conformance.harness import copy_build

TOKEN = "s3cr3t-Upd4te-T0ken-9f8e7d"


# -- a loopback listener that records connections --------------------------------------------------------------
class Listener:
    """Accepts TCP connections on 127.0.0.1, records the first bytes of each, answers a tiny HTTP 200."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.seen.append(data)
            try:
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n"
                             b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')
            except OSError:
                pass
            conn.close()

    def count(self) -> int:
        time.sleep(0.05)
        return len(self.seen)

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def app(built_config):
    from server import create_app

    config = settings.load({"instance_dir": str(built_config.instance_dir), "query_timeout": 5, "cache": False,
                            "access_log": False})
    return create_app(config)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def update_app(built_config, tmp_path_factory):
    from server import create_app

    instance = copy_build(built_config, tmp_path_factory.mktemp("updates"))
    config = settings.load({"instance_dir": str(instance), "query_timeout": 10, "cache": False, "updates": True,
                            "update_token": TOKEN})
    return create_app(config)


JSON = {"Accept": "application/sparql-results+json"}


def _ask(client, query: str, how: str = "get", extra: dict | None = None):
    if how == "get":
        return client.get("/sparql?" + urllib.parse.urlencode({"query": query, **(extra or {})}), headers=JSON)
    if how == "form":
        return client.post("/sparql", data={"query": query, **(extra or {})}, headers=JSON)
    return client.post("/sparql", data=query.encode("utf-8"), headers={**JSON, "Content-Type": "application/sparql-query"})


# -- SSRF through SERVICE -------------------------------------------------------------------------------------
def test_the_listener_sees_what_the_engine_calls(listener):
    """Positive control: pyoxigraph really calls a SERVICE target, and the listener records it."""
    before = listener.count()
    try:
        list(ox.Store().query(f"SELECT * {{ SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}"))
    except (OSError, RuntimeError, SyntaxError):
        pass
    assert listener.count() > before


def ssrf_queries(url: str, port: int) -> dict[str, str]:
    return {
        "plain": f"SELECT * {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "lower case, no spaces": f"select*{{service<{url}a>{{}}}}",
        "prefixed name": f"PREFIX x: <{url}> SELECT * {{ SERVICE x:sparql {{}} }}",
        "empty prefix glued": f"PREFIX : <{url}> SELECT * {{ SERVICE:e{{}} }}",
        "relative to BASE": f"BASE <{url}x/> SELECT * {{ SERVICE <../y> {{}} }}",
        "unicode escape in IRI": f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/\\u0073parql> {{}} }}",
        "localhost name": f"SELECT * {{ SERVICE <http://localhost:{port}/> {{}} }}",
        "short dotted loopback": f"SELECT * {{ SERVICE <http://127.1:{port}/> {{}} }}",
        "decimal loopback": f"SELECT * {{ SERVICE <http://2130706433:{port}/> {{}} }}",
        "userinfo": f"SELECT * {{ SERVICE <http://example.org@127.0.0.1:{port}/> {{}} }}",
        "IPv6 loopback": f"SELECT * {{ SERVICE <http://[::1]:{port}/> {{}} }}",
        "glued to true": f"SELECT * {{ ?s ?p trueSERVICE <{url}t> {{}} }}",
        "SERVICESILENT": f"SELECT * {{ SERVICESILENT <{url}ss> {{}} }}",
        "less-than then comment": f"PREFIX : <{url}> SELECT * {{ BIND(1 AS ?x) BIND(2 AS ?y) "
                                  f"FILTER(?x<?y)SERVICE:e#>\n{{}} }}",
        "comment inside": f"SELECT * {{ SERVICE #c\n <{url}c> {{}} }}",
        "in OPTIONAL": f"SELECT * {{ OPTIONAL {{ SERVICE <{url}o> {{}} }} }}",
        "in MINUS": f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE <{url}m> {{}} }} }} LIMIT 1",
        "in FILTER EXISTS": f"SELECT * {{ FILTER EXISTS {{ SERVICE <{url}f> {{}} }} }}",
        "in a subquery": f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}q> {{}} }} }} }}",
        "variable target bound by VALUES": f"SELECT * {{ VALUES ?svc {{ <{url}> }} SERVICE ?svc {{}} }}",
        "variable target bound by BIND": f"SELECT * {{ BIND(IRI(\"{url}\") AS ?svc) SERVICE ?svc {{}} }}",
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}co> {{ ?s ?p ?o }} }}",
        "ASK": f"ASK {{ SERVICE <{url}ask> {{}} }}",
        "DESCRIBE": f"DESCRIBE ?s WHERE {{ SERVICE <{url}d> {{ ?s ?p ?o }} }}",
        "deeply nested": "SELECT * {" + "{" * 500 + f" SERVICE <{url}deep> {{}} " + "}" * 500 + "}",
    }


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_no_service_call_reaches_the_network(client, listener, how):
    before = listener.count()
    for name, query in ssrf_queries(listener.url, listener.port).items():
        r = _ask(client, query, how)
        assert r.status_code in (400, 403), (name, r.status_code, r.data[:300])
        assert r.data.strip(), name  # a message, always
    assert listener.count() == before, listener.seen[before:]


def test_an_allow_list_is_matched_exactly(built_config, listener):
    """Tricks that make a loopback URL look like the one allowed service are refused."""
    from server import create_app

    allowed = "http://example.invalid/sparql"
    config = settings.load({"instance_dir": str(built_config.instance_dir), "service_allowlist": allowed,
                            "access_log": False, "cache": False})
    c = create_app(config).test_client()
    p = listener.port
    before = listener.count()
    for target in [f"http://example.invalid/sparql@127.0.0.1:{p}/", f"http://127.0.0.1:{p}/#{allowed}",
                   f"http://127.0.0.1:{p}/?{allowed}", f"http://127.0.0.1:{p}/{allowed}",
                   f"{allowed}/../../127.0.0.1:{p}", f"HTTP://127.0.0.1:{p}/sparql"]:
        r = _ask(c, f"SELECT * {{ SERVICE <{target}> {{}} }}")
        assert r.status_code == 403, (target, r.status_code, r.data[:200])
    assert listener.count() == before


def test_dataset_clauses_and_parameters_fetch_nothing(client, listener):
    """FROM, FROM NAMED, default-graph-uri, named-graph-uri, GRAPH, DESCRIBE and IRI() name graphs and terms:
    pyoxigraph loads nothing, so they are answered (an unknown graph is empty) and the listener sees nothing."""
    url = listener.url
    before = listener.count()
    for query, extra in [
        (f"SELECT * FROM <{url}from.ttl> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{url}named.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": f"{url}dg"}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", {"named-graph-uri": f"{url}ng"}),
        (f"SELECT * WHERE {{ GRAPH <{url}g> {{ ?s ?p ?o }} }}", {}),
        (f"ASK {{ <{url}s> ?p ?o }}", {}),
        (f"SELECT (IRI(\"{url}i\") AS ?x) (STRLEN(STR(<{url}j>)) AS ?n) {{}}", {}),
    ]:
        r = _ask(client, query, "get", extra)
        assert r.status_code == 200, (query, r.data[:200])
    r = client.get("/sparql?" + urllib.parse.urlencode({"query": f"DESCRIBE <{url}x>"}),
                   headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert listener.count() == before


# -- loaders: JSON-LD contexts, LOAD ---------------------------------------------------------------------------
def test_no_endpoint_takes_json_ld_and_the_engine_loads_no_remote_context(client, listener):
    before = listener.count()
    doc = json.dumps({"@context": f"{listener.url}context.jsonld", "@id": "http://a", "name": "x"}).encode()
    for ctype in ("application/ld+json", "application/json", "text/turtle", "application/n-quads"):
        r = client.post("/sparql", data=doc, headers={"Content-Type": ctype})
        assert r.status_code == 415, (ctype, r.status_code)
    # pyoxigraph's JSON-LD parser refuses remote contexts instead of fetching them
    for document in (doc, json.dumps({"@context": [{"@import": f"{listener.url}imp"}], "@id": "http://a",
                                      "http://b": "x"}).encode()):
        with pytest.raises(SyntaxError):
            list(ox.parse(document, format=ox.RdfFormat.JSON_LD))
    assert listener.count() == before
    # rdflib (which would fetch a remote @context) never parses JSON-LD in the server or the pipeline
    offenders = [str(p) for root in ("server", "ingest", "queries")
                 for p in (PROJECT_ROOT / root).rglob("*.py")
                 if re.search(r"""format\s*=\s*["']json-?ld["']""", p.read_text(encoding="utf-8"), re.I)]
    assert offenders == []


def load_updates(url: str) -> list[str]:
    return [
        f"LOAD <{url}data.ttl>",
        f"LOAD SILENT <{url}data.ttl> INTO GRAPH <http://example.org/g>",
        f"load<{url}x>",
        f"LOAD #comment\n <{url}c>",
        f"INSERT DATA {{ GRAPH <http://example.org/g> {{ <http://a> <http://b> 'c' }} }} ; LOAD <{url}2>",
        f"CLEAR SILENT GRAPH <http://example.org/none>;LOAD <{url}3>",
        f"LOAD <http://127.0.0.1:{listener_port(url)}/\\u0064ata>",
        f"INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}w> {{ ?s ?p ?o }} }}",
        f"DELETE WHERE {{ SERVICE SILENT <{url}dw> {{ ?s ?p ?o }} }}",
    ]


def listener_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


def test_load_and_service_in_updates_are_refused_even_with_the_token(update_app, listener):
    c = update_app.test_client()
    before = listener.count()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for update in load_updates(listener.url):
        for r in (c.post("/sparql", data={"update": update}, headers=auth),
                  c.post("/sparql", data=update.encode(), headers={**auth, "Content-Type": "application/sparql-update"})):
            assert r.status_code == 403, (update, r.status_code, r.data[:200])
    # USING / WITH name graphs of the store: no fetch
    r = c.post("/sparql", data={"update": f"WITH <{listener.url}with> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"},
               headers=auth)
    assert r.status_code == 200, r.data
    assert listener.count() == before


# -- updates need the token ------------------------------------------------------------------------------------
UPDATE = "INSERT DATA { GRAPH <http://example.org/hardening> { <http://example.org/a> <http://example.org/b> 'c' } }"


def test_no_update_without_the_token(update_app, client):
    c = update_app.test_client()
    current = (Path(update_app.config["GCMKG"].instance_dir) / "current").resolve()
    for headers in [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
                    {"Authorization": f"Token {TOKEN}"}, {"X-Update-Token": TOKEN}, {"Cookie": f"token={TOKEN}"},
                    {"Authorization": "Bearer " + "\u00e9" * 20}]:
        r = c.post("/sparql", data={"update": UPDATE}, headers=headers)
        assert r.status_code == 401, (headers, r.status_code)
        assert "Bearer" in r.headers.get("WWW-Authenticate", "")
    for r in (c.post(f"/sparql?access_token={TOKEN}", data={"update": UPDATE}),
              c.post("/sparql", data={"update": UPDATE, "token": TOKEN}),
              c.get("/sparql?" + urllib.parse.urlencode({"update": UPDATE}),
                    headers={"Authorization": f"Bearer {TOKEN}"})):
        assert r.status_code in (400, 401), r.status_code
    assert (Path(update_app.config["GCMKG"].instance_dir) / "current").resolve() == current  # nothing written
    # a read-only endpoint refuses updates whatever the token
    r = client.post("/sparql", data={"update": UPDATE}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403


def test_the_token_never_reaches_the_logs(update_app, capsys):
    """Every log record and everything printed while updates with the token succeed, fail and are refused."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    keep = Keep()
    loggers = [logging.getLogger(), logging.getLogger("gcmkg.access"), logging.getLogger("werkzeug"),
               update_app.logger]
    for lg in loggers:
        lg.addHandler(keep)
    out, err = io.StringIO(), io.StringIO()
    c = update_app.test_client()
    bodies = []
    try:
        with redirect_stdout(out), redirect_stderr(err):
            auth = {"Authorization": f"Bearer {TOKEN}", "User-Agent": "hardening-test"}
            bodies.append(c.post("/sparql", data={"update": UPDATE}, headers=auth))  # applied: a new build
            bodies.append(c.post("/sparql", data={"update": "LOAD <http://x/>"}, headers=auth))
            bodies.append(c.post("/sparql", data={"update": "INSERT DATA { nonsense"},
                                 headers={"Authorization": f"Bearer {TOKEN}0"}))
            bodies.append(c.post(f"/sparql?token={TOKEN}", data={"update": UPDATE}))
            bodies.append(c.get(f"/sparql?access_token={TOKEN}&query=ASK%7B%7D", headers=JSON))
    finally:
        for lg in loggers:
            lg.removeHandler(keep)
    assert [r.status_code for r in bodies] == [200, 403, 401, 401, 200]
    captured = capsys.readouterr()
    text = "\n".join(records) + out.getvalue() + err.getvalue() + captured.out + captured.err
    assert any('"route": "/sparql"' in line for line in out.getvalue().splitlines()), "no access log line seen"
    assert TOKEN not in text
    for r in bodies:
        assert TOKEN.encode() not in r.data and TOKEN not in str(r.headers)


# -- path traversal ----------------------------------------------------------------------------------------------
TRAVERSALS = [
    "/id/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/objective/..%2f..%2f..%2fetc%2fpasswd",
    "/id/objective/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/id/objective\\..\\..\\etc\\passwd",
    "/id/objective/..\\..\\..\\etc\\passwd", "/id/%5c..%5c..%5cetc%5cpasswd", "/id/objective/%252e%252e%252fetc",
    "/id/..%00/etc/passwd", "/id/objective/13/../../../../etc/passwd", "/id/objective/13%00.ttl",
    "/id/objective/....//....//etc/passwd", "/id/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/gcmkg/id/../../etc/passwd", "/gcmkg/id/%2e%2e/%2e%2e/etc/passwd",
    "/graph/..%2f..%2fetc%2fpasswd", "/graph/%2e%2e", "/sdg/..%2f..%2fetc%2fpasswd",
    "/incoming/..%2f..%2fetc%2fpasswd", "/incoming/id/../../etc/passwd", "/browse/..%2f..%2fetc%2fpasswd",
    "/queries/..%2f..%2fetc%2fpasswd", "/queries/..%2f..%2fpyproject.toml.rq", "/queries/../pyproject.toml",
    "/queries/%2e%2e%2fstore.py", "/queries/..%5cstore.py.rq",
    "/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fpyproject.toml",
    "/static/..%5c..%5cserver%5c__init__.py", "/static/%252e%252e/pyproject.toml",
    "/ontology.%2e%2e%2fpyproject", "/dumps/../../etc/passwd", "/dumps/%2e%2e/%2e%2e/etc/passwd",
    "/dumps/..%2f..%2fbuild.json", "/openapi.yaml/../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(client, path):
    for accept in ("text/html", "text/turtle", "*/*"):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code in (400, 404, 406), (path, accept, r.status_code)
        body = r.data
        assert b"root:x:0:0" not in body and b"[project]" not in body and b"import " not in body
        assert b'"fingerprint"' not in body


def test_traversal_does_not_escape_the_folders_served(client):
    """The files next to the static folder and the build exist (so a traversal would have something to find)."""
    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    assert client.get("/static/../pyproject.toml").status_code == 404


# -- markup from documents and queries is escaped -------------------------------------------------------------
HOSTILE_TITLE = 'Hostile <script>alert("t1")</script> "><img src=x onerror=alert(2)> report'
HOSTILE_TEXT = f"""{HOSTILE_TITLE}

1. The Government of Thailand <script>alert("p1")</script> reported progress on objective 23 and
"><img src=x onerror=alert(3)> on safe and regular migration in Asia and the Pacific.

2. Participants recommended ' onmouseover='alert(4)' x=' that States strengthen cooperation with the International
Organization for Migration </textarea></title><svg onload=alert(5)> on objective 7 and SDG target 10.7.

3. A challenge: <iframe src="javascript:alert(6)"></iframe> &lt;b&gt; remains for migrant workers in Nepal.
"""
MARKERS = ["<script>alert", "<img src=x", "<svg onload", "<iframe", "</textarea></title>"]


class _Elements(HTMLParser):
    """Every element and attribute of a page, and the text inside <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "script":
            self._in_script = attrs
            self.scripts.append((attrs, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """A build of the project's data plus one hostile document, made by the ingest pipeline."""
    from ingest.add import add_document
    from server import create_app

    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    doc = root / "hostile-report.txt"
    doc.write_text(HOSTILE_TEXT, encoding="utf-8")
    config = settings.load({"instance_dir": str(root / "instance"), "data_dir": str(data), "access_log": False})
    status = add_document(config, str(doc), doc_id="hostile-report", title=HOSTILE_TITLE, date="2024-01-01",
                          out=io.StringIO())
    assert status == 0
    return create_app(config)


def _assert_escaped(path: str, r):
    body = r.get_data(as_text=True)
    for marker in MARKERS:
        assert marker not in body, f"{path}: unescaped {marker!r}"
    page = _Elements()
    page.feed(body)
    for tag, attrs in page.elements:
        assert tag not in ("iframe", "object", "embed"), (path, tag)
        handlers = [a for a in attrs if a.lower().startswith("on")]
        assert not handlers, (path, tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (path, tag, attrs)
    for attrs, text in page.scripts:  # only the app's own script files and JSON data blocks
        if attrs.get("src"):
            assert attrs["src"].startswith("/static/"), (path, attrs)
        else:
            assert attrs.get("type") in ("application/ld+json", "application/json"), (path, attrs, text[:100])
            json.loads(text)  # a data block that still parses: nothing broke out of it


def test_hostile_document_text_is_escaped_everywhere(hostile_app):
    c = hostile_app.test_client()
    snap = hostile_app.extensions["gcmkg_store"].get()
    store = snap.store
    doc_graph = next(s["graph"] for s in snap.meta["sources"] if s["name"].endswith("hostile-report"))
    subjects = {q.subject.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(doc_graph))
                if isinstance(q.subject, ox.NamedNode)}
    base = snap.meta.get("base_iri", "https://w3id.org/gcmkg/")
    paths = sorted("/" + iri[len(base):] for iri in subjects if iri.startswith(base + "id/"))
    assert "/id/doc/hostile-report" in paths and any("/statement/" in p for p in paths), paths[:20]
    hostile_seen = False
    checked = 0
    for path in paths[:60] + ["/search?q=script", "/search?q=onerror", "/search?q=" + urllib.parse.quote(
            '<script>alert("x")</script>'), "/queries", "/", "/browse", "/charts",
            "/query?query=" + urllib.parse.quote('</textarea><script>alert(1)</script>'),
            "/queries/search-statements?run=1&format=html&q=script",
            "/queries/search-statements?format=html&q=" + urllib.parse.quote('<script>alert(1)</script>'),
            "/evidence?document=hostile-report", "/id/" + urllib.parse.quote('<script>alert(1)</script>'),
            "/incoming/" + paths[0].lstrip("/") + "?property=" + urllib.parse.quote('"><script>alert(1)</script>')]:
        r = c.get(path, headers={"Accept": "text/html"})
        assert r.status_code < 500, (path, r.status_code)
        if r.mimetype != "text/html":
            continue
        checked += 1
        _assert_escaped(path, r)
        hostile_seen |= "&lt;script&gt;alert" in r.get_data(as_text=True)
    assert checked > 10 and hostile_seen, "the hostile text was never shown (escaped): the test tested nothing"
    # the search API is JSON, not HTML: the text is there, as data
    r = c.get("/search.json?q=alert")
    assert r.status_code == 200 and r.mimetype == "application/json"


# -- security headers ----------------------------------------------------------------------------------------------
HTML_PATHS = ["/", "/id/objective/13", "/id/country/tha", "/search?q=thailand", "/queries", "/query", "/browse",
              "/charts", "/id/no-such/thing", "/queries/objective-profile", "/queries/objective-profile?run=1&format=html"]


@pytest.mark.parametrize("path", HTML_PATHS)
def test_security_headers_on_html(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html", (path, r.status_code, r.mimetype)
    csp = r.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert "'unsafe-inline'" not in directives.get("script-src", ["'self'"]), csp
    assert "'unsafe-eval'" not in csp and "*" not in csp.replace("'self'", "")
    assert directives.get("object-src") == ["'none'"], csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") in ("no-referrer", "strict-origin-when-cross-origin", "same-origin")
    assert r.headers.get("X-Frame-Options") == "DENY"


def test_api_answers_are_not_sniffed(client):
    for path, headers in [("/sparql?query=SELECT%20*%20%7B%7D", JSON), ("/sparql?query=%7B", JSON),
                          ("/search.json?q=x", {}), ("/-/metrics", {}), ("/openapi.yaml", {})]:
        r = client.get(path, headers=headers)
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
