"""The SPARQL 1.1 Protocol query operation at /sparql (GET, form POST, direct POST) with content negotiation."""
from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ontology.vocab import PREFIXES
from queries.store import StoreCorrupt, StoreNotBuilt
from server import formats
from server.conneg import negotiate

bp = Blueprint("sparql", __name__)


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _error(status: int, message: str, headers: dict | None = None) -> Response:
    resp = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    resp.headers["Vary"] = "Accept"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@bp.errorhandler(ProtocolError)
def _protocol_error(exc: ProtocolError):
    return _error(exc.status, exc.message, exc.headers)


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"the '{name}' parameter was given {len(values)} times; give it once")
    return values[0] if values else None


def parse_request() -> tuple[str | None, list[str], list[str]]:
    """(query, default-graph-uri list, named-graph-uri list) per the SPARQL 1.1 Protocol, 2.1."""
    args = request.args
    if request.method == "GET":
        if "update" in args:
            raise ProtocolError(400, "SPARQL Update is not allowed by GET; use POST")
        query = _single(args.getlist("query"), "query")
        return query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    ctype = (request.mimetype or "").lower()
    if ctype == "application/x-www-form-urlencoded":
        form = request.form
        if "update" in form or "using-graph-uri" in form or "using-named-graph-uri" in form:
            raise ProtocolError(403, "SPARQL Update is disabled on this endpoint (read-only)")
        query = _single(form.getlist("query"), "query")
        if query is None:
            raise ProtocolError(400, "a form POST needs a 'query' field")
        return query, form.getlist("default-graph-uri"), form.getlist("named-graph-uri")
    if ctype == "application/sparql-query":
        if "query" in args:
            raise ProtocolError(400, "a direct POST carries the query in its body, not in a 'query' parameter")
        charset = request.mimetype_params.get("charset", "utf-8")
        try:
            query = request.get_data(cache=False).decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ProtocolError(400, f"the request body is not valid {charset}: {exc}") from exc
        return query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    if ctype == "application/sparql-update":
        raise ProtocolError(403, "SPARQL Update is disabled on this endpoint (read-only)")
    raise ProtocolError(
        415,
        f"unsupported Content-Type {request.mimetype or '(none)'!r}: use application/x-www-form-urlencoded "
        "or application/sparql-query",
    )


def _graphs(iris: list[str], name: str) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(i) for i in iris]
    except ValueError as exc:
        raise ProtocolError(400, f"invalid IRI in '{name}': {exc}") from exc


def choose_format(kind: str) -> formats.Format:
    override = request.values.get("format")
    if override:
        fmt = formats.by_name(override, kind)
        if fmt is None:
            raise ProtocolError(
                406, f"format {override!r} is not offered for this query; offered: "
                + ", ".join(f.name for f in (formats.RESULTS if kind == "results" else formats.GRAPHS))
            )
        return fmt
    offered = formats.offers(kind)
    chosen = negotiate(request.headers.get("Accept"), offered)
    if chosen is None:
        raise ProtocolError(406, "none of the accepted media types is offered; offered: " + ", ".join(offered))
    return formats.by_name(chosen, kind)


def execute(store: ox.Store, query: str, default_graphs: list[str], named_graphs: list[str]):
    kwargs: dict = {"prefixes": PREFIXES}
    if default_graphs:
        kwargs["default_graph"] = _graphs(default_graphs, "default-graph-uri")
    # else: the store's default graph, which the build makes the RDF merge of all named graphs (set semantics)
    if named_graphs:
        kwargs["named_graphs"] = _graphs(named_graphs, "named-graph-uri")
    try:
        return store.query(query, **kwargs)
    except SyntaxError as exc:
        raise ProtocolError(400, f"SPARQL syntax error: {exc}") from exc


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    config = current_app.config["GCMKG"]
    query, default_graphs, named_graphs = parse_request()
    if query is None:
        return service_description()
    if len(query.encode("utf-8")) > config.max_query_length:
        raise ProtocolError(413, f"the query is longer than the limit of {config.max_query_length} bytes")
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": "30"}) from exc
    results = execute(snap.store, query, default_graphs, named_graphs)
    kind = "graph" if isinstance(results, ox.QueryTriples) else "results"
    fmt = choose_format(kind)
    try:
        body = results.serialize(format=fmt.oxigraph)
    except OSError as exc:  # evaluation errors surface while the results are consumed
        raise ProtocolError(500, f"query evaluation failed: {exc}") from exc
    resp = Response(body, status=200, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/"):
        resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Vary"] = "Accept"
    return resp


def service_description() -> Response:
    """Minimal Service Description; issue 5 extends it with VoID statistics and dumps."""
    from server.description import service_description_response

    return service_description_response()
