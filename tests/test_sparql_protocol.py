"""/sparql over Flask's test client on the session build: operations, dataset, errors, negotiation, redirect, SD, CORS.

(The W3C suite is in test_protocol_conformance.py; limits in test_sparql_limits.py; real clients in test_clients.py.)
"""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib

from ontology import settings
from server import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
OBJECTIVES = "SELECT ?o WHERE { ?o a gcm:Objective } ORDER BY ?o LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?o a gcm:Objective } WHERE { ?o a gcm:Objective } LIMIT 2"


def rows(resp) -> list:
    return json.loads(resp.data)["results"]["bindings"]


def test_get_form_post_and_direct_post_agree(client):
    a = client.get("/sparql", query_string={"query": COUNT})
    b = client.post("/sparql", data={"query": COUNT})
    c = client.post("/sparql", data=COUNT.encode(), content_type="application/sparql-query")
    assert a.status_code == b.status_code == c.status_code == 200
    assert rows(a) == rows(b) == rows(c)
    assert int(rows(a)[0]["n"]["value"]) > 40000


def _dataset_client(built_config):
    """An app over a small in-memory dataset: two named graphs of 2 and 3 triples, nothing in the default graph."""
    store = ox.Store()
    for g, n in (("http://example.org/g1", 2), ("http://example.org/g2", 3)):
        for i in range(n):
            store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                              ox.Literal(f"{g}-{i}"), ox.NamedNode(g)))
    app = create_app(built_config)
    app.extensions["gcmkg_store"].use(store, {"id": "two-graphs"})
    return app.test_client()


def count(client, query, **params) -> int:
    r = client.get("/sparql", query_string={"query": query, **params})
    assert r.status_code == 200, r.data
    return int(rows(r)[0]["n"]["value"])


def test_the_default_graph_is_the_union_of_named_graphs(built_config):
    c = _dataset_client(built_config)
    assert count(c, COUNT) == 5


def test_default_graph_uri_and_named_graph_uri_set_the_dataset(built_config):
    c = _dataset_client(built_config)
    assert count(c, COUNT, **{"default-graph-uri": "http://example.org/g1"}) == 2
    assert count(c, COUNT, **{"default-graph-uri": ["http://example.org/g1", "http://example.org/g2"]}) == 5
    named = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(c, named, **{"named-graph-uri": "http://example.org/g2"}) == 3


def test_the_protocol_dataset_overrides_from(built_config):
    c = _dataset_client(built_config)
    q = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/g1> WHERE { ?s ?p ?o }"
    assert count(c, q) == 2
    assert count(c, q, **{"default-graph-uri": "http://example.org/g2"}) == 3


def _merged_client(built_config):
    """An app over a build-shaped in-memory dataset: graphs g1 (s0, s1) and g2 (s1, s2, s3) sharing the triple of
    s1, and their merge stored as the default graph (4 triples), as ingest.build stores it."""
    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    for g, subjects in (("http://example.org/g1", (0, 1)), ("http://example.org/g2", (1, 2, 3))):
        for i in subjects:
            triple = (ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(f"o{i}"))
            store.add(ox.Quad(*triple, ox.NamedNode(g)))
            store.add(ox.Quad(*triple, ox.DefaultGraph()))
    app = create_app(built_config)
    app.extensions["gcmkg_store"].use(store, {"id": "merged", "default_graph": "merge"})
    return app.test_client()


@pytest.mark.parametrize("query,params,expected", [
    (COUNT, {}, 4),  # the stored merge: the shared triple once (read from the store of the default graph alone)
    ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", {}, 5),
    ("select (count(*) as ?n) { graph ?g { ?s ?p ?o } }", {}, 5),
    ("SELECT (COUNT(*) AS ?n) {GRAPH?g{?s ?p ?o}}", {}, 5),
    ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o GRAPH <http://example.org/g2> { ?s ?p ?o } }", {}, 3),
    ("SELECT (COUNT(*) AS ?n) FROM <http://example.org/g1> WHERE { ?s ?p ?o }", {}, 2),
    ("SELECT (COUNT(*) AS ?n) FROM NAMED <http://example.org/g1> WHERE { GRAPH ?g { ?s ?p ?o } }", {}, 2),
    (COUNT, {"default-graph-uri": "http://example.org/g2"}, 3),
    ("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": "http://example.org/g1"}, 2),
    ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(?o != 'GRAPH') } # GRAPH ?g", {}, 4),
])
def test_queries_reading_named_graphs_see_them_and_the_others_see_the_merge(built_config, query, params, expected):
    """Evaluators answer queries of the default graph from a store of the merge alone, and every query that may
    name a graph (GRAPH, FROM, the dataset parameters) from the whole dataset (server.guard.may_name_graphs)."""
    assert count(_merged_client(built_config), query, **params) == expected


