"""Reference vocabularies (ingest/reference): counts and facts checked against the source files themselves.

Expected values are read from the vendored tables, the SDG KOS TTL and the corpus texts (or quoted from them),
never from what the loaders produced. Fast and offline: the loaders are called directly, without a build.
"""
from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from ingest.reference import SOURCES
from ingest.reference.instruments import ISO2_ALIASES, read_instruments, wpdl_iso3
from ingest.reference.geo import iso2_index, read_countries
from ingest.reference.mapping import CONFIDENCE
from ingest.reference.sssom import render
from ingest.sources import BuildContext
from ontology import ONTOLOGY_TTL
from ontology.iris import Minter
from ontology.vocab import GCM, OWL, RDF, RDFS, SDGO, SKOS, ORG, XSD, sparql_prefixes

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REF = DATA / "reference"
KOS_IRI = re.compile(r"^http://metadata\.un\.org/sdg/(\d{1,2}|\d{1,2}\.(\d{1,2}|[a-z])|C\d{2}[0-9a-z]{2}\d{2})$")
M = Minter()


# --- fixtures ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ref_ctx() -> BuildContext:
    return BuildContext(minter=Minter(), data_dir=DATA)


@pytest.fixture(scope="module")
def ref_graphs(ref_ctx) -> dict[str, list[ox.Triple]]:
    return {s.name: s.load(ref_ctx) for s in SOURCES}


@pytest.fixture(scope="module")
def ref_store(ref_ctx, ref_graphs) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ref_ctx.minter.graph(name))
                 for name, triples in ref_graphs.items() for t in triples)
    return store


def q(store: ox.Store, query: str) -> list[list]:
    return [list(sol) for sol in store.query(sparql_prefixes() + query, use_default_graph_as_union=True)]


def count(store: ox.Store, where: str) -> int:
    return int(q(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0][0].value)


def has(store: ox.Store, s, p, o) -> bool:
    return bool(list(store.quads_for_pattern(s, p, o)))


def read_csv(rel: str) -> list[dict]:
    with open(REF / rel, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def corpus(doc: str) -> str:
    """The text of a corpus document ('002'), whitespace collapsed."""
    (path,) = sorted((DATA / "corpus").glob(f"{doc}_*.txt"))
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def cited_docs(source: str) -> list[str]:
    """The corpus documents a source column cites ('corpus 002 para 18; ...' -> ['002'])."""
    docs = []
    for m in re.finditer(r"corpus (?:documents? )?((?:\d{3}(?:,? (?:and )?)?)+)", source):
        docs += re.findall(r"\d{3}", m.group(1))
    return docs


def objectives_json() -> list[dict]:
    return json.loads((REF / "gcm/gcm_objectives.json").read_text(encoding="utf-8"))


# --- the Source contract -----------------------------------------------------------------------------------------
def test_every_source_is_described_and_its_files_exist():
    names = [s.name for s in SOURCES]
    assert len(names) == len(set(names))
    for s in SOURCES:
        assert s.title and s.source_note and s.license, s.name
        assert s.files, s.name
        for rel in s.files:
            assert (DATA / rel).is_file(), f"{s.name}: {rel}"
        if s.issued is not None:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.issued), s.name


def test_one_graph_per_vocabulary():
    assert {s.name for s in SOURCES} >= {
        "gcm", "sdg", "gcm-sdg-mappings", "countries", "instruments", "treaty-status", "un-entities",
        "regional-processes", "stakeholder-groups", "event-roles", "meeting-formats", "document-types",
        "membership-roles"}


def test_loaders_are_deterministic_sorted_and_without_blank_nodes(ref_ctx, ref_graphs):
    for s in SOURCES:
        again = s.load(ref_ctx)
        assert again == ref_graphs[s.name], s.name
        assert again == sorted(again, key=str), s.name
        assert again, s.name
        for t in again:
            assert not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode), t


def test_loaders_are_fast(ref_ctx):
    started = time.perf_counter()
    for s in SOURCES:
        s.load(ref_ctx)
    assert time.perf_counter() - started < 2.0


def test_loaders_read_only_the_files_they_declare(ref_ctx, tmp_path):
    """Each loader works on a data folder that holds only its declared files."""
    for s in SOURCES:
        root = tmp_path / s.name
        for rel in s.files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes((DATA / rel).read_bytes())
        assert s.load(BuildContext(minter=Minter(), data_dir=root)) == s.load(ref_ctx), s.name


def test_every_node_has_an_english_label_and_preflabel(ref_graphs):
    labels = defaultdict(set)
    subjects = set()
    for triples in ref_graphs.values():
        for t in triples:
            subjects.add(t.subject)
            if t.predicate in (RDFS.label, SKOS.prefLabel) and isinstance(t.object, ox.Literal) \
                    and t.object.language == "en":
                labels[t.subject].add(t.predicate)
    missing = [s.value for s in subjects if labels[s] != {RDFS.label, SKOS.prefLabel}]
    assert not missing, missing[:10]


def test_no_dangling_project_iris(ref_graphs):
    subjects = {t.subject for ts in ref_graphs.values() for t in ts}
    objects = {t.object for ts in ref_graphs.values() for t in ts
               if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(M.base + "id/")}
    assert not sorted(o.value for o in objects - subjects)


