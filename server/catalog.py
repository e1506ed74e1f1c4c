"""The catalog of named queries on the web: /queries, /queries/<name>, /queries/<name>.rq.

- ``/queries``: the list (HTML, or JSON by content negotiation or ``?format=json``).
- ``/queries/<name>``: the query's description, parameter form and text; with parameters in the query string, or
  ``run=1``, the results, in the negotiated format: SPARQL results JSON, XML, CSV, TSV, or an HTML table whose IRIs
  link to the entity pages. A bad parameter is a 400 naming the parameter and what it expects.
- ``/queries/<name>.rq``: the file itself (application/sparql-query).

Named queries run exactly as queries sent to /sparql do (server.sparql.evaluate): in evaluator processes killed at
the time limit, with the result-size limits and the per-client slots (or on the remote store) — their own pool of
evaluators (setting catalog_evaluators), so that ad-hoc queries running to the limit never starve them. Their
parameters are checked and typed by queries.catalog, then bound with a VALUES block opening each WHERE group
(server.remote.inline_values: the bindings pyoxigraph's substitutions give, which tests check query by query).
The HTML table is rendered from the evaluator's SPARQL JSON, parsed back with pyoxigraph.
"""
from __future__ import annotations

import json
import time

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from ontology.vocab import PREFIXES
from queries.catalog import Catalog, CatalogError, NamedQuery, ParamError, UnknownQuery
from queries.store import StoreCorrupt, StoreNotBuilt
from server import sparql
from server.remote import inline_values
from server.conneg import negotiate
from server.formats import RESULTS

bp = Blueprint("catalog", __name__)

_RESERVED = {"format", "run"}  # query-string keys that are not parameters
_HTML = "text/html"
_JSON = "application/json"
_RESULT_OFFERS = [f.media_type for f in RESULTS] + [_HTML, _JSON, "application/xml", "text/xml"]
_BY_MEDIA = {f.media_type: f for f in RESULTS}
_ALIASES = {_JSON: "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
            "text/xml": "application/sparql-results+xml"}
_FORMAT_NAMES = {"json": "application/sparql-results+json", "srj": "application/sparql-results+json",
                 "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values", "html": _HTML}


class _Refusal(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@bp.errorhandler(_Refusal)
def _refused(exc: _Refusal) -> Response:
    resp = Response(exc.message.rstrip() + "\n", status=exc.status, mimetype="text/plain")
    resp.headers["Vary"] = "Accept"
    for k, v in exc.headers.items():
        resp.headers[k] = v
    return resp


def _catalog() -> Catalog:
    try:
        return Catalog.load()
    except CatalogError as exc:  # a malformed .rq file: the catalog's tests keep this from shipping
        raise _Refusal(500, f"the query catalog cannot be read: {exc}") from exc


def _describe(q: NamedQuery) -> dict:
    return {
        "name": q.name,
        "title": q.title,
        "description": q.description,
        "tags": list(q.tags),
        "params": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required,
                    "help": p.help, "choices": list(p.kind.choices)} for p in q.all_params],
        "pageSize": q.page_size,  # null: answered whole; else `limit` rows from `offset`, announced in the answer
        "url": url_for("catalog.query_page", name=q.name, _external=False),
        "rq": url_for("catalog.query_page", name=q.name + ".rq", _external=False),
        "sparql": q.text,
    }


def _json(data, status: int = 200) -> Response:
    resp = Response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", status=status, mimetype=_JSON)
    resp.headers["Vary"] = "Accept"
    return resp


def _wants(offers: list[str]) -> str:
    forced = request.args.get("format")
    if forced:
        key = forced.strip().lower()
        if key in ("json",) and _JSON in offers:
            return _JSON
        if key == "html" and _HTML in offers:
            return _HTML
        raise _Refusal(406, f"format {forced!r} is not offered here; offered: json, html")
    chosen = negotiate(request.headers.get("Accept"), offers)
    if chosen is None:
        raise _Refusal(406, "none of the accepted media types is offered; offered: " + ", ".join(offers))
    return chosen


@bp.get("/queries")
def index():
    catalog = _catalog()
    if _wants([_HTML, _JSON]) == _JSON:
        return _json({"queries": [_describe(q) for q in catalog], "tags": catalog.tags()})
    tag = request.args.get("tag")
    shown = [q for q in catalog if not tag or tag in q.tags]
    resp = Response(render_template("catalog/index.html", queries=shown, tags=catalog.tags(), tag=tag,
                                    total=len(catalog)), mimetype=_HTML)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.get("/queries/<name>")
def query_page(name: str):
    catalog = _catalog()
    if name.endswith(".rq"):
        return _raw(catalog, name[: -len(".rq")])
    try:
        q = catalog.get(name)
    except UnknownQuery as exc:
        raise _Refusal(404, str(exc)) from None
    given = {}
    for key in request.args:
        if key in _RESERVED:
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            raise _Refusal(400, f"parameter {key!r} was given {len(values)} times; give it once")
        given[key] = values[0]
    run = request.args.get("run", "").lower() in ("1", "true", "yes", "on") or bool(given)
    if not run:
        if _wants([_HTML, _JSON]) == _JSON:
            return _json(_describe(q))
        resp = Response(render_template("catalog/query.html", q=q, values={}, error=None), mimetype=_HTML)
        resp.headers["Vary"] = "Accept"
        return resp
    return _run(q, given)


def _raw(catalog: Catalog, name: str) -> Response:
    try:
        q = catalog.get(name)
    except UnknownQuery as exc:
        raise _Refusal(404, str(exc)) from None
    resp = Response(q.text, mimetype="application/sparql-query")
    resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Content-Disposition"] = f'inline; filename="{q.name}.rq"'
    return resp


