"""The home page (what the graph holds) and an index per class, paginated and sorted by label."""
from __future__ import annotations

from flask import Blueprint, request

from ontology.vocab import GCM, OWL, RDFS, SDGO
from server.pages import site
from server.pages.charts import objectives
from server.pages.entities import not_found
from server.pages.graph import GraphIndex
from server.pages.jsonld import website

bp = Blueprint("browse", __name__)

PAGE_SIZE = 100
SITE_TITLE = "GCM Knowledge Graph"

# What the home page counts, in this order: (class, heading)
HOME_COUNTS = (
    (GCM.Objective, "GCM objectives"), (GCM.Action, "actions"), (GCM.GuidingPrinciple, "guiding principles"),
    (SDGO.Goal, "SDG goals"), (SDGO.Target, "SDG targets"), (SDGO.Indicator, "SDG indicators"),
    (GCM.ObjectiveTargetMapping, "objective-to-target mappings"), (GCM.Country, "countries and territories"),
    (GCM.Region, "regions"), (GCM.Actor, "actors"), (GCM.RegionalConsultativeProcess, "consultative processes"),
    (GCM.Instrument, "instruments"), (GCM.StateParty, "state party records"), (GCM.Meeting, "meetings"),
    (GCM.Document, "documents"), (GCM.Paragraph, "paragraphs"), (GCM.Statement, "statements"),
    (GCM.StatisticalObservation, "figures"), (GCM.Mention, "mentions"),
)


def class_counts(index: GraphIndex) -> list[dict]:
    found = index.cache.get("class-counts")
    if found is None:
        classes = set()
        for subject, props in index.out.items():
            for t in props.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []):
                classes |= index.superclasses(t.value)
        found = []
        for cls in classes:
            n = len(index.instances(cls))
            if n:
                found.append({"iri": cls, "curie": site.curie(cls), "count": n})
        index.cache["class-counts"] = found
    return [{**c, "label": index.label(c["iri"], site.langs()) if index.has_label(c["iri"]) else c["curie"]}
            for c in found]


@bp.get("/")
def home():
    index = site.index()
    snap = site.snapshot()
    counts = [{"label": name, "count": len(index.instances(cls.value)), "href": f"/browse/{site.curie(cls.value)}"}
              for cls, name in HOME_COUNTS]
    clusters = []
    for c in sorted(index.instances(GCM.ObjectiveCluster.value),
                    key=lambda c: int(index.value(c, GCM.number.value).value) if index.value(c, GCM.number.value)
                    else 0):
        members = sorted(index.iris(c, GCM.clusterMember.value),
                         key=lambda o: int(index.value(o, GCM.number.value).value))
        clusters.append({"ref": site.ref(c), "objectives": [
            {"ref": site.ref(o), "number": index.value(o, GCM.number.value).value,
             "statements": sum(1 for s in index.subjects(GCM.addressesObjective.value, o)
                               if index.is_a(s, GCM.Statement.value))} for o in members]})
    in_cluster = {o["ref"].iri for c in clusters for o in c["objectives"]}
    loose = [site.ref(o) for o in objectives(index) if o not in in_cluster]
    meta = snap.meta or {}
    build = {"id": meta.get("id"), "built": meta.get("built"), "triples": index.triple_count,
             "graphs": len(meta.get("sources", [])),
             "sources": [{"title": src.get("title") or src.get("name"), "triples": src.get("triples") or 0,
                          "href": site.href(src.get("graph", "")) or ""} for src in meta.get("sources", [])]}
    return site.render("home.html", title=SITE_TITLE, counts=counts, clusters=clusters, loose=loose,
                       build=build, jsonld=website(SITE_TITLE))


@bp.get("/browse")
def classes():
    index = site.index()
    rows = sorted(class_counts(index), key=lambda c: c["label"].casefold())
    return site.render("browse/classes.html", title="Browse by class", rows=rows)


@bp.get("/browse/<curie>")
def class_index(curie: str):
    index = site.index()
    cls = site.expand_curie(curie)
    if cls is None:
        return not_found(request.path)
    members = index.instances(cls)
    if not members and cls not in index.out:
        return not_found(request.path)
    key = ("browse", cls, site.langs())
    rows = index.cache.get(key)
    if rows is None:
        rows = sorted((site.ref(m) for m in members), key=lambda r: (r.label.casefold(), r.iri))
        index.cache[key] = rows
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    subclasses = sorted((site.ref(s) for s in index.subjects(RDFS.subClassOf.value, cls)
                         if index.instances(s)), key=lambda r: r.label)
    return site.render("browse/class.html", title=index.label(cls, site.langs()), cls=site.ref(cls),
                       curie=curie, rows=rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], total=len(rows),
                       page=page, pages=pages, subclasses=subclasses,
                       supers=[site.ref(s) for s in index.iris(cls, RDFS.subClassOf.value)],
                       definition=index.text(cls, "http://www.w3.org/2004/02/skos/core#definition", site.langs()),
                       is_class=index.is_a(cls, OWL.Class.value) or bool(members))
