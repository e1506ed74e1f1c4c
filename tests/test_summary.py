"""graph/summary: the corpus-wide counts the build makes (ingest/summary.py) equal a direct count over the data,
carry their provenance, and are what the overview queries read."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from ontology.iris import Minter
from ontology.vocab import GCM, PREFIXES, PROV
from ingest.summary import COUNT_PROPERTIES
from tests.test_catalog import run

DIRECT = {  # counted straight from the extracted data, independently of ingest/summary.py's queries
    "statementCount": "?s gcm:addressesObjective ?for ; a ?c . ?c rdfs:subClassOf gcm:Statement",
    "challengeCount": "?s gcm:addressesObjective ?for ; a gcm:Challenge",
    "goodPracticeCount": "?s gcm:addressesObjective ?for ; a gcm:GoodPractice",
    "recommendationCount": "?s gcm:addressesObjective ?for ; a gcm:Recommendation",
    "findingCount": "?s gcm:addressesObjective ?for ; a gcm:Finding",
    "conclusionCount": "?s gcm:addressesObjective ?for ; a gcm:Conclusion",
}
DIRECT_DOCUMENT = {
    "paragraphCount": "?s a gcm:Paragraph ; gcm:inDocument ?for",
    "footnoteCount": "?s a gcm:Footnote ; gcm:inDocument ?for",
    "recommendationCount": "?s a gcm:Recommendation ; gcm:inDocument ?for",
    "challengeCount": "?s a gcm:Challenge ; gcm:inDocument ?for",
    # a mention that denotes two entities is a mention of each (the documents-overview column has always counted so)
    "mentionCount": "?m a gcm:Mention ; gcm:inDocument ?for ; gcm:denotes ?e BIND(CONCAT(STR(?m), ' ', STR(?e)) AS ?s)",
}


def _count(store, pattern: str) -> dict[str, int]:
    rows = store.query(f"SELECT ?for (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }} GROUP BY ?for",
                       prefixes=PREFIXES)
    return {r["for"].value: int(r["n"].value) for r in rows if int(r["n"].value)}


def _stated(store, prop: str, cls) -> dict[str, int]:
    rows = store.query(f"SELECT ?for ?n WHERE {{ ?for a <{cls.value}> ; gcm:{prop} ?n }}", prefixes=PREFIXES)
    return {r["for"].value: int(r["n"].value) for r in rows}


@pytest.mark.parametrize("prop", sorted(DIRECT))
def test_objective_counts_equal_a_direct_count(prop, built_store):
    direct = _count(built_store, DIRECT[prop])
    assert direct or prop == "conclusionCount", f"the real build has {prop} to count"  # no conclusion is typed
    assert _stated(built_store, prop, GCM.Objective) == direct


@pytest.mark.parametrize("prop", sorted(DIRECT_DOCUMENT))
def test_document_counts_equal_a_direct_count(prop, built_store):
    direct = _count(built_store, DIRECT_DOCUMENT[prop])
    assert direct
    assert _stated(built_store, prop, GCM.Document) == direct


def test_each_count_is_stated_once_and_zero_counts_are_left_out(built_store):
    used = 0
    for prop in COUNT_PROPERTIES:
        rows = list(built_store.query(f"SELECT ?for (COUNT(?n) AS ?k) (MIN(?n) AS ?least) WHERE {{ ?for gcm:{prop} ?n }} "
                                      "GROUP BY ?for", prefixes=PREFIXES))
        used += bool(rows)
        assert all(int(r["k"].value) == 1 and int(r["least"].value) > 0 for r in rows)
    assert used >= len(COUNT_PROPERTIES) - 2  # the real build has no conclusion and may have no new entity


def test_the_counts_live_in_graph_summary_with_their_provenance(built_store, built_config):
    graph = Minter(built_config.base_iri).graph("summary")
    assert ox.Quad(graph, ox.NamedNode(PREFIXES["rdf"] + "type"), GCM.SourceGraph, graph) in built_store
    sources = {q.object.value for q in built_store.quads_for_pattern(graph, PROV.wasDerivedFrom, None, graph)}
    documents = {r["g"].value for r in built_store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?d a gcm:Document } }", prefixes=PREFIXES)}
    assert documents and sources == documents, "derived from every document graph, and only from them"
    in_summary = list(built_store.quads_for_pattern(None, GCM.statementCount, None, graph))
    assert in_summary
    elsewhere = [q for q in built_store.quads_for_pattern(None, GCM.statementCount, None)
                 if q.graph_name not in (graph, ox.DefaultGraph())]
    assert not elsewhere


def test_the_overview_queries_read_the_summary(built_store, built_config):
    coverage = {int(r["objective"]): r for r in run(built_store, built_config, "objective-coverage")}
    stated = _stated(built_store, "statementCount", GCM.Objective)
    numbers = {r["o"].value: int(r["n"].value) for r in built_store.query(
        "SELECT ?o ?n WHERE { ?o a gcm:Objective ; gcm:number ?n }", prefixes=PREFIXES)}
    for iri, n in numbers.items():
        assert int(coverage[n]["statements"]) == stated.get(iri, 0)
    overview = {r["document"]: r for r in run(built_store, built_config, "documents-overview")}
    paragraphs = _count(built_store, DIRECT_DOCUMENT["paragraphCount"])
    ids = {r["d"].value: r["id"].value for r in built_store.query(
        "SELECT ?d ?id WHERE { ?d a gcm:Document ; dct:identifier ?id }", prefixes=PREFIXES)}
    for doc, n in paragraphs.items():
        assert int(overview[ids[doc]]["paragraphs"]) == n


def test_objective_numbers_are_each_statements_objectives_in_numeric_order(built_store):
    direct: dict[str, list[int]] = {}
    for r in built_store.query("SELECT DISTINCT ?s ?n WHERE { ?s gcm:addressesObjective/gcm:number ?n ; a ?c . "
                               "?c rdfs:subClassOf gcm:Statement }", prefixes=PREFIXES):
        direct.setdefault(r["s"].value, []).append(int(r["n"].value))
    stated = {r["s"].value: r["n"].value for r in built_store.query(
        "SELECT ?s ?n WHERE { ?s gcm:objectiveNumbers ?n }", prefixes=PREFIXES)}
    assert direct and stated == {s: ", ".join(map(str, sorted(ns))) for s, ns in direct.items()}


def test_instrument_citing_documents_count_distinct_places(built_store):
    rows = {r["i"].value: r["c"].value for r in built_store.query(
        "SELECT ?i ?c WHERE { ?i gcm:citedInDocuments ?c }", prefixes=PREFIXES)}
    icrmw = next(r["i"].value for r in built_store.query('SELECT ?i WHERE { ?i gcm:acronym "ICRMW" }', prefixes=PREFIXES))
    places = {r["d"].value: int(r["n"].value) for r in built_store.query(
        f"SELECT ?d (COUNT(DISTINCT ?b) AS ?n) WHERE {{ ?m a gcm:Mention ; gcm:denotes <{icrmw}> ; nif:beginIndex ?b ; "
        "gcm:inDocument/dct:identifier ?d } GROUP BY ?d", prefixes=PREFIXES)}
    assert places and rows[icrmw] == ", ".join(f"{d} ({n})" for d, n in sorted(places.items()))

