"""Every setting of the project, declared once with its default and help text.

Each one can be overridden by an environment variable ``GCMKG_<NAME>`` (upper case). The server and the CLI read
them through :func:`load`, so tests and deployments change behaviour without code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", "https://w3id.org/gcmkg/", "Base of every IRI minted for data (must end with '/')."),
    Setting("data_dir", str(PROJECT_ROOT / "data"), "Folder holding the corpus manifest and reference data."),
    Setting("instance_dir", str(PROJECT_ROOT / "instance"), "Folder of builds, the current store and dumps (git-ignored)."),
    Setting("keep_builds", 2, "How many previous builds to keep beside the current one."),
    Setting("dumps", True, "`gcmkg build` writes the dumps (TriG, N-Quads, per graph) into the build, served at /dumps/."),
    Setting("host", "127.0.0.1", "Address `gcmkg serve` binds."),
    Setting("port", 8080, "Port `gcmkg serve` binds."),
    Setting("workers", 2, "Worker processes of `gcmkg serve`."),
    Setting("http_server", "granian", "HTTP server of `gcmkg serve`: granian (Rust HTTP, WSGI workers; 4x gunicorn's throughput on cached answers, docs/benchmark.md) or gunicorn (pre-fork, gthread)."),
    Setting("query_timeout", 10.0, "Seconds a SPARQL query may run before it is stopped."),
    Setting("max_query_length", 65536, "Longest accepted query text, in bytes."),
    Setting("max_results", 100000, "Most rows or triples returned by one query; more is an error, never a silent cut."),
    Setting("service_allowlist", "", "Space-separated SPARQL endpoint IRIs that SERVICE may call (empty: none)."),
    Setting("threads", 4, "Request threads per worker process of `gcmkg serve` (gunicorn gthread)."),
    Setting("evaluators", 2, "Query evaluator processes per worker, each with an in-memory copy of the build."),
    Setting("catalog_evaluators", 1, "Evaluator processes per worker kept for the named queries (/queries), apart from /sparql's."),
    Setting("client_concurrency", 4, "Queries one client address may have running at once; more get 429 (0: no limit)."),
    Setting("max_result_bytes", 134217728, "Largest serialized result, in bytes; more is an error, never a silent cut."),
    Setting("cache", True, "Cache query responses per build (builds are immutable, so entries never go stale)."),
    Setting("cache_mb", 64, "Memory for the response cache of each worker process, in MiB."),
    Setting("updates", False, "Accept SPARQL Update (POST with the bearer token `update_token`); off: read-only."),
    Setting("update_token", "", "Bearer token that SPARQL Update requests must present (never logged)."),
    Setting("cors_origin", "*", "Access-Control-Allow-Origin sent with SPARQL query responses (empty: no CORS)."),
    Setting("access_log", True, "`gcmkg serve` logs every request to standard output, one JSON line each (server.observability)."),
    Setting("store_url", "", "SPARQL endpoint of a store `gcmkg publish` loaded, served instead of the embedded build (empty: embedded)."),
    Setting("store_refresh", 5.0, "Seconds between two reads of which build the remote store (store_url) holds."),
    Setting("proxy_hops", 0, "Reverse proxies in front of the server whose X-Forwarded-For is trusted (client address)."),
)


@dataclass(frozen=True)
class Config:
    base_iri: str
    data_dir: Path
    instance_dir: Path
    keep_builds: int
    host: str
    port: int
    workers: int
    query_timeout: float
    max_query_length: int
    max_results: int
    service_allowlist: tuple[str, ...] = field(default=())
    threads: int = 4
    evaluators: int = 2
    client_concurrency: int = 4
    max_result_bytes: int = 134217728
    cache: bool = True
    cache_mb: int = 64
    updates: bool = False
    update_token: str = field(default="", repr=False)  # a secret: kept out of reprs and logs
    cors_origin: str = "*"
    proxy_hops: int = 0
    access_log: bool = True
    dumps: bool = True
    store_url: str = ""
    store_refresh: float = 5.0
    http_server: str = "granian"
    catalog_evaluators: int = 1

    @property
    def current_store(self) -> Path:
        """The folder of the build being served (a symlink swapped atomically by each build)."""
        return self.instance_dir / "current"


def _coerce(raw: object, default: object) -> object:
    if isinstance(default, bool):
        return str(raw).lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(overrides: dict | None = None, environ: dict | None = None) -> Config:
    """Defaults, then ``GCMKG_*`` environment variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, object] = {}
    for s in SETTINGS:
        value = s.default
        env = environ.get("GCMKG_" + s.name.upper())
        if env is not None:
            value = env
        if s.name in overrides:
            value = overrides[s.name]
        values[s.name] = _coerce(value, s.default)
    if not str(values["base_iri"]).endswith(("/", "#")):
        raise ValueError(f"GCMKG_BASE_IRI must end with '/' or '#': {values['base_iri']!r}")
    values["data_dir"] = Path(str(values["data_dir"]))
    values["instance_dir"] = Path(str(values["instance_dir"]))
    allow = values["service_allowlist"]
    values["service_allowlist"] = tuple(allow.split()) if isinstance(allow, str) else tuple(allow)
    names = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in values.items() if k in names})
