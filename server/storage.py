"""The store a server process reads: the current build, opened lazily, re-opened when a new build is swapped in.

Each worker holds an in-memory copy of the current build (faster joins than RocksDB for a graph this size, and no
file handles on a build folder that a later build may prune). A request that started on the previous build
finishes on it; the next request sees the new one.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from queries.store import Build, current_build, open_in_memory


@dataclass(frozen=True)
class Snapshot:
    build: Build
    store: ox.Store

    @property
    def meta(self) -> dict:
        return self.build.meta


class StoreHolder:
    def __init__(self, instance_dir: Path):
        self.instance_dir = Path(instance_dir)
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
        target = self._link_target()
        snap = self._snapshot
        if snap is not None and target == self._target:
            return snap
        with self._lock:
            if self._snapshot is not None and target == self._target:
                return self._snapshot
            build = current_build(self.instance_dir)
            self._snapshot = Snapshot(build=build, store=open_in_memory(build))
            self._target = target
            return self._snapshot

    def use(self, store: ox.Store, meta: dict) -> None:
        """Serve a given store (tests, embedding): no build folder involved."""
        self._snapshot = Snapshot(build=Build(path=Path("."), meta=meta), store=store)
        self._target = self._link_target()
