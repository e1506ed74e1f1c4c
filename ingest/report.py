"""The build report: per document and per type, what was extracted, what was linked, and what stayed unresolved,
so a curator sees gaps without reading the graph. Computed from the built store itself."""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from ontology.vocab import PREFIXES

_PER_DOCUMENT = """
SELECT ?doc ?title ?cls (COUNT(DISTINCT ?x) AS ?n) WHERE {
  ?doc a gcm:Document ; dct:title ?title .
  ?x gcm:inDocument ?doc ; a ?cls .
} GROUP BY ?doc ?title ?cls ORDER BY ?doc ?cls"""
_EVENTS = """
SELECT ?doc (COUNT(DISTINCT ?e) AS ?n) WHERE {
  GRAPH ?g { ?e a ?c ; gcm:fromSource ?src . VALUES ?c { gcm:Meeting gcm:Consultation gcm:ReviewMeeting } }
  ?src gcm:inDocument ?doc .
} GROUP BY ?doc"""
_LINKED = """
SELECT ?doc ?kind (COUNT(DISTINCT ?m) AS ?mentions) (COUNT(DISTINCT ?e) AS ?entities) WHERE {
  ?m a gcm:Mention ; gcm:inDocument ?doc ; gcm:denotes ?e .
  OPTIONAL { ?e a ?t . FILTER(STRSTARTS(STR(?t), STR(gcm:)) || STRSTARTS(STR(?t), STR(sdgo:))) }
  BIND(COALESCE(REPLACE(STR(?t), "^.*[#/]", ""), "unknown") AS ?kind)
} GROUP BY ?doc ?kind ORDER BY ?doc ?kind"""
_NEW = """
SELECT ?doc ?e ?label ?cls WHERE {
  ?e gcm:foundInText true ; rdfs:label ?label ; a ?cls ; prov:wasDerivedFrom ?seg .
  ?seg gcm:inDocument ?doc .
} ORDER BY ?doc ?label"""
_UNDESCRIBED = """
SELECT ?doc ?e (SAMPLE(?surface) AS ?form) WHERE {
  ?m a gcm:Mention ; gcm:inDocument ?doc ; gcm:denotes ?e ; gcm:surfaceForm ?surface .
  FILTER NOT EXISTS { ?e a ?any }
} GROUP BY ?doc ?e ORDER BY ?doc ?e"""
_NO_OBJECTIVE = """
SELECT ?doc (COUNT(?s) AS ?n) WHERE {
  ?s gcm:inDocument ?doc ; a ?c . ?c rdfs:subClassOf gcm:Statement .
  FILTER NOT EXISTS { ?s gcm:addressesObjective ?o }
} GROUP BY ?doc"""


def _rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    res = store.query(query, prefixes=PREFIXES)
    names = [v.value for v in res.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in res]


def build_report(store: ox.Store) -> dict:
    docs: dict[str, dict] = {}

    def doc(iri: str) -> dict:
        return docs.setdefault(iri, {"document": iri, "extracted": {}, "linked": {}, "found_in_text": [],
                                     "unresolved": [], "statements_without_objective": 0, "events": 0})

    for r in _rows(store, _PER_DOCUMENT):
        d = doc(r["doc"])
        d["title"] = r["title"]
        d["extracted"][r["cls"].rsplit("#", 1)[-1]] = int(r["n"])
    for r in _rows(store, _EVENTS):
        doc(r["doc"])["events"] = int(r["n"])
    for r in _rows(store, _LINKED):
        doc(r["doc"])["linked"][r["kind"]] = {"mentions": int(r["mentions"]), "entities": int(r["entities"])}
    for r in _rows(store, _NEW):
        doc(r["doc"])["found_in_text"].append({"entity": r["e"], "label": r["label"],
                                               "class": r["cls"].rsplit("#", 1)[-1]})
    for r in _rows(store, _UNDESCRIBED):
        doc(r["doc"])["unresolved"].append({"entity": r["e"], "surface": r["form"]})
    for r in _rows(store, _NO_OBJECTIVE):
        doc(r["doc"])["statements_without_objective"] = int(r["n"])
    return {"documents": [docs[k] for k in sorted(docs)]}


def report_markdown(report: dict) -> str:
    lines = ["# Build report", ""]
    for d in report["documents"]:
        ex = d["extracted"]
        lines += [f"## {d.get('title', d['document'])}", "", f"<{d['document']}>", ""]
        lines.append("| extracted | count |")
        lines.append("|---|---|")
        for k in sorted(ex):
            lines.append(f"| {k} | {ex[k]} |")
        lines.append(f"| events (meetings, consultations) | {d['events']} |")
        lines += ["", "| linked to | mentions | distinct entities |", "|---|---|---|"]
        for k, v in sorted(d["linked"].items()):
            lines.append(f"| {k} | {v['mentions']} | {v['entities']} |")
        lines += ["", f"Statements with no objective: {d['statements_without_objective']}", ""]
        if d["found_in_text"]:
            lines.append(f"Entities found in the text, not in any vocabulary ({len(d['found_in_text'])}):")
            lines += [f"- {e['label']} ({e['class']}) <{e['entity']}>" for e in d["found_in_text"]]
            lines.append("")
        if d["unresolved"]:
            lines.append(f"Mentions of IRIs nothing describes ({len(d['unresolved'])}):")
            lines += [f"- \"{e['surface']}\" -> <{e['entity']}>" for e in d["unresolved"]]
            lines.append("")
    return "\n".join(lines) + "\n"


def summary_lines(report: dict) -> list[str]:
    out = []
    for d in report["documents"]:
        ex = d["extracted"]
        statements = sum(ex.get(k, 0) for k in ("Challenge", "GoodPractice", "Recommendation", "Finding", "Conclusion"))
        figures = ex.get("StatisticalObservation", 0) + ex.get("ParticipationFigure", 0)
        mentions = ex.get("Mention", 0)
        out.append(
            f"  {d['document'].rsplit('/', 1)[-1]}: {ex.get('Paragraph', 0)} paragraphs, {statements} statements, "
            f"{d['events']} events, {figures} figures, {mentions} mentions, "
            f"{len(d['found_in_text'])} new entities, {len(d['unresolved'])} unresolved"
        )
    return out


def write_report(store: ox.Store, folder: Path) -> dict:
    report = build_report(store)
    (folder / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    (folder / "report.md").write_text(report_markdown(report), encoding="utf-8")
    return report
