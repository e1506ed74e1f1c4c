"""Per-client concurrency: at most N queries running at once per client address, across every worker process.

Each running query holds a one-byte lock (Linux open-file-description lock, ``F_OFD_SETLK``) in a shared lock file,
at an offset derived from the client address; a client with all its N bytes locked gets 429 with Retry-After.
The kernel drops the locks of a process that dies, so a killed worker can never leak a slot, and OFD locks conflict
between threads of one process too (plain POSIX record locks would not).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import struct
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

_SLOTS_PER_CLIENT = 1 << 10  # upper bound of the setting; offsets of two clients never overlap


class TooManyRequests(Exception):
    def __init__(self, limit: int):
        super().__init__(f"this client already has {limit} queries running, the endpoint's limit per client "
                         "address; wait for one to finish")
        self.limit = limit


def _flock(kind: int, start: int) -> bytes:
    # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid (+ padding)
    return struct.pack("hhxxxxqqi4x", kind, os.SEEK_SET, start, 1, 0)


class ClientSlots:
    def __init__(self, lock_path: Path, limit: int):
        self.path = Path(lock_path)
        self.limit = min(limit, _SLOTS_PER_CLIENT)
        self._local = threading.local()

    def _fd(self) -> int:
        fd = getattr(self._local, "fd", None)
        if fd is None or getattr(self._local, "pid", None) != os.getpid():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._local.fd, self._local.pid = fd, os.getpid()
        return fd

    @contextmanager
    def hold(self, client: str):
        if self.limit <= 0:
            yield
            return
        digest = hashlib.blake2b(client.encode("utf-8"), digest_size=6).digest()
        base = int.from_bytes(digest, "big") * _SLOTS_PER_CLIENT
        fd = self._fd()
        held = None
        for k in range(self.limit):
            try:
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_WRLCK, base + k))
            except OSError:
                continue
            held = base + k
            break
        if held is None:
            raise TooManyRequests(self.limit)
        try:
            yield
        finally:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_UNLCK, held))


def default_lock_path(instance_dir: Path) -> Path:
    """One lock file per served instance folder, outside it (the instance may be read-only)."""
    tag = hashlib.sha256(str(Path(instance_dir).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"gcmkg-clients-{tag}.lock"
