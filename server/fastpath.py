"""Cache hits of /sparql answered before Flask: a WSGI layer in front of the app (~0.3 ms of Python saved a hit).

The Flask path stays the only place that decides an answer. This layer only replays, byte for byte, the 200 answers
that the Flask path gave to the very same request on the very same build:

- the key is the build key (server.storage ``Snapshot.key``) + method + scheme + host + script root + path + the
  raw query string + Content-Type + the raw body of a POST + the raw Accept header. Everything the Flask path reads
  to pick an answer (the query, ``format=``, dataset parameters, the base IRI, content negotiation) is in it, so two
  requests with one key get one answer; a new build has a new key (the old build's entries age out of the LRU).
- only answers of a query (status 200 with ``X-GCMKG-Cache``, which only server.sparql's ``_answer`` sets) are kept,
  and only when the build that answered is the one of the key; errors, redirects, the Service Description, updates
  and HEAD always go to Flask.
- a replay carries the headers of the Flask answer (Vary: Accept, CORS, X-GCMKG-Build...) with ``X-GCMKG-Cache:
  hit``; both carry an ``ETag``, and a matching ``If-None-Match`` gets 304.
- a hit is counted in /-/metrics and written to the access log like a Flask cache hit (server.observability).

A hit skips the per-client slot, as a Flask cache hit does: it runs no evaluation. A header that must differ
between two identical requests (a request id, a timestamp) cannot be added to /sparql answers by a Flask hook: the
replay would repeat the first one's; add it here, in _replay, instead.
"""
from __future__ import annotations

import hashlib
import io
import time

from server.cache import ResponseCache

PATH = "/sparql"
_CACHE_HEADER = "X-GCMKG-Cache"
_KEEP_FOR_304 = ("vary", "x-gcmkg-build", "x-gcmkg-cache", "access-control-allow-origin",
                 "access-control-expose-headers", "etag")


class _Entry:
    __slots__ = ("headers", "body", "etag", "not_modified", "build_id")

    def __init__(self, headers: list, body: bytes, etag: str, build_id: str):
        self.headers = headers
        self.body = body
        self.etag = etag
        self.build_id = build_id
        self.not_modified = [(k, v) for k, v in headers if k.lower() in _KEEP_FOR_304]


def _etag(build_key: str, headers: list, body: bytes) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(build_key.encode("utf-8", "surrogateescape"))
    for k, v in headers:
        if k.lower() == "content-type":
            h.update(b"\0" + v.encode("latin-1"))
    h.update(b"\0" + body)
    return '"' + h.hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison of each listed tag; '*' matches any current representation."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or (tag[2:] if tag.startswith("W/") else tag) == etag:
            return True
    return False


