"""Introspection for operators, under /-/ (as datasette does).

- ``/-/health``: the process is up (liveness); answers without touching the store.
- ``/-/ready``: a build is loaded and readable (readiness): the worker's in-memory copy of the current build is made
  (or was made) without error, so a damaged store answers 503 with the reason instead of 200.
- ``/-/build``: build.json of the build being served.
- ``/-/metrics``: counters in the Prometheus text format (server.observability).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from queries.store import StoreCorrupt, StoreNotBuilt

bp = Blueprint("ops", __name__, url_prefix="/-")


def _no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/health")
def health():
    """The process is up (liveness)."""
    return _no_store(jsonify(status="ok"))


@bp.get("/ready")
def ready():
    """A build is loaded and answers queries (readiness)."""
    try:
        snap = current_app.extensions["gcmkg_store"].get()
        snap.store  # noqa: B018  the in-memory copy: reading every quad finds a damaged store
    except (StoreNotBuilt, StoreCorrupt) as exc:
        resp = jsonify(status="unavailable", reason=str(exc))
        resp.status_code = 503
        resp.headers["Retry-After"] = "30"
        return _no_store(resp)
    return _no_store(jsonify(status="ready", build=snap.meta.get("id"),
                             triples=snap.meta.get("statistics", {}).get("triples")))


@bp.get("/build")
def build_info():
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        resp = jsonify(status="unavailable", reason=str(exc))
        resp.status_code = 503
        return _no_store(resp)
    return _no_store(jsonify(snap.meta))


@bp.get("/metrics")
def metrics():
    """Counters for Prometheus (text format 0.0.4), added up over every worker of the server."""
    from server.observability import metrics_response

    return metrics_response()
