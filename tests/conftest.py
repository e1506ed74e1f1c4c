"""Shared fixtures: one real build of the whole graph per test session, in a temporary instance folder."""
from __future__ import annotations

import pytest

from ontology import settings


@pytest.fixture(scope="session")
def built_config(tmp_path_factory) -> settings.Config:
    """A Config whose instance folder holds a real build of the project's data (built once per session)."""
    from ingest.build import build

    config = settings.load({"instance_dir": str(tmp_path_factory.mktemp("instance"))})
    build(config, log=lambda *a: None)
    return config


@pytest.fixture(scope="session")
def built_store(built_config):
    """An in-memory pyoxigraph copy of the session build (read-only by convention)."""
    from queries.store import current_build, open_in_memory

    return open_in_memory(current_build(built_config.instance_dir))


@pytest.fixture()
def client(built_config):
    from server import create_app

    app = create_app(built_config)
    app.testing = True
    return app.test_client()
