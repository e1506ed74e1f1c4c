"""`gcmkg publish` against real SPARQL servers on loopback: Oxigraph's server (Graph Store Protocol and SPARQL
Update) and Virtuoso 7 (Graph Store with Digest auth, SPARQL Update in chunks). Each run is checked independently
of the command's own verification: the triple count of every graph on the server equals build.json's."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import engines
from ingest.publish import _chunks, _update_body
from queries.store import current_build

pytestmark = pytest.mark.slow
ROOT = engines.ROOT
GCM = "https://w3id.org/gcmkg/ontology#"
OBJECTIVES = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{GCM}Objective> }}"


def publish(config, *args: str, env_password: str | None = None, timeout: float = 150) -> subprocess.CompletedProcess:
    """The command as a user runs it (the password, if given, in GCMKG_PUBLISH_PASSWORD)."""
    env = {k: v for k, v in os.environ.items() if k != "GCMKG_PUBLISH_PASSWORD"}
    if env_password is not None:
        env["GCMKG_PUBLISH_PASSWORD"] = env_password
    return subprocess.run([sys.executable, "-m", "gcmkg", "publish", "--instance-dir", str(config.instance_dir),
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def build_counts(config) -> dict[str, int]:
    return {s["graph"]: s["triples"] for s in current_build(config.instance_dir).meta["sources"]}


def server_counts(endpoint: str, graphs) -> dict[str, int]:
    return {g: int(engines.select(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")[0]["n"])
            for g in graphs}


def start(engine):
    try:
        return engine.start()
    except engines.EngineUnavailable as exc:
        pytest.skip(f"{engine.name}: {exc}")


@pytest.fixture()
def oxigraph(tmp_path):
    server = start(engines.OxigraphServer(tmp_path / "oxigraph", union_default_graph=True))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = start(engines.Virtuoso(tmp_path_factory.mktemp("virtuoso")))
    yield server
    server.stop()


# --- Oxigraph's server --------------------------------------------------------------------------------------------
def test_graph_store_put_loads_every_graph_and_counts_match(built_config, oxigraph):
    run = publish(built_config, "--to", oxigraph.query_url, "--gsp", oxigraph.gsp_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every count matches the build" in run.stdout and "GSP PUT" in run.stdout
    expected = build_counts(built_config)
    assert server_counts(oxigraph.query_url, expected) == expected
    # --union-default-graph: queries without GRAPH see the data
    assert engines.select(oxigraph.query_url, OBJECTIVES)[0]["n"] == "23"
    # publishing again replaces each graph (PUT), it does not add to it
    again = publish(built_config, "--to", oxigraph.query_url, "--gsp", oxigraph.gsp_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert server_counts(oxigraph.query_url, expected) == expected


def test_sparql_update_alone_loads_each_graph_in_one_request(built_config, oxigraph):
    run = publish(built_config, "--to", oxigraph.query_url, "--update", oxigraph.update_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SPARQL Update (1 request)" in run.stdout and "NOT atomic" not in run.stdout
    expected = build_counts(built_config)
    assert server_counts(oxigraph.query_url, expected) == expected


def test_a_graph_store_that_refuses_falls_back_to_sparql_update(built_config, oxigraph):
    # the query endpoint is no Graph Store: PUT there is refused, the update endpoint takes over
    run = publish(built_config, "--to", oxigraph.query_url, "--gsp", oxigraph.query_url,
                  "--update", oxigraph.update_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "falling back to SPARQL Update" in run.stderr
    expected = build_counts(built_config)
    assert server_counts(oxigraph.query_url, expected) == expected


def test_verification_fails_on_a_difference_and_publish_repairs_it(built_config, oxigraph):
    base = f"--to {oxigraph.query_url} --gsp {oxigraph.gsp_url}".split()
    assert publish(built_config, *base).returncode == 0
    ontology_graph = f"{built_config.base_iri}graph/ontology"
    stale_graph = f"{built_config.base_iri}graph/doc-withdrawn"
    oxigraph.update(f"DELETE WHERE {{ GRAPH <{ontology_graph}> {{ <https://w3id.org/gcmkg/ontology> ?p ?o }} }}")
    oxigraph.put(stale_graph, b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")

    check = publish(built_config, *base, "--verify-only")
    assert check.returncode == 1, check.stdout
    line = next(line for line in check.stdout.splitlines() if ontology_graph + " " in line)
    assert "MISMATCH" in line
    assert f"stale graph on the target (not in this build, kept): <{stale_graph}>" in check.stdout
    assert "FAILED: 1 graph(s) differ from the build" in check.stdout

    fix = publish(built_config, *base)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert f"dropped stale graph <{stale_graph}>" in fix.stdout
    assert server_counts(oxigraph.query_url, [stale_graph]) == {stale_graph: 0}
    assert publish(built_config, *base, "--verify-only").returncode == 0


def test_default_graph_union_is_a_bag_and_copy_gives_the_merge(built_config, tmp_path, oxigraph):
    """Our default graph is the set merge of the named graphs; a union default graph is a bag union."""
    meta = current_build(built_config.instance_dir).meta
    merged, stated = meta["statistics"]["triples"], sum(s["triples"] for s in meta["sources"])
    assert stated > merged  # some triples are stated by two sources
    count_all = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    assert publish(built_config, "--to", oxigraph.query_url, "--gsp", oxigraph.gsp_url).returncode == 0
    assert int(engines.select(oxigraph.query_url, count_all)[0]["n"]) == stated

    plain = start(engines.OxigraphServer(tmp_path / "plain", union_default_graph=False))
    try:
        union = publish(built_config, "--to", plain.query_url, "--gsp", plain.gsp_url)
        assert union.returncode == 1  # loaded, but queries without GRAPH would see nothing
        assert "do NOT see the data" in union.stdout and "--union-default-graph" in union.stdout
        copy = publish(built_config, "--to", plain.query_url, "--gsp", plain.gsp_url, "--default-graph", "copy")
        assert copy.returncode == 0, copy.stdout + copy.stderr
        assert "(default graph)" in copy.stdout
        assert int(engines.select(plain.query_url, count_all)[0]["n"]) == merged
        assert engines.select(plain.query_url, OBJECTIVES)[0]["n"] == "23"
    finally:
        plain.stop()


def test_an_unreachable_target_is_an_error_not_a_traceback(built_config):
    port = engines.free_port()
    run = publish(built_config, "--to", f"http://127.0.0.1:{port}/query", "--gsp", f"http://127.0.0.1:{port}/store")
    assert run.returncode == 1
    assert "Connection refused" in run.stdout + run.stderr and "Traceback" not in run.stderr


# --- Virtuoso -----------------------------------------------------------------------------------------------------
def test_virtuoso_graph_store_with_digest_auth(built_config, virtuoso):
    run = publish(built_config, "--to", virtuoso.query_url, "--gsp", virtuoso.gsp_url, "--user", "dba:dba")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "GSP PUT" in run.stdout and "NOT atomic" not in run.stdout
    expected = build_counts(built_config)
    assert server_counts(virtuoso.query_url, expected) == expected
    # Virtuoso's default graph (no FROM) is all its graphs
    assert engines.select(virtuoso.query_url, OBJECTIVES)[0]["n"] == "23"


def test_virtuoso_sparql_update_is_chunked_and_says_so(built_config, virtuoso):
    run = publish(built_config, "--to", virtuoso.query_url, "--update", virtuoso.update_url, "--user", "dba",
                  env_password="dba")
    assert run.returncode == 0, run.stdout + run.stderr
    # Virtuoso refuses INSERT DATA of a few thousand triples ("generated SQL text has exceeded 10000 lines")
    assert "chunks of <=" in run.stdout and "not replaced atomically" in run.stdout
    expected = build_counts(built_config)
    assert server_counts(virtuoso.query_url, expected) == expected


def test_virtuoso_bulk_loader_from_the_export_dump_verified_by_publish(built_config, virtuoso, tmp_path):
    """Data that outgrow HTTP loading: `gcmkg export` N-Quads into Virtuoso's bulk loader (isql), then
    `gcmkg publish --verify-only` checks every graph's count."""
    from ingest.export import export

    graphs = list(build_counts(built_config))
    virtuoso.isql("".join(f"SPARQL DROP SILENT GRAPH <{g}>;\n" for g in graphs))
    before = publish(built_config, "--to", virtuoso.query_url, "--verify-only")
    assert before.returncode == 1 and "MISMATCH" in before.stdout
    dumps = export(built_config, str(tmp_path / "dumps"))
    (virtuoso.load_dir / "gcmkg.nq").write_bytes((dumps / "gcmkg.nq").read_bytes())
    virtuoso.isql(f"ld_dir('{virtuoso.load_dir}', 'gcmkg.nq', 'urn:gcmkg:unused');\nrdf_loader_run();\ncheckpoint;\n")
    state = virtuoso.isql("SELECT ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE '%gcmkg.nq';\n")
    assert "NULL" in state  # no loader error
    after = publish(built_config, "--to", virtuoso.query_url, "--verify-only")
    assert after.returncode == 0, after.stdout
    assert server_counts(virtuoso.query_url, graphs) == build_counts(built_config)


def test_virtuoso_wrong_password_is_refused(built_config, virtuoso):
    run = publish(built_config, "--to", virtuoso.query_url, "--gsp", virtuoso.gsp_url, "--user", "dba:wrong")
    assert run.returncode == 1
    assert "answered 401" in run.stdout + run.stderr


# --- units ----------------------------------------------------------------------------------------------------------
def test_chunks_keep_blank_node_triples_together_and_in_the_first_request():
    lines = [f"<http://e/s{i}> <http://e/p> <http://e/o> .".encode() for i in range(25)]
    blank = [f"_:b{i} <http://e/p> _:b{i + 1} .".encode() for i in range(7)]
    parts = _chunks(lines[:10] + blank + lines[10:], 5)
    assert parts[0][:7] == blank and len(parts[0]) == 7  # never split, even beyond the chunk size
    assert sorted(sum(parts, [])) == sorted(lines + blank) and all(len(p) <= 5 for p in parts[1:])
    body = _update_body("http://e/g", parts[0] + parts[1], drop=True)
    assert body.startswith("DROP SILENT GRAPH <http://e/g> ;\nINSERT DATA {")
    assert "} WHERE {}" in body  # blank nodes go in an INSERT template, not INSERT DATA
