"""Real SPARQL clients against the real server (`gcmkg serve` on loopback): SPARQLWrapper, rdflib's SPARQLStore and
Apache Jena's rsparql each run SELECT, ASK, CONSTRUCT and DESCRIBE."""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import rdflib

from conformance.harness import serve

pytestmark = pytest.mark.slow

OBJ1 = "https://w3id.org/gcmkg/id/objective/1"
GCM = "https://w3id.org/gcmkg/ontology#"
SELECT = f"PREFIX gcm: <{GCM}> SELECT ?o WHERE {{ ?o a gcm:Objective }} ORDER BY ?o"
ASK = f"PREFIX gcm: <{GCM}> ASK {{ <{OBJ1}> a gcm:Objective }}"
CONSTRUCT = f"PREFIX gcm: <{GCM}> CONSTRUCT {{ ?o a gcm:Objective }} WHERE {{ ?o a gcm:Objective }}"
DESCRIBE = f"DESCRIBE <{OBJ1}>"


@pytest.fixture(scope="module")
def endpoint(built_config):
    with serve(built_config.instance_dir, workers=2, threads=2) as base:
        yield base + "/sparql"


def test_sparqlwrapper(endpoint):
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    w = SPARQLWrapper(endpoint)
    w.setQuery(SELECT)
    w.setReturnFormat(JSON)
    rows = w.query().convert()["results"]["bindings"]
    assert len(rows) == 23 and rows[0]["o"]["value"].startswith("https://w3id.org/gcmkg/id/objective/")
    w.setQuery(ASK)
    assert w.query().convert()["boolean"] is True
    w.setReturnFormat(XML)
    w.setQuery(SELECT)
    assert len(w.query().convert().getElementsByTagName("result")) == 23
    for query, fmt in ((CONSTRUCT, TURTLE), (DESCRIBE, TURTLE), (CONSTRUCT, XML)):
        w.setQuery(query)
        w.setReturnFormat(fmt)
        result = w.query().convert()
        graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
        assert len(graph) >= 1
        assert (rdflib.URIRef(OBJ1), None, None) in graph


def test_sparqlwrapper_by_post(endpoint):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    w = SPARQLWrapper(endpoint)
    w.setMethod(POST)
    w.setQuery(SELECT)
    w.setReturnFormat(JSON)
    assert len(w.query().convert()["results"]["bindings"]) == 23


def test_rdflib_sparqlstore(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    assert len(list(graph.query(SELECT))) == 23
    assert graph.query(ASK).askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 23
    described = graph.query(DESCRIBE).graph
    assert (rdflib.URIRef(OBJ1), rdflib.RDF.type, rdflib.URIRef(GCM + "Objective")) in described


def _jena_classpath(tmp: Path) -> str | None:
    """Debian's Jena classpath, fixed up by the engine harness (tests/engines.py); None when Jena is missing."""
    from engines import EngineUnavailable, jena_classpath

    try:
        return jena_classpath(tmp)
    except EngineUnavailable:
        return None


@pytest.fixture(scope="module")
def rsparql(tmp_path_factory):
    cp = _jena_classpath(tmp_path_factory.mktemp("jena"))
    if cp is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed (.ci/run installs both)")

    def run(endpoint: str, query: str, results: str | None = None) -> str:
        args = ["java", "-cp", cp, "arq.rsparql", "--service", endpoint, "--query", "/dev/stdin"]
        if results:
            args.append(f"--results={results}")
        proc = subprocess.run(args, input=query, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout
    return run


def test_jena_rsparql(endpoint, rsparql):
    table = rsparql(endpoint, SELECT)
    assert table.count("objective/") == 23
    assert rsparql(endpoint, SELECT, "json").count('"uri"') == 23
    assert "yes" in rsparql(endpoint, ASK).lower() or "true" in rsparql(endpoint, ASK).lower()
    for query in (CONSTRUCT, DESCRIBE):
        out = rsparql(endpoint, query, "nt")
        graph = rdflib.Graph().parse(data=out, format="nt")
        assert (rdflib.URIRef(OBJ1), rdflib.RDF.type, rdflib.URIRef(GCM + "Objective")) in graph