@pytest.mark.parametrize("data,expected", [
    (b"", b""), (b"a .\n", b"a .\n"), (b"a .\nb .\nc .\n", b"c .\nb .\na .\n"), (b"a .\nb .", b"b .\na .\n"),
])
def test_evaluators_load_a_dump_last_line_first(data, expected):
    from server.evaluator import last_line_first

    assert bytes(last_line_first(data)) == expected


def test_the_default_shape_holds_the_merge_alone_and_refuses_queries_naming_graphs():
    from server.evaluator import Refused, load_store, run_query

    store = ox.Store()
    triple = (ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"))
    store.add(ox.Quad(*triple, ox.NamedNode("http://example.org/g")))
    store.add(ox.Quad(*triple, ox.DefaultGraph()))
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    full, merged, default_only = load_store(("nquads", data, "full"))
    assert (len(full), merged, default_only) == (2, True, False)
    alone, merged, default_only = load_store(("nquads", data, "default"))
    assert (len(alone), merged, default_only) == (1, True, True)
    union = load_store(("nquads", ox.Store().dump(format=ox.RdfFormat.N_QUADS), "default"))  # no stored merge
    assert union[1:] == (False, False)
    job = {"query": COUNT, "results_format": "json", "max_results": 10, "max_bytes": 10000,
           "named_graphs": ["http://example.org/g"]}
    with pytest.raises(Refused) as refused:
        run_query(alone, job, merged, default_only)
    assert refused.value.status == 500
    assert run_query(full, job, True)[2] == 1


@pytest.mark.parametrize("query,status,fragment", [
    ("SELECT * WHERE { ?s ?p ", 400, b"SPARQL syntax error"),
    ("SELEKT * {}", 400, b"SPARQL syntax error"),
])
def test_a_bad_query_is_a_4xx_text_with_the_parsers_message(client, query, status, fragment):
    r = client.get("/sparql", query_string={"query": query})
    assert r.status_code == status
    assert r.mimetype == "text/plain"
    assert fragment in r.data and b"expected" in r.data


@pytest.mark.parametrize("method,kwargs,status", [
    ("put", {"query_string": {"query": "ASK {}"}}, 405),
    ("delete", {}, 405),
    ("post", {"data": "ASK {}", "content_type": "text/plain"}, 415),
    ("post", {"data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query; charset=UTF-16"}, 415),
    ("post", {"data": {"foo": "bar"}}, 400),
    ("get", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ("get", {"query_string": {"update": "CLEAR ALL"}}, 400),
    ("post", {"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400),
    ("get", {"query_string": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400),
])
def test_protocol_errors_are_text_never_html(client, method, kwargs, status):
    r = getattr(client, method)("/sparql", **kwargs)
    assert r.status_code == status
    assert r.mimetype == "text/plain"
    assert b"<html" not in r.data.lower()


@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, text/*;q=0.8", "text/csv"),
    ("application/xml", "application/sparql-results+xml"),
])
def test_select_negotiation(client, accept, expected):
    r = client.get("/sparql", query_string={"query": OBJECTIVES}, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.mimetype == expected
    assert r.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept,expected,fmt", [
    (None, "text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/trig", "application/trig", ox.RdfFormat.TRIG),
    ("application/n-quads", "application/n-quads", ox.RdfFormat.N_QUADS),
    ("text/plain", "application/n-triples", ox.RdfFormat.N_TRIPLES),
])
def test_construct_negotiation(client, accept, expected, fmt):
    for q in (CONSTRUCT, "DESCRIBE <https://w3id.org/gcmkg/id/objective/1>"):
        r = client.get("/sparql", query_string={"query": q}, headers={"Accept": accept} if accept else {})
        assert r.status_code == 200, r.data
        assert r.mimetype == expected
        assert len(list(ox.parse(r.data, format=fmt))) >= 1


def test_format_parameter_overrides_accept(client):
    r = client.get("/sparql", query_string={"query": OBJECTIVES, "format": "csv"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert r.mimetype == "text/csv"
    r = client.post("/sparql", data={"query": CONSTRUCT, "format": "nt"})
    assert r.mimetype == "application/n-triples"
    r = client.get("/sparql", query_string={"query": OBJECTIVES, "format": "json"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"


def test_406_lists_the_offers(client):
    r = client.get("/sparql", query_string={"query": OBJECTIVES}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert b"application/sparql-results+json" in r.data and b"text/turtle" in r.data
    r = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and b"text/turtle" in r.data
    r = client.get("/sparql", query_string={"query": OBJECTIVES, "format": "pdf"})
    assert r.status_code == 406


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_a_browser_is_redirected_to_the_query_ui_with_its_query(client):
    r = client.get("/sparql", query_string={"query": OBJECTIVES}, headers={"Accept": BROWSER})
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/query?query=")
    assert "gcm%3AObjective" in r.headers["Location"] or "gcm:Objective" in r.headers["Location"]
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 303 and r.headers["Location"] == "/query"


def test_no_redirect_when_a_format_is_forced_or_html_is_not_preferred(client):
    assert client.get("/sparql", query_string={"query": OBJECTIVES, "format": "json"},
                      headers={"Accept": BROWSER}).status_code == 200
    r = client.get("/sparql", query_string={"query": OBJECTIVES},
                   headers={"Accept": "application/sparql-results+json, text/html;q=0.5"})
    assert r.status_code == 200


def test_service_description_with_void_statistics(client, built_config):
    from queries.store import current_build

    meta = current_build(built_config.instance_dir).meta
    r = client.get("/sparql")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    svc = rdflib.URIRef("http://localhost/sparql")
    assert (svc, sd.endpoint, svc) in g
    assert (svc, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert (svc, sd.supportedLanguage, sd.SPARQL11Update) not in g  # read-only
    assert (svc, sd.feature, sd.BasicFederatedQuery) not in g  # no service allow-listed
    triples = {int(o) for o in g.objects(None, void.triples)}
    assert meta["statistics"]["triples"] in triples
    assert len(list(g.objects(None, void.classPartition))) == meta["statistics"]["classes"]
    ep = rdflib.Namespace("https://w3id.org/gcmkg/endpoint#")
    assert int(g.value(svc, ep.maxResults)) == built_config.max_results
    assert float(g.value(svc, ep.queryTimeout)) == built_config.query_timeout
    assert "429" in str(g.value(svc, rdflib.RDFS.comment))


def test_service_description_as_json_ld(client):
    for accept in ("application/ld+json", "application/json"):
        r = client.get("/sparql", headers={"Accept": accept})
        assert r.mimetype == "application/ld+json"
        assert len(list(ox.parse(r.data, format=ox.RdfFormat.JSON_LD))) > 20


def test_service_description_announces_updates_and_federation_when_enabled(built_config):
    config = settings.load({"instance_dir": str(built_config.instance_dir), "updates": True, "update_token": "t",
                            "service_allowlist": "http://example.org/sparql"})
    r = create_app(config).test_client().get("/sparql")
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    svc = rdflib.URIRef("http://localhost/sparql")
    assert (svc, sd.supportedLanguage, sd.SPARQL11Update) in g
    assert (svc, sd.feature, sd.BasicFederatedQuery) in g


def test_cors_for_reads_including_preflight(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]
    assert "Authorization" not in r.headers["Access-Control-Allow-Headers"]  # updates are not cross-origin
    r = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://example.org"})
    assert r.status_code == 400 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_responses_are_cached_per_build(client, built_config):
    from queries.store import current_build

    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }"
    first = client.get("/sparql", query_string={"query": q})
    second = client.get("/sparql", query_string={"query": q})
    assert first.headers["X-GCMKG-Cache"] == "miss" and second.headers["X-GCMKG-Cache"] == "hit"
    assert first.data == second.data
    assert second.headers["X-GCMKG-Build"] == current_build(built_config.instance_dir).id
    other_format = client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/csv"})
    assert other_format.headers["X-GCMKG-Cache"] == "miss" and other_format.mimetype == "text/csv"


def test_the_cache_can_be_turned_off(built_config):
    app = create_app(settings.load({"instance_dir": str(built_config.instance_dir), "cache": False}))
    c = app.test_client()
    for _ in range(2):
        assert c.get("/sparql", query_string={"query": "ASK {}"}).headers["X-GCMKG-Cache"] == "miss"


def test_a_service_to_a_non_allowed_address_is_refused(client):
    r = client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 403
    assert b"http://127.0.0.1:9/sparql" in r.data and b"service_allowlist" in r.data


def test_an_in_memory_store_given_with_use_is_served(built_config):
    app = create_app(built_config)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("v"), ox.NamedNode("http://g")))
    app.extensions["gcmkg_store"].use(store, {"id": "memory-test"})
    r = app.test_client().get("/sparql", query_string={"query": "SELECT ?o { ?s ?p ?o }"})
    assert rows(r) == [{"o": {"type": "literal", "value": "v"}}]
    assert r.headers["X-GCMKG-Build"] == "memory-test"


def test_no_build_is_a_503_saying_build_first(tmp_path):
    app = create_app(settings.load({"instance_dir": str(tmp_path)}))
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 503 and b"gcmkg build" in r.data and r.headers["Retry-After"]
