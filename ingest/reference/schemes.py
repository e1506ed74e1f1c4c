"""Small SKOS concept schemes the extraction needs: the stakeholder groups of GCM paragraph 44, and the event
roles, meeting formats, document types and membership roles of vocab/schemes.csv (one named graph each)."""
from __future__ import annotations

from typing import Callable

from pyoxigraph import Triple

from ingest.reference._common import SCHEMES, STAKEHOLDER_GROUPS, Graph, en, plain, read_csv, split
from ingest.sources import BuildContext
from ontology.vocab import GCM, SKOS

STAKEHOLDERS = "stakeholder-groups"
SCHEME_TITLES = {
    "event-roles": "Roles of actors in meetings",
    "meeting-formats": "Meeting formats",
    "document-types": "Document types",
    "membership-roles": "Membership roles",
    "objective-links": "How a statement's GCM objectives were found",
}


def _scheme(ctx: BuildContext, g: Graph, name: str, title: str):
    scheme = ctx.minter.scheme(name)
    g.types(scheme, SKOS.ConceptScheme)
    g.label(scheme, title)
    return scheme


def _concept(ctx: BuildContext, g: Graph, scheme_name: str, key: str, label: str):
    scheme = ctx.minter.scheme(scheme_name)
    c = ctx.minter.concept(scheme_name, key)
    g.types(c, SKOS.Concept)
    g.label(c, label)
    g.add(c, SKOS.notation, plain(key))
    g.add(c, SKOS.inScheme, scheme)
    g.add(c, SKOS.topConceptOf, scheme)
    g.add(scheme, SKOS.hasTopConcept, c)
    return c


def load_stakeholder_groups(ctx: BuildContext) -> list[Triple]:
    g = Graph()
    scheme = _scheme(ctx, g, STAKEHOLDERS, "Stakeholder groups of the Global Compact (A/RES/73/195, annex, paragraph 44)")
    g.add(scheme, GCM.statedIn, ctx.minter.instrument("a-res-73-195"))
    g.add(scheme, SKOS.definition, en(
        "The relevant stakeholders in cooperation and partnership with whom Member States implement the Global "
        "Compact (whole-of-society approach, A/RES/73/195 annex para 44)."))
    for row in read_csv(ctx, STAKEHOLDER_GROUPS):
        c = _concept(ctx, g, STAKEHOLDERS, row["key"], row["label"])
        g.note(c, row["source"])
    return g.triples()


def scheme_loader(name: str) -> Callable[[BuildContext], list[Triple]]:
    """The loader of one scheme of vocab/schemes.csv."""
    if name not in SCHEME_TITLES:
        raise ValueError(f"unknown scheme {name!r}")

    def load(ctx: BuildContext) -> list[Triple]:
        g = Graph()
        _scheme(ctx, g, name, SCHEME_TITLES[name])
        for row in read_csv(ctx, SCHEMES):
            if row["scheme"] != name:
                continue
            c = _concept(ctx, g, name, row["key"], row["pref_label"])
            for alt in split(row["alt_labels"]):
                g.alt(c, alt)
            if row["definition"]:
                g.add(c, SKOS.definition, en(row["definition"]))
            g.note(c, row["source"])
        return g.triples()

    load.__name__ = f"load_{name.replace('-', '_')}"
    return load