class FastPath:
    """WSGI middleware: ``app.wsgi_app = FastPath(app, app.wsgi_app)`` (server.create_app, cache on)."""

    def __init__(self, flask_app, wsgi_app, max_bytes: int | None = None):
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app
        config = flask_app.config["GCMKG"]
        # the app's response cache (server.sparql's semantic keys and these raw ones never compare equal: one
        # memory budget, cache_mb, for both); a cache of its own only when asked for a size
        shared = flask_app.extensions.get("gcmkg_cache")
        self.cache = shared if shared is not None and max_bytes is None else \
            ResponseCache(max_bytes if max_bytes is not None else config.cache_mb * 1024 * 1024)
        self.max_body = config.max_query_length + 4096  # what Flask accepts (MAX_CONTENT_LENGTH)
        self._holder = flask_app.extensions["gcmkg_store"]
        self._record = None

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != PATH or (method != "GET" and method != "POST"):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            snap = self._holder.get()
        except Exception:  # no build, a damaged one: Flask gives the proper 503
            return self.wsgi_app(environ, start_response)
        body = b""
        if method == "POST":
            body = self._read_body(environ)
            if body is None:
                return self.wsgi_app(environ, start_response)
        key = (snap.key, method, environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST") or
               f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}", environ.get("SCRIPT_NAME", ""),
               environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""), body, environ.get("HTTP_ACCEPT"))
        found = self.cache.get(key)  # (entry, size) or None
        if found is not None:
            return self._replay(found[0], environ, start_response, started)
        return self._through(key, snap, environ, start_response)

    def _read_body(self, environ) -> bytes | None:
        """The whole body of a POST with a Content-Length within Flask's limit (handed on to Flask in a BytesIO);
        None (not cacheable, Flask reads the original stream) for anything else."""
        if environ.get("HTTP_TRANSFER_ENCODING"):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or length > self.max_body:
            return None
        stream = environ["wsgi.input"]
        chunks, left = [], length
        while left > 0:
            chunk = stream.read(left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        body = b"".join(chunks)
        environ["wsgi.input"] = io.BytesIO(body)  # a short body stays short: Flask answers it as before
        return body if left == 0 else None

    def _replay(self, entry: _Entry, environ, start_response, started: float):
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and _matches(inm, entry.etag):
            start_response("304 Not Modified", list(entry.not_modified))
            self._count(environ, 304, 0, started, entry.build_id)
            return [b""]
        start_response("200 OK", list(entry.headers))
        self._count(environ, 200, len(entry.body), started, entry.build_id)
        return [entry.body]

    def _count(self, environ, status: int, nbytes: int, started: float, build_id: str) -> None:
        record = self._record
        if record is None:
            from server.observability import record_fast_hit

            record = self._record = record_fast_hit
        try:
            record(self.flask_app, environ, status, nbytes, time.perf_counter() - started, build_id)
        except Exception:  # observability must never turn an answer into an error
            self.flask_app.logger.exception("gcmkg: recording a fast-path hit failed")

    def _through(self, key, snap, environ, start_response):
        captured = []

        def capture(status, headers, exc_info=None):
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [status, headers, exc_info]
            return _no_write

        app_iter = self.wsgi_app(environ, capture)
        status, headers = (captured[0], captured[1]) if captured else (None, None)
        build_id = None
        if status is not None and status.startswith("200 "):
            for k, v in headers:
                if k == "X-GCMKG-Build":
                    build_id = v
            keep = build_id == snap.build_id and any(k == _CACHE_HEADER for k, _ in headers)
        else:
            keep = False
        if not keep:
            if not captured:  # an app that starts the response lazily: let it, then pass on what it sent
                body = b"".join(app_iter)
                if hasattr(app_iter, "close"):
                    app_iter.close()
                start_response(*captured)
                return [body]
            start_response(*captured)
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        try:
            still = self._holder.get().key == snap.key
        except Exception:
            still = False
        etag = _etag(snap.key, headers, body)
        headers = [(k, v) for k, v in headers if k.lower() != "etag"] + [("ETag", etag)]
        if still:
            stored = [(k, "hit" if k == _CACHE_HEADER else v) for k, v in headers]
            self.cache.put(key, _Entry(stored, body, etag, build_id),
                           len(body) + len(key[5]) + len(key[7]) + 64 * len(stored) + 200)
        start_response(status, headers)  # 304 only from a hit: Flask has logged this request as a 200
        return [body]


def _no_write(data):  # the WSGI write() callable: Flask never uses it
    raise RuntimeError("server.fastpath: write() is not supported")


class Direct:
    """WSGI layer: a GET of /sparql with a query, answered before Flask by the view's own functions.

    Flask's request context, URL routing and dispatch cost ~0.03 ms of Python a request in-process and about twice
    that over HTTP (docs/benchmark.md), a twentieth of an entity look-up's time and the largest part of the
    endpoint's overhead left. This layer makes a werkzeug Request of the environ and, in an app context (current_app
    and g as under Flask), calls what Flask would: observability.mark_started (the app's before_request),
    server.sparql.respond (the view: parsing, negotiation, guard, limits, evaluation), the error handlers
    (_protocol_error, http_error_response) and the after_request functions in Flask's order (the blueprint's
    _cors, then the app's _after and security_headers). Anything else (other paths and methods, HEAD, no query
    parameter) goes to Flask. The hooks are checked on the first request: if the app's before/after_request
    functions, teardown, URL value preprocessors or error handlers (for the app and the sparql blueprint) are not
    the ones above (one was added), every request goes to Flask, so that this layer never answers otherwise than
    Flask would (tests/test_fastpath.py compares both)."""

    def __init__(self, flask_app, wsgi_app):
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app
        self._enabled: bool | None = None  # decided on the first request, once every hook is registered

    def _hooks_are_known(self) -> bool:
        from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

        from server import observability, sparql
        from server.pages import not_built, page_not_found, security_headers, site

        # bound once (imported here, not at the top: server.sparql imports the package this module is part of)
        self._http_exception, self._internal_error = HTTPException, InternalServerError
        self._observability, self._sparql, self._security_headers = observability, sparql, security_headers
        app = self.flask_app
        before = {k: list(v) for k, v in app.before_request_funcs.items() if v}
        after = {k: list(v) for k, v in app.after_request_funcs.items() if v}
        handlers = {scope: {code: dict(by_class) for code, by_class in codes.items() if by_class}
                    for scope, codes in app.error_handler_spec.items() if scope in (None, "sparql")}
        handlers = {scope: codes for scope, codes in handlers.items() if codes}
        known = (before == {None: [observability.mark_started]}
                 and after == {"sparql": [sparql._cors], None: [security_headers, observability._after]}
                 # the pages' handlers are the app's too; the view raises neither NotBuilt nor NotFound
                 and handlers == {None: {None: {HTTPException: sparql._http_error, site.NotBuilt: not_built},
                                         404: {NotFound: page_not_found}},
                                  "sparql": {None: {sparql.ProtocolError: sparql._protocol_error}}}
                 and not any(app.teardown_request_funcs.values()) and not any(app.url_value_preprocessors.values()))
        if not known:
            app.logger.warning("gcmkg: /sparql is answered through Flask only: its request hooks changed "
                               "(server.fastpath.Direct)")
        return known

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET" \
                or "query" not in environ.get("QUERY_STRING", ""):
            return self.wsgi_app(environ, start_response)
        if self._enabled is None:
            self._enabled = self._hooks_are_known()
        if not self._enabled:
            return self.wsgi_app(environ, start_response)
        app = self.flask_app
        req = app.request_class(environ)
        if "query" not in req.args:  # the Service Description, a form of the query UI...: Flask's
            return self.wsgi_app(environ, start_response)
        HTTPException, InternalServerError = self._http_exception, self._internal_error
        observability, sparql, security_headers = self._observability, self._sparql, self._security_headers
        with app.app_context():
            observability.mark_started()
            try:
                resp = sparql.respond(req)
            except sparql.ProtocolError as exc:
                resp = sparql._protocol_error(exc)
            except HTTPException as exc:
                resp = sparql.http_error_response(exc, req.method)
            except Exception as exc:  # as Flask: logged, answered 500
                app.logger.error(f"Exception on {req.path} [{req.method}]", exc_info=True)
                resp = sparql.http_error_response(InternalServerError(original_exception=exc), req.method)
            resp = security_headers(observability._after(sparql._cors(resp), req, PATH))
            return resp(environ, start_response)
