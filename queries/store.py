"""Where builds live and how readers open them.

Layout of the instance folder (git-ignored)::

    instance/
      builds/<build-id>/store/      the RocksDB store of one build (pyoxigraph)
      builds/<build-id>/build.json  what the build holds: graphs, counts, VoID statistics, input checksums
      current -> builds/<build-id>  symlink, replaced atomically by each successful build

Readers resolve ``current`` once when they open, so a build that swaps the link never disturbs a reader that is
answering with the previous store.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox


class StoreNotBuilt(RuntimeError):
    """No build is available yet: run `gcmkg build` first."""


class StoreCorrupt(RuntimeError):
    """The current build is damaged or incomplete."""


@dataclass(frozen=True)
class Build:
    path: Path  # builds/<build-id>
    meta: dict

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def store_path(self) -> Path:
        return self.path / "store"


def current_build(instance_dir: Path) -> Build:
    link = Path(instance_dir) / "current"
    if not link.exists():
        raise StoreNotBuilt(f"no graph built yet in {instance_dir}: run `gcmkg build` first")
    path = link.resolve()
    meta_file = path / "build.json"
    if not meta_file.is_file() or not (path / "store").is_dir():
        raise StoreCorrupt(f"build {path} is incomplete (no build.json or store/): rebuild with `gcmkg build`")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreCorrupt(f"build {path} has an unreadable build.json: {exc}; rebuild with `gcmkg build`") from exc
    if not isinstance(meta, dict):
        raise StoreCorrupt(f"build {path} has a damaged build.json (not a JSON object): rebuild with `gcmkg build`")
    return Build(path=path, meta=meta)


def open_read_only(build: Build) -> ox.Store:
    try:
        return ox.Store.read_only(str(build.store_path))
    except (OSError, RuntimeError) as exc:  # RocksDB reports damage ("Corruption: ...") as RuntimeError
        raise StoreCorrupt(f"cannot open store {build.store_path}: {exc}; rebuild with `gcmkg build`") from exc


def open_in_memory(build: Build) -> ox.Store:
    """A private in-memory copy of a build: 2-3x faster joins than RocksDB for a graph of this size (FIELD-NOTES)."""
    disk = open_read_only(build)
    mem = ox.Store()
    try:
        mem.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    except (OSError, RuntimeError) as exc:  # a damaged block is found when it is read (checksum mismatch)
        raise StoreCorrupt(f"store {build.store_path} is damaged: {exc}; rebuild with `gcmkg build`") from exc
    return mem


def verify_build(build: Build) -> int:
    """Read every quad of a build's store, so that RocksDB checks every block's checksum: the number of quads.
    Raises StoreCorrupt naming the damage (truncated or garbled files, missing CURRENT/MANIFEST)."""
    disk = open_read_only(build)
    try:
        return sum(1 for _ in disk.quads_for_pattern(None, None, None, None))
    except (OSError, RuntimeError) as exc:
        raise StoreCorrupt(f"store {build.store_path} is damaged: {exc}; rebuild with `gcmkg build`") from exc
    finally:
        del disk


def has_default_graph(store: ox.Store) -> bool:
    """Builds store the RDF merge of their named graphs as the default graph (ingest.build); stores without one
    (older builds, test fixtures, StoreHolder.use() stores) are served with the union of named graphs instead."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def dataset_statistics(store: ox.Store, union: bool | None = None) -> dict:
    """The VoID statistics of a store, recorded in build.json by `gcmkg build` and by updates (the Service
    Description shows them): totals, distinct subjects/objects/properties, class, property and graph partitions."""

    if union is None:
        union = not has_default_graph(store)  # a stored default graph is the merge of the named graphs

    def rows(query: str) -> list[list[str]]:
        return [[t.value for t in s] for s in store.query(query, use_default_graph_as_union=union)]

    (total,) = rows("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]
    subjects, objects, properties = rows(
        "SELECT (COUNT(DISTINCT ?s) AS ?a) (COUNT(DISTINCT ?o) AS ?b) (COUNT(DISTINCT ?p) AS ?c) { ?s ?p ?o }")[0]
    classes = rows("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    props = rows("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
    graphs = rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    return {
        "triples": int(total), "distinctSubjects": int(subjects), "distinctObjects": int(objects),
        "properties": int(properties), "classes": len(classes),
        "classPartitions": [{"class": c, "entities": int(n)} for c, n in classes],
        "propertyPartitions": [{"property": p, "triples": int(n)} for p, n in props],
        "graphs": [{"graph": g, "triples": int(n)} for g, n in graphs],
    }
