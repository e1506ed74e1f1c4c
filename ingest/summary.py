"""Derived data, computed at build time from the loaded graphs into one named graph (graph/summary).

The overview queries (objective-coverage, documents-overview) read these counts instead of aggregating every
statement, segment and mention of the corpus on each request: the numbers change only with a build, so counting
them once per build is enough, and reading them costs the same at any corpus size (docs/scaling.md).

Every number is the answer of one SPARQL aggregate (``COUNTS``, below) over the build's default graph (the merge
of the named graphs), run by the build after the sources are loaded: nothing is typed by hand. Each count is a
datatype property (``gcm:statementCount``...) of the objective, cluster or document it counts for, stated in
``graph/summary``; that graph's description says it was derived from the document graphs by this module. Zero
counts are not stated (a query reads a missing count as 0).

Besides the counts, denormalised data that the catalog queries would otherwise rebuild for every statement or
mention of the corpus on each request (docs/scaling.md), ``LISTS``: one literal per statement or instrument, the
answer of a SPARQL aggregate: a statement's objective numbers in numeric order (``gcm:objectiveNumbers "2, 5, 6"``),
an instrument's citing documents with the number of distinct places each cites it (``gcm:citedInDocuments
"doc-a (2), doc-b (1)"``, documents in identifier order).
"""
from __future__ import annotations

import pyoxigraph as ox

from ontology.iris import Minter
from ontology.vocab import GCM, PREFIXES, PROV, XSD
from ingest.sources import Source, provenance_triples

SUMMARY_GRAPH = "summary"

# (what is counted for, the count properties, the aggregate query). Each query projects ?for (the objective or
# document) and one variable per property, named as the property's local name.
COUNTS: tuple[tuple[str, str], ...] = (
    ("objective statements by type", """
        SELECT ?for (COUNT(DISTINCT ?s) AS ?statementCount) (COUNT(DISTINCT ?doc) AS ?documentCount)
               (COUNT(DISTINCT ?ch) AS ?challengeCount) (COUNT(DISTINCT ?gp) AS ?goodPracticeCount)
               (COUNT(DISTINCT ?rec) AS ?recommendationCount) (COUNT(DISTINCT ?fi) AS ?findingCount)
               (COUNT(DISTINCT ?co) AS ?conclusionCount) WHERE {
          ?for a gcm:Objective .
          ?s gcm:addressesObjective ?for ; a ?class ; gcm:inDocument ?doc .
          ?class rdfs:subClassOf gcm:Statement .
          BIND(IF(?class = gcm:Challenge, ?s, ?none) AS ?ch)
          BIND(IF(?class = gcm:GoodPractice, ?s, ?none) AS ?gp)
          BIND(IF(?class = gcm:Recommendation, ?s, ?none) AS ?rec)
          BIND(IF(?class = gcm:Finding, ?s, ?none) AS ?fi)
          BIND(IF(?class = gcm:Conclusion, ?s, ?none) AS ?co)
        } GROUP BY ?for"""),
    ("objective meetings", """
        SELECT ?for (COUNT(DISTINCT ?event) AS ?meetingCount) WHERE {
          ?for a gcm:Objective . ?event gcm:addressesObjective ?for .
          FILTER EXISTS { ?event a ?k . ?k rdfs:subClassOf* gcm:Meeting }
        } GROUP BY ?for"""),
    ("document segments", """
        SELECT ?for (SUM(IF(?k = gcm:Paragraph, 1, 0)) AS ?paragraphCount)
               (SUM(IF(?k = gcm:Footnote, 1, 0)) AS ?footnoteCount) WHERE {
          VALUES ?k { gcm:Paragraph gcm:Footnote } ?seg a ?k ; gcm:inDocument ?for .
        } GROUP BY ?for"""),
    ("document statements by type", """
        SELECT ?for (COUNT(?s) AS ?statementCount)
               (SUM(IF(?class = gcm:Challenge, 1, 0)) AS ?challengeCount)
               (SUM(IF(?class = gcm:GoodPractice, 1, 0)) AS ?goodPracticeCount)
               (SUM(IF(?class = gcm:Recommendation, 1, 0)) AS ?recommendationCount)
               (SUM(IF(?class = gcm:Finding, 1, 0)) AS ?findingCount)
               (SUM(IF(?class = gcm:Conclusion, 1, 0)) AS ?conclusionCount) WHERE {
          VALUES ?class { gcm:Challenge gcm:GoodPractice gcm:Recommendation gcm:Finding gcm:Conclusion }
          ?s a ?class ; gcm:inDocument ?for .
        } GROUP BY ?for"""),
    ("document figures", """
        SELECT ?for (COUNT(DISTINCT ?f) AS ?figureCount) WHERE {
          VALUES ?k { gcm:StatisticalObservation gcm:ParticipationFigure } ?f a ?k ; dct:source ?for .
        } GROUP BY ?for"""),
    ("document mentions", """
        SELECT ?for (COUNT(?m) AS ?mentionCount) (COUNT(DISTINCT ?e) AS ?entityCount) WHERE {
          ?m a gcm:Mention ; gcm:inDocument ?for ; gcm:denotes ?e .
        } GROUP BY ?for"""),
    ("document meetings", """
        SELECT ?for (COUNT(DISTINCT ?event) AS ?meetingCount) WHERE {
          ?k rdfs:subClassOf* gcm:Meeting . ?event a ?k ; gcm:fromSource/gcm:inDocument ?for .
        } GROUP BY ?for"""),
    ("cluster challenges", """
        SELECT ?for (COUNT(DISTINCT ?ch) AS ?challengeCount) WHERE {
          ?for a gcm:ObjectiveCluster . ?ch gcm:addressesObjective/gcm:inCluster ?for ; a gcm:Challenge .
        } GROUP BY ?for"""),
    ("document new entities", """
        SELECT ?for (COUNT(DISTINCT ?new) AS ?newEntityCount) WHERE {
          ?new gcm:foundInText true ; prov:wasDerivedFrom/gcm:inDocument ?for .
        } GROUP BY ?for"""),
)

