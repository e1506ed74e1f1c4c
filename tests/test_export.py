"""`gcmkg export`: the dumps reload into a fresh store that holds exactly the build."""
from __future__ import annotations

import hashlib

import pyoxigraph as ox

from ingest.export import export
from queries.store import current_build, open_read_only


def test_dumps_reload_into_the_same_dataset_with_checksums(built_config, tmp_path):
    out = export(built_config, str(tmp_path / "dumps"))
    store = open_read_only(current_build(built_config.instance_dir))
    built = {q for g in store.named_graphs() for q in store.quads_for_pattern(None, None, None, g)}
    for name, fmt in (("gcmkg.trig", ox.RdfFormat.TRIG), ("gcmkg.nq", ox.RdfFormat.N_QUADS)):
        reloaded = set(ox.parse(path=str(out / name), format=fmt))
        assert reloaded == built, name  # no blank nodes in the graph: equality is isomorphism
    per_graph = set()
    for g in store.named_graphs():
        name = g.value.rsplit("/", 1)[-1]
        ttl = set(ox.parse(path=str(out / "graphs" / f"{name}.ttl"), format=ox.RdfFormat.TURTLE))
        jsonld = set(ox.parse(path=str(out / "graphs" / f"{name}.jsonld"), format=ox.RdfFormat.JSON_LD))
        assert ttl == jsonld
        per_graph |= {ox.Quad(t.subject, t.predicate, t.object, g) for t in ttl}
    assert per_graph == built
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    void = set(ox.parse(path=str(out / "void.ttl"), format=ox.RdfFormat.TURTLE))
    dumps = {t.object.value for t in void if t.predicate.value == "http://rdfs.org/ns/void#dataDump"}
    assert f"{built_config.base_iri}dumps/gcmkg.trig" in dumps


def test_the_alignment_file_lists_the_wikidata_and_kos_matches(built_config, tmp_path):
    import csv

    out = export(built_config, str(tmp_path / "dumps"))
    lines = [l for l in (out / "alignments.sssom.tsv").read_text().splitlines() if not l.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    thailand = [r for r in rows if r["subject_id"].endswith("/id/country/tha")]
    objects = {r["object_id"] for r in thailand}
    # Thailand: Wikidata Q869 and M49 764, as in the vendored M49 table
    assert "http://www.wikidata.org/entity/Q869" in objects
    assert "http://metadata.un.org/sdg/codes/geoArea/764" in objects
    ttl = set(ox.parse(path=str(out / "alignments.ttl"), format=ox.RdfFormat.TURTLE))
    assert len(ttl) == len(rows)