def test_only_ontology_terms_and_standard_vocabularies(ref_graphs):
    onto = ox.Store()
    onto.bulk_load(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE)
    declared = {quad.subject.value for quad in onto.quads_for_pattern(None, RDF.type, None)
                if isinstance(quad.subject, ox.NamedNode)}
    allowed_ns = (str(RDF), str(RDFS), str(OWL), str(SKOS), "http://purl.org/dc/terms/", "http://www.w3.org/ns/prov#",
                  str(ORG), "http://schema.org/")
    for triples in ref_graphs.values():
        for t in triples:
            terms = [t.predicate] + ([t.object] if t.predicate == RDF.type else [])
            for term in terms:
                v = term.value
                if v.startswith((str(GCM), str(SDGO))):
                    assert v in declared, f"{v} is not declared in the ontology"
                else:
                    assert v.startswith(allowed_ns), f"{v} is not a standard vocabulary term"


# --- the Global Compact ------------------------------------------------------------------------------------------
def test_objectives_actions_principles_clusters_counts(ref_store):
    objectives = objectives_json()
    principles = json.loads((REF / "gcm/gcm_guiding_principles.json").read_text(encoding="utf-8"))
    assert len(objectives) == 23
    assert sum(len(o["actions"]) for o in objectives) == 187
    assert count(ref_store, "?x a gcm:Objective") == len(objectives)
    assert count(ref_store, "?x a gcm:Action") == sum(len(o["actions"]) for o in objectives) == 187
    assert count(ref_store, "?x a gcm:GuidingPrinciple") == len(principles) == 10
    assert count(ref_store, "?x a gcm:ObjectiveCluster") == 4


def test_objectives_as_in_the_source(ref_store):
    resolution = M.instrument("a-res-73-195")
    scheme = M.scheme("gcm")
    for o in objectives_json():
        node = M.objective(o["number"])
        assert has(ref_store, node, SKOS.prefLabel, ox.Literal(o["title"], language="en"))
        assert has(ref_store, node, RDFS.label, ox.Literal(o["title"], language="en"))
        assert has(ref_store, node, GCM.number, ox.Literal(str(o["number"]), datatype=XSD.integer))
        assert has(ref_store, node, GCM.inParagraph, ox.Literal(str(o["paragraph"]), datatype=XSD.integer))
        assert has(ref_store, node, GCM.commitment, ox.Literal(o["commitment_text"], language="en"))
        assert has(ref_store, node, GCM.statedIn, resolution)
        assert has(ref_store, node, SKOS.inScheme, scheme)
        letters = {a["letter"] for a in o["actions"]}
        got = {r[0].value for r in q(ref_store, f"SELECT ?l WHERE {{ <{node.value}> gcm:hasAction ?a . "
                                                 f"?a gcm:actionOf <{node.value}> ; gcm:letter ?l }}")}
        assert got == letters
        for a in o["actions"]:
            assert has(ref_store, M.action(o["number"], a["letter"]), GCM.text, ox.Literal(a["text"], language="en"))


def test_objective_20_cites_target_10c():
    (o20,) = [o for o in objectives_json() if o["number"] == 20]
    assert "target 10.c" in o20["commitment_text"] + " ".join(a["text"] for a in o20["actions"])


def test_principles_publish_only_complete_texts(ref_store):
    for p in json.loads((REF / "gcm/gcm_guiding_principles.json").read_text(encoding="utf-8")):
        node = M.principle(p["letter"])
        assert has(ref_store, node, SKOS.prefLabel, ox.Literal(p["label"], language="en"))
        texts = list(ref_store.quads_for_pattern(node, GCM.text, None))
        if p["text_status"].startswith("full"):
            assert [t.object.value for t in texts] == [p["text"]]
        else:
            assert not texts, p["letter"]
            assert has(ref_store, node, SKOS.editorialNote, None)
    assert not list(ref_store.quads_for_pattern(M.principle("f"), GCM.text, None))


def test_principle_altlabels_are_printed_in_the_documents():
    for row in read_csv("gcm/gcm_guiding_principle_altlabels.csv"):
        assert row["alt_label"] in corpus(row["doc"]), row


