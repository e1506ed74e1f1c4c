"""The named queries (queries/*.rq): the catalog reads them, every one runs on the real build in time, each answers
what the documents of data/corpus/ say, and the web catalog (/queries) serves them.

Expected facts come from the corpus texts (or the reference tables a fact is taken from), read here: never from a
snapshot of a query's own output.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from ontology.vocab import GCM, PREFIXES
from queries.catalog import PARAM_TYPES, Catalog, CatalogError, ParamError, parse, projection

ROOT = Path(__file__).resolve().parent.parent
CATALOG = Catalog.load()
NAMES = CATALOG.names


# --- the documents ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def manifest() -> dict[str, dict]:
    data = tomllib.loads((ROOT / "data" / "corpus" / "manifest.toml").read_text(encoding="utf-8"))
    return {d["id"]: d for d in data["document"]}


@functools.lru_cache(maxsize=None)
def raw(doc_id: str) -> str:
    return (ROOT / "data" / "corpus" / manifest()[doc_id]["file"]).read_text(encoding="utf-8")


def norm(text: str) -> str:
    return " ".join(text.replace("\\$", "$").split())


@functools.lru_cache(maxsize=None)
def text(doc_id: str) -> str:
    """A document's words with whitespace collapsed (line breaks fall mid-sentence in the extractions)."""
    return norm(raw(doc_id))


def paragraph(doc_id: str, number: int) -> str:
    """Numbered paragraph N of a document as printed (from 'N. ' at the start of a line to 'N+1. ')."""
    src = raw(doc_id)
    start = re.search(rf"(?m)^\s*{number}\.\s", src)
    assert start, f"paragraph {number} is not printed in {doc_id}"
    end = re.compile(rf"(?m)^\s*{number + 1}\.\s").search(src, start.end())
    return norm(src[start.start(): end.start() if end else start.start() + 4000])


STAKEHOLDER_SUMMARY = "ap-grr-2021-stakeholder-summary"
CONCEPT_NOTE = "ap-grr-2020-concept-note"
CONSULTATION_NOTE = "ap-stakeholder-consultation-1-concept-note"
CHAIRS_SUMMARY = "ap-prep-2017-chairs-summary"
SECRETARIAT_NOTE = "escap-gcm-2021-1"


# --- running queries -----------------------------------------------------------------------------------------------
def _value(term):
    return None if term is None else term.value


def run(store, config, name: str, **params) -> list[dict]:
    q = CATALOG.get(name)
    subs = q.bind({k: str(v) for k, v in params.items()}, base=config.base_iri)
    results = store.query(q.text, substitutions=subs or None)
    names = [v.value for v in results.variables]
    return [{n: _value(s[n]) for n in names} for s in results]


def a_statement(store, contains: str) -> str:
    found = _statements_containing(store, contains)
    assert found, f"no statement contains {contains!r}"
    return found[0]


def _statements_containing(store, words: str) -> list[str]:
    rows = store.query("SELECT ?s ?t WHERE { ?s a ?c ; gcm:text ?t . ?c rdfs:subClassOf gcm:Statement }",
                       prefixes=PREFIXES)
    return sorted(r["s"].value for r in rows if words in r["t"].value)


# Values for parameters that have no default, or whose other values the generic tests try.
EXAMPLES = {
    ("provenance", "node"): lambda store: a_statement(store, "Employment permit systems"),
}
SAMPLES = {  # (query, optional parameter) -> a value that has answers on the real build
    ("actors-by-objective", "objective"): "6",
    ("challenges-by-cluster", "cluster"): "2",
    ("figures", "measure"): "Remittances",
    ("figures", "year"): "2019",
    ("good-practices-by-country", "country"): "THA",
    ("objective-sdg-targets", "objective"): "20",
    ("search-statements", "type"): "recommendation",
}
MAY_BE_EMPTY: set[str] = set()  # every named query answers something on the real build


def defaults(store, name: str) -> dict:
    q = CATALOG.get(name)
    return {p.name: EXAMPLES[(name, p.name)](store) for p in q.params if p.required}


# --- the files -------------------------------------------------------------------------------------------------
def test_the_catalog_has_at_least_twenty_queries():
    assert len(CATALOG) >= 20
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_file_has_a_summary_and_parses_on_its_own(name):
    q = CATALOG.get(name)
    assert q.title and len(q.title) <= 120, "a one-line summary"
    assert q.description, "a description"
    assert q.tags, "at least one tag"
    assert q.text.startswith("#+ summary:")
    # parses and runs with its own PREFIX declarations only (as in any other SPARQL client)
    results = ox.Store().query(q.text)
    assert isinstance(results, ox.QuerySolutions)
    for p in q.params:
        assert p.help, f"parameter {p.name} has a help text"
        assert p.name in projection(q.text)
        assert p.type in PARAM_TYPES


@pytest.mark.parametrize("name", NAMES)
def test_no_file_hard_codes_a_data_iri(name):
    """Data IRIs depend on the configurable base: queries select by codes, numbers and acronyms instead."""
    assert "/gcmkg/id/" not in CATALOG.get(name).text


@pytest.mark.parametrize("name", NAMES)
def test_every_query_answers_on_the_real_build(name, built_store, built_config):
    """With its default parameters. How fast: bench/scale/run.py (docs/scaling.md), not a timed test."""
    q = CATALOG.get(name)
    subs = q.bind(defaults(built_store, name), base=built_config.base_iri)
    rows = list(built_store.query(q.text, substitutions=subs or None))
    assert rows or name in MAY_BE_EMPTY, f"{name} answers nothing on the real build"


@pytest.fixture(scope="module")
def named_graphs_only(built_store):
    """The build without its stored default graph, as older builds and StoreHolder.use() stores are."""
    store = ox.Store()
    store.bulk_extend(q for q in built_store.quads_for_pattern(None, None, None, None)
                      if not isinstance(q.graph_name, ox.DefaultGraph))
    return store