# (what is listed, the aggregate query): ?for and one string variable named as the property's local name
LISTS: tuple[tuple[str, str], ...] = (
    ("statement objective numbers", """
        SELECT ?for (GROUP_CONCAT(?n; separator=", ") AS ?objectiveNumbers) WHERE {
          SELECT DISTINCT ?for ?n WHERE {
            ?class rdfs:subClassOf gcm:Statement . ?for a ?class ; gcm:addressesObjective/gcm:number ?num .
            BIND(STR(?num) AS ?n)
          } ORDER BY ?for xsd:integer(?n)
        } GROUP BY ?for"""),
    ("instrument citing documents", """
        SELECT ?for (GROUP_CONCAT(?docCount; separator=", ") AS ?citedInDocuments) WHERE {
          SELECT ?for ?docCount WHERE {
            SELECT ?for ?docId (CONCAT(?docId, " (", STR(COUNT(DISTINCT ?begin)), ")") AS ?docCount) WHERE {
              ?for a gcm:Instrument . ?mention gcm:denotes ?for ; a gcm:Mention ; nif:beginIndex ?begin ;
                  gcm:inDocument/dct:identifier ?docId .
            } GROUP BY ?for ?docId
          } ORDER BY ?for ?docId
        } GROUP BY ?for"""),
)

COUNT_PROPERTIES = ("statementCount", "challengeCount", "goodPracticeCount", "recommendationCount", "findingCount",
                    "conclusionCount", "meetingCount", "documentCount", "paragraphCount", "footnoteCount",
                    "figureCount", "mentionCount", "entityCount", "newEntityCount")


def summary_source() -> Source:
    """How graph/summary describes itself: made by this module from the document graphs of the same build."""
    return Source(
        name=SUMMARY_GRAPH,
        title="Corpus summary: counts per objective, cluster and document, statements' objective numbers and "
              "instruments' citing documents, derived at build time",
        load=lambda ctx: [],
        source_note="derived by ingest/summary.py from the build's document graphs (SPARQL aggregates); not stated "
                    "by any source document; changes only with a build",
        license="https://www.apache.org/licenses/LICENSE-2.0",
    )


def summary_triples(store: ox.Store, minter: Minter, document_graphs: list[ox.NamedNode]) -> list[ox.Triple]:
    """The counts of ``COUNTS`` and the literals of ``LISTS`` over *store*'s default graph, and graph/summary's own
    description."""
    out: list[ox.Triple] = []
    for _what, query in COUNTS:
        results = store.query(query, prefixes=PREFIXES)
        names = [v.value for v in results.variables if v.value != "for"]
        for row in results:
            subject = row["for"]
            for name in names:
                value = row[name]
                if value is None or int(value.value) == 0:
                    continue
                out.append(ox.Triple(subject, GCM[name], ox.Literal(str(int(value.value)), datatype=XSD.integer)))
    for _what, query in LISTS:
        results = store.query(query, prefixes=PREFIXES)
        names = [v.value for v in results.variables if v.value != "for"]
        for row in results:
            out += [ox.Triple(row["for"], GCM[name], ox.Literal(row[name].value)) for name in names
                    if row[name] is not None and row[name].value]
    graph = minter.graph(SUMMARY_GRAPH)
    out += provenance_triples(minter, graph, summary_source(), {})
    out += [ox.Triple(graph, PROV.wasDerivedFrom, g) for g in document_graphs]
    return out
