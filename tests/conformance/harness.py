"""Test helpers for the SPARQL endpoint: fixture builds, a real `gcmkg serve` process, and the W3C Protocol runner.

The W3C material in this folder is vendored from w3c/rdf-tests (see README.md here); tests never read ../shared.
"""
from __future__ import annotations

import contextlib
import http.client as httpclient
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROTOCOL_TESTS = json.loads((HERE / "protocol-tests.json").read_text(encoding="utf-8"))

RESULTS_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values"}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
             "application/n-triples": ox.RdfFormat.N_TRIPLES}


# -- builds ---------------------------------------------------------------------------------------------------
def copy_build(built_config, folder: Path) -> Path:
    """A private instance folder holding a copy of the session build as its current build (a test may then write
    new builds into it, break its files or swap its link without touching the session's)."""
    import shutil

    src = (built_config.instance_dir / "current").resolve()
    instance = folder / "instance"
    (instance / "builds").mkdir(parents=True)
    shutil.copytree(src, instance / "builds" / src.name)
    (instance / "current").symlink_to(Path("builds") / src.name)
    return instance


# -- processes of a running server ----------------------------------------------------------------------------
def processes_with_env(marker: str) -> dict[int, dict]:
    """pid -> {"ppid", "rss_kb"} of every process whose environment holds *marker* (a server's GCMKG_PORT=...)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        rss = status.split("VmRSS:")[1].split()[0] if "VmRSS:" in status else "0"
        found[int(entry.name)] = {"ppid": int(stat.rsplit(")", 1)[1].split()[1]), "rss_kb": int(rss)}
    return found

def write_build(folder: Path, quads: list[ox.Quad], build_id: str | None = None) -> Path:
    """A build folder (store/ + build.json with statistics) as `gcmkg build` would leave it."""
    from queries.store import dataset_statistics

    folder.mkdir(parents=True)
    store = ox.Store(str(folder / "store"))
    store.extend(quads)
    stats = dataset_statistics(store)
    store.flush()
    del store
    meta = {"id": build_id or folder.name, "built": "20260101T000000000000Z", "statistics": stats}
    (folder / "build.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def activate(instance_dir: Path, build: Path) -> None:
    """Point instance/current at *build* atomically (what a build does)."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    tmp = instance_dir / ".current-test"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(build, tmp)
    os.replace(tmp, instance_dir / "current")


def fixture_quads(graph_data: list[dict]) -> list[ox.Quad]:
    quads = []
    for item in graph_data:
        data = (HERE / "protocol" / item["file"]).read_bytes()
        quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(item["graph_name"]))
                  for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    return quads


class FixtureBuilds:
    """One immutable build per distinct preload set of the W3C tests, made once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._made: dict[tuple, Path] = {}

    def for_test(self, test: dict) -> Path:
        key = tuple(sorted((g["file"], g["graph_name"]) for g in test["graph_data"]))
        if key not in self._made:
            self._made[key] = write_build(self.folder / f"fixture-{len(self._made)}",
                                          fixture_quads(test["graph_data"]))
        return self._made[key]


# -- a real server --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(instance_dir: Path, env: dict | None = None, workers: int = 2, threads: int = 4, ready_timeout=60):
    """`gcmkg serve` as a real subprocess on a free loopback port; yields the base URL. Stopped by its own PID."""
    port = free_port()
    full_env = dict(os.environ)
    full_env.update({"GCMKG_INSTANCE_DIR": str(instance_dir), "GCMKG_HOST": "127.0.0.1", "GCMKG_PORT": str(port),
                     "GCMKG_WORKERS": str(workers), "GCMKG_THREADS": str(threads), "GCMKG_ACCESS_LOG": "0"})
    full_env.update(env or {})
    log = open(instance_dir.parent / f"serve-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gcmkg", "serve"], cwd=ROOT, env=full_env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("gcmkg serve did not become ready:\n"
                                   + (instance_dir.parent / f"serve-{port}.log").read_text(errors="replace"))
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the server's own process group (start_new_session)
            proc.wait()
        log.close()


def http(base: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
         timeout: float = 30):
    """(status, headers dict with lower-case names, body) of one request; never raises on an HTTP status."""
    u = urllib.parse.urlsplit(base)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# -- the W3C SPARQL 1.1 Protocol runner ----------------------------------------------------------------------------
def _status_ok(status: int, expected: list[str]) -> bool:
    return any(str(status).startswith(e[len("StatusCode")]) for e in expected)


def _boolean(ctype: str, body: bytes) -> bool:
    fmt = ox.QueryResultsFormat.JSON if ctype.endswith("json") else ox.QueryResultsFormat.XML
    return bool(ox.parse_query_results(body, format=fmt))


def check_response(expect: dict, status: int, headers: dict, body: bytes) -> str | None:
    """None if the response meets the manifest's expectation, else why not."""
    if not _status_ok(status, expect["expected_status"]):
        return f"status {status}, expected {expect['expected_status']}: {body[:300]!r}"
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    kind = expect["expected_format"]
    if kind == "boolean":
        if ctype not in BOOLEAN_TYPES:
            return f"boolean result in {ctype!r}"
        if expect["expected_boolean"] is not None and _boolean(ctype, body) != expect["expected_boolean"]:
            return f"boolean {not expect['expected_boolean']}, expected {expect['expected_boolean']}"
    elif kind == "tabular":
        if ctype not in RESULTS_TYPES:
            return f"tabular result in {ctype!r}"
        fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
               "application/sparql-results+xml": ox.QueryResultsFormat.XML, "text/csv": ox.QueryResultsFormat.CSV,
               "text/tab-separated-values": ox.QueryResultsFormat.TSV}[ctype]
        if ctype != "text/csv":  # pyoxigraph reads no CSV results; the media type is checked above
            list(ox.parse_query_results(body, format=fmt))
    elif kind == "RDF":
        if ctype not in RDF_TYPES:
            return f"RDF result in {ctype!r}, expected one of {sorted(RDF_TYPES)}"
        list(ox.parse(body, format=RDF_TYPES[ctype]))
    return None


def run_protocol_test(send, test: dict, endpoint: str = "/sparql", extra_headers: dict | None = None) -> list[str]:
    """Run every request of one W3C test with send(method, path, headers, body) -> (status, headers, body)."""
    failures = []
    for n, req in enumerate(test["requests"]):
        path = endpoint + req["absolute_path"][len("/sparql/"):]
        headers = {h["name"]: h["value"] for h in req["headers"]}
        headers.update(extra_headers or {})
        body = None
        if req["body"] is not None:
            body = req["body"]["chars"].encode(req["body"]["encoding"])  # UTF-8, or UTF-16 for the bad_*_non_utf8
        status, resp_headers, resp_body = send(req["method"], path, headers, body)
        why = check_response(req["response"], status, resp_headers, resp_body)
        if why:
            failures.append(f"request {n + 1} ({req['method']} {path[:80]}): {why}")
    return failures
