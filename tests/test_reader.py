"""Tests of ingest.reader: normalisation of the extracted UN texts, with an offset map.

Behaviour is checked against what the corpus itself prints, and on small synthetic
documents of the same genre (another commission's symbol and job-number formats) to show
that the rules are general."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.reader import Normalized, normalize  # noqa: E402
from corpus_text import DOC_IDS, is_subsequence, source, squash  # noqa: E402


@lru_cache(maxsize=None)
def norm(doc: str) -> Normalized:
    return normalize(source(doc))


SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


# --------------------------------------------------------------------------------------
# Synthetic documents of the same genre, with other symbol / job-number formats
# --------------------------------------------------------------------------------------

WRAPPED_ECE = """\
 Economic Commission for Europe

 Regional Review of the Global Compact for Migration in the UNECE Region

 Note by the secretariat

 I. Introduction

1. The regional review took place in Geneva on 12 November 2021 and brought

together member States, e.g. Albania and Serbia, and stakeholders from across the

region.1 The review considered the implementation of the Global Compact (General

Assembly resolution 73/195) and the role of data manage-

ment in migration governance.

2. Participants noted that remittances to the region rose by 3.5 per cent in 2020,

i.e. faster than expected, and that No. 5 of the series by J. Smith and the U.S.

Department of State remained the reference.2 Labour migration of low-

skilled workers and of workers from the Asia-

Pacific region was discussed at length; 1.5 million workers were concerned.

 A. Key findings

3. The following points were made:

(a) Regular pathways should be expanded;

(b) Data on migrants should be disaggregated by sex and age.

 

1 ECE, Migration Statistics in the UNECE Region (Geneva, 2021).

2 See also document ECE/GCM/2022/INF.2.

ECE/GCM/2022/3 

 

GE.22-01234 (E)

- 7 -

4. In conclusion, the review recommended the following actions for the period

2022–2026. The secretariat will report back to the Commission at its next

session.
"""

MARKDOWN_ECLAC = """\
# **Regional review of the Global Compact: Latin America and the Caribbean**

Distr.: General

### *Summary*

The present report\\* summarizes the regional review.

\\* LC/MDS.4/3.

## I. Background

