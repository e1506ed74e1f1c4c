"""The build a server process serves: the current one, re-read when a new build is swapped in.

``StoreHolder.get()`` checks the ``current`` link on every call (one readlink) and returns a ``Snapshot``: the build's
metadata, a ``key`` that names it for the evaluator processes and the response cache, and ``store``, an in-memory
copy of the build for code that queries in-process (entity pages). The copy is made on first use only: the SPARQL
endpoint evaluates in separate processes (server.executor) and never needs it. A request that started on the
previous build finishes on it; the next request sees the new one.
"""
from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import pyoxigraph as ox

from queries.store import Build, current_build, open_in_memory

_mem_keys = itertools.count(1)


class Snapshot:
    remote = None  # the embedded store; server.remote.RemoteSnapshot has the remote store here

    def __init__(self, build: Build, store: ox.Store | None = None, key: str | None = None):
        self.build = build
        self._store = store
        self._lock = threading.Lock()
        self.key = key or str(build.path)
        self._nquads: bytes | None = None

    @property
    def meta(self) -> dict:
        return self.build.meta

    @property
    def build_id(self) -> str:
        return str(self.meta.get("id") or self.key)

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_in_memory(self.build)
        return self._store

    @property
    def in_memory_only(self) -> bool:
        """True for a store given with StoreHolder.use(): no build folder (updates cannot be written)."""
        return self.key.startswith("memory:")

    def evaluator_spec(self, shape: str = "full") -> tuple:
        """How an evaluator process gets its own copy of this snapshot: the whole dataset ("full") or, for queries
        that read the default graph only, that graph alone ("default", server.evaluator.load_store)."""
        if not self.key.startswith("memory:"):
            return ("build", str(self.build.path), shape)
        if self._nquads is None:
            self._nquads = self.store.dump(format=ox.RdfFormat.N_QUADS)
        return ("nquads", self._nquads, shape)

    def evaluator_key(self, shape: str = "full") -> tuple:
        """The name of evaluator_spec(shape) in the evaluators (server.executor)."""
        return (self.key, shape)


class StoreHolder:
    def __init__(self, instance_dir: Path, follow: bool = True):
        self.instance_dir = Path(instance_dir)
        self.follow = follow  # False (`gcmkg serve --no-watch`): keep serving the build opened first
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._target: str | None = None

    def _link_target(self) -> str | None:
        try:
            return os.readlink(self.instance_dir / "current")
        except OSError:
            return None

    def get(self) -> Snapshot:
        """The current snapshot; raises queries.store.StoreNotBuilt / StoreCorrupt when there is none."""
        snap = self._snapshot
        if snap is not None and (not self.follow or snap.key.startswith("memory:")):
            return snap
        target = self._link_target()
        if snap is not None and target == self._target:
            return snap
        with self._lock:
            if self._snapshot is not None and target == self._target:
                return self._snapshot
            build = current_build(self.instance_dir)
            self._snapshot = Snapshot(build=build)
            self._target = target
            return self._snapshot

    def use(self, store: ox.Store, meta: dict) -> None:
        """Serve a given store (tests, embedding): no build folder involved."""
        self._snapshot = Snapshot(build=Build(path=Path("."), meta=meta), store=store,
                                  key=f"memory:{next(_mem_keys)}")
        self._target = self._link_target()
