"""The Global Compact itself: 23 objectives with their commitments and lettered actions, the 10 guiding principles
and the 4 objective clusters (IMRF round tables), as one SKOS concept scheme."""
from __future__ import annotations

from pyoxigraph import NamedNode, Triple

from ingest.reference._common import (
    GCM_CLUSTERS,
    GCM_OBJECTIVES,
    GCM_PRINCIPLE_ALTLABELS,
    GCM_PRINCIPLES,
    Graph,
    en,
    integer,
    plain,
    read_csv,
    read_json,
    split,
)
from ingest.sources import BuildContext
from ontology.vocab import DCT, GCM, SKOS

SCHEME = "gcm"
RESOLUTION = "a-res-73-195"  # the instrument that states the objectives and principles
IMRF_RESOLUTION = "a-res-73-326"  # the resolution that sets the four round tables

# text_status values of gcm_guiding_principles.json that mean the text is the whole principle
COMPLETE_TEXT = ("full",)


def _text_complete(status: str) -> bool:
    return status.split(" ")[0] in COMPLETE_TEXT


def load_gcm(ctx: BuildContext) -> list[Triple]:
    m = ctx.minter
    g = Graph()
    scheme = m.scheme(SCHEME)
    resolution = m.instrument(RESOLUTION)
    g.types(scheme, SKOS.ConceptScheme)
    g.label(scheme, "Global Compact for Safe, Orderly and Regular Migration: objectives, actions, guiding principles and review clusters")
    g.add(scheme, GCM.statedIn, resolution)

    # --- objectives and actions --------------------------------------------------------------------------------
    for obj in read_json(ctx, GCM_OBJECTIVES):
        n = int(obj["number"])
        o = m.objective(n)
        g.types(o, GCM.Objective, SKOS.Concept)
        g.label(o, obj["title"])
        g.add(o, SKOS.notation, plain(str(n)))
        g.add(o, GCM.number, integer(n))
        g.add(o, GCM.inParagraph, integer(obj["paragraph"]))
        g.add(o, GCM.commitment, en(obj["commitment_text"]))
        g.add(o, GCM.statedIn, resolution)
        g.add(o, SKOS.inScheme, scheme)
        g.add(o, SKOS.topConceptOf, scheme)
        g.add(scheme, SKOS.hasTopConcept, o)
        g.alt(o, f"Objective {n}")
        g.alt(o, f"GCM objective {n}")
        for action in obj["actions"]:
            letter = action["letter"].lower()
            a = m.action(n, letter)
            g.types(a, GCM.Action, SKOS.Concept)
            g.label(a, f"GCM objective {n}, action ({letter})")
            g.add(a, SKOS.notation, plain(f"{n}({letter})"))
            g.add(a, GCM.letter, plain(letter))
            g.add(a, GCM.text, en(action["text"]))
            g.add(a, GCM.inParagraph, integer(obj["paragraph"]))
            g.add(a, GCM.actionOf, o)
            g.add(o, GCM.hasAction, a)
            g.add(a, SKOS.broader, o)
            g.add(a, SKOS.inScheme, scheme)
            g.add(a, GCM.statedIn, resolution)

    # --- guiding principles --------------------------------------------------------------------------------------
    alt = {}
    for row in read_csv(ctx, GCM_PRINCIPLE_ALTLABELS):
        alt.setdefault(row["letter"].lower(), []).append(row)
    for p in read_json(ctx, GCM_PRINCIPLES):
        letter = p["letter"].lower()
        node = m.principle(letter)
        g.types(node, GCM.GuidingPrinciple, SKOS.Concept)
        g.label(node, p["label"])
        g.add(node, SKOS.notation, plain(f"15({letter})"))
        g.add(node, GCM.letter, plain(letter))
        g.add(node, GCM.inParagraph, integer(p["paragraph"]))
        g.add(node, GCM.statedIn, resolution)
        g.add(node, SKOS.inScheme, scheme)
        g.add(node, SKOS.topConceptOf, scheme)
        g.add(scheme, SKOS.hasTopConcept, node)
        status = p.get("text_status", "")
        if p.get("text") and _text_complete(status):
            g.add(node, GCM.text, en(p["text"]))
        else:
            # incomplete texts are not published as the principle's text: say what is missing instead
            g.add(node, SKOS.editorialNote, en(
                f"The text of principle 15 ({letter}) is not given: source status '{status}'."))
        g.note(node, p.get("source", ""))
        if p.get("migration_network_hub_term"):
            g.add(node, DCT.references, NamedNode(p["migration_network_hub_term"]))
        for row in alt.get(letter, []):
            g.alt(node, row["alt_label"])

    # --- objective clusters (IMRF round tables) -----------------------------------------------------------------
    imrf = m.instrument(IMRF_RESOLUTION)
    for row in read_csv(ctx, GCM_CLUSTERS):
        n = int(row["cluster"])
        objectives = [int(x) for x in split(row["objectives"])]
        c = m.cluster(n)
        g.types(c, GCM.ObjectiveCluster, SKOS.Concept)
        g.label(c, f"GCM objective cluster {n}: objectives {_and_list(objectives)}")
        g.add(c, GCM.number, integer(n))
        g.add(c, SKOS.notation, plain(str(n)))
        g.alt(c, row["title"])
        for t in split(row["alt_titles"]):
            g.alt(c, t)
        g.alt(c, f"Round table {n}")
        g.add(c, GCM.statedIn, imrf)
        g.add(c, SKOS.inScheme, scheme)
        g.add(c, SKOS.topConceptOf, scheme)
        g.add(scheme, SKOS.hasTopConcept, c)
        g.note(c, row["source"])
        for k in objectives:
            g.add(c, GCM.clusterMember, m.objective(k))
            g.add(m.objective(k), GCM.inCluster, c)
    return g.triples()


def _and_list(numbers: list[int]) -> str:
    """'2, 5, 6, 12 and 18', the way the documents print a cluster."""
    items = [str(x) for x in numbers]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
