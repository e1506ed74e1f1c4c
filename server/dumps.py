"""/dumps/: the dump files of the build being served (written by `gcmkg build` into builds/<id>/dumps/).

- ``GET /dumps/``: the list (HTML for browsers, JSON otherwise, ``?format=json`` to force it): each file with its
  media type, size and SHA-256, the build it belongs to, and the VoID description (``void.ttl``).
- ``GET /dumps/<file>``: the file, with its media type, ``ETag`` = its SHA-256 (from SHA256SUMS), conditional
  requests (304) and byte ranges (resumable downloads of the large files).

The files come from the same immutable build folder as the store, so a dump never disagrees with the endpoint; a
new build brings its own dumps. The Service Description at /sparql points to them (``void:dataDump``).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file, url_for

from queries.store import StoreCorrupt, StoreNotBuilt

bp = Blueprint("dumps", __name__)

MEDIA_TYPES = {
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".tsv": "text/tab-separated-values",
}
DESCRIPTIONS = {
    "gcmkg.trig": "the whole dataset, one named graph per source (TriG)",
    "gcmkg.nq": "the whole dataset, one named graph per source (N-Quads)",
    "alignments.ttl": "owl:sameAs / skos:*Match links to Wikidata, GeoNames, the SDG KOS (Turtle)",
    "alignments.sssom.tsv": "the same alignments as an SSSOM mapping set",
    "void.ttl": "VoID description of the dataset and its dumps",
    "VERSION": "the build these files come from",
    "SHA256SUMS": "checksums of every file (sha256sum -c SHA256SUMS)",
}


def media_type(name: str) -> str:
    if name == "VERSION":
        return "application/json"
    if name == "SHA256SUMS":
        return "text/plain"
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def _dumps_dir() -> tuple[Path, dict]:
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        abort(Response(f"503 Service Unavailable: {exc}\n", status=503, mimetype="text/plain",
                       headers={"Retry-After": "30"}))
    folder = snap.build.path / "dumps"
    if snap.in_memory_only or not (folder / "SHA256SUMS").is_file():
        abort(404, description="this build has no dumps (built with GCMKG_DUMPS=0?): run `gcmkg export` "
                               "or rebuild")
    return folder, snap.meta


def checksums(folder: Path) -> dict[str, str]:
    """relative path -> sha256, from the build's SHA256SUMS (the list of what may be served)."""
    out = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        if digest and rel:
            out[rel] = digest
    return out


def available(snap) -> list[str]:
    """The dump files of a snapshot (empty when it has none); for the Service Description."""
    folder = snap.build.path / "dumps"
    if snap.in_memory_only or not (folder / "SHA256SUMS").is_file():
        return []
    return sorted(checksums(folder)) + ["SHA256SUMS"]


def _wants_html() -> bool:
    if request.args.get("format") == "json":
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


@bp.get("/dumps/")
def index():
    folder, meta = _dumps_dir()
    sums = checksums(folder)
    files = []
    for rel in sorted(sums) + ["SHA256SUMS"]:
        path = folder / rel
        files.append({"file": rel, "url": url_for("dumps.file", rel=rel, _external=True),
                      "mediaType": media_type(rel), "bytes": path.stat().st_size, "sha256": sums.get(rel),
                      "description": DESCRIPTIONS.get(rel) or _graph_description(rel)})
    if _wants_html():
        from server.pages import site

        resp = site.render("dumps.html", files=files, build=meta.get("id"), built=meta.get("built"))
    else:
        resp = jsonify(build=meta.get("id"), built=meta.get("built"), files=files,
                       void=url_for("dumps.file", rel="void.ttl", _external=True))
    resp.headers["Vary"] = "Accept"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _graph_description(rel: str) -> str:
    name = Path(rel).stem
    kind = "Turtle" if rel.endswith(".ttl") else "JSON-LD"
    return f"named graph {name} ({kind})"


@bp.get("/dumps/<path:rel>")
def file(rel: str):
    folder, _ = _dumps_dir()
    sums = checksums(folder)
    if rel not in sums and rel != "SHA256SUMS":  # only the files the build lists: no traversal, no stray files
        abort(404, description=f"no dump file {rel!r}; the list is at /dumps/")
    resp = send_file(folder / rel, mimetype=media_type(rel), conditional=True, etag=sums.get(rel, False),
                     max_age=300, download_name=Path(rel).name)
    if media_type(rel).startswith("text/"):
        resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
