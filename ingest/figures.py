"""Numeric facts stated in running text: '$330 billion', 'about 65 million immigrants', '45 per cent', with the
qualifier ('about', 'over'), the reference year and what is measured. Pure functions over one sentence."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_MULT = {"thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9,
         "trillion": Decimal(10) ** 12}
_QUALIFIERS = ("approximately", "more than", "less than", "fewer than", "up to", "nearly", "almost", "around",
               "about", "over", "some", "roughly", "at least", "close to", "an estimated", "estimated")
_QUAL_RX = "|".join(q.replace(" ", r"\s+") for q in _QUALIFIERS)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FIGURE = re.compile(
    rf"(?:(?P<qual>\b(?:{_QUAL_RX}))\s+)?"
    rf"(?P<cur>(?:US|USD\s?)?\\?\$\s?|\bUSD\s?)?(?P<num>{_NUMBER})"
    rf"(?:\s*(?P<mult>thousand|million|billion|trillion)\b)?"
    rf"(?P<cur_after>\s+(?:United\s+States|US|U\.S\.)\s+dollars\b|\s+USD\b)?"
    rf"(?:\s*(?P<pct>per\s*cent\b|percent\b|%))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_YEAR_CONTEXT = re.compile(r"\b(?:in|as of|by|since|during|for|of)\s+(?:the\s+)?(?:end\s+of\s+)?(19[5-9]\d|20[0-4]\d)\b",
                           re.IGNORECASE)
_BETWEEN = re.compile(r"\b(?:between|from)\s+(19[5-9]\d|20[0-4]\d)\s+(?:and|to)\s+(19[5-9]\d|20[0-4]\d)\b", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?P<a>\S+(?:\s+(?:thousand|million|billion))?)\s+to\s+(?P<b>\S+)", re.I)

# What is measured, recognised by the words near the number (first match wins; most specific first).
MEASURES: tuple[tuple[str, str, str], ...] = (
    # (key, label, regex on the words after / around the number)
    ("remittance-cost", "remittance cost", r"remittance\w*\s+costs?|cost\w*\s+of\s+(?:sending\s+)?remittances?|transaction\s+costs?|"
                                           r"cost\w*\s+of\s+sending\b"),
    ("remittances", "remittances", r"remittance"),
    ("recruitment-cost", "recruitment cost", r"recruitment\s+(?:fees?|costs?)"),
    ("migrant-workers", "migrant workers", r"migrant\s+workers?|labour\s+migrants?"),
    ("refugees", "refugees", r"refugees?|asylum"),
    ("migrant-deaths", "migrants dead or missing", r"\bdied\b|\bdeaths?\b|\bdrowned\b|\bmissing\b|disappear"),
    ("emigrants", "emigrants", r"emigrants?|lived\s+outside\s+their\s+countr|from\s+the\s+region\s+lived"),
    ("migrant-stock", "international migrants", r"immigrants?|international\s+migrants?|migrants?\b"),
    ("trafficking", "people in modern slavery or trafficked", r"modern\s+slavery|traffick"),
    ("participants", "participants", r"stakeholders?|participants?|representatives?|attendees?|people\s+attended"),
    ("students", "international students", r"students?|studying"),
    ("countries", "countries", r"countries|member\s+States"),
    ("population", "population", r"population|people"),
)
_MEASURE_RX = [(k, l, re.compile(rx, re.I)) for k, l, rx in MEASURES]
# Counted only when the noun follows the number ('195 countries'): 'over 1 million were from other countries'
# counts students, not countries.
_ADJACENT_ONLY = {"countries"}
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_AFTER = re.compile(rf"\s*(?:{_MONTHS})\b")
_DATE_BEFORE = re.compile(rf"\b{_MONTHS}\s*$")
# '53.1 and 46.9 per cent': the first number shares the second's unit
_SHARED_PCT = re.compile(rf"\s*(?:and|or|to|-|–)\s*(?:{_NUMBER})\s*(?:per\s*cent\b|percent\b|%)", re.I)


@dataclass(frozen=True)
class Figure:
    start: int  # offsets in the sentence given
    end: int
    surface: str
    value: Decimal
    unit: str  # USD | percent | persons | countries | number
    measure: str  # a key of MEASURES, or "" when nothing says what is counted
    measure_label: str
    qualifier: str
    year: int | None


def _to_decimal(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def _is_year(m: re.Match) -> bool:
    num = m.group("num")
    return (not m.group("cur") and not m.group("mult") and not m.group("pct") and re.fullmatch(r"(19|20)\d\d", num)
            is not None)


def _next_words(text: str, n: int = 4) -> str:
    """The first n words of text (what a number counts is named right after it: '90 civil society stakeholders')."""
    m = re.match(r"\s*(?:\S+\s*){0,%d}" % n, text)
    return m.group(0) if m else ""


def _measure(text: str, start: int, end: int, percent: bool, currency: bool, bare: bool) -> tuple[str, str]:
    after = text[end : end + 60]
    before = text[max(0, start - 80) : start]
    adjacent, first_two = _next_words(after), _next_words(after, 2)
    # '71 per cent of whom' refers back; '$714 billion' may name its measure anywhere in the sentence; a bare
    # number ('326', not '326 million' or '32 per cent') counts only what is named right after it
    windows = ((adjacent,) if bare else (before, after) if percent else (after, before, text) if currency
               else (after, before))
    for window in windows:
        for key, label, rx in _MEASURE_RX:
            if key in _ADJACENT_ONLY and (window is before or window is text or not rx.search(first_two)):
                continue
            if rx.search(window):
                return key, label
    return "", ""


def _unit(m: re.Match, measure: str, percent: bool) -> str:
    if percent:
        return "percent"
    if m.group("cur") or m.group("cur_after"):
        return "USD"
    if measure == "countries":
        return "countries"
    if measure in ("migrant-workers", "refugees", "emigrants", "migrant-stock", "participants", "population",
                   "trafficking", "students", "migrant-deaths"):
        return "persons"
    return "number"


def find_figures(sentence: str) -> list[Figure]:
    """Every quantity of the sentence that says what it measures. Years, list numbers and paragraph references
    are not figures."""
    years = [int(y) for y in _YEAR_CONTEXT.findall(sentence)]
    between = _BETWEEN.search(sentence)
    default_year = years[-1] if years else None
    out: list[Figure] = []
    matches = [m for m in _FIGURE.finditer(sentence) if m.group("num")]
    for m in matches:
        if _is_year(m):
            continue
        prev = sentence[max(0, m.start() - 12) : m.start()]
        if re.search(r"(?:objectives?|paragraphs?|para\.?|goals?|targets?|resolution|No\.|figure|table|annex|chapter|article|top)\s*$",
                     prev, re.I) or re.match(r"\s*/\d", sentence[m.end() :]) or re.match(r"[./]\d", sentence[m.end():]):
            continue
        if m.start() > 0 and (sentence[m.start() - 1].isalnum() or sentence[m.start() - 1] in "-–/_"):
            continue  # part of a name or code: 'COVID-19', '2018/19', 'A/75/1'
        if m.group("cur") and re.search(r"\b(?:sending|send|transfer(?:ring)?|of)\s*$", prev) \
                and re.search(r"\bcost", sentence[: m.start()], re.I):
            continue  # 'the cost of sending USD 200': the amount the cost is stated for, not a fact
        rest = sentence[m.end():]
        percent = bool(m.group("pct")) or (not m.group("cur") and not m.group("mult")
                                           and _SHARED_PCT.match(rest) is not None)
        bare = not (m.group("cur") or m.group("mult") or percent)
        if bare and (_to_decimal(m.group("num")) < 2 or _DATE_AFTER.match(rest)
                     or _DATE_BEFORE.search(sentence[: m.start()])):
            continue  # '1', a day of the month ('19 December 2018', 'April 3')
        measure, label = _measure(sentence, m.start(), m.end(), percent, bool(m.group("cur")), bare)
        if not measure and not percent:
            continue  # a bare number with nothing counted is not a fact worth stating
        value = _to_decimal(m.group("num")) * _MULT.get((m.group("mult") or "").lower(), Decimal(1))
        year = default_year
        if between:
            ft = _FROM_TO.search(sentence)
            if ft and ft.start("a") <= m.start() < ft.end("a"):
                year = int(between.group(1))
            elif ft and ft.start("b") <= m.start() < ft.end("b"):
                year = int(between.group(2))
        qual = " ".join((m.group("qual") or "").lower().split())
        value = Decimal(format(value.normalize(), "f"))
        out.append(Figure(m.start(), m.end(), m.group(0).strip(), value, _unit(m, measure, percent), measure, label,
                          qual, year))
    return out
