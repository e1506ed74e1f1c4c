"""Faults (issue 8): a worker killed mid-query, a build that fails or is killed at any step, a damaged store at
start, a full disk during a build. In every case the previous graph keeps serving and nothing is lost."""
from __future__ import annotations

import errno
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conformance.harness import ROOT, copy_build, free_port, processes_with_env, serve
from conformance.harness import http as harness_http
from ontology import settings

JSON = {"Accept": "application/sparql-results+json"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT ?o WHERE { ?o a gcm:Objective } LIMIT 3"


def current_of(instance: Path) -> str:
    return os.readlink(instance / "current")


def assert_serving(instance: Path, build_link: str) -> None:
    """`current` is the build it was, its store reads whole, and an app on it answers."""
    from queries.store import current_build, verify_build
    from server import create_app

    assert current_of(instance) == build_link
    build = current_build(instance)
    assert verify_build(build) > 1000
    c = create_app(settings.load({"instance_dir": str(instance), "access_log": False, "cache": False})).test_client()
    r = c.get("/-/ready")
    assert r.status_code == 200 and r.json["build"] == Path(build_link).name, r.json
    r = c.get("/sparql", query_string={"query": "ASK { ?o a gcm:Objective }"}, headers=JSON)
    assert r.status_code == 200 and b"true" in r.data


# -- processes of a running server ----------------------------------------------------------------------------
def _procs_with_env(marker: str) -> dict[int, int]:
    """pid -> parent pid of every process of the server (its environment holds *marker*)."""
    return {pid: p["ppid"] for pid, p in processes_with_env(marker).items()}


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return -1


def _tree(port: int):
    procs = _procs_with_env(f"GCMKG_PORT={port}")
    master = [p for p, pp in procs.items() if pp not in procs]
    assert len(master) == 1, procs
    workers = [p for p, pp in procs.items() if pp == master[0]]
    evaluators = {w: [p for p, pp in procs.items() if pp == w] for w in workers}
    return master[0], workers, evaluators


def _get(base: str, path: str, source: str, timeout: float = 30):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=JSON if path.startswith("/sparql") else {"Accept": "text/html"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_a_worker_killed_mid_query_is_replaced_and_others_are_served(built_config):
    env = {"GCMKG_QUERY_TIMEOUT": "8", "GCMKG_CLIENT_CONCURRENCY": "0", "GCMKG_CACHE": "0"}
    with serve(built_config.instance_dir, env=env, workers=2, threads=4) as base:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(6):  # every worker warm (evaluators started, in-memory copies made)
            assert _get(base, "/-/ready", "127.0.0.2")[0] == 200
            assert _get(base, "/sparql?" + urllib.parse.urlencode({"query": CHEAP}), "127.0.0.2")[0] == 200
        master, workers, evaluators = _tree(port)
        assert len(workers) == 2
        runaway: dict = {}

        def run_away():
            try:
                runaway["status"] = _get(base, "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}), "127.0.0.1")[0]
            except (OSError, http.client.HTTPException) as exc:
                runaway["error"] = type(exc).__name__

        t = threading.Thread(target=run_away)
        t.start()
        # the busy evaluator is the one burning CPU; its parent is the worker to kill
        time.sleep(1.0)
        before = {e: _cpu_ticks(e) for es in evaluators.values() for e in es}
        time.sleep(0.5)
        busy = max(before, key=lambda e: _cpu_ticks(e) - before[e])
        victim = next(w for w, es in evaluators.items() if busy in es)
        results: list[tuple[float, float, object]] = []
        stop = threading.Event()

        def other_client(n: int):
            paths = ["/sparql?" + urllib.parse.urlencode({"query": CHEAP}), "/id/objective/13", "/-/ready",
                     "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a gcm:Country }"})]
            i = 0
            while not stop.is_set() and i < 2000:
                started = time.monotonic()
                try:
                    status, _ = _get(base, paths[(i + n) % len(paths)], f"127.0.0.{3 + n}", timeout=15)
                    outcome: object = status
                except (OSError, http.client.HTTPException) as exc:
                    outcome = type(exc).__name__
                results.append((started, time.monotonic(), outcome))
                i += 1

        clients = [threading.Thread(target=other_client, args=(n,)) for n in range(3)]
        for c in clients:
            c.start()
        time.sleep(0.7)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        time.sleep(3.0)
        stop.set()
        for c in clients:
            c.join(20)
        t.join(20)
        # the killed worker's evaluators (its runaway one included) end with it: nothing burns CPU for nobody
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(Path(f"/proc/{e}").exists() and _cpu_ticks(e) >= 0
                                                   for e in evaluators[victim]):
            time.sleep(0.2)
        leftovers = [e for e in evaluators[victim] if Path(f"/proc/{e}/stat").exists()
                     and "Z" not in Path(f"/proc/{e}/stat").read_text().rsplit(")", 1)[1].split()[0]]
        assert leftovers == [], "evaluators of the killed worker outlived it"
        # the master replaced the worker
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            _, now_workers, _ = _tree(port)
            if len(now_workers) == 2 and victim not in now_workers:
                break
            time.sleep(0.2)
        assert victim not in now_workers and len(now_workers) == 2, now_workers
        assert set(now_workers) - set(workers), "no new worker PID"
        status, _, body = harness_http(base, "GET", "/-/ready")
        assert status == 200, body
        for _ in range(6):
            assert _get(base, "/sparql?" + urllib.parse.urlencode({"query": CHEAP}), "127.0.0.9")[0] == 200
    # other clients: every HTTP answer a 200; a failure only for a request in flight on the killed worker
    assert len(results) > 20
    statuses = [o for _, _, o in results if isinstance(o, int)]
    assert set(statuses) == {200}, statuses
    failed = [(s, e, o) for s, e, o in results if not isinstance(o, int)]
    assert all(s <= killed_at + 0.05 <= e + 0.05 for s, e, _ in failed), (killed_at, failed)
    assert len(failed) <= 3 * 4  # at most what the three clients had in flight there
    after = [o for s, _, o in results if s > killed_at + 0.5]
    assert after and set(after) == {200}
    assert runaway.get("status") != 200  # its worker died under it: an error, never a wrong answer


# -- builds that fail ---------------------------------------------------------------------------------------------
def _small_sources():
    from ingest.build import ontology_source

    return [ontology_source()]


def _failing_source():
    from ingest.sources import Source

    def load(ctx):
        raise ValueError("the source exploded while loading")

    return Source(name="exploding", title="Exploding", load=load)


@pytest.fixture()
def instance(built_config, tmp_path):
    return copy_build(built_config, tmp_path)


@pytest.mark.parametrize("step", ["load", "write-store", "write-report", "write-meta", "rename", "swap"])
def test_a_build_failing_at_any_step_leaves_the_previous_one_serving(instance, step, monkeypatch):
    import ingest.build as b

    config = settings.load({"instance_dir": str(instance)})
    link = current_of(instance)
    sources = _small_sources()
    full = OSError(errno.ENOSPC, "No space left on device")
    if step == "load":
        sources = sources + [_failing_source()]
    elif step == "write-store":
        monkeypatch.setattr(b, "dataset_statistics", lambda *a, **k: (_ for _ in ()).throw(full))
    elif step == "write-report":
        monkeypatch.setattr(b, "write_report", lambda *a, **k: (_ for _ in ()).throw(full))
    elif step == "write-meta":
        real = Path.write_text

        def write_text(self, *a, **k):
            if self.name == "build.json":
                raise full
            return real(self, *a, **k)

        monkeypatch.setattr(Path, "write_text", write_text)
    elif step == "rename":
        monkeypatch.setattr(b.os, "rename", lambda *a: (_ for _ in ()).throw(OSError(errno.EXDEV, "rename failed")))
    elif step == "swap":
        monkeypatch.setattr(b.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "replace failed")))
    with pytest.raises(b.BuildError) as exc:
        b.build(config, sources=sources, log=lambda *a: None)
    message = str(exc.value)
    assert ("exploding" in message) if step == "load" else ("previous build is still current" in message), message
    monkeypatch.undo()
    assert_serving(instance, link)
    leftovers = [p.name for p in (instance / "builds").iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == [], leftovers
    # and the next build works and becomes current
    b.build(config, sources=_small_sources(), log=lambda *a: None)
    assert current_of(instance) != link


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_the_previous_one_serving(instance):
    link = current_of(instance)
    cmd = [sys.executable, "-m", "gcmkg", "build", "--instance-dir", str(instance)]
    interrupted = 0
    for delay in (0.4, 1.2, 2.0, 2.8):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is not None:
            break  # finished before the kill: nothing left to interrupt
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = current_of(instance)
        if now != link:  # killed after its swap (pruning, logging): the new build is complete, never half of one
            link = now
        else:
            interrupted += 1
        assert_serving(instance, link)
    assert interrupted >= 2, "no kill landed before the swap: the delays are too long for this machine"
    # the next build completes, becomes current and clears what the killed ones left
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert current_of(instance) != link
    assert [p.name for p in (instance / "builds").iterdir() if p.name.startswith(".tmp-")] == []


# -- a damaged store at start -------------------------------------------------------------------------------------
def _damage(build: Path, how: str) -> None:
    store = build / "store"
    ssts = sorted(store.glob("*.sst"), key=lambda p: p.stat().st_size, reverse=True)
    if how == "truncated sst":
        with open(ssts[0], "r+b") as f:
            f.truncate(ssts[0].stat().st_size // 2)
    elif how == "garbled sst":  # same size: only a read finds it (block checksums)
        # every table file: a full scan reads one index ordering of the quads (pyoxigraph keeps several, each in
        # its own files), so damage in one file of an unread ordering would go unseen
        for sst in ssts:
            with open(sst, "r+b") as f:
                f.seek(sst.stat().st_size // 3)
                f.write(b"\x5a" * min(4096, sst.stat().st_size // 3))
    elif how == "no CURRENT":
        (store / "CURRENT").unlink()
    elif how == "no MANIFEST":
        for m in store.glob("MANIFEST-*"):
            m.unlink()
    elif how == "empty store folder":
        shutil.rmtree(store)
        store.mkdir()
    elif how == "half-written build.json":
        text = (build / "build.json").read_text()
        (build / "build.json").write_text(text[: len(text) // 2])
    elif how == "build.json not an object":
        (build / "build.json").write_text("[1, 2, 3]")
    else:
        raise ValueError(how)


DAMAGES = ["truncated sst", "garbled sst", "no CURRENT", "no MANIFEST", "empty store folder",
           "half-written build.json", "build.json not an object"]


@pytest.mark.slow
@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_store_is_refused_at_start_with_a_clear_message(instance, how):
    _damage((instance / "current").resolve(), how)
    env = dict(os.environ, GCMKG_PORT=str(free_port()), GCMKG_HOST="127.0.0.1", GCMKG_INSTANCE_DIR=str(instance))
    for command in (["serve"], ["check"]):
        done = subprocess.run([sys.executable, "-m", "gcmkg", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        out = done.stdout + done.stderr
        assert done.returncode != 0, (how, command, out[-2000:])
        assert "Traceback" not in out, (how, command, out[-3000:])
        assert f"gcmkg {command[0]}:" in out and "gcmkg build" in out, (how, command, out[-2000:])
        assert any(w in out for w in ("damaged", "cannot open store", "unreadable", "incomplete")), out[-2000:]


def test_a_damaged_store_is_reported_not_crashed_by_every_reader(instance):
    from queries.store import StoreCorrupt, current_build, open_in_memory, verify_build

    _damage((instance / "current").resolve(), "garbled sst")
    build = current_build(instance)
    for reader in (verify_build, open_in_memory):
        with pytest.raises(StoreCorrupt, match="damaged"):
            reader(build)
    from server import create_app

    c = create_app(settings.load({"instance_dir": str(instance), "access_log": False, "cache": False})).test_client()
    r = c.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON)
    assert r.status_code == 503 and b"cannot be loaded" in r.data, r.data
    assert c.get("/-/ready").status_code == 503


# -- a full disk ---------------------------------------------------------------------------------------------------
def _mount_tmpfs(folder: Path, megabytes: int) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.slow
def test_a_full_disk_during_a_build_is_reported_and_loses_nothing(built_config, tmp_path, monkeypatch):
    """On a small tmpfs (root can mount one) holding the previous build and 6 MB to spare; where mounting is not
    possible the disk fills by monkeypatch (ENOSPC from the store writer)."""
    import ingest.build as b

    src = (built_config.instance_dir / "current").resolve()
    size_mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) // (1024 * 1024) + 6
    instance = tmp_path / "small-disk"
    mounted = _mount_tmpfs(instance, size_mb)
    try:
        if not mounted:
            instance.mkdir(exist_ok=True)
        (instance / "builds").mkdir()
        shutil.copytree(src, instance / "builds" / src.name)
        (instance / "current").symlink_to(Path("builds") / src.name)
        link = current_of(instance)
        if not mounted:
            monkeypatch.setattr(b, "dataset_statistics", lambda *a, **k: (_ for _ in ()).throw(
                OSError(errno.ENOSPC, "No space left on device (simulated)")))
        config = settings.load({"instance_dir": str(instance)})
        with pytest.raises(b.BuildError) as exc:
            b.build(config, log=lambda *a: None)
        assert "No space left on device" in str(exc.value) and "previous build is still current" in str(exc.value)
        monkeypatch.undo()
        assert_serving(instance, link)
        assert [p.name for p in (instance / "builds").iterdir()] == [src.name]  # the partial build is gone
        # and through the command: a clear message, no traceback, exit 1
        if mounted:
            done = subprocess.run([sys.executable, "-m", "gcmkg", "build", "--instance-dir", str(instance)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 1 and "No space left on device" in done.stderr, done.stderr[-2000:]
            assert "Traceback" not in done.stderr
            assert_serving(instance, link)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(instance)], capture_output=True)