@pytest.mark.parametrize("name", NAMES)
def test_answers_do_not_depend_on_how_the_default_graph_is_made(name, built_store, built_config, named_graphs_only):
    """A stored merge (set semantics) or the union of the named graphs (where a triple two documents state is seen
    twice): the same rows, up to the order of the items of concatenated lists."""
    q = CATALOG.get(name)
    subs = q.bind(defaults(built_store, name), base=built_config.base_iri) or None

    def rows(results):  # each cell as the sorted words of its lists, so that list order does not count
        return sorted(tuple(tuple(sorted(re.split(r"[;,|:]? ", t.value))) if t is not None else () for t in s)
                      for s in results)

    merged = rows(built_store.query(q.text, substitutions=subs))
    union = rows(named_graphs_only.query(q.text, substitutions=subs, use_default_graph_as_union=True))
    assert merged == union


@pytest.mark.parametrize("name,param", sorted(SAMPLES))
def test_optional_parameters_filter_when_given_and_open_up_when_omitted(name, param, built_store, built_config):
    q = CATALOG.get(name)
    p = q.param(param)
    assert p.optional
    base = defaults(built_store, name)
    omitted = run(built_store, built_config, name, **base)
    given = run(built_store, built_config, name, **base, **{param: SAMPLES[(name, param)]})
    assert given or name in MAY_BE_EMPTY
    expected = p.convert(SAMPLES[(name, param)]).value
    assert all(r[param] == expected for r in given), "the parameter column echoes what was asked"

    def others(rows):
        return Counter(tuple(v for k, v in r.items() if k != param) for r in rows)

    assert not (others(given) - others(omitted)), "giving a parameter only narrows the answer"
    if given:
        assert sum(others(omitted).values()) >= sum(others(given).values())


def test_every_optional_parameter_has_a_sample():
    optional = {(q.name, p.name) for q in CATALOG for p in q.params if p.optional}
    assert optional == set(SAMPLES)


