"""The SPARQL 1.1 Protocol at /sparql: query by GET, form POST and direct POST; update (off by default) by POST.

A request goes: protocol parsing -> browser redirect / Service Description -> length limit -> content negotiation
-> response cache -> guard (SERVICE allow-list) -> per-client slot -> evaluator process (time, size limits).
Every refusal is a 4xx/5xx text/plain answer with the reason; docs/endpoint.md lists them.
"""
from __future__ import annotations

import contextlib
import hmac
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.exceptions import HTTPException

from ontology.vocab import PREFIXES
from queries.store import StoreCorrupt, StoreNotBuilt
from server import executor, formats, guard, observability, remote
from server.conneg import negotiate
from server.limits import TooManyRequests

bp = Blueprint("sparql", __name__)

ENDPOINT = "/sparql"
QUERY_UI = "/query"


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
def _protocol_error(exc: ProtocolError) -> Response:
    return _error(exc.status, exc.message, exc.headers)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Flask's own errors (405 for PUT, 413 for a huge body, 400 for a broken form) as text at /sparql; other
    paths keep the app's default handling."""
    if request.path.rstrip("/") != ENDPOINT:
        return exc
    return http_error_response(exc, request.method)


def http_error_response(exc: HTTPException, method: str) -> Response:
    """An HTTP error (werkzeug's: 405, 413, 400, 500 for an unexpected exception) at /sparql, as text."""
    message = exc.description or exc.name
    if exc.code == 405:
        message = f"method {method} is not allowed at {ENDPOINT}: use GET or POST (SPARQL 1.1 Protocol)"
    elif exc.code == 413:
        message = f"the request body is larger than the limit of {_config().max_query_length} bytes for a query"
    resp = _error(exc.code or 500, f"{exc.code} {exc.name}: {message}")
    if exc.code == 405:
        resp.headers["Allow"] = "GET, POST, OPTIONS"
    return _cors(resp)


def _config():
    return current_app.config["GCMKG"]


@dataclass
class Operation:
    kind: str | None  # "query", "update" or None (no operation: the Service Description)
    text: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"the '{name}' parameter was given {len(values)} times; give it once")
    return values[0] if values else None


def _body_text(req) -> str:
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the body must be UTF-8 (SPARQL 1.1 Protocol 2.1.3), not {charset}")
    length = req.content_length
    if length is not None and length > _config().max_query_length:
        raise _too_long()
    try:
        data = req.get_data(cache=False)
    except HTTPException:  # 413 and the like: their own answer
        raise
    except Exception as exc:  # a broken chunked body (gunicorn's InvalidChunkSize, NoMoreData), a client gone
        raise ProtocolError(400, f"the request body could not be read: {exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not valid UTF-8: {exc}") from exc


