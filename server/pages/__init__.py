"""The human side of the graph: entity pages (and their RDF), search, browse, home, query editor, charts.

Blueprints (one per concern, registered by server/__init__.py):
  entities  /id/..., /graph/..., /sdg/..., /ontology, /incoming/...   dereferencing, entity pages   entities.py
  search    /search, /search.json                                    one box, in-memory index     search.py
  browse    /, /browse, /browse/<class>                              home and class indexes       browse.py
  editor    /query                                                   YASGUI, vendored             editor.py
  charts    /charts, /charts/evidence, /evidence                     server-rendered SVG          charts.py
Routes, the 303/200 policy and the screenshot command are documented in docs/pages.md.
"""
from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.exceptions import NotFound

from server.pages import browse, charts, editor, entities, search, site

BLUEPRINTS = (entities.bp, search.bp, browse.bp, editor.bp, charts.bp)

# Only the app's own assets; JSON-LD blocks are data, not scripts, and need no exception. (/query alone also
# allows inline styles, for YASGUI: editor.py.)
CONTENT_SECURITY_POLICY = editor.CONTENT_SECURITY_POLICY


def security_headers(resp: Response) -> Response:
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Security-Policy", g.get("csp", CONTENT_SECURITY_POLICY))
        resp.headers.setdefault("X-Frame-Options", "DENY")
    return resp


def not_built(exc: site.NotBuilt):
    if entities.wants_html():
        return site.render("errors/503.html", status=503, message=exc.message, headers={"Retry-After": "30"})
    return Response(f"503 Service Unavailable: {exc.message}\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": "30"})


def page_not_found(exc: NotFound):
    # keep whatever an API said about its own 404 (e.g. an unknown named query); browsers get a page
    if entities.wants_html():
        return site.render("errors/404.html", status=404, what=request.path,
                           detail=exc.description if exc.description != NotFound.description else None)
    return Response(f"404 Not Found: {request.path}\n" + (
        f"{exc.description}\n" if exc.description and exc.description != NotFound.description else ""),
        status=404, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the page blueprints and what they share (error pages, security headers, template helpers)."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    entities.register_base_path(app)
    app.register_error_handler(site.NotBuilt, not_built)
    app.register_error_handler(404, page_not_found)
    app.after_request(security_headers)
    app.jinja_env.globals.update(script_json=site.script_json, curie=site.curie)
    app.jinja_env.filters["ucfirst"] = lambda text: (text[:1].upper() + text[1:]) if text else text
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
