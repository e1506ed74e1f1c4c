"""The result formats the endpoint offers, by media type and by the `format=` short names."""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    oxigraph: object
    extension: str


RESULTS = [  # SELECT and ASK, in the server's order of preference
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, "srj"),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, "srx"),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV, "csv"),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, "tsv"),
]
RESULTS_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}

GRAPHS = [  # CONSTRUCT and DESCRIBE; Turtle first: what people expect to read
    Format("turtle", "text/turtle", ox.RdfFormat.TURTLE, "ttl"),
    Format("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES, "nt"),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "jsonld"),
    Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, "rdf"),
    Format("trig", "application/trig", ox.RdfFormat.TRIG, "trig"),
    Format("nquads", "application/n-quads", ox.RdfFormat.N_QUADS, "nq"),
]
GRAPH_ALIASES = {"application/json": "jsonld", "text/plain": "ntriples", "application/x-turtle": "turtle"}

SHORT_NAMES = {
    "json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
    "turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
    "jsonld": "jsonld", "json-ld": "jsonld", "rdfxml": "rdfxml", "rdf": "rdfxml", "xml-rdf": "rdfxml",
    "trig": "trig", "nquads": "nquads", "nq": "nquads", "n-quads": "nquads",
}


def by_name(name: str, kind: str) -> Format | None:
    """kind: 'results' or 'graph'. A media type or a short name; None if not offered for that kind."""
    table = RESULTS if kind == "results" else GRAPHS
    aliases = RESULTS_ALIASES if kind == "results" else GRAPH_ALIASES
    key = name.strip().lower()
    key = SHORT_NAMES.get(key, aliases.get(key, key))
    if kind == "results" and key == "jsonld":
        key = "json"
    if kind == "graph" and key == "json":
        key = "jsonld"
    if kind == "graph" and key == "xml":
        key = "rdfxml"
    for f in table:
        if key in (f.name, f.media_type):
            return f
    return None


BY_NAME = {f.name: f for f in RESULTS + GRAPHS}  # short names are unique across both tables


def offers(kind: str) -> list[str]:
    table, aliases = (RESULTS, RESULTS_ALIASES) if kind == "results" else (GRAPHS, GRAPH_ALIASES)
    return [f.media_type for f in table] + list(aliases)
