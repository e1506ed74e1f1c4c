"""What an operator sees: one structured (JSON) log line per request, and counters at ``/-/metrics``.

Request log (logger ``gcmkg.access``, written to standard output when the ``access_log`` setting is on; `gcmkg serve`
uses it instead of gunicorn's text access log): one JSON object per line with ``ts``, ``method``, ``path``, ``route``,
``status``, ``ms`` (whole request), ``query_ms`` (time spent getting the answer of a SPARQL query: slot, evaluator,
serialization; of which ``wait_ms`` waiting for an idle evaluator and ``eval_ms`` evaluating, what the time limit
applies to), ``outcome`` of a query (ok, cached, timeout, busy, died, error, refused, rate_limited), ``client``
(the address limits are counted on), ``build`` (the build that answered), ``bytes``, ``pid`` and a shortened
``qs``. Never a header value other than a shortened User-Agent: the update token travels in ``Authorization``, which
is not read here, and query-string parameters whose name looks like a secret are redacted.

Metrics (Prometheus text format 0.0.4): requests by route, method and status; request and query duration
histograms; query outcomes (timeouts, 429s...); evaluator processes started and killed; build id, age and size;
resident memory of the server's processes. Counters are per process and a scrape reaches one gunicorn worker, so
under `gcmkg serve` each worker writes its counters to a file of a folder private to the server run (a thread does,
twice a second when they changed, and at exit) and a scrape adds up every file: counters of workers that were replaced stay counted (what
a worker killed with SIGKILL counted in its last half second is lost). Without `gcmkg serve` (tests, embedding)
the counters are those of the process.
"""
from __future__ import annotations

import atexit
import json
import logging
import math
import os
import re
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, Response, current_app, g, request

LOG = logging.getLogger("gcmkg.access")
METRICS_DIR_ENV = "GCMKG_METRICS_DIR"  # set by `gcmkg serve` for its workers; not a user setting

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
FLUSH_EVERY = 0.5  # seconds between two writes of a worker's counters (a thread writes them when they changed)
_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
_SECRET_PARAM = re.compile(r"(?i)(token|secret|password|passwd|auth|key|session)")
_QS_MAX = 256
_UA_MAX = 120

_HELP = {
    "gcmkg_http_requests_total": ("counter", "HTTP requests answered, by route (the URL rule), method and status."),
    "gcmkg_http_request_duration_seconds": ("histogram", "Time to answer an HTTP request, by route."),
    "gcmkg_sparql_query_duration_seconds": ("histogram", "Time to get the answer of a SPARQL query or update from an "
                                                         "evaluator process (time limit included)."),
    "gcmkg_sparql_queries_total": ("counter", "SPARQL queries and updates by outcome: ok, cached, timeout, busy, "
                                              "died, error, refused (4xx), rate_limited (429)."),
    "gcmkg_sparql_timeouts_total": ("counter", "SPARQL queries stopped at the time limit (answered 503)."),
    "gcmkg_http_rate_limited_total": ("counter", "Requests refused with 429 (per-client limit)."),
    "gcmkg_evaluators_started_total": ("counter", "Query evaluator processes started."),
    "gcmkg_evaluator_restarts_total": ("counter", "Query evaluator processes killed (time limit) or found dead, and "
                                                  "so replaced."),
    "gcmkg_build_info": ("gauge", "The build being served (label build), always 1."),
    "gcmkg_build_age_seconds": ("gauge", "Seconds since the build being served was made."),
    "gcmkg_build_triples": ("gauge", "Triples in the default graph of the build being served."),
    "gcmkg_worker_processes": ("gauge", "Server worker processes alive that reported counters."),
    "gcmkg_resident_memory_bytes": ("gauge", "Resident memory of the server's worker and evaluator processes."),
}


# -- counters of this process -------------------------------------------------------------------------------------
_LABEL_KEYS: dict[tuple, str] = {}


