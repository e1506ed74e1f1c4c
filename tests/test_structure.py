"""Tests of ingest.structure: sections, paragraphs, items, sentences and footnotes read from
the normalised corpus, checked against what the documents print, plus synthetic documents
of the same genre."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.structure import DocumentStructure, parse_structure, split_sentences  # noqa: E402
from corpus_text import DOC_IDS, is_subsequence, source, squash  # noqa: E402


@lru_cache(maxsize=None)
def parsed(doc: str) -> DocumentStructure:
    return parse_structure(source(doc))


def words(text: str, k: int) -> list[str]:
    return re.findall(r"[\w’'-]+", text)[:k]


# --------------------------------------------------------------------------------------
# Numbered paragraphs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc,last", [("002", 49), ("004", 71)])
def test_numbered_paragraphs_are_all_found_in_order(doc: str, last: int) -> None:
    d = parsed(doc)
    assert d.numbered_paragraphs
    numbers = [p.number for p in d.paragraphs if p.number is not None]
    assert numbers == list(range(1, last + 1))
    assert [p.key for p in d.paragraphs if p.number is not None] == [str(k) for k in numbers]


@pytest.mark.parametrize("doc", ["000", "001", "003"])
def test_unnumbered_documents_use_block_keys(doc: str) -> None:
    d = parsed(doc)
    assert not d.numbered_paragraphs
    assert all(p.number is None and re.fullmatch(r"b\d+", p.key) for p in d.paragraphs)


@pytest.mark.parametrize("doc", ["002", "004"])
def test_paragraph_text_starts_with_the_words_printed_after_its_number(doc: str) -> None:
    original = source(doc)
    pos = 0
    for p in parsed(doc).paragraphs:
        if p.number is None:
            continue
        m = re.compile(rf"(?m)^[ \t]*{p.number}\.[ \t]+(.+)$").search(original, pos)
        assert m is not None, p.number
        pos = m.end()
        # the printed words, less a footnote number glued to a word ("migrants4")
        printed = [re.sub(r"(?<=[^\d\W])\d+$", "", w) for w in words(m.group(1), 5)]
        assert words(p.text, len(printed)) == printed, p.number
        # the span starts at those words in the original
        assert original[p.start:].startswith(printed[0])


@pytest.mark.parametrize("doc", DOC_IDS)
def test_every_record_maps_to_its_source(doc: str) -> None:
    original = source(doc)
    d = parsed(doc)
    records = []
    for p in d.paragraphs:
        records.append((p.text, p.start, p.end))
        records += [(s.text, s.start, s.end) for s in p.sentences]
        records += [(i.text, i.start, i.end) for i in p.items]
    records += [(s.heading, s.start, s.end) for s in d.sections]
    records += [(f.text, f.start, f.end) for f in d.footnotes]
    for text, a, b in records:
        assert 0 <= a <= b <= len(original)
        assert is_subsequence(squash(text), squash(original[a:b])), text[:60]


@pytest.mark.parametrize("doc", DOC_IDS)
def test_clean_offsets_slice_the_clean_text(doc: str) -> None:
    d = parsed(doc)
    n = d.normalized
    for p in d.paragraphs:
        assert n.text[p.clean_start:p.clean_end] == p.text
        assert n.to_original(p.clean_start, p.clean_end) == (p.start, p.end)
        for s in p.sentences:
            assert n.text[s.clean_start:s.clean_end] == s.text
        for i in p.items:
            assert n.text[i.clean_start:i.clean_end] == i.text
    for s in d.sections:
        assert n.text[s.clean_start:s.clean_end] == s.heading
    for f in list(d.footnotes) + list(d.symbol_footnotes):
        assert n.full_text[f.clean_start:f.clean_end] == f.text


@pytest.mark.parametrize("doc", DOC_IDS)
def test_paragraph_spans_are_tight_and_ordered(doc: str) -> None:
    original = source(doc)
    d = parsed(doc)
    previous_end = 0
    for p in d.paragraphs:
        assert squash(original[p.start:p.end])[:4] == squash(p.text)[:4]
        assert squash(original[p.start:p.end])[-4:] == squash(p.text)[-4:]
        assert p.start >= previous_end
        previous_end = p.end


def test_numbered_paragraph_continues_after_a_line_ending_a_sentence() -> None:
    # in the PDF layout a line of paragraph 13 ends with a full stop; it is still one paragraph
    p = parsed("004").paragraph("13")
    assert p.text.startswith("There is also emigration of highly skilled people from the region. Almost 9.5 million migrants")
    assert p.text.endswith("the COVID-19 pandemic.")


def test_paragraph_footnote_refs() -> None:
    assert parsed("004").paragraph("60").footnote_refs == (46, 47, 48, 49)
    assert parsed("004").paragraph("1").footnote_refs == (1,)
    assert parsed("002").paragraph("5").footnote_refs == (4, 5)
    assert parsed("002").paragraph("22").footnote_refs == (9, 10, 11)
    (p,) = [p for p in parsed("000").paragraphs if p.text.startswith("This concept note has been prepared")]
    assert p.footnote_refs == (1, 2, 3)


# --------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------


def test_lettered_items() -> None:
    p = parsed("002").paragraph("15")
    assert p.text.startswith("Participants identified, among others, the following challenges")
    assert [i.key for i in p.items] == ["a", "b", "c", "d", "e", "f", "g"]
    assert p.items[0].text.startswith("Poverty, unemployment, low wages")
    assert p.items[0].marker == "(a)"
    p70 = parsed("004").paragraph("70")
    assert [i.key for i in p70.items] == list("abcdefg")
    assert p70.items[0].text.startswith("People-centredness. Effective migration policies")
    # item (c) continues after a line that ended a sentence
    assert p70.items[2].text.endswith("must be based on law;")


def test_nested_items_and_bullets() -> None:
    p = parsed("002").paragraph("7")
    assert [(i.key, i.parent_key) for i in p.items] == [
        ("a", None), ("i", "a"), ("ii", "a"), ("iii", "a"), ("iv", "a"), ("b", None), ("c", None), ("d", None)]
    assert [i.key for i in parsed("002").paragraph("8").items] == [f"bullet-{k}" for k in range(1, 6)]
    (p1,) = [p for p in parsed("001").paragraphs if p.text.startswith("The consultation addresses the following objectives")]
    assert [i.key for i in p1.items] == ["2", "5", "6", "12", "18"]
    assert p1.items[0].text == "Minimize the adverse drivers and structural factors that compel people to leave their country of origin"


def test_items_of_an_unnumbered_document() -> None:
    (p,) = [p for p in parsed("000").paragraphs if p.text.startswith("The meeting will provide an opportunity")]
    assert [i.key for i in p.items] == list("abcde")
    assert p.items[-1].text == "facilitate the formulation of key findings and recommendations to inform the 2022 IMRF."
    annex = [p for p in parsed("000").paragraphs if len(p.items) == 23]
    assert len(annex) == 1 and annex[0].items[22].text.startswith("Strengthen international cooperation")


# --------------------------------------------------------------------------------------
# Sections and titles
# --------------------------------------------------------------------------------------


def test_sections_of_a_pdf_extraction() -> None:
    d = parsed("004")
    top = [(s.number, s.heading) for s in d.sections if s.level == 1 and s.style == "roman"]
    assert [n for n, _ in top] == ["I", "II", "III", "IV", "V"]
    assert top[0][1] == "Introduction"
    assert top[2][1] == "Progress and challenges in implementing the Global Compact for Safe, Orderly and Regular Migration in Asia and the Pacific"
    sub = [s for s in d.sections if s.parent_ordinal == d.sections[2].ordinal]  # under II.
    assert [s.number for s in sub] == ["A", "B", "C", "D", "E"]
    assert all(s.level == 2 and s.style == "alpha" for s in sub)
    assert sub[2].heading == "Intraregional migration"  # "C." is a letter here, not roman 100
    assert d.paragraph("7").section_ordinal == sub[2].ordinal


def test_sections_of_a_markdown_document() -> None:
    d = parsed("002")
    numbered = [(s.level, s.number, s.heading) for s in d.sections if s.number]
    assert numbered[:3] == [(1, "I", "Introduction"), (1, "II", "Process of stakeholder engagement"), (1, "III", "Outcomes of stakeholder engagement")]
    assert [n for lvl, n, _ in numbered if lvl == 2] == ["A", "B", "C", "D", "E"]
    assert numbered[-1][:2] == (1, "IV")
    heading = next(s for s in d.sections if s.heading.startswith("Implementing the Global Compact"))
    assert heading.symbol_refs == ("**",)


def test_sections_of_concept_notes() -> None:
    d0 = parsed("000")
    assert [s.number for s in d0.sections if s.style == "roman"] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    overview = next(s for s in d0.sections if s.heading == "Overview")
    assert overview.style == "lower-roman" and overview.level == 2
    assert d0.sections[overview.parent_ordinal - 1].number == "II"
    d1 = parsed("001")
    assert [(s.number, s.heading) for s in d1.sections if s.style == "digit"] == [
        ("1", "Background"), ("2", "Objectives of the consultations"), ("3", "Date, content and format"),
        ("4", "Organizing team"), ("5", "Participants"), ("6", "Expected outcomes and next steps"),
        ("7", "Background documents")]


def test_sections_of_a_chairs_summary() -> None:
    d = parsed("003")
    headings = [s.heading for s in d.sections]
    assert "Policies to facilitate safe, orderly and regular migration" in headings
    assert "Importance of migration for the Asia-Pacific region in the context of the 2030 Agenda" in headings
    assert headings[-1] == "Civil society input"
    lettered = [s for s in d.sections if s.style == "letter"]
    assert [s.number for s in lettered] == list("abcdef")
    assert lettered[0].heading.startswith("Human rights of all migrants")
    # the list a)...f) announcing them stays a list of items
    (p,) = [p for p in d.paragraphs if p.text.startswith("Discussions covered the six thematic areas")]
    assert [i.key for i in p.items] == list("abcdef")


@pytest.mark.parametrize(
    "doc,title",
    [
        ("000", "Asia-Pacific Regional Review of Implementation of the Global Compact for Safe, Orderly and Regular Migration"),
        ("001", "Stakeholder consultations for the Asia-Pacific Regional Review of Implementation of the Global Compact for Safe, Orderly and Regular Migration"),
        ("002", "Implementing the Global Compact for Safe, Regular and Orderly Migration: summary of stakeholder consultations for Asia and the Pacific"),
        ("003", "Chair’s Summary"),
        ("004", "Note by the secretariat"),
    ],
)
def test_title(doc: str, title: str) -> None:
    d = parsed(doc)
    assert d.title == title
    assert squash(title) in squash(source(doc)[d.title_start:d.title_end])


# --------------------------------------------------------------------------------------
# Tables, figures, footnotes
# --------------------------------------------------------------------------------------


def test_tables_and_figures_are_paragraphs_with_their_text() -> None:
    (table,) = [p for p in parsed("000").paragraphs if p.kind == "table"]
    assert table.text.split("\n") == [
        "Roundtable\tObjectives", "One\t2, 5, 6, 12 and 18", "Two\t4, 8, 9, 10, 11, 13 and 21",
        "Three\t14, 15, 16, 19, 20 and 22", "Four\t1, 3, 7, 17 and 23"]
    figures = [p for p in parsed("004").paragraphs if p.kind == "figure"]
    assert len(figures) == 6
    assert figures[0].text == "Figure I\n\nInternational migrant stock by subregion in Asia and the Pacific, 1990–2019"
    sources = [p for p in parsed("004").paragraphs if p.kind == "source"]
    assert all(p.text.startswith("Source:") and p.text.endswith(".") for p in sources)


@pytest.mark.parametrize("doc,count", [("000", 18), ("001", 1), ("002", 12), ("003", 0), ("004", 55)])
def test_footnotes(doc: str, count: int) -> None:
    d = parsed(doc)
    assert [f.number for f in d.footnotes] == list(range(1, count + 1))
    cited = [n for p in d.paragraphs for n in p.footnote_refs] + [n for s in d.sections for n in s.footnote_refs]
    assert sorted(set(cited)) == list(range(1, count + 1))


def test_symbol_footnotes() -> None:
    d = parsed("002")
    assert [(f.mark, f.text) for f in d.symbol_footnotes] == [
        ("*", "ESCAP/GCM/2021/L.1."), ("**", "The present document is being issued without formal editing.")]


# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Members, e.g. Albania and Serbia, met. They agreed.", ["Members, e.g. Albania and Serbia, met.", "They agreed."]),
        ("That is, i.e. Geneva, etc. Then it ended. Next.", ["That is, i.e. Geneva, etc. Then it ended.", "Next."]),
        ("See No. 5 and para. 12 of the report. It was read.", ["See No. 5 and para. 12 of the report.", "It was read."]),
        ("The U.S. Department and J. Smith agreed. Done.", ["The U.S. Department and J. Smith agreed.", "Done."]),
        ("Growth was 3.5 per cent under item 10.c of resolution 73/195. The end.", ["Growth was 3.5 per cent under item 10.c of resolution 73/195.", "The end."]),
        ("It rose (see figure I). 152 States voted.", ["It rose (see figure I).", "152 States voted."]),
        ("He said “no.” Then left.", ["He said “no.”", "Then left."]),
        ("calls for “... implementing the Compact ...” (paragraph 48).", ["calls for “... implementing the Compact ...” (paragraph 48)."]),
    ],
)
def test_sentence_splitter(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_sentences_in_the_corpus() -> None:
    p = parsed("004").paragraph("29")
    texts = [s.text for s in p.sentences]
    assert "Few countries in the region have ratified key Conventions concerning domestic work, such as the Domestic Workers Convention, 2011 (No. 189), of ILO." in texts
    p3 = parsed("004").paragraph("3")
    assert p3.sentences[0].text == "Asia and the Pacific is home to over 4.6 billion people, approximately 60 per cent of the world’s population in 2020."
    assert [s.ordinal for s in p3.sentences] == list(range(1, len(p3.sentences) + 1))
    # item sentences carry their item key
    p15 = parsed("002").paragraph("15")
    assert [s.item_key for s in p15.sentences][:3] == [None, "a", "b"]


# --------------------------------------------------------------------------------------
# Keys, determinism, synthetic documents, robustness
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOC_IDS)
def test_keys_are_unique_and_stable(doc: str) -> None:
    d = parsed(doc)
    keys = [p.key for p in d.paragraphs]
    assert len(keys) == len(set(keys))
    again = parse_structure(source(doc))
    assert [p.key for p in again.paragraphs] == keys
    assert again == d


SYNTHETIC_WRAPPED = """\
 Economic Commission for Europe

 Regional Review of the Global Compact for Migration in the UNECE Region

 Note by the secretariat

 I. Introduction