def _result_media() -> str:
    forced = request.args.get("format")
    if forced:
        key = forced.strip().lower()
        media = _FORMAT_NAMES.get(key) or (key if key in _BY_MEDIA or key == _HTML else None)
        if media is None:
            raise _Refusal(406, f"format {forced!r} is not offered for results; offered: json, xml, csv, tsv, html")
        return media
    chosen = negotiate(request.headers.get("Accept"), _RESULT_OFFERS)
    if chosen is None:
        raise _Refusal(406, "none of the accepted media types is offered for results; offered: "
                            + ", ".join(_RESULT_OFFERS), {"Vary": "Accept"})
    return _ALIASES.get(chosen, chosen)


def _run(q: NamedQuery, given: dict) -> Response:
    media = _result_media()
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        raise _Refusal(503, str(exc), {"Retry-After": "30"}) from exc
    base = snap.meta.get("base_iri") or current_app.config["GCMKG"].base_iri
    try:
        prepared = q.prepare(given, base=base)  # a paginated query: LIMIT/OFFSET after its total ORDER BY
    except ParamError as exc:
        if media == _HTML:
            resp = Response(render_template("catalog/query.html", q=q, values=given, error=str(exc)),
                            status=400, mimetype=_HTML)
            resp.headers["Vary"] = "Accept"
            return resp
        raise _Refusal(400, f"{exc}\n\n{_param_help(q)}") from None
    try:
        text = inline_values(prepared.text, prepared.substitutions) if prepared.substitutions else prepared.text
    except SyntaxError as exc:  # a catalog file that does not parse: the tests keep this from shipping
        raise _Refusal(500, f"the named query {q.name} does not parse: {exc}") from exc
    fmt = _BY_MEDIA["application/sparql-results+json" if media == _HTML else media]
    started = time.perf_counter()
    try:
        answer = sparql.evaluate(snap, text, fmt.name, pool="catalog")
    except sparql.ProtocolError as exc:  # stopped at the time limit (503), too large (422), 429, store errors
        raise _Refusal(exc.status, f"the named query {q.name}: {exc.message}", exc.headers) from exc
    if media == _HTML:
        results = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        names = [v.value for v in results.variables]
        rows = [[_cell(s[n], base) for n in names] for s in results]
        elapsed = (time.perf_counter() - started) * 1000
        page = _page(q, prepared, given, len(rows), media)
        body = render_template("catalog/results.html", q=q, values=given, names=names, rows=rows,
                               elapsed=elapsed, build=snap.meta.get("id"), page=page)
        resp = Response(body, mimetype=_HTML)
    else:
        page = _page(q, prepared, given, answer.count, media)
        resp = Response(answer.body, mimetype=fmt.media_type)
        if fmt.media_type.startswith("text/"):
            resp.mimetype_params["charset"] = "utf-8"
    if page:  # never a silent cut: the answer says it is a page, and where the next one is
        resp.headers["X-GCMKG-Page"] = (f"offset={prepared.offset}; limit={prepared.limit}; rows={page['rows']}; "
                                        f"more={'true' if page['next'] else 'false'}")
        links = [f'<{page[rel]}>; rel="{rel}"' for rel in ("next", "prev") if page[rel]]
        if links:
            resp.headers["Link"] = ", ".join(links)
    resp.headers["Vary"] = "Accept"
    if snap.meta.get("id"):
        resp.headers["X-GCMKG-Build"] = str(snap.meta["id"])
    return resp


def _page(q: NamedQuery, prepared, given: dict, rows: int, media: str) -> dict | None:
    """Where a page of a paginated named query sits: its rows, and the URLs of the next and previous pages."""
    if prepared.limit is None:
        return None
    fmt = {} if media == _HTML else {"format": next((k for k, v in _FORMAT_NAMES.items() if v == media), None)}
    fmt = {k: v for k, v in fmt.items() if v}

    def url(offset: int) -> str:
        args = {**given, "limit": prepared.limit, "offset": offset, "run": 1, **fmt}
        return url_for("catalog.query_page", name=q.name, **args)

    more = prepared.full(rows)
    return {"rows": rows, "first": prepared.offset + 1, "last": prepared.offset + rows, "limit": prepared.limit,
            "next": url(prepared.offset + prepared.limit) if more else None,
            "prev": url(max(0, prepared.offset - prepared.limit)) if prepared.offset > 0 else None}


def _param_help(q: NamedQuery) -> str:
    if not q.all_params:
        return f"{q.name} takes no parameters."
    return "Parameters of " + q.name + ":\n" + "\n".join(f"  {p.describe()}: {p.help}" for p in q.all_params)


def _cell(term, base: str) -> dict:
    """A result cell for the HTML table: its text, and a link when it is an IRI the app (or the web) serves."""
    if term is None:
        return {"text": "", "href": None, "title": None}
    if isinstance(term, ox.NamedNode):
        return {"text": _compact(term.value, base), "href": _href(term.value, base), "title": term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype is not None else None
        return {"text": term.value, "href": None, "title": term.language or (dt and _compact(dt, base))}
    return {"text": str(term), "href": None, "title": None}


def _compact(iri: str, base: str) -> str:
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    if best is not None:
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    if base and iri.startswith(base) and len(iri) > len(base):
        return iri[len(base):]
    return iri


def _href(iri: str, base: str) -> str | None:
    from server.pages.links import Links

    path = Links(base).path(iri)
    if path is not None:
        return path
    return iri if iri.startswith(("http://", "https://")) else None


@bp.app_template_filter("catalog_param_input")
def _param_input(p) -> dict:
    return {"choices": list(p.kind.choices), "hint": p.kind.hint}
