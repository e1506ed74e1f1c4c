"""Introspection for operators, under /-/ (as datasette does)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from queries.store import StoreCorrupt, StoreNotBuilt

bp = Blueprint("ops", __name__, url_prefix="/-")


@bp.get("/health")
def health():
    """The process is up (liveness)."""
    return jsonify(status="ok")


@bp.get("/ready")
def ready():
    """A build is loaded and answers queries (readiness)."""
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        return jsonify(status="unavailable", reason=str(exc)), 503
    return jsonify(status="ready", build=snap.meta.get("id"), triples=snap.meta.get("statistics", {}).get("triples"))


@bp.get("/build")
def build_info():
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        return jsonify(status="unavailable", reason=str(exc)), 503
    return jsonify(snap.meta)
