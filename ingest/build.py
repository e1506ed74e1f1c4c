"""Assemble the ontology, the reference vocabularies and the corpus into one embedded store, atomically.

Every source is loaded (pure functions) before anything is written; the store is written into a fresh folder
beside the current build and the ``current`` link is swapped only when the new store is complete. Any failure
leaves the previous build serving and says which source failed and why.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

import ontology
from ontology.iris import Minter
from ontology.settings import Config, PROJECT_ROOT
from ontology.vocab import ONTOLOGY_IRI
from ingest.report import summary_lines, write_report
from ingest.sources import BuildContext, Source, provenance_triples
from ingest.summary import SUMMARY_GRAPH, summary_source, summary_triples
from queries.store import Build, dataset_statistics

# What decides whether a build is stale: the data and the code that turns it into triples.
FINGERPRINT_ROOTS = ("ontology", "ingest")


class BuildError(RuntimeError):
    """A build failed; the previous build (if any) is still the current one."""


def ontology_source() -> Source:
    def load(ctx: BuildContext):
        return [t.triple for t in ox.parse(path=str(ontology.ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE)]

    return Source(
        name="ontology",
        title="GCM Knowledge Graph ontology",
        load=load,
        source_iri=ONTOLOGY_IRI,
        source_note="ontology/gcmkg.ttl (hand-edited)",
        license="https://www.apache.org/licenses/LICENSE-2.0",
    )


def all_sources(ctx: BuildContext) -> list[Source]:
    from ingest import reference, corpus

    return [ontology_source(), *reference.SOURCES, *corpus.document_sources(ctx)]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(config: Config) -> str:
    """A digest of every input of the build (data files, ontology, extraction code)."""
    h = hashlib.sha256()
    h.update(config.base_iri.encode())
    roots = [config.data_dir] + [PROJECT_ROOT / r for r in FINGERPRINT_ROOTS]
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(path.relative_to(root)).encode())
            h.update(_sha256(path).encode())
    return h.hexdigest()


@dataclass
class GraphResult:
    source: Source
    graph: ox.NamedNode
    triples: list[ox.Triple]
    seconds: float


def load_sources(ctx: BuildContext, sources: Iterable[Source]) -> list[GraphResult]:
    results = []
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise BuildError(f"two sources are named {source.name!r}")
        seen.add(source.name)
        graph = ctx.minter.graph(source.name)
        started = time.perf_counter()
        try:
            triples = list(source.load(ctx))
        except Exception as exc:  # report which source broke, keep the previous build
            raise BuildError(f"source {source.name!r} failed: {exc}") from exc
        checksums = {}
        for rel in source.files:
            path = ctx.data_dir / rel
            if not path.is_file():
                raise BuildError(f"source {source.name!r}: missing file {path}")
            checksums[rel] = _sha256(path)
        triples += provenance_triples(ctx.minter, graph, source, checksums)
        results.append(GraphResult(source, graph, triples, time.perf_counter() - started))
    return results


def _swap_current(instance_dir: Path, build_dir: Path) -> None:
    link = instance_dir / "current"
    tmp_link = instance_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(build_dir, instance_dir), tmp_link)
    os.replace(tmp_link, link)  # atomic on POSIX: readers see the old or the new build, never neither


def _prune(instance_dir: Path, keep: int) -> None:
    builds = instance_dir / "builds"
    current = (instance_dir / "current").resolve()
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    old = [p for p in done if p.resolve() != current]
    for path in old[: max(0, len(old) - keep)]:
        shutil.rmtree(path, ignore_errors=True)
    for stale in builds.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def is_up_to_date(config: Config) -> bool:
    from queries.store import current_build, StoreCorrupt, StoreNotBuilt

    try:
        build = current_build(config.instance_dir)
    except (StoreNotBuilt, StoreCorrupt):
        return False
    return build.meta.get("fingerprint") == fingerprint(config)


def build(config: Config, sources: list[Source] | None = None, log=print) -> Path:
    """Build every source into a new store and make it current. Returns the build folder."""
    started = time.perf_counter()
    ctx = BuildContext(minter=Minter(config.base_iri), data_dir=config.data_dir)
    try:
        sources = all_sources(ctx) if sources is None else sources
    except Exception as exc:
        raise BuildError(f"cannot list the sources: {exc}") from exc
    results = load_sources(ctx, sources)
    loaded = time.perf_counter()

    instance_dir = config.instance_dir
    builds = instance_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    digest = fingerprint(config)
    build_id = f"{stamp}-{digest[:8]}"
    tmp = builds / f".tmp-{build_id}"
    final = builds / build_id
    store = None
    try:
        tmp.mkdir()
        store = ox.Store(str(tmp / "store"))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, r.graph) for r in results for t in r.triples)
        # The default graph is the RDF merge of the named graphs (set semantics: a triple two sources state is
        # there once), so queries without GRAPH see each fact once; GRAPH ?g still tells who says it.
        merged = {t for r in results for t in r.triples}
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in merged)
        del merged
        # corpus-wide counts, aggregated once here from the loaded data (ingest/summary.py) into graph/summary
        summary_started = time.perf_counter()
        summary = summary_triples(store, ctx.minter, [r.graph for r in results if r.source.name.startswith("doc-")])
        summary_graph = ctx.minter.graph(SUMMARY_GRAPH)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in summary
                          for g in (summary_graph, ox.DefaultGraph()))
        results.append(GraphResult(summary_source(), summary_graph, summary, time.perf_counter() - summary_started))
        store.optimize()
        stats = dataset_statistics(store, union=False)  # the default graph is the stored merge
        report = write_report(store, tmp)
        store.flush()
        del store
        gc.collect()  # releases the RocksDB lock before the folder is renamed and reopened read-only
        meta = {
            "id": build_id,
            "default_graph": "merge",
            "built": stamp,
            "fingerprint": digest,
            "base_iri": config.base_iri,
            "sources": [
                {
                    "name": r.source.name,
                    "graph": r.graph.value,
                    "title": r.source.title,
                    "triples": len(set(r.triples)),
                    "seconds": round(r.seconds, 4),
                }
                for r in results
            ],
            "statistics": stats,
            "seconds": {"load": round(loaded - started, 3), "total": round(time.perf_counter() - started, 3)},
        }
        (tmp / "build.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        if config.dumps:  # part of the build: a served build always has the dumps of exactly its data
            from ingest.export import write_dumps
            write_dumps(Build(path=tmp, meta=meta), tmp / "dumps", config.base_iri)
            gc.collect()
        os.rename(tmp, final)
        _swap_current(instance_dir, final)
    except OSError as exc:  # disk full, permissions: nothing half-written becomes current
        store = None
        gc.collect()  # close the store first: RocksDB's threads would go on writing into the folder being removed
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError(f"writing the store failed: {exc}; the previous build is still current") from exc
    _prune(instance_dir, config.keep_builds)
    log(
        f"built {build_id}: {stats['triples']} triples in {len(results)} graphs "
        f"({meta['seconds']['total']} s) -> {final}"
    )
    for line in summary_lines(report):
        log(line)
    if report["documents"]:
        log(f"  report: {final / 'report.md'}")
    return final
