"""Entity linking: find what a text names, by the surface forms the reference vocabularies carry, and by the
citation patterns of UN documents (objectives, SDG targets, resolutions and their paragraphs).

Pure functions over text; offsets are into the text given (the caller maps them back to the original).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from ontology.iris import Minter


@dataclass(frozen=True, order=True)
class Mention:
    start: int
    end: int
    surface: str
    entity: str  # IRI
    kind: str  # country | region | organization | process | instrument | objective | principle | goal | target | indicator
    detail: str = ""  # e.g. the paragraph cited of a resolution ("44")


@dataclass(frozen=True)
class Entry:
    label: str
    entity: str
    kind: str


_WORD = r"[\w’']"


class Gazetteer:
    """Longest-leftmost matching of many labels at once (two compiled alternations: exact case for short labels and
    acronyms, case-insensitive for longer names)."""

    def __init__(self, entries: Iterable[Entry]):
        by_label: dict[str, Entry] = {}
        for e in sorted(entries, key=lambda e: (e.label, e.entity)):
            label = " ".join(e.label.split())
            if len(label) < 2:
                continue
            by_label.setdefault(label, e)  # first (sorted) entity wins an ambiguous label: deterministic
        self.entries = by_label
        exact = [l for l in by_label if len(l) <= 6 or l.isupper()]
        loose = [l for l in by_label if l not in set(exact)]
        self._exact = self._compile(exact, 0)
        self._loose = self._compile(loose, re.IGNORECASE)
        self._loose_index = {l.lower(): l for l in loose}

    @staticmethod
    def _compile(labels: list[str], flags: int):
        if not labels:
            return None
        alts = "|".join(_label_pattern(l) for l in sorted(labels, key=len, reverse=True))
        return re.compile(rf"(?<!{_WORD})(?:{alts})(?!{_WORD})", flags)

    def _lookup(self, surface: str, loose: bool) -> Entry | None:
        norm = " ".join(surface.split()).replace("’", "'")
        for candidate in (norm, norm.replace("'", "’")):
            if not loose and candidate in self.entries:
                return self.entries[candidate]
            if loose and candidate.lower() in self._loose_index:
                return self.entries[self._loose_index[candidate.lower()]]
        return None

    def find(self, text: str) -> list[Mention]:
        found = []
        for rx, loose in ((self._exact, False), (self._loose, True)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                entry = self._lookup(m.group(0), loose)
                if entry is not None:
                    found.append(Mention(m.start(), m.end(), m.group(0), entry.entity, entry.kind))
        return _leftmost_longest(found)


def _label_pattern(label: str) -> str:
    """A label as a regex: any run of white space matches any other, either apostrophe matches both."""
    out = []
    for ch in label:
        if ch.isspace():
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        elif ch in "'’":
            out.append("['’]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _leftmost_longest(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    end = -1
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start), m.entity)):
        if m.start >= end:
            out.append(m)
            end = m.end
    return out


# --- citation patterns -----------------------------------------------------------------------------------------
_NUM_LIST = r"\d{1,2}(?:\s*(?:,|and|&|to|-|–)\s*\d{1,2})*"
_OBJECTIVES = re.compile(
    rf"\b(?:Global\s+Compact\s+(?:for\s+Migration\s+)?|GCM\s+)?[Oo]bjectives?\s+(?:No\.?\s*)?(?P<nums>{_NUM_LIST})\b"
)
_SDG_CODE = r"\d{1,2}(?:\.(?:\d{1,2}|[a-z])(?:\.\d{1,2})?)?(?![\w.]*\d)"
_SDG = re.compile(  # 'SDG target 8.8', 'targets 10.7 and 8.8', 'SDG indicators 10.7.1 and 10.7.2'
    r"\b(?:(?:Sustainable\s+Development\s+Goal|SDG)s?\s+(?:targets?\s+|indicators?\s+)?|[Tt]argets?\s+|[Ii]ndicators?\s+)"
    rf"(?P<code>{_SDG_CODE})(?P<more>(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+or\s+){_SDG_CODE})*)"
)
_SDG_CODE_RX = re.compile(_SDG_CODE)
_RESOLUTION = re.compile(
    r"(?:(?P<para>paragraphs?|para\.?)\s+(?P<pnum>\d{1,3}(?:\s*\([a-z]\))?)"
    r"(?:\s+(?:and\s+\d{1,3}\s+)?of\s+(?:the\s+)?(?:General\s+Assembly\s+)?)?\s*)?"
    r"(?:General\s+Assembly\s+)?(?:[Rr]esolution\s+|A/RES/|General\s+Assembly\s+)(?P<symbol>\d{2,3}/\d{1,3})\b"
)


def _expand_numbers(nums: str) -> list[int]:
    out: list[int] = []
    tokens = re.findall(r"\d{1,2}|to|-|–", nums)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.isdigit():
            if i + 2 < len(tokens) and tokens[i + 1] in ("to", "-", "–") and tokens[i + 2].isdigit():
                out.extend(range(int(t), int(tokens[i + 2]) + 1))
                i += 3
                continue
            out.append(int(t))
        i += 1
    return out


def find_objectives(text: str, minter: Minter) -> list[Mention]:
    """'objectives 2, 5, 6, 12 and 18', 'Global Compact objectives 4, 8 ...', 'objective 13'."""
    found = []
    for m in _OBJECTIVES.finditer(text):
        for n in _expand_numbers(m.group("nums")):
            if 1 <= n <= 23:
                found.append(Mention(m.start(), m.end(), m.group(0), minter.objective(n).value, "objective"))
    return found


def find_sdgs(text: str, minter: Minter) -> list[Mention]:
    """'Sustainable Development Goal 16.9', 'target 10.c', 'SDG indicator 10.7.1', 'Goal 10' (only with SDG)."""
    found = []
    for m in _SDG.finditer(text):
        head = m.group(0)[: m.start("code") - m.start()].lower()
        # the first code's mention spans the words before it ('SDG indicators 10.7.1'); each further code of a list
        # ('... and 10.7.2') is a mention of its own
        spans = [(m.start(), m.end("code"), m.group("code"))]
        spans += [(m.start("more") + c.start(), m.start("more") + c.end(), c.group(0))
                  for c in _SDG_CODE_RX.finditer(m.group("more") or "")]
        for start, end, code in spans:
            parts = code.split(".")
            try:
                if len(parts) == 3:
                    found.append(Mention(start, end, text[start:end], minter.sdg_indicator(code).value, "indicator"))
                elif len(parts) == 2:
                    found.append(Mention(start, end, text[start:end], minter.sdg_target(code).value, "target"))
                elif ("goal" in head or "sdg" in head) and 1 <= int(code) <= 17:
                    found.append(Mention(start, end, text[start:end], minter.sdg_goal(code).value, "goal"))
            except ValueError:
                continue
    return found


def find_resolutions(text: str, minter: Minter) -> list[Mention]:
    """'resolution 73/195', 'General Assembly 73/326', 'paragraph 44 of General Assembly resolution 73/195'."""
    found = []
    for m in _RESOLUTION.finditer(text):
        symbol = m.group("symbol")
        para = re.sub(r"\s+", " ", m.group("pnum") or "")
        found.append(Mention(m.start(), m.end(), m.group(0), minter.instrument(f"a-res-{symbol}").value,
                             "instrument", para))
    return found


_ACRONYM_DEF = re.compile(r"(?P<name>(?:[A-Z][\w’'\-]*|of|the|for|and|on|in|to|de|&)(?:\s+(?:[A-Z][\w’'\-]*|of|the|for|and|on|in|to|de|against|&))*)\s+\((?P<acr>[A-Z][A-Za-z\-]{1,12})\)")


@dataclass(frozen=True)
class Candidate:
    name: str
    acronym: str
    start: int
    end: int


def find_acronym_definitions(text: str) -> list[Candidate]:
    """'International Detention Coalition (IDC)': a long name followed by its acronym, a new organisation when the
    vocabularies do not know it."""
    out = []
    for m in _ACRONYM_DEF.finditer(text):
        words = m.group("name").split()
        while words and words[0][0].islower():
            words.pop(0)
        letters = {w[0].upper() for w in words if w[0].isupper()}
        acr = m.group("acr")
        if len(words) < 2 or not set(acr.replace("-", "").upper()[:1]) <= letters:
            continue
        out.append(Candidate(" ".join(words), acr, m.start("name"), m.end()))
    return out


@dataclass
class Linker:
    gazetteer: Gazetteer
    minter: Minter
    stats: dict = field(default_factory=dict)

    def link(self, text: str) -> list[Mention]:
        sdgs = find_sdgs(text, self.minter)
        # a name inside an SDG reference is part of it: 'Sustainable Development' in 'Sustainable Development Goal
        # target 10.c' is the target, not the guiding principle
        names = [m for m in self.gazetteer.find(text)
                 if not any(c.start <= m.start and m.end <= c.end and c.end - c.start > m.end - m.start for c in sdgs)
                 # 'the Sustainable Development Goals' are the Goals, not the guiding principle
                 and not (m.kind == "principle" and re.match(r"\s+Goals?\b", text[m.end:]))]
        mentions = names + find_objectives(text, self.minter) + sdgs + find_resolutions(text, self.minter)
        # a resolution citation and a gazetteer label can overlap ('resolution 73/195'): keep both kinds,
        # but not two mentions of the same entity over the same words
        seen = set()
        out = []
        for m in sorted(mentions):
            key = (m.start, m.end, m.entity)
            if key not in seen:
                seen.add(key)
                out.append(m)
        return out
