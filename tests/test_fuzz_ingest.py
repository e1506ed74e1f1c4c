"""Fuzzing the document reader and extractors: never a crash, never an invalid graph (issue 8).

Documents are generated from the genre's own pieces (headings, numbered paragraphs, lettered items, dates,
organiser lists, figures, citations) mixed with arbitrary text, markup and hostile characters."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from ingest.corpus import DocumentEntry
from ingest.documents import document_triples, extract_document, reference_vocabulary
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.settings import PROJECT_ROOT
from ontology.vocab import GCM, RDF

MINTER = Minter()

PIECES = [
    "I. Introduction", "II. Outcomes (addressing objectives 2, 5, 6, 12 and 18)", "A. Challenges",
    "1. The first stakeholder consultation was held on 28 October 2020 and was co-organized by Migrant Forum Asia, "
    "Philippines; Solidarity Center, Sri Lanka; and the <b>X</b> Union, Nepal, with support from ILO and UN-Women.",
    "2. About 90 stakeholders from around 20 countries attended the consultation.",
    "3. Participants identified the following challenges:", "(a) Recruitment fees remained high;",
    "(b) In 2019, remittances reached $330 billion, up from $183 billion in 2009.",
    "4. Participants recommended the following actions:", "(a) States should ratify the ICRMW (target 10.7);",
    "- a bullet with paragraph 44 of General Assembly resolution 73/195", "ESCAP/GCM/2021/1", "20 B20-00943",
    "¹ A footnote text.", "<sup>2</sup> Another footnote.", "**bold** and *italic* [link](http://x)",
    "Bangkok, 10-12 March 2021", "Regional Review of the Global Compact for Safe, Orderly and Regular Migration",
    "<script>alert(1)</script> \" onmouseover=\"x", "manage-\nment", "\u200b\ufeff\u00a0", "((((", "))", "1.", "(a)",
]


CTX = BuildContext(minter=MINTER, data_dir=PROJECT_ROOT / "data")


@lru_cache(maxsize=1)
def _vocab():
    return reference_vocabulary(CTX)


@lru_cache(maxsize=1)
def _reference_triples():
    from ingest import reference

    return [t for source in reference.SOURCES for t in source.load(CTX)]


def _entry() -> DocumentEntry:
    return DocumentEntry(id="fuzz", file="fuzz.txt", title="Fuzz", type="summary", date="2021", language="en",
                         sha256="0" * 64)


documents = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=80)), min_size=0, max_size=25,
).flatmap(lambda parts: st.lists(st.sampled_from(["\n", "\n\n", " ", "\n\n\n"]), min_size=len(parts),
                                 max_size=len(parts)).map(lambda seps: "".join(p + s for p, s in zip(parts, seps))))


def _extract(text: str):
    doc = extract_document(_entry(), text, _vocab(), MINTER)
    return doc, document_triples(doc, MINTER)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_extraction_never_crashes_and_spans_stay_in_the_text(text):
    doc, triples = _extract(text)
    n = len(text)
    for seg in doc.segments:
        assert 0 <= seg.span.start <= seg.span.end <= n
    for m in doc.mentions:
        assert 0 <= m.span.start <= m.span.end <= n
    for st_ in doc.statements:
        assert 0 <= st_.span.start <= st_.span.end <= n
    # every triple is a valid RDF term combination (pyoxigraph would have refused to build it otherwise) and
    # serializes and parses back
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert {q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)} == set(triples)


@hsettings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_what_extraction_produces_passes_the_shapes(text):
    from ingest.check import load_store, validate_shapes

    _, triples = _extract(text)
    store = load_store()  # the ontology, as a build holds it
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                 for t in set(triples) | set(_reference_triples()))
    violations = validate_shapes(store)
    assert not violations, [str(v) for v in violations][:5]


@pytest.mark.parametrize("text", ["Title\n\n1. A paragraph citing a note.<sup>2</sup>\n\n2. Next.\n",
                                  "1. Text<sup>2,3</sup>\n\n<sup>3</sup> Note three.\n"])
def test_a_marker_without_its_note_cites_nothing(text):
    """Found by the shapes fuzz test: a footnote marker whose note the document does not print used to cite a
    footnote segment that does not exist (a dangling gcm:citesFootnote, a SHACL violation)."""
    _, triples = _extract(text)
    notes = {t.subject for t in triples if t.predicate == RDF.type and t.object == GCM.Footnote}
    cited = {t.object for t in triples if t.predicate == GCM.citesFootnote}
    assert cited <= notes
    if "Note three" in text:
        assert len(cited) == 1  # the note that is printed is still cited


def test_sdg_lists_goals_and_treaties_defined_in_the_text():
    """'SDG indicators 10.7.1 and 10.7.2' are two indicators; 'Sustainable Development Goals 5 and 8' two goals, and
    'the Sustainable Development Goals' not the guiding principle 'sustainable development'; a treaty defined in the
    text with its acronym ('Convention on the Elimination of All Forms of Discrimination against Women (CEDAW)') is a
    new instrument, not an organisation."""
    text = ("1. States should ratify the Convention on the Elimination of All Forms of Discrimination against Women "
            "(CEDAW) and report on Sustainable Development Goals 5 and 8, and on SDG indicators 10.7.1 and 10.7.2, in "
            "line with the Sustainable Development Goals.\n")
    records, _triples = _extract(text)
    denoted = {m.mention.entity.rsplit("/", 1)[1] for m in records.mentions}
    assert {"5", "8", "C100701", "C100702"} <= denoted
    assert not any("/principle/" in m.mention.entity for m in records.mentions)
    (cedaw,) = records.new_entities.values()
    assert cedaw.kind == "instrument" and cedaw.cls == GCM.Convention and cedaw.acronym == "CEDAW"
