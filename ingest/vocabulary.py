"""The vocabularies the document extractor links to: every label, alternative label and acronym of the reference
graphs, by kind (country, organisation, instrument...), read once per build (ingest.documents, ingest.extract)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from ingest.linking import Entry
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.vocab import GCM, RDF, RDFS, SKOS


# --- the vocabularies the linker knows -------------------------------------------------------------------------
_KIND_BY_CLASS = {
    "Country": "country", "Region": "region", "Area": "region",
    "RegionalConsultativeProcess": "process",
    "Organization": "organization", "UNEntity": "organization", "RegionalOrganization": "organization",
    "Network": "organization", "Government": "organization", "CivilSocietyOrganization": "organization",
    "TradeUnion": "organization", "AcademicInstitution": "organization", "LocalAuthority": "organization",
    "NationalHumanRightsInstitution": "organization", "RedCrossRedCrescent": "organization",
    "PrivateSectorOrganization": "organization", "EmployersOrganization": "organization",
    "Parliament": "organization", "MediaOrganization": "organization",
    "Instrument": "instrument", "Treaty": "instrument", "Convention": "instrument", "Protocol": "instrument",
    "Agreement": "instrument", "Declaration": "instrument", "Resolution": "instrument", "InstrumentGroup": "instrument",
    "GuidingPrinciple": "principle",
}
_LABEL_PREDICATES = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, GCM.acronym}


@dataclass(frozen=True)
class Vocabulary:
    """What the reference graphs say that extraction needs: surface forms, and a few typed indexes."""

    entries: tuple[Entry, ...]
    labels: dict  # IRI -> English label
    kinds: dict  # IRI -> kind
    principles: dict  # normalised label stem -> principle IRI
    known: frozenset  # every IRI described in the reference graphs
    objective_texts: dict = field(default_factory=dict)  # objective IRI -> (title, commitment + actions)


def vocabulary_from_triples(triples) -> Vocabulary:
    types: dict[str, set[str]] = {}
    labels: dict[str, list[tuple[str, str]]] = {}
    commitments: dict[str, str] = {}  # objective -> its commitment
    actions: dict[str, list[str]] = {}  # objective -> its actions
    texts: dict[str, str] = {}  # node -> its gcm:text (an action's words)
    for t in triples:
        s = t.subject.value
        if t.predicate == GCM.commitment and isinstance(t.object, Literal):
            commitments[s] = t.object.value
        elif t.predicate == GCM.actionOf and isinstance(t.object, NamedNode):
            actions.setdefault(t.object.value, []).append(s)
        elif t.predicate == GCM.text and isinstance(t.object, Literal):
            texts[s] = t.object.value
        if t.predicate == RDF.type and isinstance(t.object, NamedNode) and t.object.value.startswith(GCM + ""):
            types.setdefault(s, set()).add(t.object.value[len(GCM + ""):])
        elif t.predicate in _LABEL_PREDICATES and isinstance(t.object, Literal):
            if t.object.language in (None, "en"):
                labels.setdefault(s, []).append((t.predicate.value, t.object.value))
    entries, kinds, principal, principles = [], {}, {}, {}
    for iri, classes in types.items():
        kind = next((_KIND_BY_CLASS[c] for c in sorted(classes) if c in _KIND_BY_CLASS), None)
        if kind is None:
            continue
        kinds[iri] = kind
        for pred, text in sorted(labels.get(iri, [])):
            entries.append(Entry(text, iri, kind))
            if pred == (RDFS.label).value:
                principal.setdefault(iri, text)
            if kind == "principle":
                principles[_stem(text)] = iri
    objective_texts = {  # what ingest.objectives compares a statement with: title; commitment and actions
        iri: (next((text for pred, text in sorted(labels.get(iri, [])) if pred == RDFS.label.value), ""),
              " ".join([commitments.get(iri, "")] + [texts.get(a, "") for a in sorted(actions.get(iri, []))]))
        for iri, classes in types.items() if "Objective" in classes}
    return Vocabulary(tuple(entries), principal, kinds, principles, frozenset(types), objective_texts)


def _stem(label: str) -> str:
    words = re.findall(r"[a-z]+", label.lower())
    return " ".join(w[:6] for w in words[:3])


@functools.lru_cache(maxsize=4)
def _reference_vocabulary(data_dir: str, base: str) -> Vocabulary:
    from ingest import reference

    ctx = BuildContext(minter=Minter(base), data_dir=__import__("pathlib").Path(data_dir))
    triples = []
    for source in reference.SOURCES:
        triples.extend(source.load(ctx))
    return vocabulary_from_triples(triples)


def reference_vocabulary(ctx: BuildContext) -> Vocabulary:
    return _reference_vocabulary(str(ctx.data_dir), ctx.minter.base)


