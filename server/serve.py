"""`gcmkg serve`: gunicorn pre-fork workers, each reading the current build (re-opened when a build is swapped)."""
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
            self.cfg.set(key, value)

    def load(self):
        return self.application


def gunicorn_options(config: Config) -> dict:
    return {
        "bind": f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "sync",
        "timeout": int(config.query_timeout) + 30,  # the query limit stops queries first; this catches hung workers
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "limit_request_line": 8190,
        "proc_name": "gcmkg",
    }


def serve(config: Config, reload_on_rebuild: bool = True) -> int:
    from server import create_app

    app = create_app(config)
    print(f"serving the GCM Knowledge Graph on http://{config.host}:{config.port}/ (SPARQL at /sparql)", flush=True)
    _Gunicorn(app, gunicorn_options(config)).run()
    return 0