def test_docs_list_exactly_the_catalog():
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    section = doc.split("## The queries", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| \[`([a-z0-9-]+)`\]\(\.\./queries/\1\.rq\)", section, re.M)
    assert sorted(listed) == sorted(NAMES)
    assert len(listed) == len(set(listed))
    for name in NAMES:
        row = next(line for line in section.splitlines() if line.startswith(f"| [`{name}`]"))
        for p in CATALOG.get(name).params:
            assert f"`{p.name}` ({p.type}" in row, f"docs/queries.md: {name} lists parameter {p.name}"


# --- the header format and parameter binding -------------------------------------------------------------------
HEADER = """#+ summary: A test query
#+ description: First line,
#+   second line.
#+
#+   Second paragraph.
#+ tags: a, b c
#+ params:
#+   - objective (objective-number, default 6): The objective,
#+     1 to 23.
#+   - country (country-code, optional): A country.
#+   - node (iri, required): A node.
#+   - process (literal, default Colombo Process): A process.
"""
BODY = "PREFIX gcm: <https://w3id.org/gcmkg/ontology#>\nSELECT ?objective ?country ?node ?process WHERE { }\n"


def test_the_header_is_read():
    q = parse(HEADER + BODY, "t")
    assert q.title == "A test query"
    assert q.description == "First line, second line.\n\nSecond paragraph."
    assert q.tags == ("a", "b", "c")
    assert [(p.name, p.type, p.default, p.required) for p in q.params] == [
        ("objective", "objective-number", "6", False), ("country", "country-code", None, False),
        ("node", "iri", None, True), ("process", "literal", "Colombo Process", False)]
    assert q.params[0].help == "The objective, 1 to 23."


@pytest.mark.parametrize("text,message", [
    ("#+ description: no summary\n" + BODY, "no '#+ summary:'"),
    ("#+ summary: x\n#+ colour: red\n" + BODY, "unknown header key 'colour'"),
    ("#+ summary: x\n#+ summary: y\n" + BODY, "given twice"),
    ("#+ summary: x\n#+ params:\n#+   - objective: objective-number\n" + BODY, "cannot read the parameter"),
    ("#+ summary: x\n#+ params:\n#+   - objective (number, default 6): x\n" + BODY, "unknown type 'number'"),
    ("#+ summary: x\n#+ params:\n#+   - objective (objective-number, default 24): x\n" + BODY, "default"),
    ("#+ summary: x\n#+ params:\n#+   - label (literal, optional): x\n" + BODY, "?label"),
])
def test_a_malformed_header_is_refused_with_a_reason(text, message):
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse(text, "t")


def test_a_parameter_missing_from_the_select_clause_is_refused():
    text = "#+ summary: x\n#+ params:\n#+   - o (iri, optional): x\nSELECT ?label WHERE { ?o <urn:p> ?label }\n"
    with pytest.raises(CatalogError, match=r"\?o must be in the SELECT clause"):
        parse(text, "t")


def test_bind_converts_defaults_and_values():
    q = parse(HEADER + BODY, "t")
    subs = {v.value: t for v, t in q.bind({"node": "gcm:Objective", "country": "tha"}).items()}
    assert subs["objective"] == ox.Literal("6", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    assert subs["country"] == ox.Literal("THA")
    assert subs["node"] == GCM.Objective
    assert subs["process"] == ox.Literal("Colombo Process")
    # a relative reference, as the CLI table prints data IRIs, resolves against the base
    subs = q.bind({"node": "<id/doc/x>"}, base="https://example.org/kg/")
    assert subs[ox.Variable("node")] == ox.NamedNode("https://example.org/kg/id/doc/x")
    # an empty value counts as not given
    assert ox.Variable("country") not in q.bind({"node": "gcm:Objective", "country": " "})


@pytest.mark.parametrize("params,message", [
    ({}, "missing required parameter node"),
    ({"node": "gcm:X", "colour": "red"}, "has no parameter 'colour'"),
    ({"node": "gcm:X", "objective": "24"}, "parameter 'objective': expected a GCM objective number, 1 to 23"),
    ({"node": "gcm:X", "objective": "six"}, "parameter 'objective'"),
    ({"node": "gcm:X", "country": "TH"}, "ISO 3166-1 alpha-3"),
    ({"node": "not an iri"}, "parameter 'node': expected an absolute IRI"),
    ({"node": "nope:x"}, "parameter 'node'"),
])
def test_bind_refuses_bad_parameters_clearly(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        parse(HEADER + BODY, "t").bind(params)


@pytest.mark.parametrize("ptype,good,bad", [
    ("year", "2019", "19"), ("principle-letter", "(f)", "k"), ("sdg-target", "10.c", "10"),
    ("statement-type", "good-practice", "opinion"), ("cluster-number", "4", "5"), ("integer", "-3", "3.5"),
])
def test_parameter_types(ptype, good, bad):
    kind = PARAM_TYPES[ptype]
    kind.convert(good)
    with pytest.raises(ValueError):
        kind.convert(bad)


def test_the_catalog_is_cached_until_a_file_changes(tmp_path):
    (tmp_path / "one.rq").write_text("#+ summary: one\nSELECT * WHERE { }\n", encoding="utf-8")
    first = Catalog.load(tmp_path)
    assert Catalog.load(tmp_path) is first
    (tmp_path / "two.rq").write_text("#+ summary: two\nSELECT * WHERE { }\n", encoding="utf-8")
    assert Catalog.load(tmp_path).names == ["one", "two"]


# --- what the catalog relies on in pyoxigraph (docs/queries.md) ------------------------------------------------
def test_pyoxigraph_substitutes_only_projected_variables_and_everywhere_in_the_query():
    store = ox.Store()
    p = ox.NamedNode("urn:p")
    store.add(ox.Quad(ox.NamedNode("urn:a"), p, ox.Literal("x")))
    store.add(ox.Quad(ox.NamedNode("urn:b"), p, ox.Literal("Y")))
    subs = {ox.Variable("m"): ox.Literal("y")}
    with pytest.raises(RuntimeError, match="SELECT"):
        store.query("SELECT ?s WHERE { ?s <urn:p> ?m }", substitutions=subs)
    # in expressions too (a textual substitution, not a join at the end)...
    rows = store.query("SELECT ?m ?s WHERE { ?s <urn:p> ?l FILTER(LCASE(?l) = LCASE(?m)) }", substitutions=subs)
    assert [r["s"].value for r in rows] == ["urn:b"]
    # ...except BOUND(), which stays false: never test BOUND on a parameter
    assert not list(store.query("SELECT ?m WHERE { ?s <urn:p> ?l FILTER(BOUND(?m)) }", substitutions=subs))
    # the COALESCE idiom for optional parameters keeps everything when the parameter is left out
    idiom = "SELECT ?m ?s WHERE { ?s <urn:p> ?l FILTER(COALESCE(LCASE(?l) = LCASE(?m), true)) }"
    assert len(list(store.query(idiom))) == 2
    assert [r["s"].value for r in store.query(idiom, substitutions=subs)] == ["urn:b"]


# --- each query against the documents --------------------------------------------------------------------------
def test_consultation_on_cluster_1_was_co_organised_by_migrant_forum_asia_on_28_october_2020(built_store, built_config):
    rows = run(built_store, built_config, "consultation-organisers", cluster=1)
    para13 = paragraph(STAKEHOLDER_SUMMARY, 13)
    assert "held on 28 October 2020" in para13 and "Migrant Forum Asia" in para13
    co = {r["actorLabel"] for r in rows if r["role"] == "co-organiser"}
    assert "Migrant Forum Asia" in co
    assert co <= {name for name in co if name in para13}, "every co-organiser is named in paragraph 13"
    assert len(co) == len(re.findall(r";", para13.split("with support from")[0])) + 1  # one per ';'-item
    supporters = {r["actorLabel"] for r in rows if r["role"] == "supporter"}
    assert {"International Labour Organization",
            "United Nations Educational, Scientific and Cultural Organization"} <= supporters
    assert "with support from ILO and UNESCO" in para13
    assert {r["held"] for r in rows} == {"2020-10-28"}
    # stated in paragraph 13; the facilitators of every consultation in paragraph 10
    assert {(r["document"], r["paragraph"]) for r in rows} == {(STAKEHOLDER_SUMMARY, "13"), (STAKEHOLDER_SUMMARY, "10")}
    assert {r["role"] for r in rows if r["paragraph"] == "10"} == {"facilitator", "supporter"}
    assert {r["cluster"] for r in rows} == {"1"}


def test_every_consultation_organiser_is_named_where_the_role_is_stated(built_store, built_config):
    # each consultation's own paragraph, and paragraph 10, which names the facilitators of the whole series
    for cluster, number in ((1, 13), (2, 18), (3, 23), (4, 28)):
        rows = run(built_store, built_config, "consultation-organisers", cluster=cluster)
        assert rows
        assert {r["paragraph"] for r in rows} == {str(number), "10"}
        for r in rows:
            where = paragraph(STAKEHOLDER_SUMMARY, int(r["paragraph"]))
            assert named_in(built_store, r["actor"], where), (cluster, r["actorLabel"], r["paragraph"])


def _simple(words: str) -> str:
    return " ".join(words.lower().replace("-", " ").split())


def named_in(store, iri: str, where: str) -> bool:
    """Whether *where* prints one of the entity's names (label, alternative labels, acronym), case-insensitively."""
    names = _names(store, iri)
    return any(_simple(n) in _simple(where) for n in names)


def _names(store, iri: str) -> list[str]:
    rows = store.query("SELECT ?e ?n WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel|gcm:acronym ?n }",
                       prefixes=PREFIXES, substitutions={ox.Variable("e"): ox.NamedNode(iri)})
    return [r["n"].value for r in rows]


def test_remittances_of_2019_are_stated_by_two_documents_with_their_sources(built_store, built_config):
    rows = run(built_store, built_config, "figures", measure="remittances", year=2019)
    by_doc = {(r["document"], float(r["value"])) for r in rows if r["unit"] == "USD"}
    assert (CONCEPT_NOTE, 327e9) in by_doc and "$327 billion in remittances" in text(CONCEPT_NOTE)
    assert (SECRETARIAT_NOTE, 330e9) in by_doc and "to $330 billion" in text(SECRETARIAT_NOTE)
    for r in rows:
        assert r["printed"].replace("$", "") in text(r["document"]).replace("$", ""), r["printed"]


def test_documents_disagree_on_remittances_and_emigrants(built_store, built_config):
    rows = run(built_store, built_config, "figures-in-disagreement")
    pairs = {(r["measure"], r["year"], float(r["valueA"]), r["documentA"], float(r["valueB"]), r["documentB"])
             for r in rows}
    assert ("remittances", "2019", 327e9, CONCEPT_NOTE, 330e9, SECRETARIAT_NOTE) in pairs
    assert "over 106 million emigrants" in text(CONCEPT_NOTE) and "Almost 107 million people" in text(SECRETARIAT_NOTE)
    assert ("emigrants", "2019", 106e6, CONCEPT_NOTE, 107e6, SECRETARIAT_NOTE) in pairs
    for r in rows:
        assert r["documentA"] != r["documentB"]
        assert 0.8 < float(r["valueA"]) / float(r["valueB"]) < 1.25
    # the world total ($714 billion) is another quantity, not a disagreement
    assert all(714e9 not in (float(r["valueA"]), float(r["valueB"])) for r in rows)


def test_provenance_quotes_the_original_text_at_the_offsets(built_store, built_config):
    node = a_statement(built_store, "Employment permit systems")
    [row] = run(built_store, built_config, "provenance", node=node)
    original = raw(row["document"])
    assert row["document"] == STAKEHOLDER_SUMMARY
    assert row["paragraph"] == "16(b)"
    assert row["quote"] == original[int(row["begin"]):int(row["end"])]
    assert row["quote"].startswith("Employment permit systems")
    assert "(b) Employment permit systems" in paragraph(STAKEHOLDER_SUMMARY, 16)
    assert row["section"].startswith("Ensuring that migration is voluntary")


def test_provenance_of_a_figure_is_its_printed_words(built_store, built_config):
    rows = run(built_store, built_config, "figures", measure="remittances", year=2019)
    figure = next(r["figure"] for r in rows if r["document"] == SECRETARIAT_NOTE and float(r["value"]) == 330e9)
    [row] = run(built_store, built_config, "provenance", node=figure)
    assert row["quote"] == "$330 billion" == raw(SECRETARIAT_NOTE)[int(row["begin"]):int(row["end"])]
    assert row["symbol"] == "ESCAP/GCM/2021/1" and "ESCAP/GCM/2021/1" in raw(SECRETARIAT_NOTE)
    assert row["paragraph"].startswith("48, sentence")


def test_provenance_of_a_meeting_is_every_passage_that_describes_it(built_store, built_config):
    rows = run(built_store, built_config, "review-events")
    event = next(r["event"] for r in rows if r["heldStart"] == "2020-10-28")
    found = run(built_store, built_config, "provenance", node=event)
    assert {r["document"] for r in found} == {CONSULTATION_NOTE, STAKEHOLDER_SUMMARY}
    for r in found:
        assert r["quote"] == raw(r["document"])[int(r["begin"]):int(r["end"])]
    para13 = next(r for r in found if r["paragraph"] == "13")
    assert norm(para13["quote"]).startswith("The first stakeholder consultation was held on 28 October 2020")


def test_review_events_planned_and_held(built_store, built_config):
    rows = {r["eventLabel"]: r for r in run(built_store, built_config, "review-events")}
    review = next(r for label, r in rows.items() if label.startswith("Asia-Pacific Regional Review"))
    assert "18-20 November 2020, Bangkok" in text(CONCEPT_NOTE)
    assert (review["plannedStart"], review["plannedEnd"]) == ("2020-11-18", "2020-11-20")
    assert "Bangkok, 10-12 March 2021" in text(STAKEHOLDER_SUMMARY)
    assert (review["heldStart"], review["heldEnd"]) == ("2021-03-10", "2021-03-12")
    # 'will take place at the United Nations Conference Centre, Bangkok, Thailand from 18-20 November 2020'
    assert "Bangkok, Thailand from 18-20 November 2020" in text(CONCEPT_NOTE)
    assert review["rescheduled"] == "true" and review["place"] == "Bangkok, Thailand"
    assert set(review["documents"].split(", ")) == {CONCEPT_NOTE, STAKEHOLDER_SUMMARY}
    first = next(r for r in rows.values() if r["heldStart"] == "2020-10-28")
    assert "28 October 2020" in text(CONSULTATION_NOTE) and "will be held online" in text(CONSULTATION_NOTE)
    assert first["format"] == "online" and first["objectives"] == "2, 5, 6, 12, 18"
    assert set(first["documents"].split(", ")) == {CONSULTATION_NOTE, STAKEHOLDER_SUMMARY}
    prep = next(r for label, r in rows.items() if label.startswith("Asia-Pacific Regional Preparatory Meeting"))
    assert "6-8 November 2017 in Bangkok" in text(CHAIRS_SUMMARY)
    assert (prep["heldStart"], prep["heldEnd"], prep["place"]) == ("2017-11-06", "2017-11-08", "Bangkok")
    # 002 para 7 (a): the four consultations, held on these dates, each on one cluster
    para7 = paragraph(STAKEHOLDER_SUMMARY, 7)
    for date, printed, objectives in (("2020-11-19", "19 November 2020", "4, 8, 9, 10, 11, 13, 21"),
                                      ("2020-12-16", "16 December 2020", "14, 15, 16, 19, 20, 22"),
                                      ("2021-02-03", "3 February 2021", "1, 3, 7, 17, 23")):
        assert f"held on {printed}" in para7
        event = next(r for r in rows.values() if r["heldStart"] == date)
        assert event["objectives"] == objectives


def test_participation_in_the_first_consultation(built_store, built_config):
    rows = [r for r in run(built_store, built_config, "event-participation") if r["held"] == "2020-10-28"]
    assert "About 90 stakeholders from around 20 countries" in paragraph(STAKEHOLDER_SUMMARY, 14)
    found = {(r["measure"], float(r["value"]), r["unit"], r["paragraph"]) for r in rows}
    assert ("participants", 90.0, "persons", "14") in found
    assert ("countries", 20.0, "countries", "14") in found
    assert ("participants", 45.0, "percent", "14") in found  # "About 45 per cent of all participants"
    for r in rows:
        assert r["printed"] in r["sentence"] and norm(r["sentence"]) in text(r["document"])


def test_icrmw_is_the_treaty_most_escap_members_have_not_ratified(built_store, built_config):
    rows = run(built_store, built_config, "treaty-status-escap", treaty="ICRMW")
    assert "(except the International Convention on the Protection of the Rights of All Migrant Workers" \
        in text(SECRETARIAT_NOTE)
    status = Counter(r["status"] for r in rows)
    assert status["party"] < status["not party"]
    party = {r["iso3"] for r in rows if r["status"] == "party"}
    # the dataset the status comes from (data/reference/treaties), row by row, by ISO code
    iso2 = {r["i3"].value: r["i2"].value for r in built_store.query(
        "SELECT ?i3 ?i2 WHERE { ?c a gcm:Country ; gcm:iso3 ?i3 ; gcm:iso2 ?i2 }", prefixes=PREFIXES)}
    with open(ROOT / "data/reference/treaties/wpdl_hr_status_icmw.csv", encoding="utf-8") as f:
        # the dataset keeps East Timor's withdrawn code TP ("Found as Timor-Leste in the UN Treaty Collection")
        parties = {{"TP": "TL"}.get(r["iso2"], r["iso2"]) for r in csv.DictReader(f) if r["state party"] == "1"}
    assert {iso2[c] for c in party} == parties & {iso2[r["iso3"]] for r in rows}
    assert {"PHL", "LKA", "BGD", "IDN"} <= party
    assert all(r["observedOn"] for r in rows), "every row says when the status was observed"
    assert len({r["iso3"] for r in rows}) == len(rows) == 62  # 53 members and 9 associate members of ESCAP
    assert {r["escapRole"] for r in rows} == {"member", "associate member"}


def test_treaty_status_without_a_dataset_says_so(built_store, built_config):
    rows = run(built_store, built_config, "treaty-status-escap", treaty="untoc")
    assert rows and {r["status"] for r in rows} == {"no status data"}


def test_instruments_for_objective_10_are_the_trafficking_treaties(built_store, built_config):
    rows = run(built_store, built_config, "instruments-for-objective", objective=10)
    names = {r["instrumentName"] for r in rows}
    assert "United Nations Convention against Transnational Organized Crime" in names
    assert any(n.startswith("Protocol to Prevent, Suppress and Punish Trafficking in Persons") for n in names)
    protocol = next(r for r in rows if r["instrumentName"].startswith("Protocol to Prevent"))
    assert "objective 10" in protocol["evidence"]
    assert STAKEHOLDER_SUMMARY in protocol["citedIn"]
    assert "Protocol to Prevent, Suppress and Punish Trafficking in Persons" in text(STAKEHOLDER_SUMMARY)


def test_objective_20_maps_to_target_10c_as_the_gcm_text_says(built_store, built_config):
    rows = {r["targetCode"]: r for r in run(built_store, built_config, "objective-sdg-targets", objective=20)}
    gcm = json.loads((ROOT / "data/reference/gcm/gcm_objectives.json").read_text(encoding="utf-8"))
    commitment = json.dumps(gcm)
    assert "target 10.c" in commitment
    assert rows["10.c"]["statedInGcm"] == "true" and rows["10.c"]["justification"] == "stated in the GCM text"
    assert "10.c.1" in rows["10.c"]["indicators"].split(", ")
    assert all(0 <= float(r["confidence"]) <= 1 for r in rows.values())


def test_sdg_target_16_9_is_cited_by_the_stakeholder_summary(built_store, built_config):
    rows = run(built_store, built_config, "sdg-targets-in-documents")
    places = {(r["code"], r["document"], r["paragraph"]) for r in rows}
    assert "birth registration for all under Sustainable Development Goal target 16.9" in text(STAKEHOLDER_SUMMARY)
    assert ("16.9", STAKEHOLDER_SUMMARY, "22(b)") in places
    assert ("16.9", STAKEHOLDER_SUMMARY, "footnote 9") in places
    for r in rows:
        assert r["printed"] in text(r["document"])
        if r["code"] == "16.9":
            assert "4" in r["mappedObjectives"].split(", ")  # gcm_sdg_target_mapping.csv: objective 4 -> 16.9


def test_statements_mentioning_thailand_name_it(built_store, built_config):
    rows = run(built_store, built_config, "statements-mentioning-country", country="tha")
    assert rows
    for r in rows:
        assert r["country"] == "THA" and "Thailand" in r["text"]
        assert norm(r["text"])[:60] in text(r["document"])
    assert any(r["paragraph"] == "18" and r["document"] == STAKEHOLDER_SUMMARY for r in rows)
    assert "Asian Pacific Refugee Rights Network, Thailand" in paragraph(STAKEHOLDER_SUMMARY, 18)


def test_country_profile_of_the_philippines(built_store, built_config):
    rows = run(built_store, built_config, "country-profile", country="PHL")
    kinds = {(r["kind"], r["itemLabel"]) for r in rows}
    assert ("1 membership", "Colombo Process") in kinds
    assert ("1 membership", "Association of Southeast Asian Nations") in kinds
    icrmw = next(r for r in rows if r["kind"] == "2 party to treaty" and "Migrant Workers" in r["itemLabel"])
    assert icrmw["detail"].startswith("party since 1995")
    with open(ROOT / "data/reference/treaties/wpdl_hr_status_icmw.csv", encoding="utf-8") as f:
        assert any(r["iso2"] == "PH" and r["year ratification or accession"] == "1995" for r in csv.DictReader(f))
    statements = [r for r in rows if r["kind"] == "3 statement"]
    assert any(r["source"] == f"{STAKEHOLDER_SUMMARY}, 13" for r in statements)
    assert "Migrant Forum Asia, Philippines" in paragraph(STAKEHOLDER_SUMMARY, 13)


def test_recommendations_on_objective_6_are_those_of_the_first_consultation(built_store, built_config):
    rows = run(built_store, built_config, "recommendations-for-objective", objective=6)
    para17 = paragraph(STAKEHOLDER_SUMMARY, 17)
    assert "recommended the following actions" in para17
    from_17 = {r["paragraph"] for r in rows if r["document"] == STAKEHOLDER_SUMMARY and r["paragraph"].startswith("17(")}
    items = dict(re.findall(r"\(([a-z])\) (.*?)(?=\s\([a-z]\) |$)", para17, re.S))
    # objective 6 is fair and ethical recruitment: the items that speak of recruitment are among its recommendations,
    # the one on the drivers of migration (objective 2) and the one on skill certification (objective 18) are not
    assert from_17 <= {f"17({letter})" for letter in items}
    assert {f"17({k})" for k, v in items.items() if "recruitment" in v} <= from_17
    assert {f"17({k})" for k, v in items.items() if v.startswith(("More research on the drivers", "Skill-certification"))}
    assert not from_17 & {f"17({k})" for k, v in items.items()
                          if v.startswith(("More research on the drivers", "Skill-certification"))}
    for r in rows:
        assert norm(r["text"]) in text(r["document"])
        assert "10.7" in r["sdgTargets"].split(", ")  # gcm_sdg_target_mapping.csv: objective 6 -> 10.7
    assert len({r["recommendation"] for r in rows}) == len(rows), "one row per recommendation"


def test_challenges_of_cluster_1_are_those_listed_in_paragraph_15(built_store, built_config):
    rows = [r for r in run(built_store, built_config, "challenges-by-cluster", cluster=1)
            if r["document"] == STAKEHOLDER_SUMMARY]
    para15 = paragraph(STAKEHOLDER_SUMMARY, 15)
    assert "the following challenges" in para15
    assert {"15(a)", "15(d)", "15(e)", "15(g)"} <= {r["paragraph"] for r in rows}
    for r in rows:
        assert norm(r["text"]) in text(STAKEHOLDER_SUMMARY)
        numbers = {int(n) for n in r["objectives"].split(", ")}
        assert numbers and numbers <= {2, 5, 6, 12, 18}  # the cluster's objectives the challenge is about
    counts = {r["challengesInCluster"] for r in run(built_store, built_config, "challenges-by-cluster", cluster=1)}
    assert len(counts) == 1


def test_regional_processes_are_cited_where_the_documents_name_them(built_store, built_config):
    rows = {r["processName"]: r for r in run(built_store, built_config, "regional-processes")}
    colombo = rows["Colombo Process"]
    assert "the Colombo Process and the Abu Dhabi Dialogue" in paragraph(STAKEHOLDER_SUMMARY, 16)
    assert "16(a)" in colombo["citedIn"] and STAKEHOLDER_SUMMARY in colombo["citedIn"]
    assert int(colombo["memberCount"]) == len(colombo["members"].split(", "))
    for r in rows.values():
        if r["citations"]:
            for part in r["citedIn"].split("; "):
                doc = part.split(":")[0]
                assert doc in manifest()
                assert named_in(built_store, r["process"], text(doc)), (r["processName"], doc)


def test_process_members_and_their_icrmw_status(built_store, built_config):
    rows = run(built_store, built_config, "process-members-treaty-status", process="colombo process", treaty="ICRMW")
    assert {r["processName"] for r in rows} == {"Colombo Process"}
    party = {r["iso3"] for r in rows if r["status"] == "party"}
    not_party = {r["iso3"] for r in rows if r["status"] == "not party"}
    assert {"PHL", "LKA", "BGD", "IDN"} <= party and {"IND", "NPL", "PAK"} <= not_party
    asean = run(built_store, built_config, "process-members-treaty-status", process="ASEAN", treaty="icmw")
    assert {r["processName"] for r in asean} == {"Association of Southeast Asian Nations"} and len(asean) == 10


def test_the_curation_queue_holds_the_organisations_first_met_in_the_co_organiser_lists(built_store, built_config):
    rows = {r["label"]: r for r in run(built_store, built_config, "curation-queue")}
    for name in ("Migrant Forum Asia", "Tabaco City Government", "Solidarity Center"):
        assert name in rows and name in paragraph(STAKEHOLDER_SUMMARY, 13)
        assert rows[name]["firstSeenIn"] == STAKEHOLDER_SUMMARY and rows[name]["firstParagraph"] == "13"
        assert "co-organiser" in rows[name]["roles"]
    assert rows["Tabaco City Government"]["guessedClass"] == "local authority"
    for r in rows.values():
        assert r["label"] in text(r["firstSeenIn"])


def test_statements_filed_under_guiding_principles(built_store, built_config):
    rows = {r["letter"]: r for r in run(built_store, built_config, "statements-by-principle")}
    assert sorted(rows) == list("abcdefghij")
    para70 = paragraph(SECRETARIAT_NOTE, 70)
    assert "guiding principles" in para70
    for letter, printed in (("a", "(a) People-centredness."), ("f", "(e) Human rights."),
                            ("g", "(f) Gender-responsiveness."), ("h", "(g) Child-sensitivity.")):
        assert printed in para70
        assert int(rows[letter]["filedUnder"]) >= 1 and SECRETARIAT_NOTE in rows[letter]["documents"]
    assert all(int(r["namedIn"]) >= 0 and int(r["filedUnder"]) >= 0 for r in rows.values())


def test_objective_coverage_lists_all_23_objectives(built_store, built_config):
    rows = run(built_store, built_config, "objective-coverage")
    assert [int(r["objective"]) for r in rows] == list(range(1, 24))
    for r in rows:
        counts = [int(r[k]) for k in ("challenges", "goodPractices", "recommendations", "findings", "conclusions")]
        assert sum(counts) == int(r["statements"])
        assert (r["gaps"] == "never addressed") == (int(r["statements"]) == 0)
    # 002 para 15-17: the first consultation's challenges, good practices and recommendations (cluster 1)
    for r in rows:
        if r["cluster"] == "1":
            assert int(r["challenges"]) >= 1 and int(r["goodPractices"]) >= 1 and int(r["recommendations"]) >= 1
            assert int(r["meetings"]) >= 1


def test_objective_country_matrix_agrees_with_the_statements(built_store, built_config):
    rows = run(built_store, built_config, "objective-country-matrix")
    assert rows and all(int(r["statements"]) >= 1 for r in rows)
    assert len({(r["objective"], r["iso3"]) for r in rows}) == len(rows)
    thailand = run(built_store, built_config, "statements-mentioning-country", country="THA")
    expected = Counter()
    for r in thailand:
        for n in (r["objectives"] or "").split(", "):
            if n:
                expected[n] += 1
    assert {r["objective"]: int(r["statements"]) for r in rows if r["iso3"] == "THA"} == dict(expected)


def test_actors_most_mentioned_on_objective_6(built_store, built_config):
    rows = run(built_store, built_config, "actors-by-objective", objective=6)
    assert rows and all(r["objective"] == "6" for r in rows)
    counts = [int(r["statements"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    labels = {r["actorLabel"] for r in rows}
    assert "International Labour Organization" in labels and "ILO" in paragraph(STAKEHOLDER_SUMMARY, 13)
    assert all(r["kind"] for r in rows)


def test_good_practices_rows_name_their_country(built_store, built_config):
    for r in run(built_store, built_config, "good-practices-by-country"):
        assert r["countryName"] in r["text"]


def test_good_practices_name_countries(built_store, built_config):
    assert "Examples include the seventh five-year plan" in text(SECRETARIAT_NOTE)
    rows = run(built_store, built_config, "good-practices-by-country")
    assert "BGD" in {r["country"] for r in rows}


def test_documents_overview_matches_the_manifest_and_the_texts(built_store, built_config):
    rows = {r["document"]: r for r in run(built_store, built_config, "documents-overview")}
    assert set(rows) == set(manifest())
    assert rows[STAKEHOLDER_SUMMARY]["issued"] == "2021-02-26" and "26 February 2021" in text(STAKEHOLDER_SUMMARY)
    assert rows[SECRETARIAT_NOTE]["symbol"] == "ESCAP/GCM/2021/1"
    assert rows[STAKEHOLDER_SUMMARY]["symbol"] is None
    assert rows[STAKEHOLDER_SUMMARY]["citedSymbols"] == "ESCAP/GCM/2021/L.1" and "ESCAP/GCM/2021/L.1" in text(
        STAKEHOLDER_SUMMARY)
    for r in rows.values():
        typed = sum(int(r[k] or 0) for k in ("challenges", "goodPractices", "recommendations", "findings",
                                             "conclusions"))
        assert typed == int(r["statements"] or 0)
        assert r["type"] == manifest()[r["document"]]["type"].replace("-", " ").replace("chairs", "chair's")
    # 002 numbers its paragraphs up to the conclusions: at least as many paragraphs as the last number printed
    last = max(int(n) for n in re.findall(r"(?m)^\s*(\d+)\. ", raw(STAKEHOLDER_SUMMARY)))
    assert int(rows[STAKEHOLDER_SUMMARY]["paragraphs"]) >= last


def test_search_finds_the_employment_permit_good_practice(built_store, built_config):
    rows = run(built_store, built_config, "search-statements", keyword="EMPLOYMENT PERMIT", type="good-practice")
    assert [(r["document"], r["paragraph"]) for r in rows] == [(STAKEHOLDER_SUMMARY, "16(b)")]
    rows = run(built_store, built_config, "search-statements", keyword="recruitment")
    assert rows and all("recruitment" in r["text"].lower() for r in rows)
    for doc in manifest():
        hits = [r for r in rows if r["document"] == doc]
        if hits:
            assert "recruitment" in text(doc).lower()


def test_instrument_citations_of_the_icrmw_and_of_resolution_73_195(built_store, built_config):
    rows = run(built_store, built_config, "instrument-citations", instrument="icrmw")
    assert any(r["document"] == SECRETARIAT_NOTE and r["paragraph"] == "28" for r in rows)
    assert "International Convention on the Protection of the Rights of All Migrant Workers" in paragraph(
        SECRETARIAT_NOTE, 28)
    rows = run(built_store, built_config, "instrument-citations", instrument="73/195")
    assert "See paragraph 44 of General Assembly resolution 73/195" in text(CONCEPT_NOTE)
    assert any(r["document"] == CONCEPT_NOTE and r["citedParagraph"] == "44" for r in rows)
    for r in rows:
        assert norm(r["printed"]).lower() in text(r["document"]).lower()


def test_objective_profile_of_objective_20(built_store, built_config):
    rows = run(built_store, built_config, "objective-profile", objective=20)
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["1 cluster"] == 1 and kinds["2 commitment"] == 1 and kinds["3 actions"] == 1
    assert any(r["kind"] == "4 SDG target" and r["itemLabel"].startswith("10.c ") for r in rows)
    meetings = [r for r in rows if r["kind"] == "6 meeting"]
    assert "(addressing objectives 14, 15, 16, 19, 20 and 22), held on 16 December 2020" in paragraph(
        STAKEHOLDER_SUMMARY, 7)
    assert [m["detail"] for m in meetings] == ["held 2020-12-16"]
    cluster = next(r for r in rows if r["kind"] == "1 cluster")
    assert "20" in re.findall(r"\d+", cluster["itemLabel"])


# --- the web catalog -------------------------------------------------------------------------------------------
def test_the_catalog_page_lists_every_query(client):
    resp = client.get("/queries", headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    for name in NAMES:
        assert f'href="/queries/{name}"' in body


@pytest.mark.parametrize("how", [{"headers": {"Accept": "application/json"}}, {"query_string": {"format": "json"}}])
def test_the_catalog_as_json(client, how):
    resp = client.get("/queries", **how)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    data = resp.get_json()
    assert [q["name"] for q in data["queries"]] == NAMES
    fig = next(q for q in data["queries"] if q["name"] == "figures")
    assert {p["name"] for p in fig["params"]} == {"measure", "year", "limit", "offset"}  # and its pages
    assert fig["rq"] == "/queries/figures.rq" and fig["sparql"] == CATALOG.get("figures").text


def test_a_query_page_describes_it_with_a_form(client):
    resp = client.get("/queries/consultation-organisers", headers={"Accept": "text/html"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'name="cluster"' in body and "IMRF round table" in body and "PREFIX gcm:" in body


def test_the_raw_file(client):
    resp = client.get("/queries/figures.rq")
    assert resp.status_code == 200 and resp.mimetype == "application/sparql-query"
    assert resp.get_data(as_text=True) == CATALOG.get("figures").text
    assert client.get("/queries/nope.rq").status_code == 404


def test_running_with_parameters_answers_in_sparql_results_json(client):
    resp = client.get("/queries/consultation-organisers", query_string={"cluster": "1"},
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.mimetype == "application/sparql-results+json"
    bindings = resp.get_json()["results"]["bindings"]
    assert "Migrant Forum Asia" in {b["actorLabel"]["value"] for b in bindings}


@pytest.mark.parametrize("accept,fmt,mimetype", [
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("application/json", None, "application/sparql-results+json"),
    ("*/*", None, "application/sparql-results+json"),
    ("text/html", "csv", "text/csv"),
])
def test_results_formats_are_negotiated(client, accept, fmt, mimetype):
    qs = {"measure": "remittances", "year": "2019"} | ({"format": fmt} if fmt else {})
    resp = client.get("/queries/figures", query_string=qs, headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == mimetype
    assert "330000000000" in resp.get_data(as_text=True)


def test_run_1_runs_with_the_defaults(client):
    resp = client.get("/queries/statements-mentioning-country?run=1", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert resp.status_code == 200 and rows and {r["country"] for r in rows} == {"THA"}


def test_html_results_link_entities_and_escape_values(client):
    resp = client.get("/queries/consultation-organisers", query_string={"cluster": "1", "format": "html"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert 'href="/id/org/migrant-forum-asia"' in body
    resp = client.get("/queries/search-statements", query_string={"keyword": "<script>alert(1)</script>"},
                      headers={"Accept": "text/html"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("qs,status,message", [
    ({"year": "20x9"}, 400, "parameter 'year': expected a four-digit year"),
    ({"colour": "red"}, 400, "has no parameter 'colour'"),
    ({"year": ["2019", "2020"]}, 400, "given 2 times"),
])
def test_bad_parameters_are_400_with_the_reason(client, qs, status, message):
    resp = client.get("/queries/figures", query_string=qs, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == status and resp.mimetype == "text/plain"
    assert message in resp.get_data(as_text=True)


def test_a_bad_parameter_in_html_shows_the_form_with_the_error_escaped(client):
    resp = client.get("/queries/figures", query_string={"year": "<b>x</b>"}, headers={"Accept": "text/html"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body and "four-digit year" in body


def test_a_required_parameter_missing_is_400(client):
    resp = client.get("/queries/provenance?run=1", headers={"Accept": "text/csv"})
    assert resp.status_code == 400 and "missing required parameter node" in resp.get_data(as_text=True)


def test_provenance_on_the_web_accepts_a_relative_iri(client, built_store):
    node = a_statement(built_store, "Employment permit systems")
    relative = "<" + node.split("/gcmkg/", 1)[1] + ">"
    resp = client.get("/queries/provenance", query_string={"node": relative}, headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert resp.status_code == 200 and [r["paragraph"] for r in rows] == ["16(b)"]


def test_unknown_query_is_404(client):
    resp = client.get("/queries/no-such-question")
    assert resp.status_code == 404 and "no named query" in resp.get_data(as_text=True)
