"""Dereferencing: every entity IRI answers with HTML for browsers and RDF by content negotiation or suffix.

Policy (docs/decisions/0003-303-or-200.md): the IRI's path answers ``200`` with the negotiated representation,
``Vary: Accept``, a ``Content-Location`` naming the variant (``/id/objective/13.ttl``) and ``Link`` headers to
every variant; the suffixed URLs answer the one format they name. No 303 from the app: when the IRIs live on
w3id.org, w3id's redirect to the app is the one hop between the thing and the document about it.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request

from ontology.vocab import GCM_NS, ONTOLOGY_IRI
from server.conneg import negotiate
from server.pages import rdf, site, views
from server.pages.graph import KIND_NAMES
from server.pages.links import Links
from server.pages.jsonld import schema_org

bp = Blueprint("entities", __name__)

HTML = "text/html"
OFFERS = [HTML, "application/xhtml+xml", *[f.media_type for f in rdf.RDF_FORMATS], *rdf.MEDIA_ALIASES]
SUFFIXES = {"html": None, **{f.suffix: f for f in rdf.RDF_FORMATS}}


def _split_suffix(rest: str, exists) -> tuple[str, str | None]:
    """'objective/13.ttl' -> ('objective/13', 'ttl'), unless the whole path is itself an entity
    (keys may contain dots: 'mapping/objective-13/sdg-16.3')."""
    if exists(rest):
        return rest, None
    stem, dot, suffix = rest.rpartition(".")
    if dot and suffix in SUFFIXES and stem:
        return stem, suffix
    return rest, None


def alternates(path: str) -> list[dict]:
    out = [{"href": f"{path}.html", "type": HTML, "name": "HTML"}]
    out += [{"href": f"{path}.{f.suffix}", "type": f.media_type, "name": n}
            for f, n in zip(rdf.RDF_FORMATS, ("Turtle", "JSON-LD", "N-Triples", "RDF/XML"))]
    return out


def link_header(path: str, iri: str | None = None) -> str:
    parts = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates(path)]
    if iri and iri.startswith(("http://", "https://")):
        parts.append(f'<{iri}>; rel="canonical"')
    return ", ".join(parts)


def wants_html() -> bool:
    chosen = negotiate(request.headers.get("Accept"), [HTML, "text/plain", "application/json"])
    return chosen == HTML


def not_found(what: str) -> Response:
    if wants_html():
        return site.render("errors/404.html", status=404, what=what)
    return Response(f"404 Not Found: {what}\n", status=404, mimetype="text/plain")


def serve(iri: str, path: str, suffix: str | None) -> Response:
    """The representation of *iri* at local *path* (without suffix), in the suffix's or the negotiated format."""
    index = site.index()
    if suffix is not None:
        fmt = SUFFIXES[suffix]
        media = HTML if fmt is None else fmt.media_type
    else:
        chosen = negotiate(request.headers.get("Accept"), OFFERS)
        if chosen is None:
            return Response("406 Not Acceptable: this resource is offered as " + ", ".join(
                [HTML] + [f.media_type for f in rdf.RDF_FORMATS]) + "\n", status=406, mimetype="text/plain",
                headers={"Vary": "Accept", "Link": link_header(path, iri)})
        media = rdf.MEDIA_ALIASES.get(chosen, chosen)
        if media == "application/xhtml+xml":
            media = HTML
    if media == HTML:
        resp = entity_page(iri, path)
        variant = f"{path}.html"
    else:
        fmt = rdf.BY_MEDIA_TYPE[media]
        body = rdf.serialize(rdf.describe(index, iri), fmt)
        resp = Response(body, mimetype=fmt.media_type)
        if fmt.media_type.startswith("text/") or fmt.name in ("ntriples", "jsonld", "rdfxml"):
            resp.mimetype_params["charset"] = "utf-8"
        variant = f"{path}.{fmt.suffix}"
    resp.headers["Link"] = link_header(path, iri)
    if suffix is None:
        resp.headers["Vary"] = "Accept, Accept-Language"
        resp.headers["Content-Location"] = variant
    else:
        resp.headers["Vary"] = "Accept-Language"
    resp.set_etag(site.etag_for(site.build_id(), iri, media, site.langs()))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp.make_conditional(request)


def entity_page(iri: str, path: str) -> Response:
    index = site.index()
    kind = index.kind(iri)
    head = views.header(index, iri)
    builder = views.BUILDERS.get(kind)
    data = builder(index, iri) if builder else {}
    template = views.TEMPLATES.get(kind, "entity/generic.html")
    return site.render(
        template,
        head=head, data=data, kind=kind, path=path, alternates=alternates(path),
        properties=views.properties(index, iri), incoming=views.incoming(index, iri, path),
        jsonld=schema_org(index, iri, kind, head, data),
        # the page's own words are English; a label in the reader's language carries its own lang attribute
        title=head["label"], content_language="en", canonical=iri,
    )


# --- routes --------------------------------------------------------------------------------------------------
def _data(rest: str):
    ln = site.links()
    index = site.index()

    def exists(candidate: str) -> bool:
        found = ln.data_iri(candidate)
        return bool(found) and (found in index.out or found in index.inc)

    stem, suffix = _split_suffix(rest, exists)
    iri = ln.data_iri(stem)
    if iri is None or not (iri in index.out or iri in index.inc):
        if stem != stem.lower() and exists(stem.lower()):  # /id/country/THA: the IRI is /id/country/tha
            target = "/" + ln.path(ln.data_iri(stem.lower())).lstrip("/") + (f".{suffix}" if suffix else "")
            return redirect(target + (f"?{request.query_string.decode()}" if request.query_string else ""), 301)
        return not_found(request.path)
    return serve(iri, "/" + ln.path(iri).lstrip("/"), suffix)


