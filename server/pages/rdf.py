"""The RDF description of one entity, as served at its IRI: a CBD-like DESCRIBE.

It holds the entity's outgoing triples, its incoming triples (at most ``INCOMING_PER_PROPERTY`` per property, so
that a country mentioned a thousand times stays a small document; the SPARQL endpoint answers for the rest), and
the labels and types of every resource it links to, so that a client can show the links without another request.
The graph has no blank nodes today; should one appear, its own triples are included (the CBD closure).
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ontology.vocab import PREFIXES, RDF, RDFS, SKOS
from server.pages.graph import GraphIndex, term_key

INCOMING_PER_PROPERTY = 100
_LINK_PROPS = (RDFS.label.value, SKOS.prefLabel.value, RDF.type.value)


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    suffix: str
    oxigraph: object


RDF_FORMATS = (
    RdfFormat("turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE),
    RdfFormat("jsonld", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD),
    RdfFormat("ntriples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES),
    RdfFormat("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML),
)
BY_SUFFIX = {f.suffix: f for f in RDF_FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in RDF_FORMATS}
# what else clients send for the same formats
MEDIA_ALIASES = {"application/x-turtle": "text/turtle", "application/json": "application/ld+json",
                 "text/n3": "text/turtle", "application/xml": "application/rdf+xml"}


def _node(key: str):
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)


def describe(index: GraphIndex, iri: str) -> list[ox.Triple]:
    subject = _node(iri)
    triples: list[ox.Triple] = []
    linked: set[str] = set()
    todo, done = [iri], set()
    while todo:  # outgoing triples, with the closure over blank nodes
        key = todo.pop()
        if key in done:
            continue
        done.add(key)
        node = _node(key)
        for p, objects in index.outgoing(key).items():
            for o in objects:
                triples.append(ox.Triple(node, ox.NamedNode(p), o))
                if isinstance(o, ox.BlankNode):
                    todo.append(term_key(o))
                elif isinstance(o, ox.NamedNode):
                    linked.add(o.value)
    for p, subjects in index.incoming(iri).items():
        for s in subjects[:INCOMING_PER_PROPERTY]:
            triples.append(ox.Triple(s, ox.NamedNode(p), subject))
            if isinstance(s, ox.NamedNode):
                linked.add(s.value)
    linked.discard(iri)
    for other in sorted(linked):
        node = ox.NamedNode(other)
        for p in _LINK_PROPS:
            for o in index.values(other, p):
                triples.append(ox.Triple(node, ox.NamedNode(p), o))
    return list(dict.fromkeys(triples))


def serialize(triples: list[ox.Triple], fmt: RdfFormat) -> bytes:
    kwargs = {"format": fmt.oxigraph}
    if fmt.name in ("turtle", "rdfxml"):
        used = "".join(t.predicate.value + " " + getattr(t.object, "value", "") + " " + t.subject.value
                       for t in triples)
        kwargs["prefixes"] = {p: ns for p, ns in PREFIXES.items() if ns in used}
    return ox.serialize(triples, **kwargs)
