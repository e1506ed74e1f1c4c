"""Document structure of a normalised UN document: title, sections, paragraphs, items,
sentences and footnotes.

``parse_structure(original)`` normalises the text (:func:`ingest.reader.normalize`) and
reads the blocks of the clean text as a tree:

* **sections** come from headings: markdown ``#`` lines, numbered headings (``I.``/``II.``
  roman, ``A.``/``B.`` capital letter, ``i.``/``ii.`` lower roman, ``1.`` when the document
  does not number its paragraphs, ``(a)`` lettered headings standing alone), lines that are
  wholly bold/italic, ``Annex`` lines and short stand-alone lines without final
  punctuation followed by body text;
* **paragraphs** are the other blocks. When the document numbers its paragraphs (``1.``,
  ``2.`` ... in full sentences) a numbered paragraph keeps its printed number as ``key``;
  every other paragraph is keyed ``b<N>`` where N is the 1-based index of its first block in
  ``Normalized.blocks`` (stable for the same input);
* **items** are lettered ``(a)``/``a)``/``a.`` entries, bullets (``-``, ``•``, ``▪``...;
  keyed ``bullet-1``, ``bullet-2`` ... unless a letter/number is printed after the bullet)
  and, in documents that do not number paragraphs, numbered list entries; they attach to
  the paragraph that introduces them;
* **sentences** are split with an abbreviation-aware splitter (see :func:`split_sentences`).

Every record has ``start``/``end`` offsets into the ORIGINAL string and clean ``text``.
Pure, deterministic, standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.reader import Block, Normalized, is_numbered_document, normalize

__all__ = [
    "DocumentStructure",
    "Footnote",
    "Item",
    "Paragraph",
    "Section",
    "Sentence",
    "SymbolFootnote",
    "parse_structure",
    "split_sentences",
]


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    ordinal: int  # 1-based within its paragraph
    text: str
    start: int
    end: int
    item_key: str | None = None  # the item it belongs to, None for the paragraph's lead
    clean_start: int = 0  # Normalized.text[clean_start:clean_end] == text
    clean_end: int = 0


@dataclass(frozen=True)
class Item:
    key: str  # printed label ("a", "ii", "3") or "bullet-N"
    label: str | None  # printed label, None for a plain bullet
    marker: str  # the printed marker as it stands in the clean text: "(a)", "a)", "-", "- i."
    text: str  # clean text after the marker
    start: int
    end: int
    parent_key: str | None
    sentences: tuple[Sentence, ...]
    footnote_refs: tuple[int, ...]
    clean_start: int = 0
    clean_end: int = 0


@dataclass(frozen=True)
class Section:
    ordinal: int  # 1-based, document order
    heading: str  # clean heading text without the printed number
    level: int  # 1 = top
    number: str | None  # printed number: "I", "IV", "A", "i", "1", "a"
    style: str  # "roman", "alpha", "lower-roman", "digit", "letter", "annex", "plain"
    start: int  # span of the heading line in the original text
    end: int
    parent_ordinal: int | None
    footnote_refs: tuple[int, ...] = ()
    symbol_refs: tuple[str, ...] = ()
    clean_start: int = 0  # Normalized.text[clean_start:clean_end] == heading
    clean_end: int = 0


@dataclass(frozen=True)
class Paragraph:
    key: str  # "12" (printed number) or "b7" (block 7)
    number: int | None
    kind: str  # "numbered", "text", "list", "table", "figure", "source"
    section_ordinal: int | None
    text: str  # clean text after the printed number, items included
    start: int
    end: int
    items: tuple[Item, ...]
    sentences: tuple[Sentence, ...]
    footnote_refs: tuple[int, ...]  # footnote numbers cited, in order (items included)
    symbol_refs: tuple[str, ...]
    block_index: int  # 0-based index of its first block in Normalized.blocks
    clean_start: int = 0  # Normalized.text[clean_start:clean_end] == text
    clean_end: int = 0


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str
    start: int  # the printed note, marker included, in the original text
    end: int
    clean_start: int = 0  # Normalized.full_text[clean_start:clean_end] == text (notes area)
    clean_end: int = 0


@dataclass(frozen=True)
class SymbolFootnote:
    mark: str
    text: str
    start: int
    end: int
    clean_start: int = 0
    clean_end: int = 0


@dataclass(frozen=True)
class DocumentStructure:
    title: str
    title_start: int
    title_end: int
    numbered_paragraphs: bool  # does the document number its paragraphs?
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    footnotes: tuple[Footnote, ...]
    symbol_footnotes: tuple[SymbolFootnote, ...]
    normalized: Normalized

    def paragraph(self, key: str) -> Paragraph:
        for p in self.paragraphs:
            if p.key == key:
                return p
        raise KeyError(key)

    def footnote(self, number: int) -> Footnote:
        for f in self.footnotes:
            if f.number == number:
                return f
        raise KeyError(number)

    def section(self, ordinal: int) -> Section:
        return self.sections[ordinal - 1]


# --------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------

ABBREVIATIONS = frozenset(
    """e.g i.e etc cf viz vs al ed eds approx mr mrs ms dr prof st jr sr inc ltd corp dept
    govt rev add corr distr cit est hrs hr jan feb mar apr jun jul aug sep sept oct nov dec
    mt gen sen rep res doc docs nr""".split()
)
# Abbreviations that only stand before a number: "No. 5", "para. 12", "vol. II", "p. 11".
NUMBER_ABBREVIATIONS = frozenset("no nos para paras p pp vol vols art arts fig figs ch chap sect sec op".split())
_SENT_END = re.compile(r"[.!?…]+[)\]\"”’'*]*(?=\s)")
_MULTI_INITIALS = re.compile(r"(?:[A-Za-z]\.){2,}")


def _is_abbreviation(token: str, following: str) -> bool:
    token = token.lstrip("([“\"‘'")
    if not token.endswith("."):
        return False
    core = token[:-1]
    if _MULTI_INITIALS.fullmatch(token):  # e.g. i.e. U.S. D.C.
        return True
    if core.lower() in ABBREVIATIONS:
        return True
    if core.lower() in NUMBER_ABBREVIATIONS and re.match(r"(?:\d|[IVXLC]+\b)", following):
        return True
    if re.fullmatch(r"[A-Z]", core):  # an initial: "Karen Anne S. Liao"
        return True
    return False


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentence spans ``(start, end)`` (offsets into ``text``).

    A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes/brackets) followed by white
    space and a capital letter, a digit or an opening quote. No split after abbreviations
    (``e.g.``, ``i.e.``, ``etc.``, ``No.``, ``para.``, ``vol.``, ``p.`` ...), dotted initialisms
    (``U.S.``, ``D.C.``), single-capital initials (``S. Liao``), an ellipsis, or inside numbers
    (``3.5``, ``10.c``, ``73/195`` never contain white space after the point)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    while start < n and text[start].isspace():
        start += 1
    for m in _SENT_END.finditer(text):
        punct = m.group(0)
        if punct.startswith(("...", "…")) or m.start() < start:
            continue
        j = m.end()
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            break
        nxt = text[j]
        if not (nxt.isupper() or nxt.isdigit() or nxt in "“\"‘"):
            continue
        if punct[0] == ".":
            ts = m.start()
            while ts > 0 and not text[ts - 1].isspace():
                ts -= 1
            token = text[ts:m.start() + 1]
            if _is_abbreviation(token, text[j:j + 12]):
                continue
        spans.append((start, m.end()))
        start = j
    end = n
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
    return spans


# --------------------------------------------------------------------------------------
# Block classification
# --------------------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?][)\]\"”’'*]*$")
_END_PUNCT = re.compile(r"[.!?:;,][)\]\"”’'*]*$")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_ROMAN_FULL = re.compile(r"(?=[IVXLC])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})")
_LROMAN_FULL = re.compile(r"(?=[ivxlc])(?:x[cl]|l?x{0,3})(?:i[xv]|v?i{0,3})")
_NUMBERED = re.compile(r"(\d{1,3})\.[ \t]+")
_ROMAN_HEAD = re.compile(r"([IVXLC]{1,7})\.[ \t]+")
_ALPHA_HEAD = re.compile(r"([A-Z])\.[ \t]+")
_LOWER_HEAD = re.compile(r"([ivxlc]{1,7})\.[ \t]+")
_ITEM_MARK = re.compile(r"\((\d{1,2}|[a-z]{1,2}|[ivxlc]{1,7}|[A-Z])\)[ \t]*|(\d{1,2}|[a-z]{1,2}|[ivxlc]{1,7})[.)][ \t]+")
_ANNEX = re.compile(r"(?:Annex|Appendix|Attachment|ANNEX|APPENDIX)(?:[ \t]+([IVXLC]+|\d+|[A-Z])\b\.?)?[ \t:.-]*")

_STYLE_RANK = {"roman": 1, "alpha": 2, "digit": 3, "lower-roman": 4, "letter": 5}


def _roman_int(s: str) -> int:
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    s = s.lower()
    total = 0
    for i, ch in enumerate(s):
        v = vals.get(ch, 0)
        total += -v if i + 1 < len(s) and vals.get(s[i + 1], 0) > v else v
    return total


def _to_roman(n: int) -> str:
    out = []
    for v, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                   (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out.append(sym)
            n -= v
    return "".join(out)


class _Ctx:
    """Per-document working state."""

    def __init__(self, n: Normalized) -> None:
        self.n = n
        self.blocks: list[Block] = list(n.blocks)
        self.texts: list[str] = [n.text[b.start:b.end] for b in self.blocks]


def _is_plain_heading_candidate(text: str) -> bool:
    t = text.strip()
    if not t or len(t) > 120 or "\n" in t:
        return False
    if not (t[0].isupper() or t[0] in "“\"‘'"):
        return False
    if _END_PUNCT.search(t) or ". " in t or _URL.search(t):
        return False
    if len(t.split()) > 20:
        return False
    return True


def _is_body(ctx: _Ctx, i: int) -> bool:
    """Block ``i`` reads as running text (or a numbered/lettered entry)."""
    if i >= len(ctx.blocks):
        return False
    b = ctx.blocks[i]
    t = ctx.texts[i]
    if b.md_level is not None or b.emphasized:
        return False
    if b.kind in ("numbered", "item", "bullet", "roman", "alpha", "lower-roman", "annex"):
        return True
    if b.kind != "text":
        return False
    return bool(_END_PUNCT.search(t)) or len(t) > 200


def _numbered_document(ctx: _Ctx) -> bool:
    return is_numbered_document([ctx.texts[i] for i, b in enumerate(ctx.blocks) if b.kind == "numbered"])


def _heading_info(ctx: _Ctx, i: int, numbered_doc: bool, seq: dict) -> tuple[str, str | None, int] | None:
    """If block ``i`` is a heading, return (style, printed number, offset of heading text)."""
    b = ctx.blocks[i]
    t = ctx.texts[i]
    prev_text = ctx.texts[i - 1] if i > 0 else ""
    terminal = bool(_TERMINAL.search(t))

    def numbered_style() -> tuple[str, str | None, int] | None:
        m = _ROMAN_HEAD.match(t)
        if m and _ROMAN_FULL.fullmatch(m.group(1)):
            label = m.group(1)
            expect_alpha = chr(ord(seq.get("alpha", "@")) + 1)
            expect_roman = _to_roman(_roman_int(seq["roman"]) + 1) if seq.get("roman") else "I"
            # "C." / "D." / "I." may be letters: prefer the sequence that continues
            if label == expect_roman or (len(label) > 1 and label != expect_alpha):
                return ("roman", label, m.end())
            if len(label) == 1 and label == expect_alpha:
                return ("alpha", label, m.end())
            return ("roman", label, m.end()) if label in ("I", "V", "X") else ("alpha", label, m.end())
        m = _ALPHA_HEAD.match(t)
        if m:
            return ("alpha", m.group(1), m.end())
        m = _LOWER_HEAD.match(t)
        if m and _LROMAN_FULL.fullmatch(m.group(1)):
            return ("lower-roman", m.group(1), m.end())
        m = _NUMBERED.match(t)
        if m and not numbered_doc:
            return ("digit", m.group(1), m.end())
        m = _ITEM_MARK.match(t)
        if m:
            return ("letter", m.group(1) or m.group(2), m.end())
        m = _ANNEX.match(t)
        if m and (m.group(1) or m.end() >= len(t) or t[m.end():m.end() + 1].isupper()):
            return ("annex", m.group(1), m.end())
        return None

    # 1. markdown heading / wholly emphasised short line
    if b.md_level is not None or (b.emphasized and len(t) <= 300 and not terminal):
        st = numbered_style()
        if st is not None and st[0] != "letter":
            return st
        return ("plain", None, 0)
    if len(t) > 250 or "\n" in t:
        return None
    # 2. printed heading numbers
    if b.kind in ("roman", "alpha", "lower-roman") and not terminal:
        return numbered_style()
    if b.kind == "annex" and not terminal:
        return numbered_style() or ("annex", b.label, 0)
    if b.kind == "numbered" and not numbered_doc and len(t) <= 120 and not _END_PUNCT.search(t):
        nxt = ctx.blocks[i + 1] if i + 1 < len(ctx.blocks) else None
        if nxt is not None and nxt.kind != "numbered":
            return ("digit", b.label, b.body_start - b.start)
        return None
    if b.kind == "item" and not _END_PUNCT.search(t) and i + 1 < len(ctx.blocks):
        nxt = ctx.blocks[i + 1]
        if nxt.kind == "text" and _is_body(ctx, i + 1):
            return numbered_style()  # "(a) Human rights ..." or "i. Overview" standing alone
        return None
    # 3. short stand-alone line without final punctuation followed by body text (only in
    #    documents that have not numbered their headings so far)
    if b.kind == "text" and not seq.get("numbered_heading") and _is_plain_heading_candidate(t):
        if prev_text.rstrip().endswith((";", ",")):
            return None  # an entry of an unmarked list
        if i > 0 and ctx.blocks[i - 1].kind == "figure":
            return None  # a figure caption
        if _is_body(ctx, i + 1) or (i + 1 < len(ctx.blocks) and ctx.blocks[i + 1].kind in ("table",)):
            return ("plain", None, 0)
    return None


# --------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------


def _refs_in(n: Normalized, a: int, b: int) -> tuple[int, ...]:
    return tuple(r.number for r in n.footnote_refs if a <= r.clean_offset <= b)


def _srefs_in(n: Normalized, a: int, b: int) -> tuple[str, ...]:
    return tuple(r.mark for r in n.symbol_refs if a <= r.clean_offset <= b)


def _sentences(n: Normalized, a: int, b: int, item_key: str | None, first_ordinal: int,
               per_line: bool = False) -> list[Sentence]:
    text = n.text[a:b]
    if per_line:
        spans = []
        pos = 0
        for line in text.split("\n"):
            if line.strip():
                spans.append((pos, pos + len(line.rstrip())))
            pos += len(line) + 1
    else:
        spans = split_sentences(text)
    out = []
    for k, (s, e) in enumerate(spans):
        os_, oe = n.to_original(a + s, a + e)
        out.append(Sentence(first_ordinal + k, text[s:e], os_, oe, item_key, a + s, a + e))
    return out


# the masthead of a UN document's first page is not its title (the reader keeps its lines as text: removing them
# would renumber the blocks that follow)
_MASTHEAD_WORDS = re.compile(r"\bDistr\.\s*:|\bOriginal\s*:\s*[A-Z][a-z]+\b|\b(?:English|French|Spanish) only\b")


def _title(ctx: _Ctx, first_body: int) -> int | None:
    """Index of the block that best serves as the title: among the blocks before the first
    numbered section / numbered paragraph that do not end like a sentence, prefer markdown
    headings (higher level first, long ones first), then emphasised lines; ties go to the
    first, so a plain document gets its first substantial line."""
    best = None
    best_score = -1.0
    for i in range(min(first_body, len(ctx.blocks))):
        b = ctx.blocks[i]
        t = ctx.texts[i].strip()
        if len(t) < 3 or b.kind in ("table", "figure", "source") or t[0].isdigit():
            continue
        if _END_PUNCT.search(t) and b.md_level is None and not b.emphasized:
            continue
        if _MASTHEAD_WORDS.search(t):  # 'United Nations  ECE/AC.30/2021/2  Economic and Social Council  Distr.: General'
            continue
        score = 0.0
        if b.md_level is not None:
            score += 7 - b.md_level
            if len(t.split()) >= 6:
                score += 1
        if b.emphasized:
            score += 1
        if score > best_score:
            best, best_score = i, score
    if best is None and ctx.blocks:
        best = 0
    return best


def parse_structure(original: str) -> DocumentStructure:
    """Normalise ``original`` and read its structure (see the module docstring)."""
    n = normalize(original)
    ctx = _Ctx(n)
    numbered_doc = _numbered_document(ctx)

    # 1. headings
    seq: dict = {}
    heads: list[tuple[str, str | None, int] | None] = []
    for i in range(len(ctx.blocks)):
        h = _heading_info(ctx, i, numbered_doc, seq)
        if h is not None and h[0] in ("roman", "alpha", "digit"):
            seq["numbered_heading"] = True
        if h is not None and h[0] in ("roman", "alpha", "lower-roman", "letter", "digit"):
            seq[h[0]] = h[1]
            if h[0] == "roman":
                seq.pop("alpha", None)
        heads.append(h)

    # 2. walk the blocks
    sections: list[Section] = []
    stack: list[tuple[int, int, int]] = []  # (rank, level, section ordinal)
    paragraphs: list[Paragraph] = []
    used_keys: set[str] = set()
    current_section: int | None = None

    cur: dict | None = None  # paragraph under construction

    def flush() -> None:
        nonlocal cur
        if cur is None:
            return
        paragraphs.append(_make_paragraph(n, ctx, cur, used_keys))
        cur = None

    first_body = len(ctx.blocks)
    for i, b in enumerate(ctx.blocks):
        if (heads[i] and heads[i][0] in ("roman", "alpha", "digit")) or (b.kind == "numbered" and numbered_doc):
            first_body = i
            break

    for i, b in enumerate(ctx.blocks):
        h = heads[i]
        if h is not None:
            flush()
            style, number, off = h
            # Unnumbered headings (and annexes) are top level and close every open section;
            # a numbered heading nests under the open headings of a higher-ranking style
            # (I. > A. > 1. > i. > (a)).
            rank = _STYLE_RANK.get(style, 0)
            if rank == 0:
                stack.clear()
            else:
                while stack and stack[-1][0] >= rank:
                    stack.pop()
            level = (stack[-1][1] + 1) if stack else 1
            parent = stack[-1][2] if stack else None
            ordinal = len(sections) + 1
            a = b.start + off
            while a < b.end and n.text[a].isspace():
                a += 1
            heading = n.text[a:b.end]
            hs, he = n.to_original(b.start, b.end)
            sections.append(Section(ordinal, heading, level, number, style, hs, he, parent,
                                    _refs_in(n, b.start, b.end), _srefs_in(n, b.start, b.end), a, b.end))
            if rank:
                stack.append((rank, level, ordinal))
            current_section = ordinal
            continue
        kind = b.kind
        if kind == "numbered" and numbered_doc:
            flush()
            cur = {"kind": "numbered", "number": int(b.label), "blocks": [i], "section": current_section}
            continue
        if kind in ("item", "bullet") or (kind == "numbered" and not numbered_doc) or kind in ("roman", "alpha", "lower-roman"):
            if cur is None or cur["kind"] in ("table", "figure", "source"):
                flush()
                cur = {"kind": "list", "number": None, "blocks": [], "section": current_section}
            cur["blocks"].append(i)
            cur.setdefault("items", []).append(i)
            continue
        if kind == "figure":
            flush()
            cur = {"kind": "figure", "number": None, "blocks": [i], "section": current_section}
            continue
        if kind == "text" and cur is not None and cur["kind"] == "figure" and not _END_PUNCT.search(ctx.texts[i]) \
                and len(ctx.texts[i]) <= 250:
            cur["blocks"].append(i)  # the figure's caption
            continue
        flush()
        pk = kind if kind in ("table", "source") else "text"
        cur = {"kind": pk, "number": None, "blocks": [i], "section": current_section}
    flush()

    title_i = _title(ctx, first_body)
    if title_i is not None:
        tb = ctx.blocks[title_i]
        h = heads[title_i]
        off = h[2] if h else 0
        title = n.text[tb.start + off:tb.end].strip()
        ts, te = n.to_original(tb.start, tb.end)
    else:
        title, ts, te = "", 0, 0

    footnotes = tuple(Footnote(f.number, f.text, f.original_start, f.original_end, f.clean_start, f.clean_end)
                      for f in n.footnotes)
    sfoot = tuple(SymbolFootnote(s.mark, s.text, s.original_start, s.original_end, s.clean_start, s.clean_end)
                  for s in n.symbol_notes)
    return DocumentStructure(
        title=title, title_start=ts, title_end=te, numbered_paragraphs=numbered_doc,
        sections=tuple(sections), paragraphs=tuple(paragraphs), footnotes=footnotes,
        symbol_footnotes=sfoot, normalized=n,
    )


def _item_key(b: Block, text: str, counter: dict) -> tuple[str, str | None, str]:
    """(key, printed label, marker) of an item block."""
    body_off = b.body_start - b.start
    marker = text[:body_off].strip()
    if b.kind == "bullet" and b.label is None:
        counter["bullet"] = counter.get("bullet", 0) + 1
        return (f"bullet-{counter['bullet']}", None, marker)
    label = b.label
    if label is None:
        m = _ITEM_MARK.match(text)
        label = (m.group(1) or m.group(2)) if m else None
    if label is None:
        counter["bullet"] = counter.get("bullet", 0) + 1
        return (f"bullet-{counter['bullet']}", None, marker)
    return (label, label, marker)


def _make_paragraph(n: Normalized, ctx: _Ctx, cur: dict, used_keys: set[str]) -> Paragraph:
    blocks = cur["blocks"]
    first = ctx.blocks[blocks[0]]
    last = ctx.blocks[blocks[-1]]
    item_idx = cur.get("items", [])
    lead_blocks = [i for i in blocks if i not in item_idx]
    if cur["kind"] == "numbered":
        a = first.body_start
    else:
        a = first.start
    b_end = last.end
    text = n.text[a:b_end]
    ps, pe = n.to_original(a, b_end) if b_end > a else n.to_original(a, a)

    number = cur["number"]
    key = str(number) if number is not None else f"b{blocks[0] + 1}"
    if key in used_keys:
        key = f"b{blocks[0] + 1}"
    used_keys.add(key)

    sentences: list[Sentence] = []
    per_line = cur["kind"] == "table"
    for i in lead_blocks:
        blk = ctx.blocks[i]
        s = blk.body_start if (i == blocks[0] and cur["kind"] == "numbered") else blk.start
        sentences.extend(_sentences(n, s, blk.end, None, len(sentences) + 1, per_line=per_line))

    items: list[Item] = []
    counter: dict = {}
    keys: set[str] = set()
    last_lettered: Item | None = None
    for i in item_idx:
        blk = ctx.blocks[i]
        t = ctx.texts[i]
        ikey, label, marker = _item_key(blk, t, counter)
        parent = None
        if blk.kind == "bullet" and last_lettered is not None and last_lettered.text.rstrip().endswith(":"):
            parent = last_lettered.key
        if ikey in keys:
            ikey = f"{parent}.{ikey}" if parent else f"{ikey}-{len(items) + 1}"
        keys.add(ikey)
        s = blk.body_start
        item_sents = _sentences(n, s, blk.end, ikey, len(sentences) + 1)
        sentences.extend(item_sents)
        os_, oe = n.to_original(s, blk.end)
        item = Item(ikey, label, marker, n.text[s:blk.end], os_, oe, parent, tuple(item_sents),
                    _refs_in(n, blk.start, blk.end), s, blk.end)
        items.append(item)
        if parent is None:
            last_lettered = item
    return Paragraph(
        key=key, number=number, kind=cur["kind"], section_ordinal=cur["section"], text=text,
        start=ps, end=pe, items=tuple(items), sentences=tuple(sentences),
        footnote_refs=_refs_in(n, first.start, last.end), symbol_refs=_srefs_in(n, first.start, last.end),
        block_index=blocks[0], clean_start=a, clean_end=b_end,
    )

