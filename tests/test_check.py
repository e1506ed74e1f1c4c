"""`gcmkg check`: the SHACL shapes, the must-return-nothing SPARQL checks and the OWL reasoner.

Every shape and every check has a known-bad fixture in tests/fixtures/bad/ that breaks it and nothing else: its
``# expect: RULE <IRI>`` lines name the culprits the report must name. tests/fixtures/good/ passes everything and
exercises every shape. The reasoner tests run Java (HermiT, Pellet) and are marked slow; they are bounded.
"""
from __future__ import annotations

import io
import re
import time
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import ontology
from ingest import check, reasoner
from ontology import settings
from ontology.vocab import GCM_NS

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good" / "small-graph.trig"
BASE = "https://w3id.org/gcmkg/"
SH = rdflib.Namespace(check.SH_NS)
GCMSH = check.SHAPES_NS

SHAPE_FIXTURES = sorted(BAD.glob("shape-*"))
CHECK_FIXTURES = sorted(BAD.glob("check-*"))
_EXPECT = re.compile(r"^#\s*expect:\s*(\S+)\s+<([^>]+)>\s*$")


def expectations(path: Path) -> list[tuple[str, str]]:
    """(rule, focus IRI) pairs from a fixture's header; rules as gcmsh:Name or check:name."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT.match(line.strip())
        if m:
            rule = m.group(1)
            rule = GCMSH + rule.removeprefix("gcmsh:") if rule.startswith("gcmsh:") else rule.removeprefix("check:")
            found.append((rule, m.group(2)))
    return found


@lru_cache(maxsize=None)
def outcome(path: Path) -> tuple[list[check.Violation], list[check.Violation], str]:
    """Shape violations, check violations and the printed report of one fixture (with the ontology), once."""
    store = check.load_store([path])
    report = check.check_all(store, BASE)
    out = io.StringIO()
    check.format_report(report, out)
    return report.shape_violations, report.check_violations, out.getvalue()


def shapes() -> rdflib.Graph:
    return check.shapes_graph()


def node_shapes() -> list[str]:
    return sorted(str(s) for s in shapes().subjects(RDF.type, SH.NodeShape))


def property_shapes() -> list[str]:
    return sorted(str(p) for p in shapes().objects(None, SH.property))


# --- the shapes and checks themselves ----------------------------------------------------------------------------


def test_every_shape_is_named_documented_and_has_a_curator_message():
    g = shapes()
    assert len(node_shapes()) >= 20
    for node in node_shapes():
        n = rdflib.URIRef(node)
        assert g.value(n, RDFS.label) is not None, f"{node} has no rdfs:label"
        assert g.value(n, RDFS.comment) is not None, f"{node} has no rdfs:comment"
    for prop in property_shapes():
        p = rdflib.URIRef(prop)
        assert isinstance(p, rdflib.URIRef) and prop.startswith(GCMSH), f"property shape {prop} must be named"
        assert g.value(p, SH.name) is not None, f"{prop} has no sh:name"
        assert g.value(p, SH.description) is not None, f"{prop} has no sh:description"
        assert g.value(p, SH.message) is not None, f"{prop} has no sh:message"
    for node in node_shapes():  # a node shape with its own constraints carries its own message
        n = rdflib.URIRef(node)
        own = {SH.pattern, SH["or"], SH.nodeKind, SH["not"], SH["and"]} & set(g.predicates(n, None))
        if own:
            assert g.value(n, SH.message) is not None, f"{node} has no sh:message"


def test_shapes_use_shacl_core_only():
    """No SPARQL-based constraints or targets, no rules, no JavaScript: pySHACL and any other engine agree."""
    assert len(list(ox.parse(path=str(ontology.SHAPES_TTL), format=ox.RdfFormat.TURTLE))) == len(shapes())
    used = {p for p in shapes().predicates() if str(p).startswith(check.SH_NS)}
    forbidden = {SH.sparql, SH.select, SH.ask, SH.rule, SH.target, SH.js, SH.jsFunctionName, SH.closed, SH.declare}
    assert not used & forbidden, f"not SHACL Core: {sorted(used & forbidden)}"


def test_every_check_has_a_header_and_runs():
    checks = check.load_checks()
    assert len(checks) >= 12
    empty = ox.Store()
    for c in checks:
        assert c.path.name.endswith("-violation.rq"), c.path
        assert c.title and c.title != c.name, f"{c.path.name}: no '# title:' header"
        assert len(c.description) > 40, f"{c.path.name}: no '# description:' header"
        # pyoxigraph substitutes only projected variables: a check that uses ?base must project it
        assert check.run_check(empty, c, BASE) == [], c.name


@pytest.mark.parametrize("path", CHECK_FIXTURES, ids=lambda p: p.stem)
def test_a_triple_stored_in_several_graphs_is_reported_once(path):
    """The build stores each triple in its source's graph and in the default graph; pyoxigraph's union default
    graph is then a bag, so every check must say DISTINCT or aggregate, or it reports a culprit many times."""
    once = check.load_store([path])
    twice = check.load_store([path])
    twice.bulk_extend([ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("urn:gcmkg:copy")) for q in once])
    checks = [c for c in check.load_checks() if c.name != "graph-undescribed"]  # urn:gcmkg:copy describes nothing
    key = lambda vs: sorted((v.rule, v.focus) for v in vs)  # noqa: E731
    assert key(check.run_sparql_checks(twice, BASE, checks)) == key(check.run_sparql_checks(once, BASE, checks))


def test_checks_are_bound_to_the_configured_base():
    text = (BAD / "check-dangling-reference.ttl").read_text(encoding="utf-8")
    other_base = "https://example.org/kg/"
    store = ox.Store()
    store.load(text.replace(BASE, other_base), format=ox.RdfFormat.TURTLE)
    dangling = [c for c in check.load_checks() if c.name == "dangling-reference"]
    assert check.run_sparql_checks(store, BASE, dangling) == []
    found = check.run_sparql_checks(store, other_base, dangling)
    assert [v.focus for v in found] == [other_base + "id/org/unwomen"]


# --- known-bad fixtures: each breaks exactly its shape or check, and the report names the culprits ---------------


@pytest.mark.parametrize("path", SHAPE_FIXTURES, ids=lambda p: p.stem)
def test_bad_fixture_breaks_exactly_its_shape(path):
    node_shape = GCMSH + path.stem.removeprefix("shape-")
    assert node_shape in node_shapes(), f"{path.name} names no shape of ontology/shapes.ttl"
    shape_v, check_v, text = outcome(path)
    assert shape_v, f"{path.name} breaks no shape"
    assert {v.group for v in shape_v} == {node_shape}, f"{path.name} breaks other shapes too: {shape_v}"
    assert not check_v, f"{path.name} breaks SPARQL checks too: {check_v}"
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    found = {(v.rule, v.focus) for v in shape_v}
    for rule, focus in expected:
        assert (rule, focus) in found, f"{path.name}: {check.compact(rule)} did not report <{focus}>; got {found}"
        assert f"<{focus}>" in text and check.compact(rule) in text
    assert "FAIL" in text


@pytest.mark.parametrize("path", CHECK_FIXTURES, ids=lambda p: p.stem)
def test_bad_fixture_breaks_exactly_its_check(path):
    name = path.stem.removeprefix("check-")
    assert name in {c.name for c in check.load_checks()}, f"{path.name} names no check of ontology/checks"
    shape_v, check_v, text = outcome(path)
    assert not shape_v, f"{path.name} breaks shapes too: {shape_v}"
    assert check_v and {v.rule for v in check_v} == {name}, f"{path.name}: {check_v}"
    for rule, focus in expectations(path):
        assert rule == name
        assert focus in {v.focus for v in check_v}, f"{path.name}: <{focus}> not reported"
        assert f"<{focus}>" in text
    assert f"FAIL {name}" in text


def test_every_shape_and_check_has_a_bad_fixture():
    covered_nodes = {GCMSH + p.stem.removeprefix("shape-") for p in SHAPE_FIXTURES}
    assert set(node_shapes()) <= covered_nodes, f"node shapes without a fixture: {set(node_shapes()) - covered_nodes}"
    covered_rules = {rule for p in SHAPE_FIXTURES for rule, _ in expectations(p)}
    catalog = check.shape_catalog()
    uncovered = {ps for ps in property_shapes() if ps not in covered_rules}
    assert not uncovered, f"property shapes no fixture proves: {sorted(uncovered)}"
    node_level = {n for n in node_shapes() if catalog[n].group == n and n in covered_rules}
    assert node_level  # node shapes with their own constraints are proven too (e.g. the SDG IRI patterns)
    names = {c.name for c in check.load_checks()}
    assert names == {p.stem.removeprefix("check-") for p in CHECK_FIXTURES}


def test_good_fixture_passes_everything():
    shape_v, check_v, text = outcome(GOOD)
    assert not shape_v, shape_v
    assert not check_v, check_v
    assert "FAIL" not in text


def test_good_fixture_exercises_every_node_shape():
    """No shape passes the good fixture vacuously: each has at least one focus node there."""
    store = check.load_store([GOOD])
    g = shapes()
    for node in node_shapes():
        n = rdflib.URIRef(node)
        hits = 0
        for cls in g.objects(n, SH.targetClass):
            q = f"ASK {{ ?x a/<{RDFS.subClassOf}>* <{cls}> }}"
            hits += bool(store.query(q, use_default_graph_as_union=True))
        for prop in g.objects(n, SH.targetSubjectsOf):
            hits += bool(store.query(f"ASK {{ ?x <{prop}> ?y }}", use_default_graph_as_union=True))
        assert hits, f"the good fixture has no focus node for {check.compact(node)}"


# --- the pure functions take an in-memory pyoxigraph Store or an rdflib graph ------------------------------------


def _rdflib_dataset(*paths: Path) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(ontology.ONTOLOGY_TTL, format="turtle")
    for p in paths:
        ds.parse(p, format="trig" if p.suffix == ".trig" else "turtle")
    return ds


def test_validate_shapes_and_checks_accept_rdflib_graphs():
    assert check.validate_shapes(_rdflib_dataset(GOOD)) == []
    assert check.run_sparql_checks(_rdflib_dataset(GOOD), BASE) == []
    bad = BAD / "shape-ObjectiveShape.ttl"
    graph = rdflib.Graph().parse(ontology.ONTOLOGY_TTL, format="turtle").parse(bad, format="turtle")
    via_rdflib = {(v.rule, v.focus) for v in check.validate_shapes(graph)}
    assert via_rdflib == {(v.rule, v.focus) for v in outcome(bad)[0]}
    dangling = BAD / "check-dangling-reference.ttl"
    assert {v.focus for v in check.run_sparql_checks(_rdflib_dataset(dangling), BASE)} == {BASE + "id/org/unwomen"}


@pytest.mark.parametrize("path", [GOOD, *SHAPE_FIXTURES[::3]], ids=lambda p: p.stem)
def test_predicate_filter_gives_the_same_results_as_the_whole_union(path):
    """validate_shapes(store) hands pySHACL only the triples the shapes can see; that must change nothing."""
    store = check.load_store([path])
    whole = rdflib.Graph().parse(data=check.union_ntriples(store), format="nt")
    key = lambda vs: sorted((v.rule, v.focus, v.value) for v in vs)  # noqa: E731
    assert key(check.validate_shapes(store)) == key(check.validate_shapes(whole))


def test_shape_predicates_cover_paths_targets_and_comparisons():
    preds = check.shape_predicates(shapes())
    for iri in (str(RDF.type), str(RDFS.subClassOf), GCM_NS + "actionOf", GCM_NS + "hasAction",
                "http://www.w3.org/2002/07/owl#sameAs", GCM_NS + "endDate", GCM_NS + "sha256"):
        assert iri in preds, iri


def test_sdg_indicator_pattern_accepts_the_kos_permanent_codes():
    """The KOS gives an indicator repeated under several targets a code C20tt ii (C200202 is 8.4.1 = 12.2.1)."""
    ttl = """@prefix sdg: <http://metadata.un.org/sdg/> . @prefix sdgo: <http://metadata.un.org/sdg/ontology#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    sdg:8 a sdgo:Goal ; skos:prefLabel "Decent work"@en . sdg:12 a sdgo:Goal ; skos:prefLabel "Responsible consumption"@en .
    sdg:8.4 a sdgo:Target ; sdgo:isTargetOf sdg:8 ; skos:prefLabel "Resource efficiency"@en .
    sdg:12.2 a sdgo:Target ; sdgo:isTargetOf sdg:12 ; skos:prefLabel "Natural resources"@en .
    sdg:C200202 a sdgo:Indicator ; sdgo:isIndicatorOf sdg:8.4 , sdg:12.2 ; skos:prefLabel "Material footprint"@en ."""
    store = check.load_store()
    store.load(ttl, format=ox.RdfFormat.TURTLE)
    assert check.validate_shapes(store) == []
    assert check.run_sparql_checks(store, BASE) == []


def test_every_gcm_class_is_labelled_or_a_record():
    """Every class of ours falls under gcmsh:LabelledEntityShape (its instances need an English label) or is one
    of the record classes that are shown through what they link: a new class cannot slip through unlabelled."""
    onto = rdflib.Graph().parse(ontology.ONTOLOGY_TTL, format="turtle")
    labelled = set(shapes().objects(rdflib.URIRef(GCMSH + "LabelledEntityShape"), SH.targetClass))
    records = {rdflib.URIRef(GCM_NS + c) for c in
               ("TextSegment", "Statement", "StatisticalObservation", "ObjectiveTargetMapping", "EventRole", "StateParty")}
    for cls in onto.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(GCM_NS):
            continue
        ancestors = set(onto.transitive_objects(cls, RDFS.subClassOf))
        assert ancestors & (labelled | records), f"{cls} is neither labelled nor a record class"


# --- the command -------------------------------------------------------------------------------------------------


def _build(tmp_path, *fixtures: Path) -> settings.Config:
    """A real build (RocksDB store, build.json, current link) of the ontology and fixtures, one graph per graph."""
    from ingest.build import build, ontology_source
    from ingest.sources import Source

    config = settings.load({"instance_dir": str(tmp_path / "instance")}, environ={})
    sources = [ontology_source()]
    for path in fixtures:
        ds = rdflib.Dataset()
        ds.parse(path, format="trig" if path.suffix == ".trig" else "turtle")
        by_graph: dict[str, list] = {}
        for s, p, o, g in ds.quads((None, None, None, None)):
            name = str(g).rsplit("/", 1)[-1] if str(g).startswith(BASE + "graph/") else path.stem.lower()
            by_graph.setdefault(name, []).append((s, p, o))
        for name, triples in by_graph.items():
            nt = rdflib.Graph()
            for t in triples:
                nt.add(t)
            data = nt.serialize(format="nt", encoding="utf-8")
            parsed = [t for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
            sources.append(Source(name=name, title=f"fixture {name}", load=lambda ctx, parsed=parsed: parsed,
                                  license="https://www.apache.org/licenses/LICENSE-2.0", source_iri=path.as_uri()))
    build(config, sources=sources, log=lambda *a: None)
    return config


def test_run_checks_without_a_build_says_build_first(tmp_path):
    config = settings.load({"instance_dir": str(tmp_path / "nothing")}, environ={})
    out, err = io.StringIO(), io.StringIO()
    assert check.run_checks(config, out=out, err=err) == 2
    assert "run `gcmkg build` first" in err.getvalue()


def test_run_checks_on_a_damaged_build_says_rebuild_not_build_first(tmp_path, built_config):
    import shutil

    from queries.store import current_build

    instance = tmp_path / "instance"
    shutil.copytree(built_config.instance_dir, instance, symlinks=True)
    (current_build(instance).path / "build.json").write_text("{not json")
    out, err = io.StringIO(), io.StringIO()
    assert check.run_checks(settings.load({"instance_dir": str(instance)}, environ={}), out=out, err=err) == 2
    assert "rebuild with `gcmkg build`" in err.getvalue() and "build first" not in err.getvalue()


def test_run_checks_passes_on_a_build_of_the_good_fixture(tmp_path):
    config = _build(tmp_path, GOOD)
    out = io.StringIO()
    assert check.run_checks(config, out=out) == 0, out.getvalue()
    assert "gcmkg check passed" in out.getvalue()


def test_run_checks_fails_naming_the_culprits_on_a_build_of_bad_fixtures(tmp_path):
    bad = [BAD / "shape-ObjectiveShape.ttl", BAD / "check-dangling-reference.ttl"]
    config = _build(tmp_path, *bad)
    out = io.StringIO()
    assert check.run_checks(config, out=out) == 1
    text = out.getvalue()
    for path in bad:
        for rule, focus in expectations(path):
            assert f"<{focus}>" in text
    assert "FAIL gcmsh:Objective-number" in text and "FAIL dangling-reference" in text
    assert "gcmkg check FAILED" in text


# --- the ontology ------------------------------------------------------------------------------------------------


def test_ontology_loads_in_rdflib_pyoxigraph_and_owlready2():
    import owlready2

    g = rdflib.Graph().parse(ontology.ONTOLOGY_TTL, format="turtle")
    triples = list(ox.parse(path=str(ontology.ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE))
    assert len(g) == len(set(triples)) > 500
    world = owlready2.World()  # owlready2 reads N-Triples, not Turtle
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    world.get_ontology("urn:gcmkg:test").load(fileobj=io.BytesIO(nt), format="ntriples")
    assert world[GCM_NS + "Objective"] is not None
    assert world[GCM_NS + "Objective"] in world[GCM_NS + "GlobalCompactConcept"].subclasses()


def test_every_gcm_term_has_an_english_label_and_definition():
    g = rdflib.Graph().parse(ontology.ONTOLOGY_TTL, format="turtle")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {s for k in kinds for s in g.subjects(RDF.type, k) if str(s).startswith(GCM_NS)}
    assert len(terms) > 100
    for term in sorted(terms):
        labels = [o for o in g.objects(term, RDFS.label) if o.language == "en"]
        definitions = [o for o in g.objects(term, SKOS.definition) if o.language == "en"]
        assert labels and definitions, f"{term} lacks an English rdfs:label or skos:definition"


# --- the reasoner (Java: HermiT, Pellet) ---------------------------------------------------------------------------


@pytest.mark.slow
def test_ontology_alone_is_consistent_with_no_unsatisfiable_class():
    result = reasoner.reason(check.load_store(), timeout=60)
    assert result.error == ""
    assert result.consistent is True
    assert result.unsatisfiable == []


@pytest.mark.slow
def test_check_reason_names_an_unsatisfiable_class(tmp_path):
    config = _build(tmp_path, BAD / "reasoner-unsatisfiable-class.ttl")
    out = io.StringIO()
    assert check.run_checks(config, reason=True, out=out) == 1
    text = out.getvalue()
    assert "1 unsatisfiable class" in text
    assert f"<{GCM_NS}MeetingThatActs>" in text
    assert "gcmkg check passed" not in text  # shapes and checks passed; the reasoner alone fails the run


@pytest.mark.slow
def test_reasoner_explains_data_that_contradicts_the_ontology():
    result = reasoner.reason(check.load_store([BAD / "reasoner-inconsistent-data.ttl"]), timeout=60)
    assert result.consistent is False
    assert "inParagraph" in result.explanation and "fifteen" in result.explanation
    out = io.StringIO()
    reasoner.format_result(result, out)
    assert "INCONSISTENT" in out.getvalue()


@pytest.mark.slow
def test_reasoner_samples_large_data_and_says_so():
    result = reasoner.reason(check.load_store([GOOD]), timeout=60, max_full_abox=10, per_class=2)
    assert result.consistent is True
    assert "SAMPLE" in result.scope and "first 2 individuals" in result.scope


@pytest.mark.slow
def test_reasoner_deadline_stops_java():
    started = time.perf_counter()
    result = reasoner.reason(check.load_store([GOOD]), timeout=0.5)
    assert result.timed_out and result.consistent is None
    assert time.perf_counter() - started < 5
    out = io.StringIO()
    reasoner.format_result(result, out)
    assert "did not finish" in out.getvalue()


def test_reasoner_input_is_owl2_dl_clean():
    """Annotation properties are declared and sub-property axioms that tie a data or object property to an
    annotation property are left out and reported (the OWL API would otherwise pun classes as individuals)."""
    prepared = reasoner.reasoner_input(check.load_store([GOOD]))
    text = prepared.ntriples.decode()
    assert f"<{SKOS.definition}> <{RDF.type}> <{OWL.AnnotationProperty}> ." in text
    # gcm:commitment is itself an annotation property, so its tie to skos:definition is valid OWL 2 DL and kept;
    # no object or data property of the ontology is tied to an annotation property any more
    assert f"<{GCM_NS}commitment> <{RDF.type}> <{OWL.AnnotationProperty}> ." in text
    assert any(f"<{GCM_NS}commitment> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf>" in line
               for line in text.splitlines())
    assert not prepared.left_out
