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


# The suites that run once per store back end (server/remote.py): the embedded build, and the same build published
# to Oxigraph's server and to Virtuoso (tests/engines.py starts them on loopback), served through `store_url`.
BACKEND_SUITES = {"test_pages", "test_catalog", "test_search", "test_backends"}
BACKENDS = ("embedded", "oxigraph", "virtuoso")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BACKEND_SUITES:
        remote_only = metafunc.module.__name__.rsplit(".", 1)[-1] == "test_backends"
        metafunc.parametrize("backend", BACKENDS[1:] if remote_only else BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request, built_config, tmp_path_factory):
    """None for the embedded store, else the SPARQL endpoint URL of an engine the session build was published to."""
    import io
    import sys
    from pathlib import Path

    kind = getattr(request, "param", "embedded")
    if kind == "embedded":
        return None
    sys.path.insert(0, str(Path(__file__).parent))
    import engines
    from ingest.publish import publish

    work = tmp_path_factory.mktemp(kind)
    engine = engines.OxigraphServer(work, union_default_graph=False) if kind == "oxigraph" else engines.Virtuoso(work)
    try:
        engine.start()
    except engines.EngineUnavailable as exc:
        pytest.skip(f"{kind}: {exc}")
    request.addfinalizer(engine.stop)
    if kind == "oxigraph":
        url, writes = engine.base + "/query", {"gsp": engine.base + "/store"}
    else:
        url, writes = engine.query_url, {"gsp": engine.gsp_url, "user": engine.user, "password": engine.password}
    out = io.StringIO()
    assert publish(built_config, url, default_graph="named", out=out, **writes) == 0, out.getvalue()
    return url


@pytest.fixture()
def client(built_config, backend):
    import dataclasses

    from server import create_app

    url = backend
    app = create_app(dataclasses.replace(built_config, store_url=url) if url else built_config)
    app.testing = True
    return app.test_client()
