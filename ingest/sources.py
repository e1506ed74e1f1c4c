"""What a source contributes to the build: one named graph of triples, described with its provenance.

A source is the ontology, one reference table (SDG KOS, countries, treaties...) or one document of the corpus.
Loaders are pure functions from files to triples: the build (``ingest.build``) alone writes to a store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pyoxigraph import Literal, NamedNode, Triple

from ontology.iris import Minter
from ontology.vocab import DCT, GCM, PROV, RDF, RDFS, VOID, XSD


@dataclass(frozen=True)
class BuildContext:
    minter: Minter
    data_dir: Path

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    @property
    def corpus_dir(self) -> Path:
        return self.data_dir / "corpus"


@dataclass(frozen=True)
class Source:
    """One named graph of the build.

    name: stable short name; the graph IRI is minted from it (``{base}graph/{name}``).
    files: the files it reads, relative to the data folder (their sha256 goes into the graph's provenance).
    load: pure function from the context to the graph's triples.
    """

    name: str
    title: str
    load: Callable[[BuildContext], Iterable[Triple]]
    files: tuple[str, ...] = ()
    source_note: str = ""
    license: str | None = None
    source_iri: str | None = None
    issued: str | None = None  # date of the source itself (never the build time: builds must be reproducible)
    depends_on: tuple[str, ...] = field(default=())


def provenance_triples(minter: Minter, graph: NamedNode, source: Source, checksums: dict[str, str]) -> list[Triple]:
    """The description of a named graph, stored in that graph itself."""
    out = [
        Triple(graph, RDF.type, GCM.SourceGraph),
        Triple(graph, RDF.type, VOID.Dataset),
        Triple(graph, RDFS.label, Literal(source.title, language="en")),
        Triple(graph, DCT.title, Literal(source.title, language="en")),
    ]
    if source.source_note:
        out.append(Triple(graph, GCM.sourceNote, Literal(source.source_note)))
    if source.license:
        lic = NamedNode(source.license) if source.license.startswith(("http://", "https://")) else Literal(source.license)
        out.append(Triple(graph, DCT.license, lic))
    if source.source_iri:
        out.append(Triple(graph, DCT.source, NamedNode(source.source_iri)))
    if source.issued:
        out.append(Triple(graph, DCT.issued, Literal(source.issued, datatype=XSD.date)))
    for rel, sha in sorted(checksums.items()):
        file_node = minter.source_file(rel)
        out += [
            Triple(graph, PROV.wasDerivedFrom, file_node),
            Triple(file_node, RDF.type, PROV.Entity),
            Triple(file_node, RDFS.label, Literal(rel)),
            Triple(file_node, GCM.sha256, Literal(sha)),
        ]
    return out
