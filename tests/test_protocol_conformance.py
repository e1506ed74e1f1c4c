"""The W3C SPARQL 1.1 Protocol and Service Description tests (vendored in tests/conformance/), run against our app.

Each Protocol test gets a build holding exactly the graphs its manifest preloads (the ``current`` link is pointed at
it, as a rebuild would), then its requests run unchanged. Two deployments are tested:
- read-only (the default): every query test passes; the update tests that expect success get 403 (not applicable:
  updates are disabled) and the bad-update tests get their 4xx;
- updates enabled with a bearer token: all 34 pass. The one deviation from the manifest is the added
  ``Authorization: Bearer`` header, which our update policy requires (docs/endpoint.md).
The same runner also runs the suite over HTTP against a real `gcmkg serve` (slow).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from ontology import settings
from server import create_app

from conformance.harness import HERE, PROTOCOL_TESTS, FixtureBuilds, activate, http, run_protocol_test, serve

TOKEN = "conformance-token"
UPDATE_TESTS = {t["id"] for t in PROTOCOL_TESTS if t["id"].startswith("update_")}
TEST_IDS = [t["id"] for t in PROTOCOL_TESTS]


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return FixtureBuilds(tmp_path_factory.mktemp("w3c-fixtures"))


def _client(instance: Path, **overrides):
    app = create_app(settings.load({"instance_dir": str(instance), "client_concurrency": 0, **overrides}))
    app.testing = True
    return app.test_client()


def _send(client):
    def send(method, path, headers, body):
        r = client.open(path, method=method, headers=headers, data=body)
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.data
    return send


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    instance = tmp_path_factory.mktemp("w3c-read-only")
    return instance, _client(instance)


@pytest.fixture(scope="module")
def read_write(tmp_path_factory):
    instance = tmp_path_factory.mktemp("w3c-read-write")
    return instance, _client(instance, updates=True, update_token=TOKEN)


def test_the_suite_is_complete():
    assert len(PROTOCOL_TESTS) == 34
    assert len([t for t in PROTOCOL_TESTS if not t["id"].startswith(("update_", "bad_update"))]) == 21


@pytest.mark.parametrize("test_id", TEST_IDS)
def test_protocol_read_only(test_id, read_only, fixtures):
    instance, client = read_only
    test = next(t for t in PROTOCOL_TESTS if t["id"] == test_id)
    activate(instance, fixtures.for_test(test))
    if test_id in UPDATE_TESTS:  # not applicable on a read-only endpoint: it must say so with a 403
        req = test["requests"][0]
        headers = {h["name"]: h["value"] for h in req["headers"]}
        r = client.open("/sparql" + req["absolute_path"][len("/sparql/"):], method="POST", headers=headers,
                        data=req["body"]["chars"].encode())
        assert r.status_code == 403 and b"read-only" in r.data
        return
    assert run_protocol_test(_send(client), test) == []


@pytest.mark.parametrize("test_id", TEST_IDS)
def test_protocol_with_updates_enabled(test_id, read_write, fixtures):
    instance, client = read_write
    test = next(t for t in PROTOCOL_TESTS if t["id"] == test_id)
    activate(instance, fixtures.for_test(test))
    assert run_protocol_test(_send(client), test, extra_headers={"Authorization": f"Bearer {TOKEN}"}) == []


# -- Service Description manifest: has-endpoint-triple, returns-rdf, conforms-to-schema ---------------------------
@pytest.fixture(scope="module")
def description(read_only, fixtures):
    instance, client = read_only
    activate(instance, fixtures.for_test(PROTOCOL_TESTS[1]))
    r = client.get("/sparql")  # no Accept header, as the manifest's tests send none
    return r


def test_sd_returns_rdf(description):
    assert description.status_code == 200
    assert description.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=description.data, format="turtle")
    assert len(graph) > 10


def test_sd_has_endpoint_triple(description):
    graph = rdflib.Graph().parse(data=description.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef("http://localhost/sparql")) in graph


def test_sd_conforms_to_schema(description):
    from pyshacl import validate

    shapes = rdflib.Graph().parse(HERE / "service-description-shapes.ttl")
    data = rdflib.Graph().parse(data=description.data, format="turtle")
    conforms, _, text = validate(data, shacl_graph=shapes)
    assert conforms, text


def test_the_service_description_manifest_lists_the_three_tests():
    manifest = rdflib.Graph().parse(HERE / "service-description" / "manifest.ttl")
    mf = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    names = {str(s).rsplit("#", 1)[1] for s in manifest.subjects(rdflib.RDF.type, mf.ServiceDescriptionTest)}
    assert names == {"has-endpoint-triple", "returns-rdf", "conforms-to-schema"}


# -- the whole suite over HTTP against the real server ------------------------------------------------------------
@pytest.mark.slow
def test_protocol_suite_over_http_against_gcmkg_serve(tmp_path, fixtures):
    instance = tmp_path / "instance"
    activate(instance, fixtures.for_test(PROTOCOL_TESTS[0]))
    env = {"GCMKG_UPDATES": "1", "GCMKG_UPDATE_TOKEN": TOKEN, "GCMKG_CLIENT_CONCURRENCY": "0"}
    failures = {}
    with serve(instance, env=env, workers=2, threads=2) as base:
        def send(method, path, headers, body):
            return http(base, method, path, headers, body)

        for test in PROTOCOL_TESTS:
            activate(instance, fixtures.for_test(test))
            found = run_protocol_test(send, test, extra_headers={"Authorization": f"Bearer {TOKEN}"})
            if found:
                failures[test["id"]] = found
        status, headers, body = http(base, "GET", "/sparql")
    assert failures == {}
    assert status == 200 and headers["content-type"].startswith("text/turtle")
