"""SPARQL Update, when enabled: each accepted update becomes a new build, swapped in like `gcmkg build` does.

Builds stay immutable (the response cache and the evaluators key on the build), every worker and evaluator picks
the new build up on its next request exactly as after a rebuild, and the previous build is kept for rollback
(`keep_builds`). One writer at a time: an exclusive lock on ``instance/.update.lock``. The writer runs inside an
evaluator process, so an update that runs past the time limit is killed like a query, leaving only a ``.tmp-``
folder that the next build or update removes. A `gcmkg build` rebuilds from the sources and so discards updates.
"""
from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from ontology.vocab import PREFIXES
from queries.store import StoreCorrupt, StoreNotBuilt, current_build, dataset_statistics
from server.evaluator import default_graph_is_merge


class UpdateRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def apply_update(instance_dir: str, update: str, base_iri: str | None, keep_builds: int) -> str:
    """Copy the current build, apply *update* to the copy, make it current. Returns the new build id."""
    instance = Path(instance_dir)
    builds = instance / "builds"
    with open(instance / ".update.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            build = current_build(instance)
        except (StoreNotBuilt, StoreCorrupt) as exc:
            raise UpdateRefused(503, str(exc)) from exc
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        build_id = f"{stamp}-update"
        tmp, final = builds / f".tmp-{build_id}", builds / build_id
        try:
            tmp.mkdir(parents=True)
            store = ox.Store(str(tmp / "store"))
            source = ox.Store.read_only(str(build.store_path))
            store.bulk_load(source.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
            del source
            merged = default_graph_is_merge(build.meta, store)
            before = _default_triples(store) if merged else set()
            try:
                store.update(update, base_iri=base_iri, prefixes=PREFIXES)
            except SyntaxError as exc:
                raise UpdateRefused(400, f"SPARQL Update syntax error: {exc}") from exc
            except (OSError, RuntimeError, ValueError) as exc:
                raise UpdateRefused(500, f"update failed: {exc}") from exc
            if merged:
                _remerge_default_graph(store, before)
            stats = dataset_statistics(store, union=not merged)
            store.flush()
            del store
            gc.collect()  # releases the RocksDB lock before the folder is renamed
            meta = dict(build.meta, id=build_id, built=stamp, statistics=stats, derived_from=build.id,
                        updates=int(build.meta.get("updates", 0)) + 1,
                        default_graph="merge" if merged else "union")
            (tmp / "build.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        link, tmp_link = instance / "current", instance / f".current-{os.getpid()}"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(os.path.relpath(final, instance), tmp_link)
        os.replace(tmp_link, link)  # atomic: readers see the old or the new build
        _prune(builds, final, keep_builds)
        return build_id


def _default_triples(store: ox.Store) -> set:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _remerge_default_graph(store: ox.Store, before: set) -> None:
    """Keep the build invariant of ingest.build: the default graph is the RDF merge of the named graphs (a view).
    An update that inserted into the default graph itself something no named graph holds would lose it in the
    re-merge, so it is refused; deletions from the default graph alone are replaced by the merge."""
    merged = {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)
              if not isinstance(q.graph_name, ox.DefaultGraph)}
    lost = (_default_triples(store) - before) - merged
    if lost:
        raise UpdateRefused(400, f"this update inserts {len(lost)} triple(s) into the default graph, which is the "
                                 "merge of the named graphs: insert into a named graph (GRAPH <...> { ... })")
    store.remove_graph(ox.DefaultGraph())
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in merged)


def _prune(builds: Path, current: Path, keep: int) -> None:
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    old = [p for p in done if p != current]
    for path in old[: max(0, len(old) - keep)]:
        shutil.rmtree(path, ignore_errors=True)
