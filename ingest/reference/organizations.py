"""Actors of the fixed world: UN entities and networks (un_entities.csv), regional consultative processes and
regional organisations (regional_processes.csv), and their sourced members (memberships.csv) as org:Membership.

No Wikidata ids are given for organisations: none could be sourced for this project, and none is invented.
"""
from __future__ import annotations

from pyoxigraph import NamedNode, Triple

from ingest.reference._common import M49_AREAS, MEMBERSHIPS, PROCESSES, UN_ENTITIES, Graph, en, gyear, read_csv, split
from ingest.reference.geo import MEMBERSHIP_ROLES, read_countries
from ingest.sources import BuildContext
from ontology.vocab import GCM, ORG, SCHEMA, SKOS

CLASSES = {"UNEntity", "RegionalOrganization", "RegionalConsultativeProcess", "Network", "Organization",
           "RedCrossRedCrescent"}
ROLES = {"member", "associate-member", "co-chair", "executive-committee-member"}


def _node(ctx: BuildContext, row: dict) -> NamedNode:
    """Processes get process IRIs, every other organisation an org IRI."""
    if "RegionalConsultativeProcess" in split(row["classes"]):
        return ctx.minter.process(row["key"])
    return ctx.minter.organization(row["key"])


def _describe(g: Graph, node: NamedNode, row: dict) -> None:
    classes = split(row["classes"])
    if not classes:
        raise ValueError(f"{row['key']}: no class")
    unknown = set(classes) - CLASSES
    if unknown:
        raise ValueError(f"{row['key']}: unknown class {unknown}")
    g.types(node, *(GCM[c] for c in classes))  # all are sub-classes of gcm:Organization
    g.label(node, row["pref_label"])
    for acronym in split(row["acronyms"]):
        g.acronym(node, acronym)
    for alt in split(row["alt_labels"]):
        g.alt(node, alt)
    g.note(node, row["source"])
    if row.get("note"):
        g.add(node, SKOS.note, en(row["note"]))


def organization_nodes(ctx: BuildContext) -> dict[str, tuple[NamedNode, dict]]:
    """Every organisation of both tables by key (memberships may cross them)."""
    out = {}
    for rel in (UN_ENTITIES, PROCESSES):
        for row in read_csv(ctx, rel):
            if row["key"] in out:
                raise ValueError(f"organisation key {row['key']!r} appears twice")
            out[row["key"]] = (_node(ctx, row), row)
    return out


def _memberships(ctx: BuildContext, g: Graph, own: set[str]) -> None:
    """The memberships in the organisations of this graph (``own`` keys)."""
    m = ctx.minter
    orgs = organization_nodes(ctx)
    countries = read_countries(ctx)
    for row in read_csv(ctx, MEMBERSHIPS):
        key = row["organization"]
        if key not in orgs:
            raise ValueError(f"{MEMBERSHIPS}: unknown organisation {key!r}")
        if key not in own:
            continue
        org, org_row = orgs[key]
        role = row["role"]
        if role not in ROLES:
            raise ValueError(f"{MEMBERSHIPS}: unknown role {role!r}")
        for member_key in split(row["member"]):
            if member_key.isupper():  # an ISO 3166 alpha-3 code
                if member_key not in countries:
                    raise ValueError(f"{MEMBERSHIPS}: {member_key} is not an M49 country")
                member = m.country(member_key)
                member_label = countries[member_key].names["en"]
            else:
                if member_key not in orgs:
                    raise ValueError(f"{MEMBERSHIPS}: unknown member organisation {member_key!r}")
                member, member_row = orgs[member_key]
                member_label = member_row["pref_label"]
            node = m.membership(member, org)
            g.types(node, ORG.Membership)
            g.label(node, f"{member_label}: member of {org_row['pref_label']}")
            g.add(node, ORG.member, member)
            g.add(node, ORG.organization, org)
            g.add(node, ORG.role, m.concept(MEMBERSHIP_ROLES, role))
            g.note(node, f"{role}: {row['source']}")
            g.add(member, GCM.memberOf, org)


def load_un_entities(ctx: BuildContext) -> list[Triple]:
    g = Graph()
    own = set()
    for row in read_csv(ctx, UN_ENTITIES):
        _describe(g, _node(ctx, row), row)
        own.add(row["key"])
    _memberships(ctx, g, own)
    return g.triples()


def load_processes(ctx: BuildContext) -> list[Triple]:
    g = Graph()
    orgs = organization_nodes(ctx)
    own = set()
    for row in read_csv(ctx, PROCESSES):
        node = _node(ctx, row)
        _describe(g, node, row)
        own.add(row["key"])
        if row["sub_organization_of"]:
            g.add(node, ORG.subOrganizationOf, orgs[row["sub_organization_of"]][0])
        if row["linked_to"]:
            g.add(node, ORG.linkedTo, orgs[row["linked_to"]][0])
        if row["established"]:
            g.add(node, SCHEMA.foundingDate, gyear(row["established"]))
    _memberships(ctx, g, own)
    return g.triples()


FILES_UN_ENTITIES = (UN_ENTITIES, PROCESSES, MEMBERSHIPS, M49_AREAS)
FILES_PROCESSES = (PROCESSES, UN_ENTITIES, MEMBERSHIPS, M49_AREAS)
