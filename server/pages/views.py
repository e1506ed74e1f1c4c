"""What each kind of page shows, as plain data for its template (no markup here).

Every builder takes the entity IRI and returns a dict; the templates in server/templates/entity/ lay it out.
The questions follow what an analyst asks first of each kind (issue 6): for an objective its commitment, actions,
SDG targets with the mapping's evidence, treaties, consultations and statements; for a country its subregion,
memberships, treaty status and every statement that names it, grouped by objective; and so on.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import render_template
from markupsafe import Markup

from ontology.vocab import DCT, GCM, NIF, ORG, OWL, RDF, RDFS, SCHEMA, SDGO, SKOS
from server.pages import site
from server.pages.graph import GraphIndex, KIND_NAMES, term_key
from server.pages.text import DocumentText

G = GCM
INCOMING_PAGE = 10
STATEMENT_TYPES = (
    (G.Challenge.value, "Challenges"),
    (G.GoodPractice.value, "Good practices"),
    (G.Recommendation.value, "Recommendations"),
    (G.Finding.value, "Findings"),
    (G.Conclusion.value, "Conclusions"),
)
_HIDDEN_LONG = {NIF.isString.value}


# --- small helpers -----------------------------------------------------------------------------------------
def _ix() -> GraphIndex:
    return site.index()


def _lit(index: GraphIndex, iri: str, prop) -> str | None:
    return index.text(iri, prop.value, site.langs())


def _int(index: GraphIndex, iri: str, prop, default: int = 0) -> int:
    v = index.value(iri, prop.value)
    try:
        return int(v.value) if isinstance(v, ox.Literal) else default
    except ValueError:
        return default


def _sort_label(ref) -> tuple:
    return (ref.label.casefold(), ref.iri)


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text or ""))


def refs(iris, sort: bool = True) -> list:
    out = [site.ref(i) for i in dict.fromkeys(iris)]
    return sorted(out, key=_sort_label) if sort else out


def doc_text(doc: str) -> DocumentText:
    index = _ix()
    key = ("doctext", doc, site.langs())
    found = index.cache.get(key)
    if found is None:
        found = index.cache[key] = DocumentText(index, doc, site.target)
    return found


def statement_type(index: GraphIndex, iri: str) -> tuple[str, str]:
    closure = index.all_types(iri)
    for cls, name in STATEMENT_TYPES:
        if cls in closure:
            return cls, name[:-1] if name.endswith("s") else name
    return G.Statement.value, "Statement"


def objective_refs(index: GraphIndex, iris) -> list:
    """Objectives in number order, labelled '13. Use migration detention ...'."""
    out = []
    for o in sorted(set(iris), key=lambda o: _int(index, o, G.number)):
        label, lang = index.label_lang(o, site.langs())
        r = site.ref(o)
        out.append(site.Ref(iri=r.iri, href=r.href, label=f"{_int(index, o, G.number)}. {label}", lang=lang,
                            external=r.external, kind=r.kind))
    return out


def segment_label(index: GraphIndex, seg: str) -> str:
    """'paragraph 20 (b)' for an item, 'paragraph 20' for a paragraph, 'footnote 3'..."""
    key = index.text(seg, G.key.value) or ""
    parent = index.iris(seg, G.inParagraphOf.value)
    if parent:
        pkey = index.text(parent[0], G.key.value) or ""
        kind = "sentence" if index.is_a(seg, G.Sentence.value) else ""
        return f"paragraph {pkey} ({kind + ' ' if kind else ''}{key})"
    if index.is_a(seg, G.Footnote.value):
        return f"footnote {key}"
    if index.is_a(seg, G.Section.value):
        return f"section {key}"
    return f"paragraph {key}"


def doc_short(index: GraphIndex, doc: str) -> str:
    """A short name for citing a document: its UN symbol, else its type and date ('Concept note, 2020-10')."""
    symbol = index.text(doc, G.symbol.value) or index.text(doc, DCT.references.value)
    if symbol:
        return symbol
    kind = index.iris(doc, G.documentType.value)
    issued = index.text(doc, DCT.issued.value)
    name = index.label(kind[0]) if kind else "Document"
    return f"{name[:1].upper()}{name[1:]}" + (f", {issued}" if issued else "")


def provenance(index: GraphIndex, iri: str) -> dict | None:
    """Where an extracted node comes from: document, the segment, and the anchor in the document page."""
    segs = index.iris(iri, G.fromSource.value)
    docs = index.iris(iri, G.inDocument.value)
    if not docs and segs:
        docs = index.iris(segs[0], G.inDocument.value)
    if not docs:
        return None
    doc = docs[0]
    dt = doc_text(doc)
    seg = segs[0] if segs else None
    anchor = dt.anchor(seg) if seg else ""
    para = None
    if seg:
        parents = index.iris(seg, G.inParagraphOf.value)
        para = parents[0] if parents else (seg if index.is_a(seg, G.Paragraph.value) else None)
    para_anchor = dt.anchor(para) if para else ""
    if not anchor:
        anchor = para_anchor
    doc_ref = site.ref(doc)
    return {
        "document": doc_ref,
        "doc_short": doc_short(index, doc),
        "segment": site.ref(seg, segment_label(index, seg)) if seg else None,
        "paragraph": site.ref(para, segment_label(index, para)) if para else None,
        "anchor": anchor,
        "para_anchor": para_anchor,
        "href": f"{doc_ref.href}#{anchor}" if anchor else doc_ref.href,
        "para_href": f"{doc_ref.href}#{para_anchor}" if para_anchor else "",
        "paragraph_key": index.text(para, G.key.value) if para else None,
        "segment_key": index.text(seg, G.key.value) if seg else None,
        "begin": _int(index, iri, NIF.beginIndex, -1),
        "end": _int(index, iri, NIF.endIndex, -1),
    }


def statement_row(index: GraphIndex, iri: str) -> dict:
    """A statement as lists show it (cached per build and language: pages list the same statements often)."""
    key = ("statement-row", iri, site.langs())
    found = index.cache.get(key)
    if found is None:
        found = index.cache[key] = _statement_row(index, iri)
    return found


def _statement_row(index: GraphIndex, iri: str) -> dict:
    cls, type_name = statement_type(index, iri)
    text = index.text(iri, G.text.value) or index.label(iri)
    return {
        "ref": site.ref(iri),
        "type": type_name,
        "type_class": cls.rsplit("#", 1)[-1].lower(),
        "text": text,
        "provenance": provenance(index, iri),
        "objectives": [{"number": _int(index, o, G.number), "href": site.href(o), "label": index.label(o)}
                       for o in sorted(index.iris(iri, G.addressesObjective.value),
                                       key=lambda o: _int(index, o, G.number))],
    }


def group_statements(index: GraphIndex, statements) -> list[dict]:
    """Statements by type, in the order challenges, good practices, recommendations, findings, conclusions."""
    by_type: dict[str, list] = defaultdict(list)
    for s in dict.fromkeys(statements):
        by_type[statement_type(index, s)[0]].append(statement_row(index, s))
    out = []
    for cls, name in (*STATEMENT_TYPES, (G.Statement.value, "Other statements")):
        rows = by_type.get(cls)
        if rows:
            rows.sort(key=lambda r: (r["provenance"]["document"].label if r["provenance"] else "",
                                     r["provenance"]["begin"] if r["provenance"] else 0))
            out.append({"name": name, "key": cls.rsplit("#", 1)[-1].lower(), "rows": rows})
    return out


def statements_of(index: GraphIndex, iri: str, prop) -> list[str]:
    return [s for s in index.subjects(prop.value, iri) if index.is_a(s, G.Statement.value)]


def mentioned_with(index: GraphIndex, statements: list[str]) -> tuple[list, list]:
    """Countries and actors that the statements mention, most mentioned first: [(ref, count)]."""
    countries, actors = Counter(), Counter()
    for s in statements:
        for e in set(index.iris(s, G.mentions.value)):
            if index.is_a(e, G.Country.value):
                countries[e] += 1
            elif index.is_a(e, G.Actor.value):
                actors[e] += 1
    top = lambda c: [(site.ref(i), n) for i, n in sorted(c.items(), key=lambda kv: (-kv[1], index.label(kv[0])))]
    return top(countries)[:12], top(actors)[:12]


def figures_rows(index: GraphIndex, figures) -> list[dict]:
    rows = []
    for f in dict.fromkeys(figures):
        value = index.value(f, G.value.value)
        rows.append({
            "ref": site.ref(f),
            "measure": site.ref(index.iris(f, G.measure.value)[0]) if index.iris(f, G.measure.value) else None,
            "value": value.value if value is not None else "",
            "display": format_number(value.value) if value is not None else "",
            "unit": index.text(f, G.unit.value) or "",
            "qualifier": index.text(f, G.qualifier.value) or "",
            "year": index.text(f, G.refYear.value) or "",
            "area": site.ref(index.iris(f, G.refArea.value)[0]) if index.iris(f, G.refArea.value) else None,
            "as_printed": index.text(f, NIF.anchorOf.value) or "",
            "provenance": provenance(index, f),
        })
    rows.sort(key=lambda r: (r["measure"].label if r["measure"] else "", r["year"], r["ref"].iri))
    return rows


def format_number(text: str) -> str:
    try:
        n = float(text)
    except ValueError:
        return text
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(n) >= size:
            return f"{n / size:,.3g} {word}"
    return f"{n:,.0f}" if n == int(n) else f"{n:,.2f}".rstrip("0").rstrip(".")


# --- generic: every property, grouped; incoming links with counts --------------------------------------------
def value_view(index: GraphIndex, term) -> dict:
    if isinstance(term, ox.Literal):
        text = term.value
        datatype = term.datatype.value if term.datatype else None
        short = site.curie(datatype) if datatype else None
        if short in ("rdf:langString", "xsd:string"):
            short = None
        long_text = len(text) > 600
        return {"literal": True, "text": text, "lang": term.language, "datatype": short, "long": long_text,
                "is_link": text.startswith(("http://", "https://")) and " " not in text and not long_text}
    if isinstance(term, ox.BlankNode):
        return {"literal": False, "ref": None, "text": "_:" + term.value}
    return {"literal": False, "ref": site.ref(term.value)}


def property_ref(index: GraphIndex, p: str) -> dict:
    return {"iri": p, "curie": site.curie(p), "label": index.label(p, site.langs()) if index.has_label(p)
            else site.curie(p), "href": site.href(p) or p}


def properties(index: GraphIndex, iri: str) -> list[dict]:
    groups = []
    for p, values in index.outgoing(iri).items():
        shown = [value_view(index, v) for v in values]
        if p in _HIDDEN_LONG or (p == G.text.value and index.kind(iri) == "document"):
            shown = [{"literal": True, "text": f"({len(v.value):,} characters: the document's text, shown below "
                      "on its page)", "lang": None, "datatype": None, "long": False, "is_link": False}
                     for v in values if isinstance(v, ox.Literal)]
        shown.sort(key=lambda v: (v.get("lang") or "", v.get("text") or (v["ref"].label if v.get("ref") else "")))
        groups.append({"property": property_ref(index, p), "vals": shown})
    order = {RDF.type.value: 0, RDFS.label.value: 1, SKOS.prefLabel.value: 2, SKOS.altLabel.value: 3}
    groups.sort(key=lambda g: (order.get(g["property"]["iri"], 9), g["property"]["label"].casefold()))
    return groups


def sorted_incoming(index: GraphIndex, iri: str) -> dict[str, list[str]]:
    """predicate -> the distinct subjects linking to *iri*, sorted by label (cached per build and language: a
    document has thousands of segments)."""
    langs = site.langs()
    key = ("incoming", iri, langs)
    found = index.cache.get(key)
    if found is None:
        found = {}
        for p, subjects in index.incoming(iri).items():
            keys = list(dict.fromkeys(term_key(s) for s in subjects))
            found[p] = sorted(keys, key=lambda k: (index.label(k, langs).casefold(), k))
        index.cache[key] = found
    return found


def incoming(index: GraphIndex, iri: str, page_path: str, limit: int = INCOMING_PAGE) -> list[dict]:
    groups = []
    for p, keys in sorted_incoming(index, iri).items():
        groups.append({
            "property": property_ref(index, p),
            "count": len(keys),
            "refs": [site.ref(k) for k in keys[:limit]],  # links only for the ones shown
            "more": (f"/incoming{page_path}?" + urlencode({"property": site.curie(p)})) if len(keys) > limit
            else None,
        })
    groups.sort(key=lambda g: (-g["count"], g["property"]["label"].casefold()))
    return groups


def incoming_page(index: GraphIndex, iri: str, prop: str, page: int, size: int = 50) -> dict:
    keys = sorted_incoming(index, iri).get(prop, [])
    pages = max(1, (len(keys) + size - 1) // size)
    page = min(max(1, page), pages)
    return {"property": property_ref(index, prop), "count": len(keys), "page": page, "pages": pages,
            "refs": [site.ref(k) for k in keys[(page - 1) * size: page * size]]}


# --- the header every entity page has ------------------------------------------------------------------------
def header(index: GraphIndex, iri: str) -> dict:
    label, lang = index.label_lang(iri, site.langs())
    kind = index.kind(iri)
    typ = index.most_specific_type(iri)
    alt = sorted({v.value for v in index.values(iri, SKOS.altLabel.value) if isinstance(v, ox.Literal)
                  and (v.language or "en").split("-")[0] in (*site.langs(), "en")} - {label})
    other_labels = sorted({(v.language or "", v.value) for p in (SKOS.prefLabel.value, RDFS.label.value)
                           for v in index.values(iri, p) if isinstance(v, ox.Literal)} - {(lang or "", label)})
    same = [site.ref(o) for p in (OWL.sameAs.value, SKOS.exactMatch.value, SKOS.closeMatch.value)
            for o in index.iris(iri, p)]
    return {
        "iri": iri, "label": label, "lang": lang, "kind": kind, "kind_name": KIND_NAMES.get(kind, kind),
        "type": site.ref(typ) if typ else None, "types": refs(index.types(iri)),
        "alt_labels": alt, "other_labels": other_labels, "same_as": same,
        "definition": _lit(index, iri, SKOS.definition) or _lit(index, iri, DCT.description),
        "notes": [v.value for p in (SKOS.note.value, SKOS.editorialNote.value, SKOS.scopeNote.value,
                                    SKOS.historyNote.value)
                  for v in index.values(iri, p) if isinstance(v, ox.Literal)],
        "source_note": index.text(iri, G.sourceNote.value),
        "acronyms": [v.value for v in index.values(iri, G.acronym.value) if isinstance(v, ox.Literal)],
    }


# --- kinds -------------------------------------------------------------------------------------------------
def objective(index: GraphIndex, iri: str) -> dict:
    number = _int(index, iri, G.number)
    actions = []
    for a in index.iris(iri, G.hasAction.value):
        actions.append({"ref": site.ref(a), "letter": index.text(a, G.letter.value) or "",
                        "text": index.text(a, G.text.value) or index.label(a)})
    actions.sort(key=lambda a: a["letter"])
    cluster = index.iris(iri, G.inCluster.value)
    cluster_view = None
    if cluster:
        members = sorted(index.iris(cluster[0], G.clusterMember.value), key=lambda o: _int(index, o, G.number))
        cluster_view = {"ref": site.ref(cluster[0]), "members": [
            {"ref": site.ref(o), "number": _int(index, o, G.number), "current": o == iri} for o in members]}
    statements = statements_of(index, iri, G.addressesObjective)
    # guiding principles: the ten apply to every objective; show which ones its statements cite
    cited = Counter()
    for s in statements:
        for p in set(index.iris(s, G.mentions.value)) | set(index.iris(s, G.aboutPrinciple.value)):
            if index.is_a(p, G.GuidingPrinciple.value):
                cited[p] += 1
    principles = sorted(index.instances(G.GuidingPrinciple.value),
                        key=lambda p: index.text(p, G.letter.value) or "")
    principle_rows = [{"ref": site.ref(p), "letter": index.text(p, G.letter.value) or "", "cited": cited.get(p, 0)}
                      for p in principles]
    mappings = []
    for m in index.subjects(G.mappingSubject.value, iri):
        target = index.iris(m, G.mappingObject.value)
        if not target:
            continue
        t = target[0]
        justification = index.iris(m, G.mappingJustification.value)
        confidence = index.value(m, G.confidence.value)
        mappings.append({
            "ref": site.ref(m), "target": site.ref(t), "code": index.text(t, G.code.value) or "",
            "justification": site.ref(justification[0]) if justification else None,
            "confidence": confidence.value if confidence is not None else "",
            "evidence": [v.value for v in index.values(m, G.evidence.value)],
            "stated": (index.text(m, G.statedInGcm.value) == "true"),
            "indicators": sorted(({"href": site.href(i), "label": index.label(i, site.langs()),
                                   "code": index.text(i, G.code.value) or ""}
                                  for i in index.iris(t, SDGO.hasIndicator.value)), key=lambda i: _natural(i["code"])),
        })
    mappings.sort(key=lambda m: _natural(m["code"]))
    treaties = []
    for inst in index.subjects(G.bearsOnObjective.value, iri):
        evidence = []
        for link in index.subjects(RDF.subject.value, inst):
            if iri in index.iris(link, RDF.object.value):
                evidence += [v.value for v in index.values(link, G.evidence.value)]
        treaties.append({"ref": site.ref(inst), "evidence": evidence,
                         "acronym": index.text(inst, G.acronym.value) or ""})
    treaties.sort(key=lambda t: t["ref"].label.casefold())
    events = [event_row(index, e) for e in index.subjects(G.addressesObjective.value, iri)
              if index.is_a(e, G.Meeting.value)]
    events.sort(key=lambda e: e["held"] or e["planned"] or "9999")
    countries, actors = mentioned_with(index, statements)
    countries = [(r, n, "/evidence?" + urlencode({"objective": number, "country": index.text(r.iri, G.iso3.value) or ""}))
                 for r, n in countries]
    from server.pages.charts import sdg_layers  # charts imports this module

    return {
        "number": number, "layers": sdg_layers(index, [iri]) if mappings else None,
        "commitment": _lit(index, iri, G.commitment),
        "paragraph": _int(index, iri, G.inParagraph) or None,
        "stated_in": refs(index.iris(iri, G.statedIn.value)),
        "actions": actions, "cluster": cluster_view, "principles": principle_rows,
        "mappings": mappings, "treaties": treaties, "events": events,
        "statements": group_statements(index, statements), "statement_count": len(set(statements)),
        "countries": countries, "actors": actors,
    }


def event_row(index: GraphIndex, e: str) -> dict:
    held = index.text(e, G.startDate.value)
    held_end = index.text(e, G.endDate.value)
    planned = index.text(e, G.plannedStartDate.value)
    planned_end = index.text(e, G.plannedEndDate.value)
    return {"ref": site.ref(e), "held": held, "held_end": held_end, "planned": planned,
            "planned_end": planned_end, "moved": bool(planned and held and planned != held),
            "type": site.ref(index.most_specific_type(e)) if index.most_specific_type(e) else None}


def country(index: GraphIndex, iri: str) -> dict:
    regions = []
    for r in index.iris(iri, G.inRegion.value):
        regions.append({"ref": site.ref(r), "m49": index.text(r, G.m49.value),
                        "escap": "escap" in r.rsplit("/", 1)[-1]})
    regions.sort(key=lambda r: (not r["escap"], r["ref"].label))
    memberships = []
    for m in index.subjects(ORG.member.value, iri):
        org = index.iris(m, ORG.organization.value)
        role = index.iris(m, ORG.role.value)
        memberships.append({"ref": site.ref(m), "organization": site.ref(org[0]) if org else None,
                            "role": site.ref(role[0]) if role else None,
                            "source": index.text(m, G.sourceNote.value)})
    listed = {m["organization"].iri for m in memberships if m["organization"]}
    for org in index.iris(iri, G.memberOf.value):
        if org not in listed:
            memberships.append({"ref": None, "organization": site.ref(org), "role": None, "source": None})
    memberships.sort(key=lambda m: m["organization"].label if m["organization"] else "")
    # treaty status: every treaty the graph has state-party records for
    records = {}
    for rec in index.subjects(G.party.value, iri):
        for t in index.iris(rec, G.treaty.value):
            records[t] = rec
    treaties_with_records = {t for rec in index.instances(G.StateParty.value)
                             for t in index.iris(rec, G.treaty.value)}
    status = []
    for t in sorted(treaties_with_records | set(records), key=lambda t: index.label(t)):
        rec = records.get(t)
        # without a record, the snapshot that does not list the country still says when it was observed
        witness = rec or next(iter(index.subjects(G.treaty.value, t)), None)
        status.append({
            "treaty": site.ref(t), "record": site.ref(rec) if rec else None, "party": rec is not None,
            "since": index.text(rec, G.partySince.value) if rec else None,
            "signatory": index.text(rec, G.signatory.value) if rec else None,
            "observed": index.text(witness, G.observedOn.value) if witness else None,
            "sources": [site.ref(s) for s in index.iris(witness, DCT.source.value)] if witness else [],
            "source_note": index.text(rec, G.sourceNote.value) if rec else None,
        })
    parties_without_records = [site.ref(t) for t in index.iris(iri, G.isPartyTo.value) if t not in records]
    statements = statements_of(index, iri, G.mentions)
    by_objective: dict[str, list] = defaultdict(list)
    for s in statements:
        objs = index.iris(s, G.addressesObjective.value) or [""]
        for o in objs:
            by_objective[o].append(s)
    groups = []
    for o in sorted(by_objective, key=lambda o: _int(index, o, G.number, 99) if o else 100):
        rows = [statement_row(index, s) for s in by_objective[o]]
        rows.sort(key=lambda r: (r["type"], r["provenance"]["begin"] if r["provenance"] else 0))
        groups.append({"objective": site.ref(o) if o else None,
                       "number": _int(index, o, G.number) if o else None, "rows": rows,
                       "evidence_href": "/evidence?" + urlencode(
                           {"objective": _int(index, o, G.number), "country": index.text(iri, G.iso3.value) or ""})
                       if o else None})
    figures = [f for f in index.subjects(G.refArea.value, iri)]
    paragraphs = [s for s in index.subjects(G.mentions.value, iri) if not index.is_a(s, G.Statement.value)]
    return {
        "codes": {"ISO 3166-1 alpha-3": index.text(iri, G.iso3.value), "ISO 3166-1 alpha-2": index.text(iri, G.iso2.value),
                  "M49": index.text(iri, G.m49.value)},
        "regions": regions, "memberships": memberships, "treaty_status": status,
        "parties_without_records": parties_without_records,
        "statement_groups": groups, "statement_count": len(set(statements)),
        "figures": figures_rows(index, figures), "paragraph_count": len(set(paragraphs)),
        "mention_docs": mention_documents(index, iri),
    }


def mention_documents(index: GraphIndex, iri: str) -> list[tuple]:
    """[(document ref, number of mentions)] for the documents that name the entity."""
    counts = Counter()
    for m in index.subjects(G.denotes.value, iri):
        for d in index.iris(m, G.inDocument.value):
            counts[d] += 1
    return [(site.ref(d), n) for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], index.label(kv[0])))]


def roles_of(index: GraphIndex, actor: str) -> list[dict]:
    rows = []
    for r in index.subjects(G.roleOf.value, actor):
        events = index.iris(r, G.roleIn.value)
        role_type = index.iris(r, G.roleType.value)
        rows.append({"ref": site.ref(r), "event": event_row(index, events[0]) if events else None,
                     "role": site.ref(role_type[0]) if role_type else None, "provenance": provenance(index, r)})
    rows.sort(key=lambda r: (r["event"]["held"] or "") if r["event"] else "")
    return rows


def actor(index: GraphIndex, iri: str) -> dict:
    members = []
    for m in index.subjects(ORG.organization.value, iri):
        who = index.iris(m, ORG.member.value)
        role = index.iris(m, ORG.role.value)
        if who:
            members.append({"ref": site.ref(who[0]), "role": site.ref(role[0]) if role else None})
    listed = {m["ref"].iri for m in members}
    for who in index.subjects(G.memberOf.value, iri):
        if who not in listed:
            members.append({"ref": site.ref(who), "role": None})
    members.sort(key=lambda m: m["ref"].label.casefold())
    statements = statements_of(index, iri, G.mentions)
    return {
        "stakeholder_groups": refs(index.iris(iri, G.stakeholderGroup.value)),
        "member_of": refs(index.iris(iri, G.memberOf.value) + index.iris(iri, ORG.subOrganizationOf.value)),
        "members": members,
        "founded": index.text(iri, SCHEMA.foundingDate.value),
        "found_in_text": index.text(iri, G.foundInText.value) == "true",
        "roles": roles_of(index, iri),
        "statements": group_statements(index, statements), "statement_count": len(set(statements)),
        "mention_docs": mention_documents(index, iri),
        "links": [site.ref(o) for o in index.iris(iri, RDFS.seeAlso.value)],
    }


def instrument(index: GraphIndex, iri: str) -> dict:
    parties = []
    for rec in index.subjects(G.treaty.value, iri):
        who = index.iris(rec, G.party.value)
        if who:
            parties.append({"country": site.ref(who[0]), "record": site.ref(rec),
                            "since": index.text(rec, G.partySince.value) or "",
                            "observed": index.text(rec, G.observedOn.value) or "",
                            "signatory": index.text(rec, G.signatory.value),
                            "sources": [site.ref(s) for s in index.iris(rec, DCT.source.value)]})
    parties.sort(key=lambda p: p["country"].label.casefold())
    objectives = []
    for o in sorted(index.iris(iri, G.bearsOnObjective.value), key=lambda o: _int(index, o, G.number)):
        evidence = []
        for link in index.subjects(RDF.subject.value, iri):
            if o in index.iris(link, RDF.object.value):
                evidence += [v.value for v in index.values(link, G.evidence.value)]
        objectives.append({"ref": site.ref(o), "number": _int(index, o, G.number), "evidence": evidence})
    citing = [s for s in index.subjects(G.mentions.value, iri) + index.subjects(G.citesInstrument.value, iri)]
    statements = [s for s in citing if index.is_a(s, G.Statement.value)]
    identifiers = {name: index.text(iri, prop.value) for name, prop in (
        ("UN symbol", G.symbol), ("UN Treaty Collection", G.untcId), ("ILO NORMLEX", G.normlexId))}
    return {
        "adopted": index.text(iri, G.adopted.value), "identifiers": {k: v for k, v in identifiers.items() if v},
        "supplements": refs(index.iris(iri, G.supplements.value)),
        "supplemented_by": refs(index.subjects(G.supplements.value, iri)),
        "group_members": refs(index.iris(iri, G.groupMember.value)),
        "groups": refs(index.subjects(G.groupMember.value, iri)),
        "parties": parties, "objectives": objectives,
        "statements": group_statements(index, statements), "statement_count": len(set(statements)),
        "mention_docs": mention_documents(index, iri),
        "links": [site.ref(o) for o in index.iris(iri, RDFS.seeAlso.value)],
        "observed": parties[0]["observed"] if parties else None,
    }


def _mappings_to(index: GraphIndex, target: str) -> list[dict]:
    out = []
    for m in index.subjects(G.mappingObject.value, target):
        subj = index.iris(m, G.mappingSubject.value)
        if not subj:
            continue
        justification = index.iris(m, G.mappingJustification.value)
        conf = index.value(m, G.confidence.value)
        out.append({"ref": site.ref(m), "objective": site.ref(subj[0]), "number": _int(index, subj[0], G.number),
                    "justification": site.ref(justification[0]) if justification else None,
                    "confidence": conf.value if conf is not None else "",
                    "evidence": [v.value for v in index.values(m, G.evidence.value)],
                    "stated": index.text(m, G.statedInGcm.value) == "true"})
    return sorted(out, key=lambda m: m["number"])


def sdg(index: GraphIndex, iri: str) -> dict:
    kind = index.kind(iri)
    code = index.text(iri, G.code.value) or index.text(iri, SKOS.notation.value)
    data: dict = {"code": code, "iri_status": index.text(iri, G.iriStatus.value)}
    if kind == "sdg-goal":
        targets = []
        for t in index.iris(iri, SDGO.hasTarget.value):
            targets.append({"ref": site.ref(t), "code": index.text(t, G.code.value) or "",
                            "indicators": len(index.iris(t, SDGO.hasIndicator.value)),
                            "mappings": _mappings_to(index, t)})
        targets.sort(key=lambda t: _natural(t["code"]))
        data["targets"] = targets
    elif kind == "sdg-target":
        goal = index.iris(iri, SDGO.isTargetOf.value)
        data["goal"] = site.ref(goal[0]) if goal else None
        inds = []
        for i in index.iris(iri, SDGO.hasIndicator.value):
            inds.append({"ref": site.ref(i), "code": index.text(i, G.code.value) or "",
                         "tier": index.text(i, G.tier.value) or "",
                         "custodians": sorted(v.value for v in index.values(i, G.custodianAgency.value))})
        inds.sort(key=lambda i: _natural(i["code"]))
        data["indicators"] = inds
        data["mappings"] = _mappings_to(index, iri)
        statements = [s for s in index.subjects(G.aboutTarget.value, iri) + index.subjects(G.mentions.value, iri)
                      if index.is_a(s, G.Statement.value)]
        data["statements"] = group_statements(index, statements)
    else:
        target = index.iris(iri, SDGO.isIndicatorOf.value)
        data["target"] = site.ref(target[0]) if target else None
        goal = index.iris(target[0], SDGO.isTargetOf.value) if target else []
        data["goal"] = site.ref(goal[0]) if goal else None
        data["tier"] = index.text(iri, G.tier.value)
        data["custodians"] = sorted(v.value for v in index.values(iri, G.custodianAgency.value))
        data["mappings"] = _mappings_to(index, target[0]) if target else []
    return data


def event(index: GraphIndex, iri: str) -> dict:
    roles: dict[str, list] = defaultdict(list)
    role_names = {}
    for r in index.subjects(G.roleIn.value, iri):
        who = index.iris(r, G.roleOf.value)
        rt = index.iris(r, G.roleType.value)
        key = rt[0] if rt else ""
        role_names[key] = site.ref(rt[0]) if rt else None
        if who:
            roles[key].append({"actor": site.ref(who[0]), "type": site.ref(index.most_specific_type(who[0]))
                               if index.most_specific_type(who[0]) else None,
                               "provenance": provenance(index, r)})
    order = ["organiser", "co-organiser", "lead", "supporter", "facilitator", "participant"]

    def role_order(k):
        name = (role_names[k].label.lower() if role_names.get(k) else "")
        return (order.index(name) if name in order else len(order), name)

    role_groups = [{"role": role_names[k], "actors": sorted(v, key=lambda a: a["actor"].label.casefold())}
                   for k, v in sorted(roles.items(), key=lambda kv: role_order(kv[0]))]
    statements = [s for s in index.subjects(G.madeAt.value, iri)]
    figures = [f for f in index.subjects(G.aboutEvent.value, iri)]
    sources = []
    for seg in index.iris(iri, G.fromSource.value):
        docs = index.iris(seg, G.inDocument.value)
        if docs:
            dt = doc_text(docs[0])
            d = site.ref(docs[0])
            sources.append({"document": d, "segment": site.ref(seg), "href": f"{d.href}#{dt.anchor(seg)}",
                            "key": index.text(seg, G.key.value)})
    row = event_row(index, iri)
    return {
        **row,
        "format": refs(index.iris(iri, G.format.value)),
        "location": [v.value for p in (SCHEMA.location.value, G.location.value) for v in index.values(iri, p)
                     if isinstance(v, ox.Literal)] + [site.ref(o) .label for o in index.iris(iri, G.location.value)],
        "part_of": refs(index.iris(iri, G.partOfEvent.value)),
        "parts": [event_row(index, e) for e in sorted(index.subjects(G.partOfEvent.value, iri),
                                                      key=lambda e: index.text(e, G.startDate.value) or "")],
        "objectives": objective_refs(index, index.iris(iri, G.addressesObjective.value)),
        "clusters": refs(index.iris(iri, G.addressesCluster.value)),
        "roles": role_groups, "figures": figures_rows(index, figures),
        "statements": group_statements(index, statements), "statement_count": len(set(statements)),
        "sources": sources,
    }


def statement(index: GraphIndex, iri: str) -> dict:
    prov = provenance(index, iri)
    pieces = []
    if prov and prov["begin"] >= 0:
        dt = doc_text(prov["document"].iri)
        if prov["end"] <= len(dt.text):
            pieces = dt.pieces(prov["begin"], prov["end"])
    cls, type_name = statement_type(index, iri)
    return {
        "type_name": type_name, "type_class": cls.rsplit("#", 1)[-1].lower(),
        "text": index.text(iri, G.text.value) or "",
        "pieces": pieces,
        "provenance": prov,
        "objectives": objective_refs(index, index.iris(iri, G.addressesObjective.value)),
        # how the objectives were found: stated in the text, matched to the objectives' texts, or the heading's
        "objective_basis": [index.label(b) for b in index.iris(iri, G.objectiveBasis.value)],
        "principles": refs(index.iris(iri, G.aboutPrinciple.value)),
        "targets": refs(index.iris(iri, G.aboutTarget.value)),
        "instruments": refs(index.iris(iri, G.citesInstrument.value)),
        "made_at": [event_row(index, e) for e in index.iris(iri, G.madeAt.value)],
        "mentions": refs(index.iris(iri, G.mentions.value)),
    }


def document(index: GraphIndex, iri: str) -> dict:
    dt = doc_text(iri)
    key = ("doctext-html", iri, site.langs())
    text_html = index.cache.get(key)
    if text_html is None:  # the longest part of the page, the same for every reader of a language: render once
        text_html = index.cache[key] = Markup(render_template(
            "entity/_document_text.html", data={"blocks": dt.blocks(site.href),
                                                "footnotes": dt.footnote_blocks(site.href)}))
    parts_key = ("docparts", iri)
    found = index.cache.get(parts_key)
    if found is None:
        parts = index.subjects(G.inDocument.value, iri)
        statements = [s for s in parts if index.is_a(s, G.Statement.value)]
        figures = [s for s in parts if index.is_a(s, G.StatisticalObservation.value)]
        events = set()
        for s in parts:
            if index.is_a(s, G.Paragraph.value) or index.is_a(s, G.Item.value):
                for e in index.subjects(G.fromSource.value, s):
                    if index.is_a(e, G.Meeting.value):
                        events.add(e)
        found = index.cache[parts_key] = (statements, figures, sorted(events))
    statements, figures, events = found
    toc = [{"anchor": f"sec-{s.key}", "label": index.label(s.iri)} for s in dt.sections]
    meta = {
        "Issued": index.text(iri, DCT.issued.value), "Publisher": ", ".join(
            v.value for v in index.values(iri, DCT.publisher.value)),
        "Symbols": ", ".join(v.value for p in (G.symbol.value, DCT.references.value, DCT.identifier.value)
                             for v in index.values(iri, p)),
        "Language": index.text(iri, DCT.language.value), "Format": index.text(iri, DCT.format.value),
        "SHA-256": index.text(iri, G.sha256.value),
    }
    type_ = index.iris(iri, G.documentType.value)
    counts = Counter(statement_type(index, s)[1] for s in statements)
    return {
        "meta": {k: v for k, v in meta.items() if v}, "document_type": site.ref(type_[0]) if type_ else None,
        "text_html": text_html, "toc": toc,
        "statement_count": len(statements), "statement_counts": sorted(counts.items()),
        "figure_count": len(figures), "events": [event_row(index, e) for e in sorted(events)],
        "paragraph_count": len(dt.paragraphs), "mention_count": len(dt.mentions),
        "statements_href": "/evidence?" + urlencode({"document": index.text(iri, DCT.identifier.value) or ""}),
    }


def segment(index: GraphIndex, iri: str) -> dict:
    docs = index.iris(iri, G.inDocument.value)
    if not docs:
        return {"pieces": [], "provenance": None}
    dt = doc_text(docs[0])
    b, e = _int(index, iri, NIF.beginIndex, -1), _int(index, iri, NIF.endIndex, -1)
    pieces = dt.pieces(b, e) if 0 <= b <= e <= len(dt.text) else []
    anchor = dt.anchor(iri)
    parent = index.iris(iri, G.inParagraphOf.value) or index.iris(iri, G.fromSource.value)
    if not anchor and parent:
        anchor = dt.anchor(parent[0])
    d = site.ref(docs[0])
    extracted = [site.ref(s) for s in index.subjects(G.fromSource.value, iri)]
    return {
        "pieces": pieces, "document": d, "href": f"{d.href}#{anchor}" if anchor else d.href, "anchor": anchor,
        "parent": site.ref(parent[0]) if parent else None,
        "extracted": sorted(extracted, key=lambda r: (r.kind, r.label)),
        "denotes": refs(index.iris(iri, G.denotes.value)),
        "mentions": refs(index.iris(iri, G.mentions.value)),
        "begin": b, "end": e,
    }


BUILDERS = {
    "objective": objective, "country": country, "actor": actor, "process": actor, "instrument": instrument,
    "sdg-goal": sdg, "sdg-target": sdg, "sdg-indicator": sdg, "event": event, "statement": statement,
    "document": document, "segment": segment, "mention": segment,
}
TEMPLATES = {
    "objective": "entity/objective.html", "country": "entity/country.html", "actor": "entity/actor.html",
    "process": "entity/actor.html", "instrument": "entity/instrument.html", "sdg-goal": "entity/sdg.html",
    "sdg-target": "entity/sdg.html", "sdg-indicator": "entity/sdg.html", "event": "entity/event.html",
    "statement": "entity/statement.html", "document": "entity/document.html", "segment": "entity/segment.html",
    "mention": "entity/segment.html",
}