def test_clusters_csv_matches_the_roundtable_table_of_document_000(ref_store):
    (path,) = sorted((DATA / "corpus").glob("000_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("Roundtable\tObjectives")
    printed = {}
    for line in lines[start + 1: start + 5]:
        word, objectives = line.split("\t")
        printed[word] = {int(x) for x in re.findall(r"\d+", objectives)}
    assert list(printed) == ["One", "Two", "Three", "Four"]
    rows = read_csv("gcm/gcm_objective_clusters.csv")
    assert {r["roundtable_in_doc000"]: {int(x) for x in r["objectives"].split("|")} for r in rows} == printed
    # every objective in exactly one cluster, in the graph as in the CSV
    assert sorted(x for s in printed.values() for x in s) == list(range(1, 24))
    for r in rows:
        for k in r["objectives"].split("|"):
            assert has(ref_store, M.objective(int(k)), GCM.inCluster, M.cluster(int(r["cluster"])))
            assert has(ref_store, M.cluster(int(r["cluster"])), GCM.clusterMember, M.objective(int(k)))
    assert count(ref_store, "?x gcm:inCluster ?c") == 23
    assert "21.b. of General Assembly resolution 73/326" in corpus("000")


def test_cluster_titles_are_printed_in_the_corpus():
    text = " ".join(corpus(d) for d in ("001", "002", "004"))
    for r in read_csv("gcm/gcm_objective_clusters.csv"):
        for title in [r["title"], *filter(None, r["alt_titles"].split("|"))]:
            assert title in text, title


# --- SDGs ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kos() -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(REF / "sdg/lod4stats_sdg-kos-goals-targets-indicators.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def sdg_rows() -> list[dict]:
    return read_csv("sdg/sdg_goals_targets_indicators.csv")


def test_the_sdg_table_agrees_with_the_kos(kos):
    types = {"goal": SDGO.Goal, "target": SDGO.Target, "indicator_kos2019": SDGO.Indicator}
    checked = Counter()
    several = set()
    for r in sdg_rows():
        if r["level"] not in types:
            continue
        node = ox.NamedNode(r["uri"])
        assert has(kos, node, RDF.type, types[r["level"]]), r["uri"]
        for language in ("en", "fr", "es"):
            labels = {x.object.value.strip() for x in kos.quads_for_pattern(node, SKOS.prefLabel, None)
                      if x.object.language == language}
            assert r[f"title_{language}"].strip() in labels, (r["code"], language)
            if len(labels) > 1:
                several.add(r["code"])
        notations = {x.object.value for x in kos.quads_for_pattern(node, SKOS.notation, None)}
        assert set(r["code"].split("|")) <= notations, r["code"]
        checked[r["level"]] += 1
    assert checked == {"goal": 17, "target": 169, "indicator_kos2019": 232}
    # the KOS has several labels per language only for two repeated indicators and the defective target 12.3
    assert several == {"12.3", "1.5.1|11.5.1|13.1.1", "1.5.3|11.b.1|13.1.2"}


def test_the_defective_kos_label_of_target_12_3_is_corrected(ref_store, kos):
    (c,) = [r for r in read_csv("sdg/sdg_label_corrections.csv") if r["uri"].endswith("/12.3")]
    (row,) = [r for r in sdg_rows() if r["uri"] == c["uri"]]
    assert row[f"title_{c['lang']}"] == c["table_value"] == "By 2030,d"
    kos_labels = {x.object.value for x in kos.quads_for_pattern(ox.NamedNode(c["uri"]), SKOS.prefLabel, None)
                  if x.object.language == c["lang"]}
    squash = lambda t: re.sub(r",\s*", ", ", t)  # noqa: E731
    assert squash(c["corrected"]) in {squash(x) for x in kos_labels}
    opensdg = "12-3-title: By 2030, halve per capita global food waste at the retail and consumer"
    assert c["corrected"].startswith(opensdg.split(": ", 1)[1])
    node = ox.NamedNode(c["uri"])
    assert has(ref_store, node, SKOS.prefLabel, ox.Literal(c["corrected"], language="en"))
    assert not has(ref_store, node, SKOS.prefLabel, ox.Literal("By 2030,d", language="en"))


def test_a_corrupted_kos_label_is_left_out_rather_than_published(ref_store, kos):
    """Target 17.13's French label in the KOS has English words of another label spliced into it."""
    node = ox.NamedNode("http://metadata.un.org/sdg/17.13")
    kos_fr = [x.object.value for x in kos.quads_for_pattern(node, SKOS.prefLabel, None) if x.object.language == "fr"]
    assert any("domestic material consumption" in v for v in kos_fr)  # the defect is in the source
    ours = [x.object.value for x in ref_store.quads_for_pattern(node, SKOS.prefLabel, None)
            if x.object.language == "fr"]
    assert not any("domestic material consumption" in v for v in ours)
    assert any(x.object.language == "en" for x in ref_store.quads_for_pattern(node, SKOS.prefLabel, None))


def test_sdg_counts(ref_store):
    rows = sdg_rows()
    published = {r["uri"] for r in rows if r["level"] == "indicator_kos2019"}
    new = {r["code"] for r in rows if r["level"] == "indicator_current" and not r["uri"]}
    assert count(ref_store, "?x a sdgo:Goal") == 17
    assert count(ref_store, "?x a sdgo:Target") == 169
    assert count(ref_store, "?x a sdgo:Indicator") == len(published) + len(new) == 232 + 8
    assert count(ref_store, '?x a sdgo:Indicator ; gcm:iriStatus "published"') == len(published)
    assert count(ref_store, '?x a sdgo:Indicator ; gcm:iriStatus "inferred"') == len(new)
    codes = {r["code"] for r in rows if r["level"] == "indicator_current"}
    assert count(ref_store, "?i a sdgo:Indicator ; gcm:code ?x") == len(codes)


def test_target_10_7_text(ref_store):
    text = ("Facilitate orderly, safe, regular and responsible migration and mobility of people, including through "
            "the implementation of planned and well-managed migration policies")
    (row,) = [r for r in sdg_rows() if r["level"] == "target" and r["code"] == "10.7"]
    assert row["title_en"] == text
    t = ox.NamedNode("http://metadata.un.org/sdg/10.7")
    assert has(ref_store, t, SKOS.prefLabel, ox.Literal(text, language="en"))
    assert has(ref_store, t, SDGO.isTargetOf, ox.NamedNode("http://metadata.un.org/sdg/10"))
    assert has(ref_store, ox.NamedNode("http://metadata.un.org/sdg/10"), SDGO.hasTarget, t)


def test_indicator_10c1_is_published_and_10_7_3_inferred(ref_store, kos):
    c100c01 = ox.NamedNode("http://metadata.un.org/sdg/C100c01")
    assert Minter.sdg_indicator("10.c.1") == c100c01
    assert has(kos, c100c01, RDF.type, SDGO.Indicator)
    assert has(ref_store, c100c01, GCM.iriStatus, ox.Literal("published"))
    assert has(ref_store, c100c01, SDGO.isIndicatorOf, ox.NamedNode("http://metadata.un.org/sdg/10.c"))
    c100703 = ox.NamedNode("http://metadata.un.org/sdg/C100703")
    assert not list(kos.quads_for_pattern(c100703, None, None))
    assert has(ref_store, c100703, GCM.iriStatus, ox.Literal("inferred"))
    assert has(ref_store, c100703, GCM.code, ox.Literal("10.7.3"))
    assert has(ref_store, ox.NamedNode("http://metadata.un.org/sdg/10.7"), SDGO.hasIndicator, c100703)


def test_inferred_iris_are_the_pattern_guess_of_the_table_and_absent_from_the_kos(ref_store, kos):
    for r in sdg_rows():
        if r["level"] == "indicator_current" and not r["uri"]:
            guess = re.search(r"(http://metadata\.un\.org/sdg/C\w+)", r["source"]).group(1)
            assert Minter.sdg_indicator(r["code"]).value == guess
            assert not list(kos.quads_for_pattern(ox.NamedNode(guess), None, None))
            assert has(ref_store, ox.NamedNode(guess), GCM.iriStatus, ox.Literal("inferred"))


def test_repeated_indicators_are_one_node_with_all_codes(ref_store):
    node = ox.NamedNode("http://metadata.un.org/sdg/C200303")
    codes = {x.object.value for x in ref_store.quads_for_pattern(node, GCM.code, None)}
    assert codes == {"1.5.1", "11.5.1", "13.1.1"}


def test_every_published_iri_is_in_the_kos_and_every_sdg_iri_matches_the_kos_pattern(ref_graphs, kos):
    sdg = "http://metadata.un.org/sdg/"
    for triples in ref_graphs.values():
        for t in triples:
            for term in (t.subject, t.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(sdg) and "/codes/" not in term.value \
                        and "/ontology" not in term.value:
                    assert KOS_IRI.match(term.value), term.value
    published = [t.subject for t in ref_graphs["sdg"]
                 if t.predicate == GCM.iriStatus and t.object.value == "published"]
    assert published
    for node in published:
        assert KOS_IRI.match(node.value)
        assert list(kos.quads_for_pattern(node, RDF.type, None)), node.value


def test_custodians_and_tier_from_the_table(ref_store):
    (row,) = [r for r in sdg_rows() if r["level"] == "indicator_kos2019" and r["code"] == "10.7.1"]
    node = ox.NamedNode(row["uri"])
    assert {x.object.value for x in ref_store.quads_for_pattern(node, GCM.custodianAgency, None)} == \
        set(row["custodians"].split("|")) == {"ILO", "World Bank"}
    assert {x.object.value for x in ref_store.quads_for_pattern(node, GCM.tier, None)} == \
        {t.removeprefix("tier_") for t in row["tier"].split("|")}
    assert has(ref_store, node, SKOS.prefLabel, ox.Literal(row["title_fr"], language="fr"))


# --- GCM -> SDG mappings -----------------------------------------------------------------------------------------
def test_mappings_as_in_the_table(ref_store):
    rows = read_csv("gcm/gcm_sdg_target_mapping.csv")
    assert count(ref_store, "?x a gcm:ObjectiveTargetMapping") == len(rows)
    for r in rows:
        node = M.mapping(int(r["gcm_objective"]), r["sdg_target"])
        target = ox.NamedNode(r["sdg_target_uri"])
        assert has(ref_store, node, GCM.mappingSubject, M.objective(int(r["gcm_objective"])))
        assert has(ref_store, node, GCM.mappingObject, target)
        assert has(ref_store, node, GCM.mappingJustification, M.concept("mapping-justifications", r["evidence_class"]))
        assert has(ref_store, node, GCM.evidence, ox.Literal(r["evidence"], language="en"))
        assert has(ref_store, node, GCM.confidence, ox.Literal(CONFIDENCE[r["confidence"]], datatype=XSD.decimal))
        stated = "true" if r["evidence_class"] == "explicit_in_gcm_text" else "false"
        assert has(ref_store, node, GCM.statedInGcm, ox.Literal(stated, datatype=XSD.boolean))
        assert has(ref_store, M.objective(int(r["gcm_objective"])), GCM.contributesToTarget, target)
        assert has(ref_store, target, RDF.type, SDGO.Target)
    assert count(ref_store, '?x gcm:statedInGcm true') == \
        sum(r["evidence_class"] == "explicit_in_gcm_text" for r in rows) >= 1
    assert set(CONFIDENCE) == {r["confidence"] for r in rows}
    assert [float(CONFIDENCE[k]) for k in ("high", "medium", "low")] == sorted(map(float, CONFIDENCE.values()),
                                                                                reverse=True)


def test_justifications_align_to_semapv(ref_store):
    classes = {r["evidence_class"] for r in read_csv("gcm/gcm_sdg_target_mapping.csv")}
    for key in classes:
        c = M.concept("mapping-justifications", key)
        links = list(ref_store.quads_for_pattern(c, None, ox.NamedNode("https://w3id.org/semapv/vocab/ManualMappingCuration")))
        assert links and links[0].predicate in (SKOS.closeMatch, SKOS.broadMatch, SKOS.exactMatch)


def test_the_sssom_file_is_in_sync(ref_ctx):
    path = REF / "gcm/gcm_sdg_target_mapping.sssom.tsv"
    text = path.read_text(encoding="utf-8")
    assert text == render(ref_ctx), "run: .venv/bin/python -m ingest.reference.sssom"
    body = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(body, delimiter="\t"))
    assert len(rows) == len(read_csv("gcm/gcm_sdg_target_mapping.csv"))
    assert {r["mapping_justification"] for r in rows} == {"semapv:ManualMappingCuration"}
    assert "mapping_set_id:" in text and "curie_map:" in text


# --- countries ---------------------------------------------------------------------------------------------------
def test_escap_members_and_associate_members(ref_store):
    rows = read_csv("geo/escap_members_m49.csv")
    statuses = Counter(r["escap_status"] for r in rows)
    assert statuses == {"member": 53, "associate member": 9}
    escap = M.organization("escap")
    for role, n in (("member", 53), ("associate-member", 9)):
        assert count(ref_store, f"?x a org:Membership ; org:organization <{escap.value}> ; "
                                f"org:role <{M.concept('membership-roles', role).value}>") == n
    for r in rows:
        country = M.country(r["iso3"])
        assert has(ref_store, country, GCM.memberOf, escap)
        assert has(ref_store, M.membership(country, escap), ORG.member, country)
        if r["escap_subregion_code"] != "NONREG":
            assert has(ref_store, country, GCM.inRegion, M.area(f"escap-{r['escap_subregion_code'].lower()}"))
    assert count(ref_store, "?x a gcm:Country ; gcm:memberOf ?o . ?o gcm:acronym 'ESCAP'") == 62


def test_thailand_as_in_the_source_table(ref_store):
    (row,) = [r for r in read_csv("geo/escap_members_m49.csv") if r["name_en_unsd"] == "Thailand"]
    assert (row["iso3"], row["m49"], row["wikidata"]) == ("THA", "764", "Q869")
    th = M.country(row["iso3"])
    assert has(ref_store, th, GCM.iso3, ox.Literal("THA"))
    assert has(ref_store, th, GCM.iso2, ox.Literal(row["iso2"]))
    assert has(ref_store, th, GCM.m49, ox.Literal(row["m49"]))
    assert has(ref_store, th, OWL.sameAs, ox.NamedNode(f"http://www.wikidata.org/entity/{row['wikidata']}"))
    assert has(ref_store, th, SKOS.exactMatch, ox.NamedNode(f"https://sws.geonames.org/{row['geonames']}/"))
    assert has(ref_store, th, SKOS.exactMatch, ox.NamedNode(f"http://metadata.un.org/sdg/codes/geoArea/{row['m49']}"))
    assert has(ref_store, th, GCM.inRegion, M.area("escap-sea"))
    assert has(ref_store, th, SKOS.prefLabel, ox.Literal("Thaïlande", language="fr"))


def test_every_m49_country_is_present_with_its_names(ref_store):
    rows = [r for r in read_csv("geo/unsd_m49_geoareas_lod4stats.csv") if "co" in r["classes"].split("|")]
    current = {r["iso3"]: r for r in rows if "(pre-" not in r["name_en"]}
    assert count(ref_store, "?x a gcm:Country") == len({r["iso3"] for r in rows})
    for iso3, r in current.items():
        node = M.country(iso3)
        assert has(ref_store, node, SKOS.prefLabel, ox.Literal(r["name_en"], language="en")), iso3
        for language in ("fr", "es", "ru", "zh", "ar"):
            if r[f"name_{language}"]:
                assert has(ref_store, node, SKOS.prefLabel, ox.Literal(r[f"name_{language}"], language=language))


def test_every_wikidata_iri_is_a_q_number_of_the_source_tables(ref_graphs):
    sourced = set()
    for r in read_csv("geo/unsd_m49_geoareas_lod4stats.csv") + read_csv("geo/escap_members_m49.csv"):
        sourced.add(r["wikidata"])
    for r in sdg_rows():
        if r["wikidata"]:
            sourced.add(r["wikidata"].rsplit("/", 1)[1])
    seen = 0
    for triples in ref_graphs.values():
        for t in triples:
            for term in (t.subject, t.object):
                if isinstance(term, ox.NamedNode) and "wikidata.org" in term.value:
                    m = re.fullmatch(r"http://www\.wikidata\.org/entity/(Q[1-9]\d*)", term.value)
                    assert m, term.value
                    assert m.group(1) in sourced, term.value
                    seen += 1
    assert seen > 250


def test_m49_region_names_agree_with_the_vendored_tables():
    names = {r["m49"]: r["name_en"] for r in read_csv("geo/m49_regions.csv")}
    for r in read_csv("geo/unsd_m49_geoareas_lod4stats.csv"):
        if r["m49"] in names:
            assert names[r["m49"]] == r["name_en"]
    for r in read_csv("geo/escap_members_m49.csv"):
        code, name = r["m49_parent_regions"].split(":")
        assert names[code] == name


def test_alt_names_from_the_corpus_are_printed_there(ref_store):
    for r in read_csv("geo/area_altlabels.csv"):
        assert r["source"], r
        docs = cited_docs(r["source"])
        if docs:
            assert any(r["label"] in corpus(d) for d in docs), r
        node = M.country(r["key"]) if re.fullmatch(r"[A-Z]{3}", r["key"]) else M.area(r["key"])
        assert has(ref_store, node, SKOS.altLabel, ox.Literal(r["label"], language=r["lang"] or "en")), r
    for name in ("Viet Nam", "Republic of Korea", "Iran (Islamic Republic of)", "Lao People's Democratic Republic"):
        assert count(ref_store, f'?x a gcm:Country ; skos:prefLabel "{name}"@en') == 1


# --- treaty status -------------------------------------------------------------------------------------------------
def test_timor_leste_tp_code_is_read_as_tl(ref_ctx, ref_store):
    index = iso2_index(read_countries(ref_ctx))
    assert ISO2_ALIASES["TP"] == "TL"
    assert wpdl_iso3("TP", index) == "TLS"
    (row,) = [r for r in read_csv("treaties/wpdl_hr_status_icmw.csv") if r["iso2"] == "TP"]
    assert row["state party"] == "1"
    tls = M.country("TLS")
    assert has(ref_store, tls, GCM.isPartyTo, M.instrument("icrmw"))
    assert has(ref_store, M.ratification(M.instrument("icrmw"), tls), GCM.partySince,
               ox.Literal(row["year ratification or accession"], datatype=XSD.gYear))


@pytest.mark.parametrize("key,rel", [("icrmw", "treaties/wpdl_hr_status_icmw.csv"),
                                     ("crc", "treaties/wpdl_hr_status_crc.csv")])
def test_state_parties_as_in_the_wpdl_files(ref_ctx, ref_store, key, rel):
    index = iso2_index(read_countries(ref_ctx))
    treaty = M.instrument(key)
    rows = read_csv(rel)
    for r in rows:
        country = M.country(wpdl_iso3(r["iso2"], index))
        party = r["state party"] == "1"
        assert has(ref_store, country, GCM.isPartyTo, treaty) == party, r
        if party:
            record = M.ratification(treaty, country)
            assert has(ref_store, record, RDF.type, GCM.StateParty)
            assert has(ref_store, record, GCM.party, country) and has(ref_store, record, GCM.treaty, treaty)
            assert has(ref_store, record, GCM.observedOn, None)
            if r["year ratification or accession"]:
                assert has(ref_store, record, GCM.partySince,
                           ox.Literal(r["year ratification or accession"], datatype=XSD.gYear))
    assert count(ref_store, f"?x a gcm:StateParty ; gcm:treaty <{treaty.value}>") == \
        sum(r["state party"] == "1" for r in rows)


def test_icrmw_status_of_some_escap_countries(ref_store):
    """Quoted from wpdl_hr_status_icmw.csv: Philippines and Sri Lanka are parties; Thailand is not."""
    rows = {r["iso2"]: r for r in read_csv("treaties/wpdl_hr_status_icmw.csv")}
    assert rows["PH"]["state party"] == "1" and rows["LK"]["state party"] == "1" and rows["TH"]["state party"] == "0"
    icrmw = M.instrument("icrmw")
    assert has(ref_store, M.country("PHL"), GCM.isPartyTo, icrmw)
    assert has(ref_store, M.country("LKA"), GCM.isPartyTo, icrmw)
    assert not has(ref_store, M.country("THA"), GCM.isPartyTo, icrmw)
    assert has(ref_store, M.ratification(icrmw, M.country("PHL")), GCM.partySince,
               ox.Literal(rows["PH"]["year ratification or accession"], datatype=XSD.gYear))


# --- instruments -----------------------------------------------------------------------------------------------------
LISTED = {
    "icrmw": "Convention", "untoc": "Convention", "trafficking-protocol": "Protocol", "smuggling-protocol": "Protocol",
    "refugee-convention-1951": "Convention", "refugee-protocol-1967": "Protocol", "crc": "Convention",
    "icescr": "Treaty", "ilo-c097": "Convention", "ilo-c143": "Convention", "ilo-c189": "Convention",
    "ilo-fundamental-conventions": "InstrumentGroup", "unfccc": "Convention", "paris-agreement": "Agreement",
    "actip": "Convention", "asean-consensus-migrant-workers": "Declaration", "eaeu-treaty": "Agreement",
    "a-res-73-195": "Resolution", "a-res-73-326": "Resolution", "a-res-71-280": "Resolution",
    "a-res-71-1": "Declaration", "a-res-70-1": "Resolution", "a-res-55-25": "Resolution",
}


def test_listed_instruments_are_present(ref_store):
    for key, cls in LISTED.items():
        node = M.instrument(key)
        assert has(ref_store, node, RDF.type, GCM[cls]), key
        assert has(ref_store, node, RDF.type, GCM.Instrument), key
        if cls != "InstrumentGroup":
            assert has(ref_store, node, GCM.adopted, None), key
    for key in ("a-res-71-1", "a-res-70-1"):
        assert has(ref_store, M.instrument(key), RDF.type, GCM.Resolution)
    for key in ("trafficking-protocol", "smuggling-protocol"):
        assert has(ref_store, M.instrument(key), GCM.supplements, M.instrument("untoc"))
    for symbol in ("A/RES/73/195", "A/RES/73/326", "A/RES/71/280", "A/RES/71/1", "A/RES/70/1", "A/RES/55/25"):
        assert count(ref_store, f'?x gcm:symbol "{symbol}"') == 1


def test_treaty_identifiers_as_in_the_table(ref_store):
    by_name = {r["treaty_identifiers_row"]: r["key"] for r in read_csv("treaties/instruments.csv")
               if r["treaty_identifiers_row"]}
    rows = read_csv("treaties/treaty_identifiers.csv")
    assert set(by_name) == {r["short_name"] for r in rows}
    for r in rows:
        node = M.instrument(by_name[r["short_name"]])
        assert has(ref_store, node, GCM.adopted, ox.Literal(r["adopted"], datatype=XSD.date))
        if r["untc_mtdsg_no"]:
            assert has(ref_store, node, GCM.untcId, ox.Literal(r["untc_mtdsg_no"]))
        if r["normlex_instrument_id"]:
            assert has(ref_store, node, GCM.normlexId, ox.Literal(r["normlex_instrument_id"]))
    assert has(ref_store, M.instrument("icrmw"), GCM.untcId, ox.Literal("IV-13"))
    assert has(ref_store, M.instrument("ilo-c097"), GCM.normlexId, ox.Literal("312242"))


def test_the_eight_fundamental_ilo_conventions(ref_store):
    group = M.instrument("ilo-fundamental-conventions")
    members = {r[0].value for r in q(ref_store, f"SELECT ?m WHERE {{ <{group.value}> gcm:groupMember ?m }}")}
    expected = {M.instrument(f"ilo-c{n}").value for n in ("029", "087", "098", "100", "105", "111", "138", "182")}
    assert members == expected
    assert "eight ILO core conventions" in corpus("004")
    # NORMLEX ids only where a source was found
    rows = {r["key"]: r for r in read_csv("treaties/instruments.csv")}
    for key in ("ilo-c098", "ilo-c100", "ilo-c105", "ilo-c111", "ilo-c182"):
        assert not rows[key]["normlex_id"] and not has(ref_store, M.instrument(key), GCM.normlexId, None)


def test_bears_on_objective_is_derived_from_the_objectives_texts(ref_store):
    texts = {}
    for o in objectives_json():
        texts[o["number"]] = re.sub(r"\s+", " ", " ".join([o["commitment_text"]] + [a["text"] for a in o["actions"]]))
    links = q(ref_store, "SELECT ?i ?o ?e WHERE { ?i gcm:bearsOnObjective ?o . ?st rdf:subject ?i ; "
                         "rdf:predicate gcm:bearsOnObjective ; rdf:object ?o ; gcm:evidence ?e }")
    assert links
    numbers = {M.objective(n).value: n for n in range(1, 24)}
    for inst, obj, evidence in links:
        words = re.match(r"'(.+)' in objective \d+, ", evidence.value).group(1)
        assert words.lower() in texts[numbers[obj.value]].replace("\u2013", "-").lower(), (inst, obj, words)
    # the Trafficking Protocol is cited by objective 10 action (a), the Smuggling Protocol by objective 9 (a)
    assert "Trafficking in Persons Especially Women and Children" in texts[10]
    assert has(ref_store, M.instrument("trafficking-protocol"), GCM.bearsOnObjective, M.objective(10))
    assert has(ref_store, M.instrument("smuggling-protocol"), GCM.bearsOnObjective, M.objective(9))
    assert has(ref_store, M.instrument("untoc"), GCM.bearsOnObjective, M.objective(9))
    assert has(ref_store, M.instrument("paris-agreement"), GCM.bearsOnObjective, M.objective(2))
    # and nothing the texts do not cite: no objective names the ICRMW
    assert "Migrant Workers and Members of Their Families" not in " ".join(texts.values())
    assert not has(ref_store, M.instrument("icrmw"), GCM.bearsOnObjective, None)


def test_instrument_names_from_the_corpus_are_printed_there(ref_ctx):
    text = " ".join(corpus(d) for d in ("000", "001", "002", "003", "004")).lower()
    text = text.replace("\u2019", "'")
    for inst in read_instruments(ref_ctx):
        assert inst.row["source"], inst.key
        if cited_docs(inst.row["source"]):
            names = [n.lower() for n in inst.names] + [a.lower() for a in inst.acronyms]
            assert any(n in text for n in names), inst.key


# --- organisations and processes ---------------------------------------------------------------------------------
def test_regional_un_network_members_are_those_of_document_002_footnote_2(ref_store):
    text = corpus("002")
    footnote = text[text.index("<sup>2</sup> The following United Nations entities"):]
    footnote = footnote[: footnote.index("See also")]
    entities = {r["key"]: r for r in read_csv("orgs/un_entities.csv")}
    (row,) = [r for r in read_csv("orgs/memberships.csv")
              if r["organization"] == "rnm-asia-pacific" and r["role"] == "member"]
    members = row["member"].split("|")
    assert len(members) == 19
    for key in members:
        e = entities[key]
        names = [e["pref_label"], *e["alt_labels"].split("|"), *e["acronyms"].split("|")]
        assert any(n and n in footnote for n in names), key
    network = M.organization("rnm-asia-pacific")
    assert count(ref_store, f"?x a org:Membership ; org:organization <{network.value}>") == 19
    assert has(ref_store, M.organization("un-women"), GCM.memberOf, network)


def test_un_entity_spellings_of_the_documents(ref_store):
    for acronym in ("UN Women", "UN-Women"):
        assert has(ref_store, M.organization("un-women"), GCM.acronym, ox.Literal(acronym))
    for acronym in ("UNDRR", "UN DRR"):
        assert has(ref_store, M.organization("undrr"), GCM.acronym, ox.Literal(acronym))
    assert "UN DRR" in corpus("001") and "UN-Women" in corpus("004") and "(UN Women)" in corpus("002")
    assert not list(ref_store.quads_for_pattern(None, OWL.sameAs, None, M.graph("un-entities")))


def test_processes_and_their_sourced_members(ref_store):
    for key in ("bali-process", "colombo-process", "abu-dhabi-dialogue", "commit", "gfmd", "afml"):
        assert has(ref_store, M.process(key), RDF.type, GCM.RegionalConsultativeProcess), key
    for key in ("asean", "saarc", "eaeu", "pif"):
        assert has(ref_store, M.organization(key), RDF.type, GCM.RegionalOrganization), key
    rows = read_csv("orgs/memberships.csv")
    for r in rows:
        assert r["source"], r
    (commit,) = [r for r in rows if r["organization"] == "commit"]
    assert set(commit["member"].split("|")) == {"KHM", "CHN", "LAO", "MMR", "THA", "VNM"}
    for iso3 in commit["member"].split("|"):
        assert has(ref_store, M.country(iso3), GCM.memberOf, M.process("commit"))
    assert count(ref_store, f"?x gcm:memberOf <{M.organization('asean').value}>") == 10
    # no member list where none was sourced
    assert not has(ref_store, None, GCM.memberOf, M.process("gfmd"))


def test_curated_tables_name_their_sources():
    for rel, col in (("orgs/un_entities.csv", "source"), ("orgs/regional_processes.csv", "source"),
                     ("treaties/instruments.csv", "source"), ("vocab/stakeholder_groups.csv", "source"),
                     ("vocab/schemes.csv", "source"), ("geo/m49_regions.csv", "source"),
                     ("geo/area_altlabels.csv", "source"), ("gcm/gcm_objective_clusters.csv", "source")):
        for r in read_csv(rel):
            assert r[col], (rel, r)
    listed = (REF / "SOURCES.txt").read_text(encoding="utf-8")
    for rel in ("sdg/lod4stats_sdg-kos-goals-targets-indicators.ttl", "gcm/gcm_objective_clusters.csv",
                "sdg/sdg_label_corrections.csv", "geo/m49_regions.csv", "gcm/gcm_guiding_principle_altlabels.csv",
                "treaties/instruments.csv", "orgs/memberships.csv", "vocab/schemes.csv", "geo/area_altlabels.csv"):
        assert rel.split("/")[-1] in listed, rel


# --- small schemes ------------------------------------------------------------------------------------------------------
def test_stakeholder_groups_are_those_of_paragraph_44_as_quoted_in_002(ref_store):
    text = corpus("002")
    para2 = text[text.index("2. In paragraph 15 (j)"): text.index("3. In keeping")]
    rows = read_csv("vocab/stakeholder_groups.csv")
    assert len(rows) == 13
    for r in rows:
        assert r["label"] in para2, r["label"]
        assert has(ref_store, M.concept("stakeholder-groups", r["key"]), SKOS.inScheme, M.scheme("stakeholder-groups"))
    assert count(ref_store, f"?x skos:inScheme <{M.scheme('stakeholder-groups').value}>") == 13


@pytest.mark.parametrize("scheme,keys", [
    ("event-roles", {"organiser", "co-organiser", "supporter", "facilitator", "participant", "lead"}),
    ("meeting-formats", {"in-person", "online", "hybrid"}),
    ("document-types", {"concept-note", "summary", "chairs-summary", "note-by-the-secretariat", "report"}),
    ("membership-roles", {"member", "associate-member"}),
])
def test_small_schemes(ref_store, scheme, keys):
    got = {r[0].value for r in q(ref_store, f"SELECT ?c WHERE {{ ?c skos:inScheme <{M.scheme(scheme).value}> }}")}
    assert {M.concept(scheme, k).value for k in keys} <= got
    assert has(ref_store, M.scheme(scheme), RDF.type, SKOS.ConceptScheme)
