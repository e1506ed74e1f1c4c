"""SDG goals, targets and indicators with the UN SDG KOS IRIs (http://metadata.un.org/sdg/...).

Source: data/reference/sdg/sdg_goals_targets_indicators.csv, derived from the LOD4Stats SDG KOS (2019 vintage,
en/fr/es labels, custodians, tier) and the Open SDG list of current indicators. An indicator is one node per KOS
IRI (a repeated indicator such as 1.5.1 = 11.5.1 = 13.1.1 is one IRI with three codes). Indicators of the current
framework that the 2019 KOS does not have get the IRI the KOS pattern gives (``Minter.sdg_indicator``) and
``gcm:iriStatus "inferred"``; published ones ``"published"``.
"""
from __future__ import annotations

import re
from collections import defaultdict

from pyoxigraph import NamedNode, Triple

from ingest.reference._common import (
    label_literal,
    SDG_KOS_SCHEME,
    SDG_LABEL_CORRECTIONS,
    SDG_TABLE,
    Graph,
    en,
    lang,
    plain,
    read_csv,
    split,
)
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.vocab import GCM, SDGO, SKOS

PUBLISHED = "published"
INFERRED = "inferred"
# Every IRI of the SDG KOS (goal, target, indicator) has this form.
KOS_IRI = re.compile(r"^http://metadata\.un\.org/sdg/(\d{1,2}|\d{1,2}\.(\d{1,2}|[a-z])|C\d{2}[0-9a-z]{2}\d{2})$")


def _kos(iri: str) -> NamedNode:
    if not KOS_IRI.match(iri):
        raise ValueError(f"not an SDG KOS IRI: {iri!r}")
    return NamedNode(iri)


def _tier(value: str) -> list[str]:
    return [t.removeprefix("tier_") for t in split(value)]


def read_table(ctx: BuildContext) -> list[dict]:
    """The SDG table with the curated label corrections applied (each must still find the value it corrects)."""
    rows = read_csv(ctx, SDG_TABLE)
    by_uri = {}
    for r in rows:
        if r["level"] in ("goal", "target", "indicator_kos2019"):
            by_uri[r["uri"]] = r
    for c in read_csv(ctx, SDG_LABEL_CORRECTIONS):
        row = by_uri.get(c["uri"])
        column = f"title_{c['lang']}"
        if row is None or row[column] != c["table_value"]:
            raise ValueError(f"{SDG_LABEL_CORRECTIONS}: {c['uri']} @{c['lang']} no longer reads {c['table_value']!r}")
        row[column] = c["corrected"]
        row["correction"] = c["source"]
    return rows


