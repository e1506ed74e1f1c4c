"""Real SPARQL engines on loopback, for tests and benchmarks: started on a free 127.0.0.1 port, waited for until
they answer, stopped by their own process id. Standard library only, so that CI can prefetch with the system
Python before the project's virtual environment exists.

- :class:`OxigraphServer`: Oxigraph's own server, the ``oxigraph`` command of the PyPI package ``oxigraph`` (in
  the ``test`` extra). Query at ``/query``, SPARQL Update at ``/update``, Graph Store Protocol at ``/store``.
- :class:`Virtuoso`: OpenLink Virtuoso 7 from Debian's packages, never installed: ``apt-get download`` the .debs
  into a cache folder, ``dpkg -x`` them, ``LD_LIBRARY_PATH`` at the unpacked libraries, a generated virtuoso.ini
  bound to 127.0.0.1 (FIELD-NOTES). Query at ``/sparql``; writes need the ``dba`` account (Digest auth) at
  ``/sparql-graph-crud-auth`` (Graph Store) and ``/sparql-auth`` (SPARQL Update).
- :class:`GcmkgServer`: our own ``gcmkg serve`` as a subprocess on a build folder.
- :func:`comunica_sparql`, :func:`jena_classpath`: command-line SPARQL clients (npm, Debian).

An engine that cannot be had raises :class:`EngineUnavailable` with the precise reason; tests turn it into a
skip. Every wait is bounded (``START_TIMEOUT``). The cache folder is ``$GCMKG_ENGINES_CACHE`` or
``~/.cache/gcmkg-engines`` (outside the work tree).

From a shell::

    python3 tests/engines.py fetch [virtuoso] [comunica]    # download/unpack once (CI does this in .ci/run)
    python3 tests/engines.py run oxigraph|virtuoso           # start one, print its endpoints, Ctrl-C stops it
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0  # seconds any engine may take to answer after it was started
FETCH_TIMEOUT = 180.0  # seconds a one-time download (apt-get update + download, npm install) may take

VIRTUOSO_PACKAGES = ("virtuoso-opensource-7", "virtuoso-opensource-7-bin", "virtuoso-opensource-7-common",
                     "libminizip1", "libpcre3")
# Comunica 5 pulls undici 8, which needs Node >= 22; Debian 12 and this image have Node 20: Comunica 4 runs there
COMUNICA_PACKAGE = "@comunica/query-sparql@^4"


class EngineUnavailable(RuntimeError):
    """The engine cannot be started here; the message says exactly why (tests skip with it)."""


def cache_dir() -> Path:
    path = Path(os.environ.get("GCMKG_ENGINES_CACHE") or Path.home() / ".cache" / "gcmkg-engines")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 30.0) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read() or b"", dict(exc.headers or {})


def select(endpoint: str, query: str, timeout: float = 60.0) -> list[dict]:
    """Rows of a SELECT (GET, SPARQL JSON results) as {var: value}; raises on any non-200 answer."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    status, body, _ = http("GET", url, headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"{endpoint} answered {status}: {body[:500]!r}")
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM if the process that started it dies (a test run killed
    mid-way leaves no engine behind)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Engine:
    """A server process in its own session (process group), with its log in its work folder."""

    name = "engine"

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path = self.workdir / f"{self.name}.log"
        self.started_in = 0.0

    # subclasses: command() -> (argv, env, cwd); ready() -> bool
    def command(self) -> tuple[list[str], dict, Path]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def start(self, timeout: float = START_TIMEOUT) -> "_Engine":
        argv, env, cwd = self.command()
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_die_with_parent)
        deadline = started + timeout
        while True:
            if self.proc.poll() is not None:
                raise EngineUnavailable(f"{self.name} exited with status {self.proc.returncode} before it was ready "
                                        f"({' '.join(argv[:3])} ...); its log ends:\n{self.log_tail()}")
            try:
                if self.ready():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise EngineUnavailable(f"{self.name} was not ready within {timeout:.0f} s; its log ends:\n"
                                        f"{self.log_tail()}")
            time.sleep(0.2)
        self.started_in = time.monotonic() - started
        return self

    def stop(self, grace: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # its own process group (start_new_session): it and its children
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()


# --- Oxigraph's server -------------------------------------------------------------------------------------------
def oxigraph_binary() -> str:
    candidates = [Path(sys.executable).with_name("oxigraph"), ROOT / ".venv" / "bin" / "oxigraph"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise EngineUnavailable("Oxigraph's server is not installed: the `oxigraph` command comes with the PyPI package "
                            "`oxigraph` (pip install -e '.[test]')")


class OxigraphServer(_Engine):
    """``oxigraph serve`` on a fresh folder; ``union_default_graph`` makes queries without GRAPH see all graphs."""

    name = "oxigraph"

    def __init__(self, workdir: Path, union_default_graph: bool = True, timeout_s: int = 60):
        super().__init__(workdir)
        self.union_default_graph = union_default_graph
        self.timeout_s = timeout_s

    def command(self):
        self.port = free_port()
        argv = [oxigraph_binary(), "serve", "--location", str(self.workdir / "store"),
                "--bind", f"127.0.0.1:{self.port}", "--timeout-s", str(self.timeout_s)]
        if self.union_default_graph:
            argv.append("--union-default-graph")
        return argv, dict(os.environ), self.workdir

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    query_url = property(lambda self: self.base + "/query")
    update_url = property(lambda self: self.base + "/update")
    gsp_url = property(lambda self: self.base + "/store")

    def ready(self) -> bool:
        status, _, _ = http("GET", self.query_url + "?query=ASK%7B%7D", timeout=2)
        return status == 200

    def put(self, graph: str, ntriples: bytes) -> None:
        status, body, _ = http("PUT", self.gsp_url + "?" + urllib.parse.urlencode({"graph": graph}), ntriples,
                               {"Content-Type": "application/n-triples"})
        if status not in (200, 201, 204):
            raise RuntimeError(f"PUT {graph} answered {status}: {body[:300]!r}")

    def update(self, text: str) -> None:
        status, body, _ = http("POST", self.update_url, text.encode(), {"Content-Type": "application/sparql-update"})
        if status not in (200, 204):
            raise RuntimeError(f"update answered {status}: {body[:300]!r}")


# --- Virtuoso from Debian's packages -----------------------------------------------------------------------------
def _run(argv: list[str], cwd: Path | None = None, timeout: float = FETCH_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def fetch_virtuoso(log=lambda *a: None) -> Path:
    """Virtuoso's packages unpacked (not installed) into the cache; returns the unpacked root. Downloads once."""
    home = cache_dir() / "virtuoso-7"
    root = home / "root"
    if (root / ".complete").is_file():
        return root
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise EngineUnavailable(f"Virtuoso comes from Debian's packages here, and `{tool}` is not available")
    debs = home / "debs"
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir(parents=True)
    try:
        got = _run(["apt-get", "download", *VIRTUOSO_PACKAGES], cwd=debs)
        if got.returncode != 0 and os.geteuid() == 0:  # empty or stale package lists on a fresh machine
            log("apt-get download failed; running apt-get update once")
            _run(["apt-get", "update", "-qq"])
            got = _run(["apt-get", "download", *VIRTUOSO_PACKAGES], cwd=debs)
    except subprocess.TimeoutExpired as exc:
        raise EngineUnavailable(f"downloading Virtuoso's packages took more than {exc.timeout:.0f} s") from exc
    if got.returncode != 0:
        raise EngineUnavailable("`apt-get download " + " ".join(VIRTUOSO_PACKAGES) + "` failed: "
                                + (got.stderr.strip().splitlines() or ["no message"])[-1])
    tmp = home / "root.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for deb in sorted(debs.glob("*.deb")):
        x = _run(["dpkg", "-x", str(deb), str(tmp)])
        if x.returncode != 0:
            raise EngineUnavailable(f"dpkg -x {deb.name} failed: {x.stderr.strip()}")
    if not (tmp / "usr/bin/virtuoso-t").is_file():
        raise EngineUnavailable("the unpacked packages hold no usr/bin/virtuoso-t")
    (tmp / ".complete").write_text(" ".join(sorted(p.name for p in debs.glob("*.deb"))) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    shutil.rmtree(debs, ignore_errors=True)
    log(f"Virtuoso unpacked into {root}")
    return root


def _ini_set(text: str, section: str, key: str, value: str) -> str:
    """Set key = value inside [section] of an ini text (added at the section's start if absent)."""
    pattern = re.compile(r"(?ms)^\[" + re.escape(section) + r"\]\s*\n(.*?)(?=^\[|\Z)")
    m = pattern.search(text)
    if not m:
        return text + f"\n[{section}]\n{key} = {value}\n"
    body = m.group(1)
    line = re.compile(r"(?m)^" + re.escape(key) + r"\s*=.*$")
    body = line.sub(lambda _: f"{key} = {value}", body, count=1) if line.search(body) else f"{key} = {value}\n" + body
    return text[: m.start(1)] + body + text[m.end(1):]


class Virtuoso(_Engine):
    """Virtuoso 7 (Debian's build) on loopback: SQL port and HTTP port both bound to 127.0.0.1."""

    name = "virtuoso"
    user, password = "dba", "dba"  # a fresh database's administrator; bound to loopback only

    def __init__(self, workdir: Path, load_dir: Path | None = None, buffers: int | None = None):
        super().__init__(workdir)
        self.load_dir = Path(load_dir) if load_dir else self.workdir / "load"
        self.buffers = buffers  # 8 KiB pages of cache; None: the packaged 10,000 (80 MiB), enough for tests
        self.sql_port = 0
        self.root: Path | None = None

    def command(self):
        self.root = fetch_virtuoso()
        self.port, self.sql_port = free_port(), free_port()
        db = self.workdir / "db"
        db.mkdir(exist_ok=True)
        self.load_dir.mkdir(parents=True, exist_ok=True)
        ini = (self.root / "usr/share/virtuoso-opensource-7/virtuoso.ini").read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(db))
        ini = re.sub(r"(?m)^Load\d+\s*=.*\n", "", ini)  # wiki plugins: not shipped in these packages
        for section, key, value in (
            ("Parameters", "ServerPort", f"127.0.0.1:{self.sql_port}"),
            ("Parameters", "DirsAllowed", f"., {self.load_dir}"),
            ("Parameters", "VADInstallDir", str(self.root / "usr/share/virtuoso-opensource-7/vad")),
            ("HTTPServer", "ServerPort", f"127.0.0.1:{self.port}"),
            ("HTTPServer", "ServerRoot", str(self.root / "var/lib/virtuoso-opensource-7/vsp")),
            ("URIQA", "DefaultHost", f"127.0.0.1:{self.port}"),
            ("Plugins", "LoadPath", str(self.root / "usr/lib/x86_64-linux-gnu/virtuoso-opensource-7/hosting")),
            # the packaged 10,000 cuts results silently (FIELD-NOTES); a gcmkg server over Virtuoso reads whole
            # graphs and refuses a cut answer (server/remote.py), so a store meant to serve it is set like this
            ("SPARQL", "ResultSetMaxRows", "5000000"),
            ("SPARQL", "MaxQueryCostEstimationTime", "0"),  # its estimates refuse plain catalog queries (1,500 s!)
            ("SPARQL", "MaxQueryExecutionTime", "0"),  # the server's own limit applies (it abandons the request)
        ):
            ini = _ini_set(ini, section, key, value)
        if self.buffers:
            ini = _ini_set(ini, "Parameters", "NumberOfBuffers", str(self.buffers))
            ini = _ini_set(ini, "Parameters", "MaxDirtyBuffers", str(self.buffers * 3 // 4))
        (db / "virtuoso.ini").write_text(ini)
        libs = [str(self.root / "usr/lib/x86_64-linux-gnu"), str(self.root / "lib/x86_64-linux-gnu")]
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = ":".join(libs + [p for p in [env.get("LD_LIBRARY_PATH")] if p])
        return [str(self.root / "usr/bin/virtuoso-t"), "+foreground", "+configfile", str(db / "virtuoso.ini")], \
            env, db

    def start(self, timeout: float = START_TIMEOUT):
        try:
            self.root = fetch_virtuoso()  # the one-time download is not part of the start-up time
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable(f"fetching Virtuoso timed out: {exc}") from exc
        return super().start(timeout)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    query_url = property(lambda self: self.base + "/sparql")
    update_url = property(lambda self: self.base + "/sparql-auth")  # Digest auth dba/dba
    gsp_url = property(lambda self: self.base + "/sparql-graph-crud-auth")  # Digest auth dba/dba

    def ready(self) -> bool:
        try:  # Virtuoso's own log (db/virtuoso.log) says "Server online" once the HTTP and SQL ports listen
            if "Server online" not in (self.workdir / "db" / "virtuoso.log").read_text(errors="replace"):
                return False
        except OSError:
            return False
        status, _, _ = http("GET", self.query_url + "?query=ASK%7B%7D", timeout=2)
        return status == 200

    def isql(self, script: str, timeout: float = 120.0) -> str:
        """Run SQL/SPARQL statements with isql-vt as dba; raises with the output when a statement fails."""
        env = {**os.environ, "LD_LIBRARY_PATH": f"{self.root}/usr/lib/x86_64-linux-gnu:{self.root}/lib/x86_64-linux-gnu"}
        proc = subprocess.run([str(self.root / "usr/bin/isql-vt"), f"127.0.0.1:{self.sql_port}", self.user,
                               self.password], input=script, capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0 or "*** Error" in proc.stdout:
            raise RuntimeError(f"isql failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-1000:]}")
        return proc.stdout


# --- our own server ----------------------------------------------------------------------------------------------
class GcmkgServer(_Engine):
    """``gcmkg serve`` on an instance folder (GCMKG_INSTANCE_DIR, GCMKG_PORT), with extra GCMKG_* settings."""

    name = "gcmkg-serve"

    def __init__(self, workdir: Path, instance_dir: Path, env: dict | None = None, workers: int = 1):
        super().__init__(workdir)
        self.instance_dir = Path(instance_dir)
        self.extra_env = dict(env or {})
        self.workers = workers

    def command(self):
        self.port = free_port()
        env = dict(os.environ)
        env.update({"GCMKG_INSTANCE_DIR": str(self.instance_dir), "GCMKG_HOST": "127.0.0.1",
                    "GCMKG_PORT": str(self.port), "GCMKG_WORKERS": str(self.workers), "GCMKG_ACCESS_LOG": "0"})
        env.update(self.extra_env)
        return [sys.executable, "-m", "gcmkg", "serve"], env, ROOT

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    query_url = property(lambda self: self.base + "/sparql")

    def ready(self) -> bool:
        status, _, _ = http("GET", self.base + "/-/ready", timeout=2)
        return status == 200


# --- command-line clients ----------------------------------------------------------------------------------------
def comunica_sparql(install: bool = False, log=lambda *a: None) -> str:
    """Path of the ``comunica-sparql`` command in the cache (installed there with npm when *install*)."""
    home = cache_dir() / "comunica"
    binary = home / "node_modules" / ".bin" / "comunica-sparql"
    if binary.is_file():
        return str(binary)
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise EngineUnavailable("Comunica needs node and npm, which are not installed")
    if not install:
        raise EngineUnavailable(f"Comunica is not installed in {home} (python3 tests/engines.py fetch comunica; "
                                ".ci/run does it)")
    home.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--loglevel=error",
                               COMUNICA_PACKAGE], capture_output=True, text=True, timeout=FETCH_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise EngineUnavailable(f"npm install {COMUNICA_PACKAGE} took more than {exc.timeout:.0f} s") from exc
    if proc.returncode != 0 or not binary.is_file():
        raise EngineUnavailable(f"npm install {COMUNICA_PACKAGE} failed: {proc.stderr.strip()[-500:]}")
    log(f"Comunica installed into {home} in {time.monotonic() - started:.0f} s")
    return str(binary)


def jena_classpath(workdir: Path) -> str:
    """Classpath running Debian's Apache Jena (`java -cp CP arq.query ...`), with the Xerces message files that
    Debian's repackaging left under org/apache/jena/ext/xerces while the classes look under xerces/."""
    java_dir = Path("/usr/share/java")
    core = java_dir / "jena-core.jar"
    if shutil.which("java") is None:
        raise EngineUnavailable("Jena needs Java, which is not installed (.ci/run installs default-jre-headless)")
    if not core.exists() or not (java_dir / "jena-cmds.jar").exists():
        raise EngineUnavailable("Debian's libapache-jena-java is not installed (.ci/run installs it)")
    fix = Path(workdir) / "jena-xerces-messages"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                target = fix / name[len("org/apache/jena/ext/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    skip = ("log4j-over-slf4j", "slf4j-jcl", "slf4j-jdk14", "slf4j-log4j12", "slf4j-simple", "maven3-slf4j")
    jars = [str(p) for p in sorted(java_dir.glob("*.jar")) if not p.name.startswith(skip)]
    return ":".join([str(fix), *jars])


# --- shell entry point -------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "fetch":
        wanted = argv[1:] or ["virtuoso", "comunica"]
        status = 0
        for what in wanted:
            started = time.monotonic()
            try:
                where = fetch_virtuoso(print) if what == "virtuoso" else comunica_sparql(install=True, log=print)
                print(f"{what}: ready at {where} ({time.monotonic() - started:.0f} s)")
            except EngineUnavailable as exc:  # the tests that need it will skip and say why
                print(f"{what}: unavailable: {exc}")
                status = 0 if os.environ.get("CI") else 1
        return status
    if len(argv) == 2 and argv[0] == "run" and argv[1] in ("oxigraph", "virtuoso"):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the engine on `kill`/`timeout` too
        work = Path(tempfile.mkdtemp(prefix=f"gcmkg-{argv[1]}-"))
        engine = OxigraphServer(work) if argv[1] == "oxigraph" else Virtuoso(work)
        with engine:
            print(f"{engine.name} ready in {engine.started_in:.1f} s: query {engine.query_url}, update "
                  f"{engine.update_url}, graph store {engine.gsp_url} (data in {work}); Ctrl-C stops it", flush=True)
            try:
                while engine.proc and engine.proc.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        return 0
    print(__doc__.split("From a shell::", 1)[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
