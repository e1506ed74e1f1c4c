"""The SPARQL 1.1 Service Description at GET /sparql, with the VoID statistics computed at build time."""
from __future__ import annotations

import pyoxigraph as ox
from flask import Response, current_app, request

from ontology.vocab import DCT, RDF, RDFS, SD, VOID, XSD
from queries.store import StoreCorrupt, StoreNotBuilt
from server import formats
from server.conneg import negotiate

N = ox.NamedNode


def _lit(value) -> ox.Literal:
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    return ox.Literal(str(value))


EP = "https://w3id.org/gcmkg/endpoint#"  # the endpoint's own terms for its limits (docs/endpoint.md)


def _limits(svc: ox.NamedNode, config) -> list[ox.Triple]:
    t = ox.Triple
    dec = ox.Literal(f"{config.query_timeout:g}", datatype=XSD.decimal)
    out = [
        t(svc, N(EP + "queryTimeout"), dec),
        t(svc, N(EP + "maxResults"), _lit(config.max_results)),
        t(svc, N(EP + "maxResultBytes"), _lit(config.max_result_bytes)),
        t(svc, N(EP + "maxQueryLength"), _lit(config.max_query_length)),
        t(svc, N(EP + "clientConcurrency"), _lit(config.client_concurrency)),
        t(svc, RDFS.comment, ox.Literal(
            f"Limits: a query runs at most {config.query_timeout:g} s (else 503); a result has at most "
            f"{config.max_results} rows or triples and {config.max_result_bytes} bytes (else 422, never a silent "
            f"cut); a query is at most {config.max_query_length} bytes (else 413); one client address runs at most "
            f"{config.client_concurrency} queries at once (else 429 with Retry-After); SERVICE may only call "
            + (" ".join(config.service_allowlist) or "no service") + " (else 403).", language="en")),
    ]
    out += [t(svc, N(EP + "serviceAllowed"), N(iri)) for iri in config.service_allowlist]
    return out


def description_triples(endpoint: str, meta: dict | None, config=None, dumps: list[str] = (),
                        dumps_base: str = "") -> list[ox.Triple]:
    """The Service Description of ``endpoint``; ``dumps`` (file paths under ``dumps_base``) become void:dataDump
    links: the whole-dataset files on the dataset, each per-graph file on its named graph."""
    svc = N(endpoint)
    ds = N(endpoint + "#dataset")
    dg = N(endpoint + "#default-graph")
    t = ox.Triple
    out = [
        t(svc, RDF.type, SD.Service),
        t(svc, SD.endpoint, svc),
        t(svc, SD.supportedLanguage, SD.SPARQL11Query),
        t(svc, SD.feature, SD.UnionDefaultGraph),
        t(svc, SD.defaultDataset, ds),
        t(ds, RDF.type, SD.Dataset),
        t(ds, RDF.type, VOID.Dataset),
        t(ds, SD.defaultGraph, dg),
        t(dg, RDF.type, SD.Graph),
        t(dg, RDF.type, VOID.Dataset),
    ]
    for f in formats.RESULTS + formats.GRAPHS:
        out.append(t(svc, SD.resultFormat, N(_format_iri(f.name))))
    out.append(t(ds, VOID.sparqlEndpoint, svc))
    if config is not None:
        if config.service_allowlist:
            out.append(t(svc, SD.feature, SD.BasicFederatedQuery))
        if config.updates:
            out.append(t(svc, SD.supportedLanguage, SD.SPARQL11Update))
        out += _limits(svc, config)
    if not meta:
        return out
    stats = meta.get("statistics", {})
    for key in ("triples", "distinctSubjects", "distinctObjects", "properties", "classes"):
        if key in stats:
            out.append(t(dg, VOID[key], _lit(stats[key])))
    if "built" in meta:
        out.append(t(ds, DCT.modified, ox.Literal(meta["built"])))
    if "id" in meta:
        out.append(t(ds, N("http://www.w3.org/2002/07/owl#versionInfo"), ox.Literal(str(meta["id"]))))
    for rel in dumps:
        if "/" not in rel and rel.startswith("gcmkg."):
            out.append(t(ds, VOID.dataDump, N(dumps_base + rel)))
        elif rel == "void.ttl":
            out.append(t(ds, RDFS.seeAlso, N(dumps_base + rel)))
    graph_files = {}
    names = {s["graph"]: s["name"] for s in meta.get("sources", []) if "graph" in s and "name" in s}
    for rel in dumps:
        if rel.startswith("graphs/"):
            graph_files.setdefault(rel[len("graphs/"):].rsplit(".", 1)[0], []).append(rel)
    for n, part in enumerate(stats.get("classPartitions", [])):
        node = N(f"{endpoint}#class-{n}")
        out += [t(dg, VOID.classPartition, node), t(node, VOID["class"], N(part["class"])),
                t(node, VOID.entities, _lit(part["entities"]))]
    for n, part in enumerate(stats.get("propertyPartitions", [])):
        node = N(f"{endpoint}#property-{n}")
        out += [t(dg, VOID.propertyPartition, node), t(node, VOID.property, N(part["property"])),
                t(node, VOID.triples, _lit(part["triples"]))]
    for n, part in enumerate(stats.get("graphs", [])):
        g = N(part["graph"])
        node = N(f"{endpoint}#named-graph-{n}")
        out += [t(ds, SD.namedGraph, node), t(node, RDF.type, SD.NamedGraph), t(node, SD.name, g),
                t(node, SD.graph, g), t(g, RDF.type, SD.Graph), t(g, VOID.triples, _lit(part["triples"]))]
        out += [t(g, VOID.dataDump, N(dumps_base + rel)) for rel in graph_files.get(names.get(part["graph"]), [])]
    return out


_FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "ntriples": "http://www.w3.org/ns/formats/N-Triples",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
    "trig": "http://www.w3.org/ns/formats/TriG",
    "nquads": "http://www.w3.org/ns/formats/N-Quads",
}


def _format_iri(name: str) -> str:
    return _FORMAT_IRIS[name]


def service_description_response() -> Response:
    from server import dumps

    try:
        snap = current_app.extensions["gcmkg_store"].get()
        meta, files = snap.meta, dumps.available(snap)
    except (StoreNotBuilt, StoreCorrupt):
        meta, files = None, []
    endpoint = request.base_url
    offered = formats.offers("graph") + ["text/html"]
    choice = request.args.get("format")
    fmt = formats.by_name(choice, "graph") if choice else None
    if fmt is None:
        chosen = negotiate(request.headers.get("Accept"), offered)
        if chosen is None:
            return Response("none of the accepted media types is offered; offered: " + ", ".join(offered) + "\n",
                            status=406, mimetype="text/plain", headers={"Vary": "Accept"})
        if chosen == "text/html":  # a browser (GET is redirected to the query UI before this; POST gets Turtle)
            chosen = "text/turtle"
        fmt = formats.by_name(chosen, "graph")
    g = ox.Store()
    triples = description_triples(endpoint, meta, current_app.config["GCMKG"], files, request.url_root + "dumps/")
    g.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    body = g.dump(format=fmt.oxigraph, from_graph=ox.DefaultGraph(),
                  prefixes={"sd": str(SD), "void": str(VOID), "dct": str(DCT), "xsd": str(XSD), "rdfs": str(RDFS),
                            "ep": EP}) \
        if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG) \
        else g.dump(format=fmt.oxigraph, from_graph=ox.DefaultGraph())
    resp = Response(body, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/"):
        resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Vary"] = "Accept"
    return resp
