"""The store back end seam (server/remote.py): the same build served from Oxigraph's server and from Virtuoso
answers like the embedded store. The page, search and catalog suites run over every back end as well (conftest
BACKEND_SUITES); this module compares answers directly and covers what only a remote store can get wrong."""
from __future__ import annotations

import dataclasses
import io
import re
from collections import Counter

import pyoxigraph as ox
import pytest

from ontology.vocab import PREFIXES
import engines
from queries.catalog import Catalog
from server import create_app
from server.remote import inline_values

CATALOG = Catalog.load()
NAMES = CATALOG.names


@pytest.fixture()
def plain_oxigraph(tmp_path):
    """Oxigraph's server with nothing in it yet (its default graph a real, empty one)."""
    server = engines.OxigraphServer(tmp_path / "oxigraph", union_default_graph=False)
    try:
        server.start()
    except engines.EngineUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


def remote_only(backend):
    if backend is None:
        pytest.skip("compares a remote store with the embedded one")
    return backend


@pytest.fixture()
def remote_store(backend, client):
    remote_only(backend)
    return client.application.extensions["gcmkg_store"].get().store


def _cell(term):
    """A comparable cell: engines may type a count as xsd:int or xsd:integer, and a plain string as xsd:string."""
    if term is None or (isinstance(term, ox.Literal) and term.value == ""):
        return None  # GROUP_CONCAT of no values: unbound in pyoxigraph, "" in Virtuoso
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1] if term.datatype else ""
        numeric = dt in {"integer", "int", "long", "decimal", "double", "float", "nonNegativeInteger"}
        if numeric:
            return ("number", float(term.value))
        # GROUP_CONCAT's order is not defined: a list cell is compared as the sorted list of its items
        return ("literal", tuple(sorted(re.split(r"[,;:|]\s+|\s+\|\s+", term.value))))
    return (type(term).__name__, term.value)


def _rows(results) -> Counter:
    names = [v.value for v in results.variables]
    return Counter(tuple(_cell(s[n]) for n in names) for s in results)


def _defaults(store, name: str) -> dict:
    from test_catalog import defaults  # the examples the catalog's own tests run each query with

    return defaults(store, name)


# Where Virtuoso 7.2.5 still answers differently, observed on this build (docs/backends.md): a difference found
# here that is not listed fails the test, and so does a listed query that starts agreeing (strict), so the list
# stays true. The catalog avoids the other deviations found (SAMPLE, MIN of language-tagged labels, CONCAT and
# COALESCE with unbound arguments, IF(BOUND()) over an OPTIONAL, FILTER(?x = <iri>) under a type pattern).
VIRTUOSO_DEVIATIONS = {
    "OPTIONAL": "an OPTIONAL grouped subquery joined on ?actor (its most specific class label) gives no value, "
                "although the same subquery alone gives it",
    "BOOLEAN": "a boolean result is answered as the integer 0/1",
    "COUNT": "a COUNT over an ordered sub-subquery's rows mixes the groups (18 members for 2)",
}
VIRTUOSO_KNOWN = {
    "actors-by-objective": "OPTIONAL", "consultation-organisers": "OPTIONAL", "review-events": "BOOLEAN",
    "regional-processes": "COUNT",
}


@pytest.mark.parametrize("name", NAMES)
def test_every_named_query_answers_the_same_rows_as_the_embedded_store(name, remote_store, built_store,
                                                                        built_config, backend, request):
    if "virtuoso" in request.node.callspec.id and name in VIRTUOSO_KNOWN:
        request.applymarker(pytest.mark.xfail(reason="Virtuoso 7.2.5: " + VIRTUOSO_DEVIATIONS[VIRTUOSO_KNOWN[name]],
                                              strict=True))
    q = CATALOG.get(name)
    subs = q.bind(_defaults(built_store, name), base=built_config.base_iri) or None
    expected = _rows(built_store.query(q.text, prefixes=PREFIXES, substitutions=subs))
    got = _rows(remote_store.query(q.text, prefixes=PREFIXES, substitutions=subs))
    extra, missing = got - expected, expected - got
    assert not extra and not missing, (f"{name}: {sum(extra.values())} extra, {sum(missing.values())} missing; "
                                       f"e.g. extra {next(iter(extra), None)} missing {next(iter(missing), None)}")


def test_the_remote_dataset_is_the_build_not_the_engines_own_graphs(remote_store, built_config):
    from queries.store import current_build

    meta = current_build(built_config.instance_dir).meta
    (n,) = [int(s["n"].value) for s in remote_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")]
    assert n == meta["statistics"]["triples"]  # the merge: not Virtuoso's system graphs, not a bag union
    graphs = {s["g"].value for s in remote_store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {s["graph"] for s in meta["sources"]}  # not the merge or build-record graphs


@pytest.mark.parametrize("form,accept,check", [
    ("SELECT ?o WHERE { <https://w3id.org/gcmkg/id/objective/13> rdfs:label ?o }", "application/sparql-results+json",
     lambda r: len(r.get_json()["results"]["bindings"]) >= 1),
    ("ASK { ?s a gcm:Objective }", "application/sparql-results+json", lambda r: r.get_json()["boolean"] is True),
    ("CONSTRUCT { ?s rdfs:label ?o } WHERE { ?s a gcm:Objective ; rdfs:label ?o }", "text/turtle",
     lambda r: len(list(ox.parse(r.data, format=ox.RdfFormat.TURTLE))) >= 23),
    ("DESCRIBE <https://w3id.org/gcmkg/id/objective/13>", "application/n-triples",
     lambda r: len(list(ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES))) >= 3),
])
def test_the_endpoint_answers_every_query_form_from_the_remote_store(backend, client, form, accept, check):
    remote_only(backend)
    resp = client.post("/sparql", data={"query": form}, headers={"Accept": accept})
    assert resp.status_code == 200, resp.data
    assert check(resp)


def test_remote_errors_are_the_endpoints_errors(backend, client, built_config):
    remote_only(backend)
    bad = client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?y ?z }"},
                     headers={"Accept": "application/sparql-results+json"})
    assert bad.status_code == 400
    service = client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://127.0.0.1:1/x> { ?s ?p ?o } }"})
    assert service.status_code == 403  # the guard runs before anything reaches the store
    app = create_app(dataclasses.replace(built_config, store_url=backend, max_results=10))
    big = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"},
                                headers={"Accept": "application/sparql-results+json"})
    assert big.status_code == 422 and b"more than 10" in big.data, big.data  # announced, never cut
    update = dataclasses.replace(built_config, store_url=backend, updates=True, update_token="t")
    refused = create_app(update).test_client().post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"},
                                                    headers={"Authorization": "Bearer t"})
    assert refused.status_code == 501 and b"gcmkg publish" in refused.data


