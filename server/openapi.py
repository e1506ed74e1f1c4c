"""The OpenAPI 3.1 description of the HTTP API (docs/openapi.yaml), served at /openapi.yaml and /-/openapi.

The file is written by hand next to the other docs; tests/test_hardening_ops.py checks that every route of the app is
described (or deliberately left out) and runs schemathesis against it in-process.
"""
from __future__ import annotations

from flask import Blueprint, Response

from ontology.settings import PROJECT_ROOT

bp = Blueprint("openapi", __name__)

OPENAPI_FILE = PROJECT_ROOT / "docs" / "openapi.yaml"


@bp.get("/openapi.yaml")
@bp.get("/-/openapi")
def openapi_document():
    try:
        body = OPENAPI_FILE.read_bytes()
    except OSError:
        return Response("404 Not Found: this installation has no docs/openapi.yaml\n", status=404,
                        mimetype="text/plain")
    resp = Response(body, mimetype="application/yaml")
    resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
