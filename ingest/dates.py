"""Dates as UN documents print them: '28 October 2020', '18-20 November 2020', 'from 10 to 12 March 2021',
'6-8 November 2017', '2 and 4 March' (year from context), '30 November - 2 December 2020'."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"], start=1)}
_M = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_SEP = r"\s*(?:-|–|—|to|and|until)\s*"
_RANGE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{_M}))?(?:\s+(?P<y1>\d{{4}}))?{_SEP}(?P<d2>\d{{1,2}})\s+(?P<m2>{_M})(?:,?\s+(?P<y2>\d{{4}}))?\b"
)
_SINGLE = re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_M}),?\s+(?P<y>\d{{4}})\b")
_MONTH_DAY = re.compile(rf"\b(?P<m>{_M})\s+(?P<d>\d{{1,2}}),\s+(?P<y>\d{{4}})\b")


@dataclass(frozen=True)
class DateSpan:
    start: date
    end: date
    offset: int  # where the expression starts in the text given
    length: int
    text: str


def _mk(y: int, m: str, d: str) -> date | None:
    try:
        return date(int(y), MONTHS[m.lower()], int(d))
    except (ValueError, KeyError):
        return None


def find_dates(text: str, default_year: int | None = None) -> list[DateSpan]:
    """Every date or date range in the text, in order; ranges win over the single dates inside them."""
    out: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        y2 = m.group("y2") or m.group("y1") or default_year
        if y2 is None:
            continue
        y1 = m.group("y1") or y2
        m1 = m.group("m1") or m.group("m2")
        start, end = _mk(y1, m1, m.group("d1")), _mk(y2, m.group("m2"), m.group("d2"))
        if start and end and start <= end:
            out.append(DateSpan(start, end, m.start(), m.end() - m.start(), m.group(0)))
            taken.append((m.start(), m.end()))
    for rx in (_SINGLE, _MONTH_DAY):
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            d = _mk(m.group("y"), m.group("m"), m.group("d"))
            if d:
                out.append(DateSpan(d, d, m.start(), m.end() - m.start(), m.group(0)))
                taken.append((m.start(), m.end()))
    return sorted(out, key=lambda s: s.offset)
