"""`gcmkg serve`: gunicorn pre-fork workers (gthread: keep-alive, several requests per worker), each with its own
pool of evaluator processes (server.executor) that hold in-memory copies of the current build.

A rebuild needs no restart: every request checks the ``current`` link (server.storage), evaluators load the new
build on their next request (idle ones are told to load it in the background), requests in flight finish on the
build they started with. Nothing is dropped. With ``--no-watch`` each worker keeps the build it opened first.
"""
from __future__ import annotations

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


def _warm_worker(app, config: Config):
    """gunicorn post_worker_init hook (after the worker's signal handlers are set, so a TERM during warm-up is
    not lost): start this worker's evaluators and have them load the build before traffic."""

    def post_worker_init(worker):
        from queries.store import StoreCorrupt, StoreNotBuilt
        from server import executor

        try:
            snap = app.extensions["gcmkg_store"].get()
        except (StoreNotBuilt, StoreCorrupt):
            return
        executor.pool(max(1, config.evaluators)).warm(snap.key, snap.evaluator_spec(), start=True)

    return post_worker_init


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
        "accesslog": "-" if config.access_log else None,
        "errorlog": "-",
        "limit_request_line": 8190,  # gunicorn's maximum: longer GET queries get 400; POST takes max_query_length
        "proc_name": "gcmkg",
        "control_socket_disable": True,  # one shared ~/.gunicorn socket would clash between instances
    }


def serve(config: Config, reload_on_rebuild: bool = True) -> int:
    from server import create_app

    app = create_app(config, follow_builds=reload_on_rebuild)
    options = gunicorn_options(config)
    options["post_worker_init"] = _warm_worker(app, config)
    print(f"serving the GCM Knowledge Graph on http://{config.host}:{config.port}/ (SPARQL at /sparql)", flush=True)
    _Gunicorn(app, options).run()
    return 0
