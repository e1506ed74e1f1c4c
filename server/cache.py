"""Response cache of one server process, keyed by build + request; builds are immutable, so no entry goes stale.

A new build has a new key, so entries of the old build simply stop being asked for and age out of the LRU.
"""
from __future__ import annotations

import threading
from collections import OrderedDict


class ResponseCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, value, nbytes: int) -> None:
        if nbytes > self.max_bytes // 4:  # one huge result must not flush everything else
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, nbytes)
            self.size += nbytes
            while self.size > self.max_bytes and self._entries:
                _, (_, n) = self._entries.popitem(last=False)
                self.size -= n