def test_an_unreachable_or_empty_store_is_503_with_the_reason(built_config, plain_oxigraph):
    port = engines.free_port()
    down = create_app(dataclasses.replace(built_config, store_url=f"http://127.0.0.1:{port}/sparql")).test_client()
    for path in ("/sparql?query=ASK{}", "/id/objective/13", "/queries/figures?run=1", "/-/ready"):
        resp = down.get(path)
        assert resp.status_code == 503, path
        assert b"cannot be read" in resp.data or b"cannot be reached" in resp.data, path
    app = create_app(dataclasses.replace(built_config, store_url=plain_oxigraph.base + "/query"))
    resp = app.test_client().get("/-/ready")
    assert resp.status_code == 503 and "gcmkg publish --to" in resp.get_json()["reason"]


def test_a_new_publish_is_picked_up_and_a_cut_result_is_refused(built_config, plain_oxigraph):
    """A second publish (new build record) gives a new snapshot; a store that cuts results is an error."""
    from ingest.publish import publish
    from server import remote

    url = plain_oxigraph.base + "/query"
    assert publish(built_config, url, gsp=plain_oxigraph.base + "/store", default_graph="named",
                   out=io.StringIO()) == 0
    app = create_app(dataclasses.replace(built_config, store_url=url, store_refresh=0.0))
    holder = app.extensions["gcmkg_store"]
    first = holder.get()
    record = "https://w3id.org/gcmkg/graph/build"
    plain_oxigraph.update(f'DELETE {{ GRAPH <{record}> {{ ?r <http://www.w3.org/2002/07/owl#versionInfo> ?v ; '
                          f'<https://w3id.org/gcmkg/endpoint#buildRecord> ?j }} }} INSERT {{ GRAPH <{record}> {{ ?r '
                          f'<https://w3id.org/gcmkg/endpoint#buildRecord> ?j2 }} }} WHERE {{ GRAPH <{record}> {{ ?r '
                          f'<https://w3id.org/gcmkg/endpoint#buildRecord> ?j }} BIND(REPLACE(?j, "\\"id\\": \\"", '
                          f'"\\"id\\": \\"next-") AS ?j2) }}')
    second = holder.get()
    assert second.key != first.key and second.build_id.startswith("next-")
    resp = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                 headers={"Accept": "application/sparql-results+json"})
    assert resp.headers["X-GCMKG-Build"].startswith("next-")
    with pytest.raises(remote.RemoteError, match="cut the result"):
        remote._check_not_capped({"x-sparql-maxrows": "10000"})
    with pytest.raises(remote.RemoteError, match="partial result"):
        remote._check_not_capped({"x-sql-state": "S1TAT"})


@pytest.mark.parametrize("query,expected", [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  ?x ?p ?o }"),
    ("SELECT ?x { ?x ?p '{' }", "SELECT ?x { VALUES (?x) { (<http://e/a>) }  ?x ?p '{' }"),
    ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "CONSTRUCT { ?x ?p ?o } WHERE { VALUES (?x) { (<http://e/a>) }  ?x ?p ?o }"),
    ("SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } } ?x ?q ?r }",  # pyoxigraph substitutes in subqueries too
     "SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  { SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  ?x ?p ?o "
     "} } ?x ?q ?r }"),
    ("SELECT ?x { SELECT ?x WHERE { ?x ?p ?o } }",  # a group that is a subquery holds nothing else
     "SELECT ?x { SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  ?x ?p ?o } }"),
    ("# a { in a comment\nPREFIX e: <http://e/{>\nSELECT ?x WHERE { ?x ?p ?o }",
     "# a { in a comment\nPREFIX e: <http://e/{>\nSELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  ?x ?p ?o }"),
])
def test_parameters_become_a_values_block_opening_the_where_group(query, expected):
    assert inline_values(query, {ox.Variable("x"): ox.NamedNode("http://e/a")}) == expected


def test_inlined_parameters_bind_like_pyoxigraph_substitutions(built_store, built_config):
    """On the embedded store itself: the VALUES form gives the rows pyoxigraph's substitutions give."""
    for name in NAMES:
        q = CATALOG.get(name)
        subs = q.bind(_defaults(built_store, name), base=built_config.base_iri)
        if not subs:
            continue
        expected = _rows(built_store.query(q.text, prefixes=PREFIXES, substitutions=subs))
        got = _rows(built_store.query(inline_values(q.text, subs), prefixes=PREFIXES))
        assert got == expected, name
