"""The Flask application: SPARQL endpoint, named queries, entity pages and operations endpoints."""
from __future__ import annotations

from ontology import settings


def create_app(config: settings.Config | None = None, test_config: dict | None = None, follow_builds: bool = True):
    # Flask is imported here, not at module level: the evaluator processes (python -m server.evaluator) import
    # this package and must start fast.
    from flask import Flask

    from server import ops, sparql
    from server.cache import ResponseCache
    from server.limits import ClientSlots, default_lock_path
    from server.storage import StoreHolder

    config = config or settings.load(test_config)
    app = Flask(__name__)
    app.config["GCMKG"] = config
    app.config["MAX_CONTENT_LENGTH"] = config.max_query_length + 4096
    if config.store_url:  # the store back end seam: a SPARQL endpoint holding a published build (server.remote)
        from server.remote import RemoteHolder

        app.extensions["gcmkg_store"] = RemoteHolder(config.store_url, config.base_iri, config.query_timeout,
                                                     config.store_refresh)
    else:
        app.extensions["gcmkg_store"] = StoreHolder(config.instance_dir, follow=follow_builds)
    app.extensions["gcmkg_slots"] = ClientSlots(default_lock_path(config.instance_dir), config.client_concurrency)
    from server.fastpath import Direct; app.wsgi_app = Direct(app, app.wsgi_app)  # noqa: E702  GET /sparql?query=
    if config.cache:
        app.extensions["gcmkg_cache"] = ResponseCache(config.cache_mb * 1024 * 1024)
        from server.fastpath import FastPath; app.wsgi_app = FastPath(app, app.wsgi_app)  # noqa: E702  hits before Flask
    if config.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops,
                                x_host=config.proxy_hops)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(ops.bp)
    # --- further blueprints register here (one line each) ---
    from server import pages; pages.init_app(app)  # noqa: E702  entity pages, search, browse, /query, charts
    from server import catalog; app.register_blueprint(catalog.bp)  # noqa: E702  named queries: /queries
    from server import openapi; app.register_blueprint(openapi.bp)  # noqa: E702  /openapi.yaml, /-/openapi
    from server import dumps; app.register_blueprint(dumps.bp)  # noqa: E702  /dumps/: the build's dump files
    from server import observability; observability.init_app(app)  # noqa: E702  JSON request log, /-/metrics
    return app