class Metrics:
    """Counters and histograms of one process, kept as plain dicts (JSON round-trip for the shared folder)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.counters: dict[str, dict[str, float]] = {}  # name -> {labels json: value}
        self.histograms: dict[str, dict[str, list]] = {}  # name -> {labels json: [bucket counts..., sum, count]}
        from server import executor

        self._evaluator_base = dict(executor.STATS)  # what a forked worker inherited is not its own
        self._dirty = False
        self._flusher: threading.Thread | None = None

    def _own(self) -> None:
        if os.getpid() != self.pid:  # a forked worker starts from zero
            self._reset()

    @staticmethod
    def _key(labels: dict | None) -> str:
        items = tuple(sorted((labels or {}).items()))
        key = _LABEL_KEYS.get(items)
        if key is None:  # label values are few (routes, methods, statuses, outcomes): made once each
            key = _LABEL_KEYS[items] = json.dumps(items)
        return key

    def inc(self, name: str, labels: dict | None = None, value: float = 1.0) -> None:
        self.record(counts=((name, self._key(labels), value),))

    def observe(self, name: str, value: float, labels: dict | None = None) -> None:
        self.record(observations=((name, self._key(labels), value),))

    def record(self, counts=(), observations=()) -> None:
        """Add to counters and histograms under one lock: (name, label key, value) each; label keys from _key
        (a hot path makes them once and passes them, as server.fastpath's hits do)."""
        with self._lock:
            self._own()
            for name, key, value in counts:
                series = self.counters.setdefault(name, {})
                series[key] = series.get(key, 0.0) + value
            for name, key, value in observations:
                series = self.histograms.setdefault(name, {})
                cells = series.get(key)
                if cells is None:
                    cells = series[key] = [0] * len(DURATION_BUCKETS) + [0.0, 0]
                for i, bound in enumerate(DURATION_BUCKETS):
                    if value <= bound:
                        cells[i] += 1
                cells[-2] += value
                cells[-1] += 1
            self._dirty = True

    def state(self) -> dict:
        from server import executor

        with self._lock:
            self._own()
            counters = {name: dict(series) for name, series in self.counters.items()}
            base = self._evaluator_base
            for stat, name in (("evaluators_started", "gcmkg_evaluators_started_total"),
                               ("evaluators_killed", "gcmkg_evaluator_restarts_total")):
                counters.setdefault(name, {})[self._key(None)] = float(executor.STATS[stat] - base.get(stat, 0))
            return {"pid": self.pid, "counters": counters,
                    "histograms": {n: {k: list(v) for k, v in s.items()} for n, s in self.histograms.items()}}

    # -- the folder shared by the workers of one `gcmkg serve` --------------------------------------------------
    def flush(self, folder: Path | None) -> None:
        """Write this process's counters to *folder* (atomically: a scrape never reads half a file)."""
        if folder is None:
            return
        self._dirty = False
        data = json.dumps(self.state()).encode("utf-8")
        target = folder / f"{os.getpid()}.json"
        tmp = folder / f".{os.getpid()}.tmp"
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError:
            pass  # metrics must never fail a request

    def ensure_flushing(self) -> None:
        """keep_flushing to the shared folder, looked up (a stat) only when no flushing thread runs yet."""
        if self._flusher is None or not self._flusher.is_alive():
            self.keep_flushing(_shared_folder())

    def keep_flushing(self, folder: Path | None) -> None:
        """Start (once per process) a thread that writes the counters every FLUSH_EVERY seconds when they changed."""
        if folder is None or (self._flusher is not None and self._flusher.is_alive()):
            return
        with self._lock:
            self._own()
            if self._flusher is not None and self._flusher.is_alive():
                return

            def loop():
                while True:
                    time.sleep(FLUSH_EVERY)
                    if self._dirty or executor_changed():
                        self.flush(folder)

            last = {}

            def executor_changed() -> bool:
                from server import executor

                now = dict(executor.STATS)
                changed = now != last
                last.clear()
                last.update(now)
                return changed

            self._flusher = threading.Thread(target=loop, name="gcmkg-metrics", daemon=True)
            self._flusher.start()


def _shared_folder() -> Path | None:
    value = os.environ.get(METRICS_DIR_ENV)
    return Path(value) if value and Path(value).is_dir() else None


def prepare_shared_folder() -> Path:
    """Called by `gcmkg serve` in the master before the workers fork: a fresh folder for this server run, removed at
    exit, whose path the workers inherit through the environment."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="gcmkg-metrics-"))
    os.environ[METRICS_DIR_ENV] = str(folder)
    master = os.getpid()
    atexit.register(lambda: os.getpid() == master and shutil.rmtree(folder, ignore_errors=True))
    return folder


def _merged(own: dict, folder: Path | None) -> tuple[dict, dict, list[int]]:
    counters: dict[str, dict[str, float]] = {}
    histograms: dict[str, dict[str, list]] = {}
    pids = [own["pid"]]
    states = [own]
    if folder is not None:
        for path in folder.glob("*.json"):
            try:
                pid = int(path.stem)
            except ValueError:
                continue
            if pid == own["pid"]:
                continue
            try:
                states.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
            if Path(f"/proc/{pid}").exists():
                pids.append(pid)
    for st in states:
        for name, series in st.get("counters", {}).items():
            target = counters.setdefault(name, {})
            for key, value in series.items():
                target[key] = target.get(key, 0.0) + value
        for name, series in st.get("histograms", {}).items():
            target = histograms.setdefault(name, {})
            for key, cells in series.items():
                if key in target and len(target[key]) == len(cells):
                    target[key] = [a + b for a, b in zip(target[key], cells)]
                else:
                    target[key] = list(cells)
    return counters, histograms, pids


def _rss_bytes(pids: list[int]) -> int:
    """Resident memory of the given processes and their children (the evaluators)."""
    seen, total, todo = set(), 0, list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) * 1024
        except (OSError, IndexError, ValueError):
            continue
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return total


# -- the Prometheus text format ------------------------------------------------------------------------------------
def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(key: str | list, extra: dict | None = None) -> str:
    pairs = [tuple(p) for p in (json.loads(key) if isinstance(key, str) else key)] + sorted((extra or {}).items())
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return "+Inf" if value > 0 else ("-Inf" if value < 0 else "NaN")
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def exposition(counters: dict, histograms: dict, gauges: dict) -> str:
    lines: list[str] = []

    def header(name: str) -> None:
        kind, text = _HELP.get(name, ("untyped", name))
        lines.append(f"# HELP {name} {text}")
        lines.append(f"# TYPE {name} {kind}")

    for name in sorted(counters):
        header(name)
        for key, value in sorted(counters[name].items()):
            lines.append(f"{name}{_labels(key)} {_number(value)}")
    for name in sorted(histograms):
        header(name)
        for key, cells in sorted(histograms[name].items()):
            for bound, count in zip(DURATION_BUCKETS, cells):
                lines.append(f"{name}_bucket{_labels(key, {'le': _number(bound)})} {count}")
            lines.append(f"{name}_bucket{_labels(key, {'le': '+Inf'})} {cells[-1]}")
            lines.append(f"{name}_sum{_labels(key)} {_number(cells[-2])}")
            lines.append(f"{name}_count{_labels(key)} {cells[-1]}")
    for name in sorted(gauges):
        header(name)
        for labels, value in gauges[name]:
            lines.append(f"{name}{_labels(sorted(labels.items()))} {_number(value)}")
    return "\n".join(lines) + "\n"


def metrics_response() -> Response:
    """The body of /-/metrics (server.ops)."""
    from queries.store import StoreCorrupt, StoreNotBuilt

    metrics: Metrics = current_app.extensions["gcmkg_metrics"]
    folder = _shared_folder()
    metrics.flush(folder)
    counters, histograms, pids = _merged(metrics.state(), folder)
    for name in ("gcmkg_http_requests_total", "gcmkg_sparql_timeouts_total", "gcmkg_http_rate_limited_total"):
        counters.setdefault(name, {})
    if not counters["gcmkg_sparql_timeouts_total"]:
        counters["gcmkg_sparql_timeouts_total"][Metrics._key(None)] = 0.0
    if not counters["gcmkg_http_rate_limited_total"]:
        counters["gcmkg_http_rate_limited_total"][Metrics._key(None)] = 0.0
    histograms.setdefault("gcmkg_sparql_query_duration_seconds", {})
    gauges: dict[str, list] = {
        "gcmkg_worker_processes": [({}, len(pids))],
        "gcmkg_resident_memory_bytes": [({}, _rss_bytes(pids))],
    }
    try:
        snap = current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt):
        snap = None
    if snap is not None:
        meta = snap.meta
        gauges["gcmkg_build_info"] = [({"build": snap.build_id}, 1)]
        built = _parse_stamp(str(meta.get("built", "")))
        if built is not None:
            gauges["gcmkg_build_age_seconds"] = [({}, round(time.time() - built, 3))]
        triples = (meta.get("statistics") or {}).get("triples")
        if isinstance(triples, int):
            gauges["gcmkg_build_triples"] = [({}, triples)]
    resp = Response(exposition(counters, histograms, gauges), mimetype="text/plain")
    resp.mimetype_params["version"] = "0.0.4"
    resp.mimetype_params["charset"] = "utf-8"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _parse_stamp(stamp: str) -> float | None:
    for fmt in ("%Y%m%dT%H%M%S%fZ", "%Y%m%dT%H%M%SZ"):
        try:
            return datetime.strptime(stamp, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None


# -- what the SPARQL endpoint reports --------------------------------------------------------------------------
@contextmanager
def timed_query():
    """Around the evaluation of one SPARQL query or update (server.sparql): its time and how it ended."""
    from server.executor import LAST_CALL, EvaluationError

    started = time.perf_counter()
    LAST_CALL.waited = LAST_CALL.evaluated = None
    outcome = "ok"
    try:
        yield
    except EvaluationError as exc:
        outcome = exc.kind if exc.kind in ("timeout", "busy", "died") else ("refused" if exc.status < 500
                                                                            else "error")
        raise
    except Exception:
        outcome = "error"
        raise
    finally:
        g.gcmkg_query = {"seconds": time.perf_counter() - started, "outcome": outcome,
                         "waited": getattr(LAST_CALL, "waited", None), "evaluated": getattr(LAST_CALL, "evaluated", None)}


# -- the request hooks --------------------------------------------------------------------------------------------
class _Stdout(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (test runners swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


_handler_lock = threading.Lock()


def _install_handler() -> None:
    with _handler_lock:
        if not any(isinstance(h, _Stdout) for h in LOG.handlers):
            handler = _Stdout()
            handler.setFormatter(logging.Formatter("%(message)s"))
            LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


def _short_qs(req) -> str:
    if not req.query_string:
        return ""
    parts = []
    for key, value in req.args.items(multi=True):
        if _SECRET_PARAM.search(key):
            value = "[redacted]"
        parts.append(f"{key}={value}")
    text = "&".join(parts)
    return text if len(text) <= _QS_MAX else text[:_QS_MAX] + "..."


def _build_id(resp: Response) -> str | None:
    if resp.headers.get("X-GCMKG-Build"):
        return resp.headers["X-GCMKG-Build"]
    holder = current_app.extensions.get("gcmkg_store")
    snap = getattr(holder, "_snapshot", None)  # the one already loaded: never load a build just to log
    return snap.build_id if snap is not None else None


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(unmatched)"


def mark_started() -> None:
    """Before a request (a before_request hook, and server.fastpath.Direct): the start of its duration."""
    g.gcmkg_started = time.perf_counter()


def _after(resp: Response, req=None, route: str | None = None) -> Response:
    """After a request (an after_request hook: Flask's request and URL rule; server.fastpath.Direct passes its own
    request and route): counted, and logged."""
    try:
        _record(resp, req if req is not None else request._get_current_object(), route or _route())
    except Exception:  # observability must never turn an answer into an error
        current_app.logger.exception("gcmkg: recording the request failed")
    return resp


def _record(resp: Response, req, route: str) -> None:
    metrics: Metrics = current_app.extensions["gcmkg_metrics"]
    started = g.get("gcmkg_started")
    seconds = time.perf_counter() - started if started is not None else None
    method = req.method if req.method in _METHODS else "OTHER"
    status = resp.status_code
    key = Metrics._key
    counts = [("gcmkg_http_requests_total", key({"route": route, "method": method, "status": str(status)}), 1.0)]
    observations = []
    if seconds is not None:
        observations.append(("gcmkg_http_request_duration_seconds", key({"route": route}), seconds))
    query = g.get("gcmkg_query")
    outcome = None
    if route == "/sparql" and req.method in ("GET", "POST"):
        if query is not None:
            outcome = query["outcome"]
            observations.append(("gcmkg_sparql_query_duration_seconds", key(None), query["seconds"]))
        elif resp.headers.get("X-GCMKG-Cache") == "hit":
            outcome = "cached"
        elif status == 429:
            outcome = "rate_limited"
        elif 400 <= status < 500:
            outcome = "refused"
        if outcome is not None:
            counts.append(("gcmkg_sparql_queries_total", key({"outcome": outcome}), 1.0))
            if outcome == "timeout":
                counts.append(("gcmkg_sparql_timeouts_total", key(None), 1.0))
    if status == 429:
        counts.append(("gcmkg_http_rate_limited_total", key(None), 1.0))
    metrics.record(counts=counts, observations=observations)
    metrics.ensure_flushing()
    if not current_app.config["GCMKG"].access_log:
        return
    entry = {
        "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "method": req.method[:16],
        "path": req.path[:512],
        "route": route,
        "status": status,
        "ms": round(seconds * 1000, 2) if seconds is not None else None,
        "client": req.remote_addr,
        "build": _build_id(resp),
        "bytes": resp.calculate_content_length(),
        "pid": os.getpid(),
    }
    if query is not None:
        entry["query_ms"] = round(query["seconds"] * 1000, 2)
        if query.get("waited") is not None:
            entry["wait_ms"] = round(query["waited"] * 1000, 2)  # for an idle evaluator
        if query.get("evaluated") is not None:
            entry["eval_ms"] = round(query["evaluated"] * 1000, 2)  # what the time limit applies to
    if outcome is not None:
        entry["outcome"] = outcome
    if resp.headers.get("X-GCMKG-Cache"):
        entry["cache"] = resp.headers["X-GCMKG-Cache"]
    qs = _short_qs(req)
    if qs:
        entry["qs"] = qs
    agent = req.headers.get("User-Agent")
    if agent:
        entry["ua"] = agent[:_UA_MAX]
    LOG.info(json.dumps(entry, ensure_ascii=False))


_FAST_KEYS: dict = {}


def record_fast_hit(app: Flask, environ: dict, status: int, nbytes: int, seconds: float, build_id: str) -> None:
    """A /sparql cache hit answered by server.fastpath before Flask: counted and logged as _record does a Flask one."""
    metrics: Metrics = app.extensions["gcmkg_metrics"]
    method = environ["REQUEST_METHOD"]
    keys = _FAST_KEYS.get((method, status))
    if keys is None:  # the label keys of Metrics.inc/observe, made once (a hit costs ~10 us, half of it was this)
        keys = _FAST_KEYS[(method, status)] = (
            Metrics._key({"route": "/sparql", "method": method, "status": str(status)}),
            Metrics._key({"route": "/sparql"}), Metrics._key({"outcome": "cached"}))
    metrics.record(counts=(("gcmkg_http_requests_total", keys[0], 1.0), ("gcmkg_sparql_queries_total", keys[2], 1.0)),
                   observations=(("gcmkg_http_request_duration_seconds", keys[1], seconds),))
    metrics.ensure_flushing()
    if not app.config["GCMKG"].access_log:
        return
    from urllib.parse import parse_qsl

    parts = [f"{k}={'[redacted]' if _SECRET_PARAM.search(k) else v}"
             for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)]
    qs = "&".join(parts)
    entry = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "method": method,
             "path": (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))[:512], "route": "/sparql",
             "status": status, "ms": round(seconds * 1000, 2), "client": environ.get("REMOTE_ADDR"),
             "build": build_id, "bytes": nbytes, "pid": os.getpid(), "outcome": "cached", "cache": "hit"}
    if qs:
        entry["qs"] = qs if len(qs) <= _QS_MAX else qs[:_QS_MAX] + "..."
    agent = environ.get("HTTP_USER_AGENT")
    if agent:
        entry["ua"] = agent[:_UA_MAX]
    LOG.info(json.dumps(entry, ensure_ascii=False))


def init_app(app: Flask) -> None:
    """Register the request hooks (called once from server.create_app)."""
    app.extensions["gcmkg_metrics"] = Metrics()
    if app.config["GCMKG"].access_log:
        _install_handler()

    app.before_request(mark_started)
    app.after_request(_after)

    folder = _shared_folder()
    if folder is not None:
        atexit.register(lambda: app.extensions["gcmkg_metrics"].flush(_shared_folder()))