@bp.get("/id/<path:rest>")
def data_resource(rest: str):
    return _data(rest)


def base_path_resource(rest: str):
    """The same routes under the base IRI's own path (/gcmkg/id/...), for a proxy that forwards full paths."""
    return _data(rest)


@bp.get("/graph/<name>")
def graph_resource(name: str):
    ln = site.links()
    index = site.index()
    stem, suffix = _split_suffix(name, lambda n: (ln.graph_iri(n) or "") in index.out)
    iri = ln.graph_iri(stem)
    if iri is None or iri not in index.out:
        return not_found(request.path)
    return serve(iri, ln.path(iri), suffix)


@bp.get("/sdg/<code>")
def sdg_resource(code: str):
    ln = site.links()
    index = site.index()
    stem, suffix = _split_suffix(code, lambda c: (ln.sdg_iri(c) or "") in index.out)
    iri = ln.sdg_iri(stem)
    if iri is None or iri not in index.out:
        return not_found(request.path)
    return serve(iri, ln.path(iri), suffix)


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology_resource(suffix: str | None = None):
    if suffix is not None and suffix not in SUFFIXES:
        abort(404)
    index = site.index()
    if ONTOLOGY_IRI not in index.out:
        return not_found(request.path)
    if suffix is None:
        chosen = negotiate(request.headers.get("Accept"), OFFERS)
        if chosen is not None and rdf.MEDIA_ALIASES.get(chosen, chosen) in rdf.BY_MEDIA_TYPE:
            suffix = rdf.BY_MEDIA_TYPE[rdf.MEDIA_ALIASES.get(chosen, chosen)].suffix
            resp = _ontology_rdf(suffix)
            resp.headers["Vary"] = "Accept"
            resp.headers["Content-Location"] = f"/ontology.{suffix}"
            return resp
    if suffix not in (None, "html"):
        return _ontology_rdf(suffix)
    terms = []
    for cls_iri in sorted(k for k in index.out if k.startswith(GCM_NS)):
        terms.append({
            "anchor": cls_iri[len(GCM_NS):], "ref": site.ref(cls_iri), "curie": site.curie(cls_iri),
            "kind": "class" if index.is_a(cls_iri, "http://www.w3.org/2002/07/owl#Class") else "property",
            "definition": index.text(cls_iri, "http://www.w3.org/2004/02/skos/core#definition", site.langs()),
            "supers": [site.ref(s) for s in index.iris(cls_iri, "http://www.w3.org/2000/01/rdf-schema#subClassOf")
                       + index.iris(cls_iri, "http://www.w3.org/2000/01/rdf-schema#subPropertyOf")],
            "instances": len(index.instances(cls_iri)) if index.is_a(
                cls_iri, "http://www.w3.org/2002/07/owl#Class") else None,
        })
    resp = site.render("ontology.html", head=views.header(index, ONTOLOGY_IRI), terms=terms,
                       alternates=alternates("/ontology"), title="Ontology", canonical=ONTOLOGY_IRI)
    resp.headers["Link"] = link_header("/ontology", ONTOLOGY_IRI)
    resp.headers["Vary"] = "Accept"
    return resp


def _ontology_rdf(suffix: str) -> Response:
    """The ontology's own named graph, whole."""
    snap = site.snapshot()
    fmt = rdf.BY_SUFFIX[suffix]
    graph = site.links().minter.graph("ontology")
    triples = [q.triple for q in snap.store.quads_for_pattern(None, None, None, graph)]
    if not triples:
        triples = rdf.describe(site.index(), ONTOLOGY_IRI)
    resp = Response(rdf.serialize(triples, fmt), mimetype=fmt.media_type)
    resp.headers["Link"] = link_header("/ontology", ONTOLOGY_IRI)
    return resp


@bp.get("/incoming/<path:rest>")
def incoming_list(rest: str):
    """Every resource that links to an entity by one property, 50 a page."""
    ln = site.links()
    index = site.index()
    first, _, tail = rest.partition("/")
    iri = {"id": lambda: ln.data_iri(tail), "graph": lambda: ln.graph_iri(tail),
           "sdg": lambda: ln.sdg_iri(tail)}.get(first, lambda: None)()
    prop = site.expand_curie(request.args.get("property", "")) or ""
    if iri is None or iri not in index.inc or prop not in index.inc[iri]:
        return not_found(request.path)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    listing = views.incoming_page(index, iri, prop, page)
    return site.render("incoming.html", target=site.ref(iri), listing=listing, path="/" + rest,
                       property_curie=site.curie(prop), title=f"Links to {index.label(iri, site.langs())}",
                       kind_name=KIND_NAMES.get(index.kind(iri), ""))


def register_base_path(app) -> None:
    """Serve /{base path}id/... too when the base IRI has a path ('/gcmkg/' for https://w3id.org/gcmkg/)."""
    base_path = Links(app.config["GCMKG"].base_iri).base_path
    if base_path not in ("", "/"):
        app.add_url_rule(base_path + "id/<path:rest>", "entities_base_path", base_path_resource, methods=["GET"])
