"""`gcmkg serve`: granian (default) or gunicorn worker processes, each with its own pools of evaluator processes
(server.executor) that hold in-memory copies of the current build.

A rebuild needs no restart: every request checks the ``current`` link (server.storage), evaluators load the new
build on their next request (idle ones are told to load it in the background), requests in flight finish on the
build they started with. Nothing is dropped. With ``--no-watch`` each worker keeps the build it opened first.

The HTTP server is the setting ``http_server`` (``GCMKG_HTTP_SERVER``): granian (the default: Rust HTTP/1.1, WSGI
workers forked from the same master, each with the same evaluators) answers cache hits about 4x faster than
gunicorn's Python HTTP handling (docs/benchmark.md); gunicorn (gthread) is the other choice. Everything above holds
under both: build pickup is per request, the per-client limit is a lock file, evaluators are killable processes of
each worker.
"""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from ontology.settings import Config


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # e.g. control_socket_disable exists from gunicorn 24 on
                self.cfg.set(key, value)

    def load(self):
        return self.application


def _warm(app, config: Config) -> None:
    """In a worker: start its evaluators and have them load the build before traffic."""
    from queries.store import StoreCorrupt, StoreNotBuilt
    from server import executor

    try:
        snap = app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt):
        return
    if snap.remote is not None:  # a remote store evaluates the queries: no evaluator processes
        return
    from server.sparql import warm_stores

    for name in ("queries", "catalog"):
        pool = executor.pool_of(config, name)
        pool.warm(warm_stores(snap, pool), start=True)


def _warm_worker(app, config: Config):
    """gunicorn post_worker_init hook (after the worker's signal handlers are set, so a TERM during warm-up is
    not lost)."""

    def post_worker_init(worker):
        _warm(app, config)

    return post_worker_init


def http_server(config: Config) -> str:
    """The setting http_server: 'gunicorn' or 'granian' (anything else is refused, not guessed)."""
    kind = config.http_server.strip().lower()
    if kind not in ("gunicorn", "granian"):
        raise ValueError(f"http_server is 'gunicorn' or 'granian', not {config.http_server!r}")
    return kind


def _serve_granian(app, config: Config) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.server import Server

    def load_in_worker(_target):
        # granian copies os.environ into every request's environ, under the request's own keys: an HTTP_*
        # variable of the process would pose as a request header (httpoxy), so none is left for it to copy
        for name in [n for n in os.environ if n.startswith("HTTP_")]:
            del os.environ[name]
        _warm(app, config)
        return app.wsgi_app

    server = Server(
        "gcmkg", address=config.host, port=config.port, interface=Interfaces.WSGI, http=HTTPModes.http1,
        websockets=False, workers=config.workers, blocking_threads=config.threads,
        respawn_failed_workers=True,  # as gunicorn's master does
        workers_kill_timeout=int(config.query_timeout) + 5,  # graceful stop: queries in flight may finish
        log_access=False,  # the app logs each request as one JSON line (server.observability)
    )
    server.serve(target_loader=load_in_worker)


def gunicorn_options(config: Config) -> dict:
    return {
        "bind": f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "gthread",
        "threads": config.threads,
        "keepalive": 5,
        # the query limit stops queries first (in the evaluators); this only catches a hung worker
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": int(config.query_timeout) + 5,
        "accesslog": None,  # the app logs each request as one JSON line (server.observability, setting access_log)
        "errorlog": "-",
        "limit_request_line": 8190,  # gunicorn's maximum: longer GET queries get 400; POST takes max_query_length
        "proc_name": "gcmkg",
        "control_socket_disable": True,  # one shared ~/.gunicorn socket would clash between instances
    }


def _verify_apart(build, verify_build, StoreCorrupt) -> str | None:
    """Read the whole store (queries.store.verify_build) in a forked child, and return what is wrong or None.
    Not in this process: RocksDB opened in the gunicorn master leaves its background threads' state to every
    forked worker, and the workers then die of SIGSEGV when they exit."""
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, skips every destructor
        os.close(read)
        code = 0
        try:
            verify_build(build)
        except StoreCorrupt as exc:
            os.write(write, str(exc).encode("utf-8", "replace")[:60000])
            code = 1
        except BaseException as exc:  # noqa: BLE001  anything else is a damaged store too
            os.write(write, f"cannot read store {build.store_path}: {type(exc).__name__}: {exc}"
                     .encode("utf-8", "replace")[:60000])
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return None
    return message or f"reading store {build.store_path} failed (exit status {code}); rebuild with `gcmkg build`"


def serve(config: Config, reload_on_rebuild: bool = True) -> int:
    import sys

    from queries.store import StoreCorrupt, StoreNotBuilt, current_build, verify_build
    from server import create_app

    problem = None
    try:  # a damaged store must stop the start with a clear message, not reach the workers
        if config.store_url:  # a remote store (server.remote): it must hold a published build
            from server.remote import RemoteHolder

            RemoteHolder(config.store_url, config.base_iri, config.query_timeout).get()
        else:
            problem = _verify_apart(current_build(config.instance_dir), verify_build, StoreCorrupt)
    except (StoreNotBuilt, StoreCorrupt) as exc:
        problem = str(exc)
    if problem:
        print(f"gcmkg serve: {problem}", file=sys.stderr)
        return 1

    from server import observability

    observability.prepare_shared_folder()  # before the app and the workers: /-/metrics adds up every worker
    app = create_app(config, follow_builds=reload_on_rebuild)
    try:
        kind = http_server(config)
    except ValueError as exc:
        print(f"gcmkg serve: {exc}", file=sys.stderr)
        return 1
    print(f"serving the GCM Knowledge Graph on http://{config.host}:{config.port}/ (SPARQL at /sparql, {kind})",
          flush=True)
    if kind == "granian":
        _serve_granian(app, config)
        return 0
    options = gunicorn_options(config)
    options["post_worker_init"] = _warm_worker(app, config)
    _Gunicorn(app, options).run()
    return 0
