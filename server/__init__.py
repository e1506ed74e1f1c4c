"""The Flask application: SPARQL endpoint, named queries, entity pages and operations endpoints."""
from __future__ import annotations

from flask import Flask

from ontology import settings


def create_app(config: settings.Config | None = None, test_config: dict | None = None) -> Flask:
    from server.storage import StoreHolder
    from server import ops, sparql

    config = config or settings.load(test_config)
    app = Flask(__name__)
    app.config["GCMKG"] = config
    app.config["MAX_CONTENT_LENGTH"] = config.max_query_length + 4096
    app.extensions["gcmkg_store"] = StoreHolder(config.instance_dir)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(ops.bp)
    # --- further blueprints register here (one line each) ---
    return app