def parse_request(req) -> Operation:
    """The operation of the request *req* (a werkzeug Request), per the SPARQL 1.1 Protocol (2.1 query, 2.2
    update)."""
    args = req.args
    if req.method in ("GET", "HEAD"):
        if "update" in args:
            raise ProtocolError(400, "SPARQL Update is not allowed by GET; use POST")
        query = _single(args.getlist("query"), "query")
        if query is None:
            return Operation(None)
        return Operation("query", query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    ctype = (req.mimetype or "").lower()
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = req.form
        except HTTPException:
            raise
        except Exception as exc:  # as in _body_text
            raise ProtocolError(400, f"the request body could not be read: {exc}") from exc
        query = _single(form.getlist("query"), "query")
        update = _single(form.getlist("update"), "update")
        if query is not None and update is not None:
            raise ProtocolError(400, "give either 'query' or 'update', not both")
        if update is not None:
            return Operation("update", update, form.getlist("using-graph-uri"), form.getlist("using-named-graph-uri"))
        if query is None:
            raise ProtocolError(400, "a form POST needs a 'query' (or 'update') field")
        return Operation("query", query, form.getlist("default-graph-uri"), form.getlist("named-graph-uri"))
    if ctype == "application/sparql-query":
        if "query" in args:
            raise ProtocolError(400, "a direct POST carries the query in its body, not in a 'query' parameter")
        return Operation("query", _body_text(req), args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    if ctype == "application/sparql-update":
        if "update" in args:
            raise ProtocolError(400, "a direct POST carries the update in its body, not in an 'update' parameter")
        return Operation("update", _body_text(req), args.getlist("using-graph-uri"), args.getlist("using-named-graph-uri"))
    raise ProtocolError(
        415,
        f"unsupported Content-Type {req.mimetype or '(none)'!r}: use application/x-www-form-urlencoded, "
        "application/sparql-query or application/sparql-update",
    )


def _too_long() -> ProtocolError:
    limit = _config().max_query_length
    return ProtocolError(413, f"the query is longer than this endpoint's limit of {limit} bytes")


# -- content negotiation ------------------------------------------------------------------------------------------
def _forced_format(req) -> str | None:
    return req.args.get("format") or (req.form.get("format") if req.method == "POST"
                                      and req.mimetype == "application/x-www-form-urlencoded" else None)


_HTML_OR_SPARQL = formats.offers("results") + formats.offers("graph") + ["text/html"]


def prefers_html(req) -> bool:
    """A browser: text/html is what the Accept header prefers over every SPARQL format."""
    return negotiate(req.headers.get("Accept"), _HTML_OR_SPARQL) == "text/html"


def choose_formats(req, forced: str | None) -> tuple[formats.Format | None, formats.Format | None]:
    """(results format, graph format): which one applies is known once the query form is. A ``format=`` value
    decides for the kind it names (json, xml, csv... for results; turtle, nt, jsonld... for graphs) and the Accept
    header for the other kind: clients such as SPARQLWrapper send format= with whatever return format was set."""
    accept = req.headers.get("Accept")
    chosen = []
    for kind in ("results", "graph"):
        fmt = formats.by_name(forced, kind) if forced else None
        if fmt is None:
            media = negotiate(accept, formats.offers(kind))
            fmt = formats.by_name(media, kind) if media else None
        chosen.append(fmt)
    rf, gf = chosen
    if forced and formats.by_name(forced, "results") is None and formats.by_name(forced, "graph") is None:
        names = ", ".join(f.name for f in formats.RESULTS + formats.GRAPHS)
        raise ProtocolError(406, f"format {forced!r} is not offered; offered: {names}")
    if rf is None and gf is None:
        raise ProtocolError(406, "none of the accepted media types is offered; offered: "
                            + ", ".join(formats.offers("results") + formats.offers("graph")), {"Vary": "Accept"})
    return rf, gf


# -- the endpoint ---------------------------------------------------------------------------------------------
@bp.route(ENDPOINT, methods=["GET", "POST", "OPTIONS"])
def sparql():
    if request.method == "OPTIONS":
        return _preflight()
    return respond(request._get_current_object())


def respond(req) -> Response:
    """The answer to a GET or POST *req* (a werkzeug Request) at /sparql: from the Flask view above, and from
    server.fastpath.Direct (GET with a query) before Flask. Raises ProtocolError (answered by _protocol_error)."""
    op = parse_request(req)
    forced = _forced_format(req)
    if req.method in ("GET", "HEAD") and not forced and prefers_html(req):
        target = QUERY_UI + ("?" + req.query_string.decode("latin-1") if op.kind else "")
        resp = redirect(req.script_root + target, code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    if op.kind is None:
        from server.description import service_description_response

        return service_description_response()
    config = _config()
    if len(op.text.encode("utf-8")) > config.max_query_length:
        raise _too_long()
    if op.kind == "update":
        return _update(req, op)
    return _query(req, op, forced)


def _snapshot():
    try:
        return current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": "30"}) from exc


def _pool(name: str = "queries") -> executor.Pool:
    return executor.pool_of(_config(), name)


_last_key: dict[int, str] = {}


def warm_stores(snap, pool: executor.Pool) -> list[tuple]:
    """(key, spec) of the stores *pool*'s evaluators load before queries need them: the default graph's shape,
    which every named query and nearly every ad-hoc query reads. An evaluator loads the full shape on the first
    query that may name a graph (guard.may_name_graphs)."""
    return [(snap.evaluator_key("default"), snap.evaluator_spec("default"))]


def _follow_build(snap) -> None:
    """On the first request that sees a new build, have idle evaluators load it in the background."""
    app_id = id(current_app._get_current_object())
    if _last_key.get(app_id) != snap.key:
        previous = _last_key.get(app_id)
        _last_key[app_id] = snap.key
        if previous is not None:
            for p in executor.pools():
                p.warm(warm_stores(snap, p))


def _query(req, op: Operation, forced: str | None) -> Response:
    config = _config()
    rf, gf = choose_formats(req, forced)
    snap = _snapshot()
    base = req.base_url
    cache = current_app.extensions.get("gcmkg_cache")
    cache_key = (snap.key, op.text, tuple(op.default_graphs), tuple(op.named_graphs),
                 rf and rf.name, gf and gf.name, base)
    if cache is not None:
        hit = cache.get(cache_key)
        if hit is not None:
            return _answer(hit[0], snap, cached=True)
    try:
        guard.check_service(op.text, config.service_allowlist, PREFIXES, base)
    except guard.Refusal as exc:
        raise ProtocolError(exc.status, exc.message) from exc
    if rf is None or gf is None:
        kind = guard.query_kind(op.text)
        if (kind == "results" and rf is None) or (kind == "graph" and gf is None):
            offered = formats.offers(kind)
            raise ProtocolError(406, f"none of the accepted media types is offered for this query; offered: "
                                     + ", ".join(offered), {"Vary": "Accept"})
    answer = evaluate(snap, op.text, rf and rf.name, gf and gf.name, op.default_graphs, op.named_graphs, base,
                      query_dataset=not op.default_graphs and not op.named_graphs and guard.has_dataset_clause(op.text),
                      client=req.remote_addr)
    if cache is not None:
        cache.put(cache_key, answer, len(answer.body) + len(op.text) + 200)
    return _answer(answer, snap)


_RESULTS_OFFERS = ", ".join(formats.offers("results"))  # named in the 406 of a query whose form has no format
_GRAPH_OFFERS = ", ".join(formats.offers("graph"))


def evaluate(snap, text: str, results_format: str | None, graph_format: str | None = None,
             default_graphs: list[str] = (), named_graphs: list[str] = (), base: str | None = None,
             query_dataset: bool = False, pool: str = "queries", client: str | None = None) -> executor.Answer:
    """Evaluate a query with every limit of the endpoint: in an evaluator process that is killed at the time
    limit (or by the remote store), result-size limits, the client's concurrency slot. Raises ProtocolError.
    The named queries (server.catalog, pool="catalog") come through here too, on their own evaluators and
    without a client slot: vetted and fast, they are what the pages link to, and stay available to a client
    whose ad-hoc queries are at its limit. *client*: the address the client slot is counted on."""
    slot = pool != "catalog"
    config = _config()
    job = {
        "query": text, "default_graphs": list(default_graphs), "named_graphs": list(named_graphs), "base": base,
        "query_dataset": query_dataset, "results_format": results_format, "graph_format": graph_format,
        "results_offers": _RESULTS_OFFERS, "graph_offers": _GRAPH_OFFERS,
        "max_results": config.max_results, "max_bytes": config.max_result_bytes,
    }
    if snap.remote is not None:  # a remote store (server.remote): no evaluator processes, same limits and formats
        return _evaluate(lambda: remote.run_query(snap, job, config.query_timeout), slot, client)
    _follow_build(snap)
    # the store of the default graph alone unless the query may read a named graph (server.evaluator.load_store)
    shape = "full" if default_graphs or named_graphs or query_dataset or guard.may_name_graphs(text) else "default"
    return _evaluate(lambda: executor.run_query(_pool(pool), snap.evaluator_key(shape), snap.evaluator_spec(shape),
                                                job, config.query_timeout), slot, client)


def _evaluate(run, slot: bool = True, client: str | None = None):
    """run() under the slot of the *client* address (unless slot=False) and the query timer; errors as
    ProtocolError."""
    slots = current_app.extensions["gcmkg_slots"]
    try:
        with slots.hold(client or "unknown") if slot else contextlib.nullcontext(), \
                observability.timed_query():
            return run()
    except TooManyRequests as exc:
        raise ProtocolError(429, str(exc), {"Retry-After": "2"}) from exc
    except executor.EvaluationError as exc:
        raise ProtocolError(exc.status, exc.message, exc.headers) from exc


def _answer(answer: executor.Answer, snap, cached: bool = False) -> Response:
    media = formats.BY_NAME[answer.format].media_type
    return Response(answer.body, status=200, content_type=media + "; charset=utf-8" if media.startswith("text/")
                    else media, headers=(("Vary", "Accept"), ("X-GCMKG-Build", snap.build_id),
                                         ("X-GCMKG-Cache", "hit" if cached else "miss")))


def _update(req, op: Operation) -> Response:
    config = _config()
    if not config.updates:
        raise ProtocolError(403, "SPARQL Update is disabled on this endpoint (read-only); an operator enables it "
                                 "with the settings updates and update_token")
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    expected = config.update_token.encode("utf-8")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode("utf-8"), expected):
        raise ProtocolError(401, "SPARQL Update needs 'Authorization: Bearer <token>' with the endpoint's update "
                                 "token", {"WWW-Authenticate": 'Bearer realm="gcmkg SPARQL Update"'})
    base = req.base_url
    try:
        guard.check_update(op.text)
        guard.check_service(op.text, config.service_allowlist, PREFIXES, base)
        text = guard.rewrite_update_dataset(op.text, op.default_graphs, op.named_graphs)
    except guard.Refusal as exc:
        raise ProtocolError(exc.status, exc.message) from exc
    snap = _snapshot()
    if snap.remote is not None:
        raise ProtocolError(501, "this server reads a remote store: updates are not forwarded; load the store with "
                                 "`gcmkg publish --to URL`")
    if snap.in_memory_only:
        raise ProtocolError(503, "this server holds an in-memory store with no build folder: updates cannot be "
                                 "written")
    job = {"instance_dir": str(current_app.extensions["gcmkg_store"].instance_dir), "update": text,
           "base_iri": base, "keep_builds": config.keep_builds}
    build_id = _evaluate(lambda: executor.run_update(_pool(), job, config.query_timeout), client=req.remote_addr)
    resp = Response(f"update applied: build {build_id} is current\n", status=200, mimetype="text/plain")
    resp.headers["X-GCMKG-Build"] = build_id
    return resp


# -- CORS (reads) -------------------------------------------------------------------------------------------------
def _preflight() -> Response:
    resp = Response(status=204)
    origin = _config().cors_origin
    if origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
    resp.headers["Allow"] = "GET, POST, OPTIONS"
    return resp


@bp.after_request
def _cors(resp: Response) -> Response:
    origin = _config().cors_origin
    if origin and "Access-Control-Allow-Origin" not in resp.headers:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Expose-Headers"] = "Retry-After, X-GCMKG-Build"
    return resp
