"""`gcmkg build`: deterministic, atomic, one named graph per source with its provenance."""
from __future__ import annotations

import json
import os

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ingest.build import BuildError, build, is_up_to_date, ontology_source
from ingest.sources import Source
from ontology import settings
from queries.store import StoreCorrupt, StoreNotBuilt, current_build, open_read_only


def _dataset(config) -> rdflib.Dataset:
    store = open_read_only(current_build(config.instance_dir))
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    ds = rdflib.Dataset()
    ds.parse(data=data.decode("utf-8"), format="nquads")
    return ds


def _graph_named(ds: rdflib.Dataset, name: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o in ds.graph(rdflib.URIRef(name)):
        g.add((s, p, o))
    return g


def test_two_builds_give_isomorphic_graphs(built_config, tmp_path):
    other = settings.load({"instance_dir": str(tmp_path / "again")})
    build(other, log=lambda *a: None)
    first, second = _dataset(built_config), _dataset(other)
    names = sorted(str(c.identifier) for c in first.graphs() if len(c))
    assert names == sorted(str(c.identifier) for c in second.graphs() if len(c))
    for name in names:
        a, b = _graph_named(first, name), _graph_named(second, name)
        if not isomorphic(a, b):
            _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
            pytest.fail(f"graph {name} differs:\nonly first: {list(only_a)[:5]}\nonly second: {list(only_b)[:5]}")


def test_each_source_is_its_own_named_graph_with_provenance(built_config):
    build_ = current_build(built_config.instance_dir)
    store = open_read_only(build_)
    graphs = {g.value for g in store.named_graphs()}
    assert {s["graph"] for s in build_.meta["sources"]} == graphs
    assert f"{built_config.base_iri}graph/ontology" in graphs
    for g in graphs:
        # each graph describes itself, in itself: what it is and where it comes from
        ask = store.query(
            "ASK { GRAPH ?g { ?g a gcm:SourceGraph ; dct:title ?t } }",
            prefixes={"gcm": "https://w3id.org/gcmkg/ontology#", "dct": "http://purl.org/dc/terms/"},
            substitutions={ox.Variable("g"): ox.NamedNode(g)},
        )
        assert bool(ask), f"graph {g} lacks its own description"


def test_the_default_graph_is_the_merge_of_the_named_graphs(built_config):
    store = open_read_only(current_build(built_config.instance_dir))
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    named = {q.triple for g in store.named_graphs() for q in store.quads_for_pattern(None, None, None, g)}
    assert default == named
    # a triple that two sources state (an event described by two documents) is in the default graph once
    rows = list(store.query("SELECT ?e (COUNT(*) AS ?n) WHERE { ?e a <https://w3id.org/gcmkg/ontology#ReviewMeeting> }"
                            " GROUP BY ?e"))
    assert rows and all(int(r["n"].value) == 1 for r in rows)


def _failing(ctx):
    raise ValueError("line 12, column 3: unexpected end of table")


def test_a_failed_build_leaves_the_previous_one_current_and_says_why(tmp_path):
    config = settings.load({"instance_dir": str(tmp_path)})
    good = build(config, sources=[ontology_source()], log=lambda *a: None)
    with pytest.raises(BuildError) as err:
        build(config, sources=[ontology_source(), Source(name="broken", title="Broken", load=_failing)],
              log=lambda *a: None)
    assert "broken" in str(err.value) and "line 12, column 3" in str(err.value)
    assert current_build(tmp_path).path == good.resolve()
    assert not list((tmp_path / "builds").glob(".tmp-*"))


def test_a_failed_write_leaves_the_previous_one_current(tmp_path, monkeypatch):
    config = settings.load({"instance_dir": str(tmp_path)})
    good = build(config, sources=[ontology_source()], log=lambda *a: None)

    def disk_full(self, quads):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ox.Store, "bulk_extend", disk_full)
    with pytest.raises(BuildError, match="No space left"):
        build(config, sources=[ontology_source()], log=lambda *a: None)
    monkeypatch.undo()
    assert current_build(tmp_path).path == good.resolve()
    assert not list((tmp_path / "builds").glob(".tmp-*"))
    assert len(list(open_read_only(current_build(tmp_path)).quads_for_pattern(None, None, None))) > 0


def test_old_builds_are_pruned(tmp_path):
    config = settings.load({"instance_dir": str(tmp_path), "keep_builds": 1})
    for _ in range(4):
        build(config, sources=[ontology_source()], log=lambda *a: None)
    assert len([p for p in (tmp_path / "builds").iterdir()]) == 2  # current + one previous


def test_no_build_and_a_corrupt_build_are_told_apart(tmp_path):
    with pytest.raises(StoreNotBuilt, match="gcmkg build"):
        current_build(tmp_path)
    (tmp_path / "builds" / "x").mkdir(parents=True)
    os.symlink("builds/x", tmp_path / "current")
    with pytest.raises(StoreCorrupt, match="incomplete"):
        current_build(tmp_path)


def test_build_if_needed_sees_changed_inputs(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(settings.PROJECT_ROOT / "data", data)
    config = settings.load({"instance_dir": str(tmp_path / "inst"), "data_dir": str(data)})
    assert not is_up_to_date(config)
    build(config, log=lambda *a: None)
    assert is_up_to_date(config)
    (data / "reference" / "SOURCES.txt").write_text("changed\n")
    assert not is_up_to_date(config)


def test_build_json_carries_void_statistics(built_config):
    meta = json.loads((current_build(built_config.instance_dir).path / "build.json").read_text())
    stats = meta["statistics"]
    assert stats["triples"] <= sum(g["triples"] for g in stats["graphs"])  # the merge drops repeated triples
    assert any(p["class"].endswith("#Objective") for p in stats["classPartitions"])
