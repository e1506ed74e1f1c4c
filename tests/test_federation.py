"""Federation both ways, with real engines on loopback.

The other side holds what we do not: a fragment of the UN SDG geographic codes (LOD4Stats) saying which areas are
least developed countries (``geoArea/{m49} skos:broader geoArea/ldc``), built from the vendored reference table.
Our graph aligns every country to its geoArea IRI (``skos:exactMatch``), so "which LDCs do the review documents
mention?" needs both: our statements and alignments, their grouping. Every engine must give the answer computed
locally from both graphs in one store.

(a) Another engine calls OUR endpoint with SERVICE: Oxigraph's server, Apache Jena's arq, and Comunica (which
    federates two sources itself after reading our Service Description).
(b) OUR endpoint calls another engine with SERVICE, only when its IRI is on ``service_allowlist``
    (GCMKG_SERVICE_ALLOWLIST); otherwise the query is refused with 4xx.
"""
from __future__ import annotations

import csv
import json
import subprocess
import urllib.parse

import pyoxigraph as ox
import pytest

import engines
from queries.store import current_build, open_in_memory

pytestmark = pytest.mark.slow

GEO = "http://metadata.un.org/sdg/codes/geoArea/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIXES = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX gcm: <https://w3id.org/gcmkg/ontology#>\n"
OURS = "?st gcm:mentions ?country . ?country gcm:iso3 ?iso3 ; skos:exactMatch ?area ."
THEIRS = f"?area skos:broader <{GEO}ldc> ."
LOCAL = PREFIXES + f"SELECT DISTINCT ?iso3 WHERE {{ {OURS} {THEIRS} }}"


def start(engine):
    try:
        return engine.start()
    except engines.EngineUnavailable as exc:
        pytest.skip(f"{engine.name}: {exc}")


@pytest.fixture(scope="module")
def kos_fragment(built_config) -> bytes:
    """geoArea groupings (LDC, SIDS) of the SDG codes, as N-Triples."""
    table = built_config.data_dir / "reference" / "geo" / "unsd_m49_geoareas_lod4stats.csv"
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    triples = [ox.Triple(ox.NamedNode(GEO + r["m49"]), ox.NamedNode(SKOS + "broader"), ox.NamedNode(GEO + c))
               for r in rows for c in r["classes"].split("|") if c in ("ldc", "sids")]
    triples += [ox.Triple(ox.NamedNode(GEO + "ldc"), ox.NamedNode(SKOS + "prefLabel"),
                          ox.Literal("Least developed countries", language="en"))]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


@pytest.fixture(scope="module")
def expected(built_config, kos_fragment) -> list[str]:
    """The answer computed without federation: our build and their fragment in one store."""
    store = open_in_memory(current_build(built_config.instance_dir))
    store.load(kos_fragment, format=ox.RdfFormat.N_TRIPLES)
    answer = sorted(sol["iso3"].value for sol in store.query(LOCAL))
    assert {"AFG", "BGD", "NPL"} <= set(answer)  # the review documents do mention LDCs
    return answer


@pytest.fixture(scope="module")
def remote(tmp_path_factory, kos_fragment):
    server = start(engines.OxigraphServer(tmp_path_factory.mktemp("remote"), union_default_graph=True))
    server.put("http://example.org/sdg-codes-groupings", kos_fragment)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ours(tmp_path_factory, built_config, remote):
    """`gcmkg serve` with the remote engine's endpoint allow-listed for SERVICE."""
    server = start(engines.GcmkgServer(tmp_path_factory.mktemp("ours"), built_config.instance_dir,
                                       env={"GCMKG_SERVICE_ALLOWLIST": remote.query_url}))
    yield server
    server.stop()


def iso3s(rows: list[dict]) -> list[str]:
    return sorted(r["iso3"].strip('"') for r in rows)


# --- (a) other engines call our endpoint ------------------------------------------------------------------------
def query_calling_us(ours) -> str:
    return PREFIXES + f"SELECT DISTINCT ?iso3 WHERE {{ {THEIRS} SERVICE <{ours.query_url}> {{ {OURS} }} }}"


def test_oxigraph_server_joins_its_data_with_ours_through_service(ours, remote, expected):
    assert iso3s(engines.select(remote.query_url, query_calling_us(ours))) == expected


def test_jena_arq_joins_its_data_with_ours_through_service(ours, kos_fragment, expected, tmp_path):
    try:
        classpath = engines.jena_classpath(tmp_path)
    except engines.EngineUnavailable as exc:
        pytest.skip(str(exc))
    (tmp_path / "kos.nt").write_bytes(kos_fragment)
    (tmp_path / "q.rq").write_text(query_calling_us(ours))
    run = subprocess.run(["java", "-cp", classpath, "arq.query", "--data", str(tmp_path / "kos.nt"),
                          "--query", str(tmp_path / "q.rq"), "--results=json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(run.stdout)["results"]["bindings"]]
    assert iso3s(rows) == expected


@pytest.fixture(scope="module")
def comunica():
    try:
        return engines.comunica_sparql()
    except engines.EngineUnavailable as exc:
        pytest.skip(str(exc))


def run_comunica(binary: str, *args: str) -> list[dict]:
    run = subprocess.run([binary, *args, "-t", "application/sparql-results+json"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(run.stdout)["results"]["bindings"]]


def test_comunica_queries_our_endpoint(ours, comunica):
    rows = run_comunica(comunica, ours.query_url,
                        PREFIXES + "SELECT ?o WHERE { ?o a gcm:Objective } ORDER BY ?o")
    assert len(rows) == 23 and all(r["o"].startswith("https://w3id.org/gcmkg/id/objective/") for r in rows)


def test_comunica_federates_our_endpoint_with_another(ours, remote, comunica, expected):
    rows = run_comunica(comunica, f"sparql@{ours.query_url}", f"sparql@{remote.query_url}",
                        PREFIXES + f"SELECT DISTINCT ?iso3 WHERE {{ {OURS} {THEIRS} }}")
    assert iso3s(rows) == expected


# --- (b) our endpoint calls another engine ----------------------------------------------------------------------
def query_calling(endpoint: str) -> str:
    return PREFIXES + f"SELECT DISTINCT ?iso3 WHERE {{ {OURS} SERVICE <{endpoint}> {{ {THEIRS} }} }}"


def test_our_endpoint_calls_an_allowlisted_service(ours, remote, expected):
    assert iso3s(engines.select(ours.query_url, query_calling(remote.query_url))) == expected


def ask(server, query: str) -> tuple[int, str]:
    status, body, _ = engines.http("GET", server.query_url + "?" + urllib.parse.urlencode({"query": query}),
                                   headers={"Accept": "application/sparql-results+json"})
    return status, body.decode("utf-8", "replace")


def test_our_endpoint_refuses_a_service_not_on_the_allowlist(ours, remote, tmp_path, built_config):
    # the same engine under another IRI is not allow-listed: refused before any call
    other = remote.query_url.replace("127.0.0.1", "localhost")
    status, body = ask(ours, query_calling(other))
    assert 400 <= status < 500 and "SERVICE" in body, (status, body)
    # by default (empty allow-list) every SERVICE is refused
    closed = start(engines.GcmkgServer(tmp_path / "closed", built_config.instance_dir,
                                       env={"GCMKG_SERVICE_ALLOWLIST": ""}))
    try:
        status, body = ask(closed, query_calling(remote.query_url))
        assert 400 <= status < 500 and "SERVICE" in body, (status, body)
    finally:
        closed.stop()
