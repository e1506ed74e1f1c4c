"""SPARQL Update: off by default; when enabled, POST only, bearer token only, each update a new build."""
from __future__ import annotations

import json
import logging

import pyoxigraph as ox
import pytest

from ontology import settings
from server import create_app

from conformance.harness import activate, write_build

TOKEN = "s3cret-token-for-tests"
INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 'new' } }"
ASK = "ASK { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 'new' } }"


@pytest.fixture()
def instance(tmp_path):
    folder = tmp_path / "instance"
    seed = [ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("old"),
                    ox.NamedNode("http://example.org/g"))]
    activate(folder, write_build(tmp_path / "seed", seed, "seed"))
    return folder


def _client(instance, **overrides):
    app = create_app(settings.load({"instance_dir": str(instance), **overrides}))
    app.testing = True
    return app.test_client()


def _ask(c, query=ASK) -> bool:
    return json.loads(c.get("/sparql", query_string={"query": query}).data)["boolean"]


def test_updates_are_refused_by_default(instance):
    c = _client(instance)
    for r in (c.post("/sparql", data={"update": INSERT}),
              c.post("/sparql", data=INSERT, content_type="application/sparql-update",
                     headers={"Authorization": f"Bearer {TOKEN}"})):
        assert r.status_code == 403 and b"read-only" in r.data
    assert not _ask(c)


def test_an_update_needs_the_token(instance):
    c = _client(instance, updates=True, update_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        r = c.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN.encode() not in r.data
    assert not _ask(c)


def test_enabled_without_a_token_accepts_nothing(instance):
    c = _client(instance, updates=True)
    r = c.post("/sparql", data=INSERT, content_type="application/sparql-update", headers={"Authorization": "Bearer "})
    assert r.status_code == 401


def test_an_authorised_update_becomes_a_new_current_build(instance, caplog):
    caplog.set_level(logging.DEBUG)
    c = _client(instance, updates=True, update_token=TOKEN)
    before = c.get("/-/ready").get_json()["build"]
    r = c.post("/sparql", data=INSERT, content_type="application/sparql-update",
               headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.data
    new_build = r.headers["X-GCMKG-Build"]
    assert new_build != before and new_build.endswith("-update")
    assert _ask(c)
    assert c.get("/-/ready").get_json()["build"] == new_build
    meta = json.loads((instance / "current" / "build.json").read_text())
    assert meta["derived_from"] == "seed" and meta["statistics"]["triples"] == 2
    # a second app (another worker process) sees it too: the update is shared and persistent
    assert _ask(_client(instance))
    assert TOKEN not in caplog.text


def test_form_update_with_using_graph_uri(instance):
    c = _client(instance, updates=True, update_token=TOKEN)
    r = c.post("/sparql", data={"update": "INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/T> } } "
                                          "WHERE { ?s ?p ?o }",
                                "using-graph-uri": "http://example.org/g"},
               headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.data
    assert _ask(c, "ASK { GRAPH <http://example.org/out> { <http://example.org/a> a <http://example.org/T> } }")


@pytest.mark.parametrize("update,status,why", [
    ("LOAD <http://127.0.0.1:9/data.ttl>", 403, b"LOAD"),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, b"SERVICE"),
    ("CLEAR XYZ", 400, b"syntax"),
])
def test_refused_updates_change_nothing(instance, update, status, why):
    c = _client(instance, updates=True, update_token=TOKEN)
    before = c.get("/-/ready").get_json()["build"]
    r = c.post("/sparql", data=update, content_type="application/sparql-update",
               headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == status and why in r.data
    assert c.get("/-/ready").get_json()["build"] == before


def test_update_by_get_is_refused(instance):
    c = _client(instance, updates=True, update_token=TOKEN)
    r = c.get("/sparql", query_string={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 400


def test_updates_keep_a_bounded_number_of_builds(instance):
    c = _client(instance, updates=True, update_token=TOKEN, keep_builds=1)
    for i in range(3):
        r = c.post("/sparql", data=f"INSERT DATA {{ <http://e/{i}> <http://e/p> {i} }}",
                   content_type="application/sparql-update", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200
    assert len([p for p in (instance / "builds").iterdir() if not p.name.startswith(".")]) == 2


def test_on_a_build_whose_default_graph_is_the_merge_updates_keep_it_the_merge(tmp_path):
    """ingest.build stores the RDF merge of the named graphs as the default graph; an update re-merges it."""
    a = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("old"))
    quads = [ox.Quad(a.subject, a.predicate, a.object, g) for g in
             (ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/h"), ox.DefaultGraph())]
    instance = tmp_path / "instance"
    activate(instance, write_build(tmp_path / "merged", quads, "merged"))
    c = _client(instance, updates=True, update_token=TOKEN)
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"

    def n():
        return int(json.loads(c.get("/sparql", query_string={"query": count}).data)["results"]["bindings"][0]["n"]["value"])

    assert n() == 1  # the triple two graphs state is there once
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=auth).status_code == 200
    assert n() == 2 and _ask(c, "ASK { <http://example.org/s> <http://example.org/p> 'new' }")
    r = c.post("/sparql", data="INSERT DATA { <http://e/x> <http://e/p> 1 }", content_type="application/sparql-update",
               headers=auth)
    assert r.status_code == 400 and b"named graph" in r.data
    assert n() == 2
