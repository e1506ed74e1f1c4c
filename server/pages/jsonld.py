"""schema.org descriptions of the pages, for search engines (a JSON-LD data block; never executed).

The block is written with ``site.script_json``, which escapes '<', '>' and '&', so document text inside it (a
statement containing '</script>') cannot close the element.
"""
from __future__ import annotations

from flask import request

from ontology.vocab import DCT, GCM, SKOS
from server.pages.graph import GraphIndex

SCHEMA_TYPES = {
    "objective": "DefinedTerm", "action": "DefinedTerm", "principle": "DefinedTerm", "cluster": "DefinedTermSet",
    "sdg-goal": "DefinedTerm", "sdg-target": "DefinedTerm", "sdg-indicator": "DefinedTerm",
    "country": "Country", "region": "Place", "process": "Organization", "actor": "Organization",
    "instrument": "Legislation", "event": "Event", "statement": "CreativeWork", "document": "Report",
    "figure": "Observation", "segment": "CreativeWork", "mention": "CreativeWork",
}


def _url(path: str) -> str:
    return request.host_url.rstrip("/") + path


def schema_org(index: GraphIndex, iri: str, kind: str, head: dict, data: dict) -> dict:
    out: dict = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(kind, "Thing"), "@id": iri,
                 "name": head["label"], "url": _url(request.path)}
    if head.get("alt_labels"):
        out["alternateName"] = head["alt_labels"]
    if head.get("definition"):
        out["description"] = head["definition"]
    same = [r.iri for r in head.get("same_as", []) if r.iri.startswith("http")]
    if same:
        out["sameAs"] = same
    code = index.text(iri, GCM.code.value) or index.text(iri, SKOS.notation.value)
    if out["@type"] == "DefinedTerm" and code:
        out["termCode"] = code
    if kind == "objective":
        if data.get("commitment"):
            out["description"] = data["commitment"]
    elif kind == "event":
        for key, prop in (("startDate", "held"), ("endDate", "held_end")):
            if data.get(prop):
                out[key] = data[prop]
        organizers = [a["actor"] for g in data.get("roles", []) for a in g["actors"]
                      if g["role"] and "organi" in g["role"].label.lower()]
        if organizers:
            out["organizer"] = [{"@type": "Organization", "@id": r.iri, "name": r.label} for r in organizers]
        if data.get("format") and any("online" in f.label.lower() for f in data["format"]):
            out["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
    elif kind == "statement":
        out["text"] = data.get("text", "")
        prov = data.get("provenance")
        if prov:
            out["isPartOf"] = {"@type": "Report", "@id": prov["document"].iri, "name": prov["document"].label,
                               "url": _url(prov["href"])}
    elif kind == "document":
        issued = index.text(iri, DCT.issued.value)
        if issued:
            out["datePublished"] = issued
        publisher = [v.value for v in index.values(iri, DCT.publisher.value)]
        if publisher:
            out["publisher"] = [{"@type": "Organization", "name": p} for p in publisher]
        lang = index.text(iri, DCT.language.value)
        if lang:
            out["inLanguage"] = lang
    elif kind == "instrument":
        adopted = index.text(iri, GCM.adopted.value)
        if adopted:
            out["legislationDate"] = adopted
    elif kind == "country":
        iso = index.text(iri, GCM.iso3.value)
        if iso:
            out["identifier"] = iso
    return out


def website(title: str) -> dict:
    return {
        "@context": "https://schema.org", "@type": "WebSite", "name": title, "url": _url("/"),
        "potentialAction": {"@type": "SearchAction", "target": _url("/search") + "?q={search_term_string}",
                            "query-input": "required name=search_term_string"},
    }