def load_sdg(ctx: BuildContext) -> list[Triple]:
    rows = read_table(ctx)
    g = Graph()
    g.types(SDG_KOS_SCHEME, SKOS.ConceptScheme)
    g.label(SDG_KOS_SCHEME, "Sustainable Development Goals Taxonomy")

    for r in rows:
        if r["level"] == "goal":
            goal = _kos(r["uri"])
            if goal != Minter.sdg_goal(r["code"]):
                raise ValueError(f"goal {r['code']}: IRI {r['uri']} is not the KOS pattern")
            g.types(goal, SDGO.Goal, SKOS.Concept)
            _labels(g, goal, r)
            g.alt(goal, r["short_en"])
            g.alt(goal, f"Goal {r['code']}")
            g.alt(goal, f"SDG {r['code']}")
            g.alt(goal, f"Sustainable Development Goal {r['code']}")
            g.add(goal, SKOS.topConceptOf, SDG_KOS_SCHEME)
            g.add(SDG_KOS_SCHEME, SKOS.hasTopConcept, goal)
            _common(g, goal, r, PUBLISHED)
        elif r["level"] == "target":
            target = _kos(r["uri"])
            if target != Minter.sdg_target(r["code"]):
                raise ValueError(f"target {r['code']}: IRI {r['uri']} is not the KOS pattern")
            goal = _kos(r["parent"])
            g.types(target, SDGO.Target, SKOS.Concept)
            _labels(g, target, r)
            g.alt(target, f"Target {r['code']}")
            g.alt(target, f"SDG target {r['code']}")
            if r.get("correction"):
                g.add(target, SKOS.editorialNote, en(f"Label corrected: {r['correction']}"))
            g.add(target, SDGO.isTargetOf, goal)
            g.add(goal, SDGO.hasTarget, target)
            g.add(target, SKOS.broader, goal)
            _common(g, target, r, PUBLISHED)

    # --- indicators: one node per IRI ------------------------------------------------------------------------------
    kos = {r["uri"]: r for r in rows if r["level"] == "indicator_kos2019"}
    current: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["level"] == "indicator_current":
            iri = r["uri"] or Minter.sdg_indicator(r["code"]).value
            current[iri].append(r)
    for iri in sorted(set(kos) | set(current)):
        ind = _kos(iri)
        k = kos.get(iri)
        cur = current.get(iri, [])
        status = PUBLISHED if k else INFERRED
        g.types(ind, SDGO.Indicator, SKOS.Concept)
        codes = sorted({c for c in (split(k["code"]) if k else [])} | {r["code"] for r in cur})
        parents = sorted({p for p in (split(k["parent"]) if k else [])} | {r["parent"] for r in cur})
        for code in codes:
            g.add(ind, SKOS.notation, plain(code))
            g.add(ind, GCM.code, plain(code))
            g.alt(ind, f"Indicator {code}")
            g.alt(ind, f"SDG indicator {code}")
        for p in parents:
            target = _kos(p)
            g.add(ind, SDGO.isIndicatorOf, target)
            g.add(target, SDGO.hasIndicator, ind)
            g.add(ind, SKOS.broader, target)
        current_titles = sorted({r["title_en"] for r in cur if r["title_en"]})
        title_en = current_titles[0] if current_titles else k["title_en"]
        g.label(ind, title_en)
        if k:
            for language in ("fr", "es"):
                if k[f"title_{language}"]:
                    g.label(ind, k[f"title_{language}"], language)
            if k["title_en"] != title_en:
                g.alt(ind, k["title_en"])
                g.add(ind, SKOS.historyNote, en(f"Title in the 2019 UN SDG KOS: {k['title_en']}"))
            for agency in split(k["custodians"]):
                g.add(ind, GCM.custodianAgency, plain(agency))
            for tier in _tier(k["tier"]):
                g.add(ind, GCM.tier, plain(tier))
            if k["sdgio"]:
                g.add(ind, SKOS.exactMatch, NamedNode(k["sdgio"]))
            g.add(ind, SKOS.inScheme, SDG_KOS_SCHEME)
            g.note(ind, k["source"])
        else:
            g.add(ind, SKOS.editorialNote, en(
                "Indicator of the current global framework that is not in the 2019 UN SDG KOS: its IRI is derived "
                "from the KOS pattern (goal, target, indicator, each padded to two) and is not published."))
            g.note(ind, cur[0]["source"])
        g.add(ind, GCM.iriStatus, plain(status))
    return g.triples()


def _labels(g: Graph, node: NamedNode, r: dict) -> None:
    g.label(node, r["title_en"])
    for language in ("fr", "es"):
        if r[f"title_{language}"]:
            g.add(node, SKOS.prefLabel, label_literal(r[f"title_{language}"], language))
    g.add(node, SKOS.notation, plain(r["code"]))
    g.add(node, GCM.code, plain(r["code"]))


def _common(g: Graph, node: NamedNode, r: dict, status: str) -> None:
    g.add(node, SKOS.inScheme, SDG_KOS_SCHEME)
    g.add(node, GCM.iriStatus, plain(status))
    for col in ("sdgio", "wikidata"):
        if r[col]:
            g.add(node, SKOS.exactMatch, NamedNode(r[col]))
    g.note(node, r["source"])
