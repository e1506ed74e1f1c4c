"""Namespaces used across the project, as pyoxigraph terms. Nothing here mints data IRIs (see ``iris``)."""
from __future__ import annotations

from pyoxigraph import NamedNode

ONTOLOGY_IRI = "https://w3id.org/gcmkg/ontology"
GCM_NS = ONTOLOGY_IRI + "#"


class Namespace:
    """``NS.term`` and ``NS["term"]`` give a NamedNode in the namespace; ``str(NS)`` is the namespace IRI.

    Not a ``str`` subclass on purpose: ``DCT.title`` or ``SKOS.index`` must be terms, not string methods.
    """

    __slots__ = ("_iri",)

    def __init__(self, iri: str):
        self._iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self._iri + name)

    def __getitem__(self, name) -> NamedNode:
        return NamedNode(self._iri + str(name))

    def __str__(self) -> str:
        return self._iri

    def __repr__(self) -> str:
        return f"Namespace({self._iri!r})"

    def __add__(self, other: str) -> str:
        return self._iri + other


GCM = Namespace(GCM_NS)
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCT = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEAS = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SCHEMA = Namespace("http://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
OA = Namespace("http://www.w3.org/ns/oa#")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
GEOAREA = Namespace("http://metadata.un.org/sdg/codes/geoArea/")
WD = Namespace("http://www.wikidata.org/entity/")
GEONAMES = "https://sws.geonames.org/"
# The endpoint's own terms (its limits in the Service Description; the record of a build published to a store)
EP = Namespace("https://w3id.org/gcmkg/endpoint#")

PREFIXES: dict[str, str] = {
    "gcm": GCM_NS,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCT),
    "prov": str(PROV),
    "org": str(ORG),
    "qb": str(QB),
    "sdmx-dimension": str(SDMX_DIM),
    "sdmx-measure": str(SDMX_MEAS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "void": str(VOID),
    "sd": str(SD),
    "nif": str(NIF),
    "oa": str(OA),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "sh": str(SH),
    "sdg": str(SDG),
    "sdgo": str(SDGO),
    "geoarea": str(GEOAREA),
    "wd": str(WD),
}


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
