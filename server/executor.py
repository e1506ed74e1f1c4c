"""Query evaluation in separate processes, so that the time limit really stops a query.

pyoxigraph cannot cancel a query (FIELD-NOTES). Each server process keeps a small pool of evaluator processes
(server.evaluator); a request takes an idle one, sends the query over a socket and waits at most the time limit for
the whole serialized response. At the deadline the evaluator is SIGKILLed and replaced, and the request gets a 503:
the status is only chosen once the complete body is in hand, so a 200 is never followed by a cut.

Evaluators follow rebuilds: each request carries the key of the snapshot it is answered from, and an evaluator
holding another build loads the new one first (that load has its own allowance and does not eat the query's time).
"""
from __future__ import annotations

import atexit
import math
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from collections import OrderedDict
from pathlib import Path

from server.evaluator import KEEP_STORES

LOAD_ALLOWANCE = 120.0  # seconds an evaluator may take to load a build before the request is failed
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


class EvaluationError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None, kind: str = "error"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.kind = kind  # "timeout", "busy", "died" or "error" (server.observability counts them)


# Counters of this process, read by server.observability (/-/metrics): evaluators started, and killed (at the time
# limit, or found dead) and so replaced by the next request.
STATS = {"evaluators_started": 0, "evaluators_killed": 0}
# Timing of the last Pool.call of this thread: seconds waiting for an idle evaluator, seconds evaluating (the part
# the time limit applies to). Read by server.observability for the request log.
LAST_CALL = threading.local()


@dataclass(frozen=True)
class Answer:
    format: str
    body: bytes
    count: int