1. Member States met in Santiago<sup>1</sup> to review progress on the [Global Compact](https://example.org/gcm) and **agreed** on priorities.<sup>2,3</sup>

2. The following priorities were identified:

• Improving data¹ collection;

▪ Reducing the costs of remittances;

o Strengthening consular protection.

---

<sup>1</sup> Held on 3 May 2022.

<sup>2</sup> See [ECLAC](#) website.

<sup>3</sup> Ibid.

| Cluster | Objectives |
|---|---|
| One | 2, 5, 6 |

3. Participants stressed that migrants\\\\_rights and *all* [rights](#) must be respected, at a cost of \\$10.
"""


# --------------------------------------------------------------------------------------
# Clean text: no markup, no page furniture, no footnote markers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOC_IDS)
def test_clean_text_has_no_markup_or_markers(doc: str) -> None:
    text = norm(doc).text
    for bad in ("<sup>", "</sup>", "**", "\\*", "\\_", "\\$", "](", "<u>", "<https", "###", "## "):
        assert bad not in text, bad
    assert not any(c in SUPERSCRIPTS for c in text)
    assert "\u0336" not in text  # the PDF's "combining stroke" dash became a real dash


@pytest.mark.parametrize("doc", DOC_IDS)
def test_no_page_furniture_survives(doc: str) -> None:
    text = norm(doc).text
    assert not re.search(r"\b[A-Z]{0,3}\.?\d{2}-\d{5}\b", text)  # job numbers
    for line in text.split("\n"):
        assert not re.fullmatch(r"\s*(\d{1,3}|[A-Z]+(/[A-Z0-9.]+)+)(\s+\S+)?\s*", line), line


def test_page_header_and_job_number_are_recorded_as_removed() -> None:
    original = source("004")
    removed = {original[r.original_start:r.original_end].strip() for r in norm("004").removed if r.kind == "furniture"}
    assert "ESCAP/GCM/2021/1" in removed
    assert "20 B20-00943" in removed
    assert "ESCAP/GCM/2021/1" not in norm("004").text
    assert "B20-00943" not in norm("004").text


def test_paragraph_continues_across_page_break() -> None:
    # the sentence runs over the footnotes, the symbol and the job number of the page
    assert "often having already spent significant sums on recruitment" in norm("004").text
    assert "especially into low-skilled occupations." in norm("000").text
    assert "Moreover, member States should recognize" in norm("002").text
    assert "the Lord's Universal College of Education, University of Mumbai, India" in norm("002").text


def test_lines_broken_mid_sentence_are_unwrapped() -> None:
    text = norm("003").text
    assert (
        "In response to General Assembly resolution 71/280, the Asia-Pacific Regional Preparatory "
        "Meeting for the Global Compact for Safe, Orderly and Regular Migration was convened from "
        "6-8 November 2017 in Bangkok."
    ) in text
    # a heading wrapped over three lines of a PDF extraction is one block
    assert (
        "III. Progress and challenges in implementing the Global Compact for Safe, Orderly and "
        "Regular Migration in Asia and the Pacific\n\n"
    ) in norm("004").text


def test_paragraph_breaks_are_kept() -> None:
    text = norm("003").text
    assert "Civil society input\n\nDuring the Meeting" in text
    assert "regardless of status.\n\nMany representatives further suggested" in text
    assert "\n\n1. States Members of the United Nations adopted" in norm("004").text


def test_hyphenated_line_breaks() -> None:
    text = norm("004").text
    assert "gender-responsive, disability-inclusive" in text  # kept: both halves are words
    assert "their non-refoulement obligation" in text  # kept: prefix-like first part
    assert "Almost 46 million migrants from Asia-Pacific countries moved" in text  # capitalised
    assert "High-level Dialogues" in text
    assert not re.search(r"[a-z]- [a-z]", text.replace(" low- or ", " "))


def test_hyphenation_heuristic_on_synthetic_text() -> None:
    text = normalize(WRAPPED_ECE).text
    assert "the role of data management in migration governance" in text  # soft hyphen removed
    assert "Labour migration of low-skilled workers" in text  # prefix-like: hyphen kept
    assert "from the Asia-Pacific region" in text  # capitalised second part: kept


def test_markdown_is_stripped() -> None:
    text = norm("002").text
    assert "Implementing the Global Compact for Safe, Regular and Orderly Migration: summary of stakeholder consultations for Asia and the Pacific" in text
    assert "https://migrationnetwork.un.org/country-regional-network/asia-pacific as part of the contributions" in text
    assert "Summary\n\n" in text
    text0 = norm("000").text
    assert "The Global Compact for Safe, Orderly and Regular Migration (GCM) (General Assembly Resolution 73/195)" in text0
    assert "over $327 billion in remittances" in text0
    assert "by 31 August 2020, preferably" in text0
    assert "Annex 1. Global Compact for Safe, Orderly and Regular Migration - Objectives" in text0


def test_markdown_on_synthetic_document() -> None:
    n = normalize(MARKDOWN_ECLAC)
    assert n.text.startswith("Regional review of the Global Compact: Latin America and the Caribbean\n\n")
    assert "Member States met in Santiago to review progress on the Global Compact and agreed on priorities." in n.text
    assert "migrants_rights and all rights must be respected, at a cost of $10." in n.text
    assert "| Cluster | Objectives |\n|---|---|\n| One | 2, 5, 6 |" in n.text  # a table is kept as is
    heading = next(b for b in n.blocks if n.text[b.start:b.end] == "I. Background")
    assert heading.md_level == 2


# --------------------------------------------------------------------------------------
# Footnotes and their markers
# --------------------------------------------------------------------------------------

EXPECTED_FOOTNOTES = {"000": 18, "001": 1, "002": 12, "003": 0, "004": 55}


@pytest.mark.parametrize("doc", DOC_IDS)
def test_footnotes_are_numbered_in_sequence_and_all_cited(doc: str) -> None:
    n = norm(doc)
    numbers = [f.number for f in n.footnotes]
    assert numbers == list(range(1, EXPECTED_FOOTNOTES[doc] + 1))
    cited = {r.number for r in n.footnote_refs}
    assert cited == set(numbers)
    # markers run in order through the text
    first_cites = [min(r.clean_offset for r in n.footnote_refs if r.number == k) for k in numbers]
    assert first_cites == sorted(first_cites)


@pytest.mark.parametrize(
    "doc,number,text",
    [
        ("004", 1, "General Assembly resolution 73/195."),
        ("004", 3, "United Nations publication, 2020."),
        ("004", 11, "UNHCR, Refugee Data Finder database. Available at www.unhcr.org/refugee-statistics."),
        ("004", 15, "Global Study on Smuggling of Migrants 2018 (United Nations publication, 2018), p. 11."),
        ("004", 48, "Ibid.; and IOM Regional Office for South-Eastern Europe, Eastern Europe and Central Asia, “Migrants with HIV of extra concern in COVID-19 era”, 14 April 2020."),
        ("000", 8, "A total of 152 Member States voted in favour, 12 abstained and 5 voted against."),
        ("000", 4, "ESCAP, 2019: ESCAP Population Data Sheet 2019."),
        ("002", 6, "https://migrationnetwork.un.org/hub."),
        ("002", 1, "General Assembly 73/326."),
    ],
)
def test_footnote_text_is_the_printed_one(doc: str, number: int, text: str) -> None:
    (fn,) = [f for f in norm(doc).footnotes if f.number == number]
    assert fn.text == text


@pytest.mark.parametrize("doc", DOC_IDS)
def test_footnote_spans_point_at_the_printed_notes(doc: str) -> None:
    original = source(doc)
    for fn in norm(doc).footnotes:
        span = original[fn.original_start:fn.original_end]
        assert is_subsequence(squash(fn.text), squash(span)), fn.number
        marker = squash(span)[: len(str(fn.number))] if not span.startswith("<sup>") else squash(span[5:])[: len(str(fn.number))]
        assert marker == str(fn.number)


@pytest.mark.parametrize("doc", DOC_IDS)
def test_footnote_bodies_are_not_running_text(doc: str) -> None:
    n = norm(doc)
    for fn in n.footnotes:
        if len(fn.text) > 40:  # long enough not to be quoted in full in the body
            assert fn.text not in n.text
    assert "Rebecca Napier-Moore" not in norm("004").text


@pytest.mark.parametrize("doc", DOC_IDS)
def test_footnote_markers_point_at_the_markers(doc: str) -> None:
    original = source(doc)
    n = norm(doc)
    for ref in n.footnote_refs:
        marker = original[ref.original_start:ref.original_end]
        numbers = re.findall(r"\d+", unicodedata.normalize("NFKC", marker))
        assert str(ref.number) in numbers or ref.number in range(int(numbers[0]), int(numbers[-1]) + 1)
        # the marker follows a word (or closing punctuation) in the clean text
        assert n.text[ref.clean_offset - 1] not in " \n"


def test_plain_digit_markers_are_removed_but_decimals_are_not() -> None:
    text = norm("004").text
    assert "The number of international migrants in the region increased" in text  # was "migrants4"
    assert "destination”. Acknowledging" in text  # was "destination”.1"
    assert "50.6 per cent male and 49.6 per cent female." in text
    assert "4.6 billion people" in text
    assert "33.5 million migrant workers" in norm("000").text


def test_symbol_footnotes() -> None:
    n = norm("002")
    notes = {s.mark: s.text for s in n.symbol_notes}
    assert notes == {"*": "ESCAP/GCM/2021/L.1.", "**": "The present document is being issued without formal editing."}
    assert sorted(r.mark for r in n.symbol_refs) == ["*", "**"]
    assert "Items 2 and 3 of the provisional agenda\n\n" in n.text


def test_synthetic_wrapped_document_with_other_symbol_and_job_number_formats() -> None:
    n = normalize(WRAPPED_ECE)
    removed = {WRAPPED_ECE[r.original_start:r.original_end].strip() for r in n.removed}
    assert {"ECE/GCM/2022/3", "GE.22-01234 (E)", "- 7 -"} <= removed
    for junk in ("ECE/GCM/2022/3", "GE.22-01234", "- 7 -"):
        assert junk not in n.text
    assert [(f.number, f.text) for f in n.footnotes] == [
        (1, "ECE, Migration Statistics in the UNECE Region (Geneva, 2021)."),
        (2, "See also document ECE/GCM/2022/INF.2."),
    ]
    assert [r.number for r in n.footnote_refs] == [1, 2]
    assert "from across the region. The review considered" in n.text
    assert "remained the reference. Labour migration" in n.text
    # the paragraph continues over the footnotes and the page furniture
    assert "for the period 2022–2026. The secretariat will report back to the Commission at its next session." in n.text
    assert "1.5 million workers" in n.text  # a decimal, not footnote 5
    assert "3.5 per cent" in n.text


def test_synthetic_markdown_footnotes() -> None:
    n = normalize(MARKDOWN_ECLAC)
    assert [(f.number, f.text) for f in n.footnotes] == [(1, "Held on 3 May 2022."), (2, "See ECLAC website."), (3, "Ibid.")]
    assert [r.number for r in n.footnote_refs] == [1, 2, 3, 1]  # <sup>2,3</sup> gives two refs
    assert [(s.mark, s.text) for s in n.symbol_notes] == [("*", "LC/MDS.4/3.")]


def test_markers_without_a_footnote_are_left_alone() -> None:
    n = normalize("Some 12 G20 countries host migrants4 and cover 5 km² of land.\n")
    assert n.footnote_refs == ()
    assert n.text == "Some 12 G20 countries host migrants4 and cover 5 km2 of land."


# --------------------------------------------------------------------------------------
# The offset map
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOC_IDS)
def test_blocks_map_back_to_their_source(doc: str) -> None:
    original = source(doc)
    n = norm(doc)
    assert n.source_length == len(original)
    for b in n.blocks:
        a, z = n.to_original(b.start, b.end)
        clean = squash(n.text[b.start:b.end])
        src = squash(original[a:z])
        assert is_subsequence(clean, src)
        assert src[:3] == clean[:3] and src[-3:] == clean[-3:]  # tight at both ends


@pytest.mark.parametrize("doc", DOC_IDS)
def test_copied_characters_map_exactly(doc: str) -> None:
    original = source(doc)
    n = norm(doc)
    for cs, oa, ob, copy in n.runs:
        if copy:
            assert n.text[cs:cs + ob - oa] == original[oa:ob]


@pytest.mark.parametrize("doc", DOC_IDS)
def test_notes_area_maps_to_the_printed_notes(doc: str) -> None:
    original = source(doc)
    n = norm(doc)
    assert n.full_text == n.text + "\n\n" + n.notes_text
    for note in list(n.footnotes) + list(n.symbol_notes):
        assert n.full_text[note.clean_start:note.clean_end] == note.text
        a, b = n.to_original(note.clean_start, note.clean_end)
        assert note.original_start <= a <= b <= note.original_end
        assert is_subsequence(squash(note.text), squash(original[a:b]))
        first = note.text.split(" ")[0]
        a, b = n.to_original(note.clean_start, note.clean_start + len(first))
        assert squash(original[a:b]) == squash(first)


def test_a_word_of_a_footnote_broken_over_two_lines() -> None:
    original = source("004")
    n = norm("004")
    (fn,) = [f for f in n.footnotes if f.number == 11]
    i = fn.clean_start + fn.text.index("refugee-statistics")
    a, b = n.to_original(i, i + len("refugee-statistics"))
    assert re.fullmatch(r"refugee-\s*statistics", original[a:b])


def test_offset_map_is_compact() -> None:
    n = norm("004")
    assert len(n.runs) < len(n.text) / 10


def test_to_original_of_a_word() -> None:
    original = source("004")
    n = norm("004")
    i = n.text.index("Marrakesh")
    a, b = n.to_original(i, i + len("Marrakesh"))
    assert original[a:b] == "Marrakesh"
    i = n.text.index("gender-responsive")
    a, b = n.to_original(i, i + len("gender-responsive"))
    assert original[a:b].startswith("gender-") and original[a:b].endswith("responsive")


def test_to_original_rejects_bad_spans() -> None:
    n = normalize("Hello world.")
    with pytest.raises(ValueError):
        n.to_original(5, 3)
    with pytest.raises(ValueError):
        n.to_original(0, 99)
    assert n.to_original(0, 0) == (0, 0)


def test_deterministic() -> None:
    assert normalize(source("002")) == normalize(source("002"))


def test_empty_and_blank_input() -> None:
    for text in ("", "\n\n", "   \n \t\n"):
        n = normalize(text)
        assert n.text == "" and n.blocks == () and n.to_original(0, 0) == (0, 0)


# --------------------------------------------------------------------------------------
# Property: never crashes, spans in bounds and monotonic
# --------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    list("abcXYZ 019.,;:-*_\\#[]()<>|\t\n\n¹²⁰/") + [
        "<sup>1</sup>", "**", "\\*", "(a) ", "1. ", "I. ", "- ", "• ", "ESCAP/GCM/2021/1", "B20-00943",
        "http://x.org/a", "manage-\n\nment", "[t](u)", "e.g. ", "No. 5 ", "1  Note text.\n", "word1 ",
        "A. Heading\n", " \u0336 ", "---\n", "| a | b |\n",
    ]
)
_TEXT = st.lists(_PIECES, max_size=50).map("".join) | st.text(max_size=150)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_TEXT)
def test_normalize_never_crashes_and_maps_monotonically(original: str) -> None:
    n = normalize(original)
    length = len(n.text)
    starts = []
    for p in range(length + 1):
        a, b = n.to_original(p, p)
        assert 0 <= a == b <= len(original)
        starts.append(a)
    assert starts == sorted(starts)
    for s in range(0, length + 1, max(1, length // 6)):
        for e in range(s, length + 1, max(1, length // 4)):
            a, b = n.to_original(s, e)
            assert 0 <= a <= b <= len(original)
    for ref in n.footnote_refs:
        assert 0 <= ref.clean_offset <= length
        assert 0 <= ref.original_start < ref.original_end <= len(original)
    for blk in n.blocks:
        assert 0 <= blk.start <= blk.body_start <= blk.end <= length
    for note in list(n.footnotes) + list(n.symbol_notes):
        assert n.full_text[note.clean_start:note.clean_end] == note.text
        a, b = n.to_original(note.clean_start, note.clean_end)
        assert 0 <= a <= b <= len(original)