1. The regional review took place in Geneva on 12 November 2021 and brought

together member States, e.g. Albania and Serbia, and stakeholders from across the

region.1 It reviewed the Global Compact (General Assembly resolution 73/195).

2. Participants noted that the data manage-

ment systems of the region were weak.2 The following was agreed:

(a) Regular pathways should be expanded;

(b) Data should be disaggregated by sex and age.

 

1 ECE, Migration Statistics (Geneva, 2021).

2 See ECE/GCM/2022/INF.2.

ECE/GCM/2022/3 

 

GE.22-01234 (E)

 II. Conclusions

3. The review recommended the following actions for the period 2022–2026. The

secretariat will report back to the Commission.
"""

SYNTHETIC_NOTE = """\
CONCEPT NOTE

Background

Migration in the region is growing fast. The meeting will:

• review progress;

• agree on priorities.

Participation

All member States are invited.
"""


def test_synthetic_wrapped_document() -> None:
    d = parse_structure(SYNTHETIC_WRAPPED)
    assert d.numbered_paragraphs
    assert [(s.style, s.number, s.heading) for s in d.sections if s.number] == [("roman", "I", "Introduction"), ("roman", "II", "Conclusions")]
    p1, p2, p3 = (d.paragraph(k) for k in ("1", "2", "3"))
    assert p1.text == ("The regional review took place in Geneva on 12 November 2021 and brought together member States, "
                       "e.g. Albania and Serbia, and stakeholders from across the region. It reviewed the Global Compact "
                       "(General Assembly resolution 73/195).")
    assert len(p1.sentences) == 2 and p1.footnote_refs == (1,)
    assert p2.text.startswith("Participants noted that the data management systems of the region were weak.")
    assert [i.key for i in p2.items] == ["a", "b"] and p2.footnote_refs == (2,)
    assert p3.section_ordinal == d.sections[-1].ordinal
    assert p3.text == "The review recommended the following actions for the period 2022–2026. The secretariat will report back to the Commission."
    assert [(f.number, f.text) for f in d.footnotes] == [(1, "ECE, Migration Statistics (Geneva, 2021)."), (2, "See ECE/GCM/2022/INF.2.")]
    assert "ECE/GCM/2022/3" not in d.normalized.text and "GE.22-01234" not in d.normalized.text


def test_synthetic_concept_note() -> None:
    d = parse_structure(SYNTHETIC_NOTE)
    assert d.title == "CONCEPT NOTE"
    # "CONCEPT NOTE" sits directly on another heading-like line: front matter, not a section
    assert [s.heading for s in d.sections] == ["Background", "Participation"]
    assert not d.numbered_paragraphs
    assert d.paragraphs[0].key == "b1" and d.paragraphs[0].text == "CONCEPT NOTE"
    p = d.paragraphs[1]
    assert p.key == "b3" and p.section_ordinal == 1
    assert [i.key for i in p.items] == ["bullet-1", "bullet-2"]
    assert [s.text for s in p.sentences] == ["Migration in the region is growing fast.", "The meeting will:", "review progress;", "agree on priorities."]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from([
    "1. ", "(a) ", "I. ", "A. ", "- ", "• ", "Heading\n\n", "Text of a sentence. ", "e.g. ", "\n", "\n\n",
    "word1 ", "1  Note.\n", "<sup>2</sup>", "**", "| x | y |\n", "Figure I\n", "Source: x.\n", "Annex\n",
]), max_size=40).map("".join) | st.text(max_size=120))
def test_parse_structure_never_crashes(original: str) -> None:
    d = parse_structure(original)
    keys = [p.key for p in d.paragraphs]
    assert len(keys) == len(set(keys))
    for p in d.paragraphs:
        assert 0 <= p.start <= p.end <= len(original)
        for s in p.sentences:
            assert 0 <= s.start <= s.end <= len(original)