class _Evaluator:
    def __init__(self):
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.evaluator", str(child.fileno())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self._poller = select.poll()  # one for the evaluator's life: Connection.poll builds a selector each call
        self._poller.register(self.conn.fileno(), select.POLLIN)
        STATS["evaluators_started"] += 1
        self.keys: OrderedDict = OrderedDict()  # mirror of the evaluator's loaded stores (same LRU policy)
        self.pending = 0  # "load" messages sent whose replies were not read yet

    def holds(self, key) -> bool:
        return key in self.keys

    def note(self, key) -> None:
        """Mirror server.evaluator._store_for: *key* is now the most recently used store."""
        if key in self.keys:
            self.keys.move_to_end(key)
            return
        while len(self.keys) >= KEEP_STORES:
            self.keys.popitem(last=False)
        self.keys[key] = True

    def send(self, msg) -> None:
        self.conn.send(msg)

    def receive(self, deadline: float):
        while not self._poller.poll(max(0, math.ceil((deadline - time.monotonic()) * 1000))):
            if time.monotonic() >= deadline:  # (poll waits whole milliseconds: it may wake just before)
                raise TimeoutError
        return self.conn.recv()  # readable, or closed: EOFError

    def kill(self) -> None:
        try:
            self.proc.send_signal(signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()


class Pool:
    """Up to *size* evaluator processes, started on demand, replaced when killed or dead."""

    def __init__(self, size: int, name: str = "queries"):
        self.size = max(1, size)
        self.name = name
        self._idle: list[_Evaluator] = []
        self._all: set[_Evaluator] = set()
        self._cv = threading.Condition()
        self.pid = os.getpid()

    # -- checkout --------------------------------------------------------------------------------------------
    def _acquire(self, wait: float) -> _Evaluator:
        deadline = time.monotonic() + wait
        with self._cv:
            while not self._idle and len(self._all) >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cv.wait(remaining):
                    if not self._idle and len(self._all) >= self.size:
                        raise EvaluationError(503, "every query evaluator of this server process is busy; "
                                                   "try again shortly", {"Retry-After": "2"}, kind="busy")
            if self._idle:
                return self._idle.pop()
            placeholder = object()
            self._all.add(placeholder)  # reserve the slot while the process starts outside the lock
        try:
            ev = _Evaluator()
        except BaseException:
            with self._cv:
                self._all.discard(placeholder)
                self._cv.notify()
            raise
        with self._cv:
            self._all.discard(placeholder)
            self._all.add(ev)
        return ev

    def _release(self, ev: _Evaluator) -> None:
        with self._cv:
            self._idle.append(ev)
            self._cv.notify()

    def _discard(self, ev: _Evaluator) -> None:
        STATS["evaluators_killed"] += 1
        ev.kill()
        with self._cv:
            self._all.discard(ev)
            self._cv.notify()

    # -- warming ---------------------------------------------------------------------------------------------
    def warm(self, stores, start: bool = False) -> None:
        """Have idle evaluators load *stores*, a list of (key, spec), in the background (after a rebuild, before
        queries need them); with *start*, first start every evaluator of the pool (a fresh server worker)."""
        if start:
            with self._cv:
                missing = self.size - len(self._all)
            started = [self._acquire(0.0) for _ in range(max(0, missing))]
            for ev in started:
                self._release(ev)
        with self._cv:
            for ev in self._idle:
                for key, spec in stores:
                    if not ev.holds(key):
                        try:
                            ev.send(("load", key, spec))
                        except OSError:
                            break
                        ev.note(key)
                        ev.pending += 1

    # -- requests --------------------------------------------------------------------------------------------
    def _ready(self, ev: _Evaluator) -> None:
        while ev.pending:
            reply = ev.receive(time.monotonic() + LOAD_ALLOWANCE)
            ev.pending -= 1
            if reply[0] != "loaded":
                ev.keys.clear()  # a load failed: resend the specs next time

    def call(self, key, spec, message_for, timeout: float, what: str = "query"):
        """Run one request on an evaluator: message_for(spec_or_None) builds the message. Returns the reply."""
        asked = time.monotonic()
        LAST_CALL.waited, LAST_CALL.evaluated = None, None
        ev = self._acquire(wait=timeout)
        LAST_CALL.waited = time.monotonic() - asked
        LAST_CALL.started = time.monotonic()
        reload = False
        try:
            self._ready(ev)
            reply = ("loaded",)
            if key is not None and not ev.holds(key):
                # load first, with its own allowance, so that the time limit counts the query alone
                reload = True
                ev.send(("load", key, spec))
                reply = ev.receive(time.monotonic() + LOAD_ALLOWANCE)  # ("loaded", key) or ("err", status, text)
                if reply[0] == "loaded":
                    ev.note(key)
            if reply[0] == "loaded":
                LAST_CALL.started = time.monotonic()
                ev.send(message_for(None))
                if key is not None:
                    ev.note(key)
                reply = ev.receive(time.monotonic() + timeout)
                LAST_CALL.evaluated = time.monotonic() - LAST_CALL.started
        except TimeoutError:
            LAST_CALL.evaluated = time.monotonic() - LAST_CALL.started
            self._discard(ev)
            raise EvaluationError(
                503, f"the {what} was stopped after {timeout:g} s, this endpoint's time limit; simplify it or add "
                     "LIMIT (nothing was returned, so no result is cut short)", kind="timeout") from None
        except (EOFError, OSError) as exc:
            code = ev.proc.poll()
            self._discard(ev)
            raise EvaluationError(500, f"the {what} evaluator ended unexpectedly (exit status {code}): "
                                       f"{type(exc).__name__}", kind="died") from None
        except BaseException:
            self._discard(ev)
            raise
        if reply[0] == "err" and reload:
            ev.keys.pop(key, None)  # the load may be what failed: send the spec again next time
        self._release(ev)
        if reply[0] == "err":
            raise EvaluationError(reply[1], reply[2])
        return reply

    def close(self) -> None:
        with self._cv:
            evs = [ev for ev in self._all if isinstance(ev, _Evaluator)]
            self._all.clear()
            self._idle.clear()
        for ev in evs:
            ev.kill()


_pools: dict[int, Pool] = {}
_pools_lock = threading.Lock()


def pool(size: int, name: str = "queries") -> Pool:
    """The pool *name* of this process (a forked worker gets its own, never its parent's). "queries" serves /sparql;
    "catalog" serves the named queries, so that runaway ad-hoc queries holding every "queries" evaluator until the
    time limit never keep a page's named query waiting."""
    key = (os.getpid(), name)
    with _pools_lock:
        p = _pools.get(key)
        if p is None:
            p = _pools[key] = Pool(size, name)
        elif p.size < size:
            p.size = size
        return p


def pool_of(config, name: str = "queries") -> Pool:
    """The pool *name* of this process, sized by the settings: evaluators (/sparql) or catalog_evaluators."""
    return pool(max(1, config.catalog_evaluators if name == "catalog" else config.evaluators), name)


def pools() -> list[Pool]:
    """Every pool of this process."""
    with _pools_lock:
        return [p for (pid, _), p in _pools.items() if pid == os.getpid()]


@atexit.register
def _close_pools() -> None:
    for p in pools():
        p.close()


def run_query(p: Pool, key, spec, job: dict, timeout: float) -> Answer:
    reply = p.call(key, spec, lambda s: ("query", key, s, job), timeout)
    _, fmt, body, count = reply
    return Answer(fmt, body, count)


def run_update(p: Pool, job: dict, timeout: float) -> str:
    reply = p.call(None, None, lambda s: ("update", job), timeout, what="update")
    return reply[1]
