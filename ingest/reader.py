"""Normalisation of extracted UN document text, with an offset map back to the source.

``normalize(original)`` turns the text extraction of a PDF / Word / markdown rendering of a
UN document into clean running text:

* lines broken mid-sentence are unwrapped (joined with one space) while real paragraph
  breaks are kept: blocks in the clean text are separated by one blank line (``"\\n\\n"``),
  rows of a table by ``"\\n"``;
* words hyphenated across a line break are re-joined (see :func:`_dehyphenate` for the
  heuristic);
* page furniture is dropped: lines made only of a document symbol (``ESCAP/GCM/2021/1``,
  ``E/ESCAP/GCM/PREP/6``, ``ECE/GCM/2022/3``), a job number (``B20-00943``,
  ``GE.21-01234 (E)``), a page number, or a combination (``20 B20-00943``), plus rule lines
  (``---``, ``____``) and PDF link annotations (a bare ``http://`` line right after footnotes);
* markdown is stripped: ``#`` heading marks, ``**bold**`` / ``*italic*`` / ``_it_`` emphasis,
  backslash escapes (``\\*``, ``\\\\_``, ``\\$``), ``[text](url)`` links (→ ``text``),
  ``<url>`` autolinks (→ ``url``) and inline HTML tags (``<u>``, ``<sup>``...);
* footnote markers are recognised and removed from the clean text but returned as
  :class:`FootnoteRef`: ``<sup>n</sup>`` (also ``<sup>4,5</sup>``), unicode superscript
  digits (``¹⁰``) and plain digits glued to a word (``migrants4``, ``destination”.1``) when a
  footnote *n* exists in the document and the numbers run in sequence;
* footnote bodies (``¹ text``, ``<sup>1</sup> text``, ``1  text`` at the foot of a page,
  usually after a rule or a wider gap) are kept out of the running text and returned as
  :class:`FootnoteText`; symbol notes (``\\* text`` for a marker ``agenda\\*``) likewise as
  :class:`SymbolNote` / :class:`SymbolRef`.

Unwrapping (how two consecutive kept lines A and B are joined), in order:

1. B opens a block - markdown heading, wholly bold line, table row, ``12.`` numbered
   paragraph (in sequence, or after a line that ended a sentence), ``(a)``/``a)``/``a.``
   item, bullet (``-``, ``•``, ``▪``, ``*``, ``o``, en dash after a full stop), roman
   ``IV.`` / letter ``B.`` / ``ii.`` heading, ``Figure 2``, ``Source:``, ``Annex`` - unless
   A visibly continues (ends with a comma, a function word or an open bracket) → break;
2. A ends with ``-`` → join without space, hyphen kept or dropped (:meth:`_dehyphenate`);
3. B starts with a lower-case letter → join;
4. A ends with ``.``, ``!``, ``?``, ``:`` or ``;`` → break;
5. A ends with a comma, a function word (``of``, ``the``, ``and`` ...) or leaves a bracket
   open → join; lines separated by a single newline (no blank line) → join;
6. the continuation of a short numbered heading or of a ``Source:`` note → join;
7. in a hard-wrapped layout (PDF extraction, detected from the line-length distribution),
   a line that runs to the right margin is continued by B unless the gap is wider than the
   document's usual one, B is indented (a new PDF text object), or B opens with a common
   word capitalised only because it starts a sentence (judged from how the document itself
   capitalises that word; word pairs printed elsewhere on one line, like "Regular
   Migration", always join);
8. otherwise → break.

Finally, in a document that numbers its paragraphs, an unnumbered plain block that follows
a numbered paragraph or one of its items is merged back into it (a line of the PDF that
happened to end a sentence is not a paragraph break there).

Footnote bodies are recognised line by line: a line opening with ``<sup>n</sup>`` or
superscript digits, or with a plain number ``n`` followed by white space when ``n`` is the
next footnote number, a marker ``n`` glued to a word occurs earlier in the running text and
the line follows a rule, a page footer, another footnote or a wider than usual gap. A note
continues on the next lines while its last line has no final full stop and the next line is
neither indented nor a block opener.

All rules are general: they key on layout and patterns, never on a file name, a document
id or a string of one particular document.

The module is pure (no I/O), deterministic and uses the standard library only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

__all__ = [
    "Block",
    "FootnoteRef",
    "FootnoteText",
    "Normalized",
    "Removed",
    "SymbolNote",
    "SymbolRef",
    "normalize",
    "FUNCTION_WORDS",
    "ROMAN_RE",
    "is_numbered_document",
]


# --------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FootnoteRef:
    """A numbered footnote marker removed from the running text.

    ``clean_offset`` is the position in ``Normalized.text`` where the marker stood (the
    marker itself is not in the clean text); ``original_start``/``original_end`` delimit the
    marker in the original string (e.g. ``<sup>4,5</sup>`` yields two refs with the same
    span)."""

    number: int
    clean_offset: int
    original_start: int
    original_end: int


@dataclass(frozen=True)
class FootnoteText:
    """The body of a numbered footnote (kept out of the running text).

    ``clean_start``/``clean_end`` locate ``text`` in the notes area of the clean coordinate
    space: ``Normalized.full_text[clean_start:clean_end] == text`` and
    ``Normalized.to_original`` maps spans inside it."""

    number: int
    text: str
    original_start: int
    original_end: int
    clean_start: int = -1
    clean_end: int = -1


@dataclass(frozen=True)
class SymbolRef:
    """A symbol footnote marker (``*``, ``**``, ``†``) removed from the running text."""

    mark: str
    clean_offset: int
    original_start: int
    original_end: int


@dataclass(frozen=True)
class SymbolNote:
    """The body of a symbol footnote (``* ESCAP/GCM/2021/L.1.``); offsets as FootnoteText."""

    mark: str
    text: str
    original_start: int
    original_end: int
    clean_start: int = -1
    clean_end: int = -1


@dataclass(frozen=True)
class Removed:
    """A line dropped from the running text: ``kind`` is ``"furniture"`` (page header /
    footer / job number / page number), ``"rule"`` or ``"link-annotation"``."""

    kind: str
    original_start: int
    original_end: int


@dataclass(frozen=True)
class Block:
    """One block (paragraph, heading, list item, table...) of the clean text.

    ``start``/``end`` are CLEAN offsets (``Normalized.text[start:end]``); ``body_start`` is
    where the text after the printed marker begins (``"12. "``, ``"(a) "``, ``"- "``...).

    ``kind`` is the layout hint found by the reader: ``"text"``, ``"table"``,
    ``"numbered"`` (``12.``), ``"roman"`` (``IV.``), ``"alpha"`` (``B.``),
    ``"lower-roman"`` (``ii.``), ``"item"`` (``(a)``, ``a)``, ``a.``), ``"bullet"``
    (``-``, ``•``, ``▪``, ``*``, ``o``; ``label`` holds a printed sub-marker such as the
    ``a`` of ``- a.``), ``"figure"`` (``Figure II``), ``"source"`` (``Source:``) or
    ``"annex"``. ``md_level`` is the markdown ``#`` level when the line was a markdown
    heading, ``emphasized`` tells whether the whole first line was bold/italic,
    ``indented`` whether its first line started with white space in the original."""

    start: int
    end: int
    kind: str
    label: str | None
    body_start: int
    md_level: int | None
    emphasized: bool
    indented: bool
    line_count: int


@dataclass(frozen=True)
class Normalized:
    """Clean text plus everything needed to map it back to the original string.

    ``text`` is the clean running text. The texts of the footnotes live in a separate *notes
    area* of the same clean coordinate space, starting at ``notes_offset``
    (``len(text) + 2``): ``full_text == text + "\n\n" + notes_text`` and each
    ``FootnoteText``/``SymbolNote`` carries its ``clean_start``/``clean_end`` there, so one
    ``to_original`` serves running text and notes alike.

    The offset map is a sorted list of runs ``(clean_start, orig_start, orig_end, copy)``:
    a *copy* run maps character for character (``text[c] == original[orig_start + c -
    clean_start]``); other runs (joining spaces, unescaped characters, block separators)
    map as a whole onto ``original[orig_start:orig_end]``. ``runs`` covers the running text
    (monotonic in both coordinates), ``note_runs`` the notes area."""

    text: str
    source_length: int
    runs: tuple[tuple[int, int, int, bool], ...]
    blocks: tuple[Block, ...] = ()
    footnote_refs: tuple[FootnoteRef, ...] = ()
    footnotes: tuple[FootnoteText, ...] = ()
    symbol_refs: tuple[SymbolRef, ...] = ()
    symbol_notes: tuple[SymbolNote, ...] = ()
    removed: tuple[Removed, ...] = ()
    notes_text: str = ""
    note_runs: tuple[tuple[int, int, int, bool], ...] = ()
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _note_starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(r[0] for r in self.runs))
        object.__setattr__(self, "_note_starts", tuple(r[0] for r in self.note_runs))

    @property
    def notes_offset(self) -> int:
        """Clean offset where the notes area starts (after ``text`` and a blank line)."""
        return len(self.text) + 2

    @property
    def full_text(self) -> str:
        """Running text and notes area in one string: ``text + "\n\n" + notes_text``."""
        return self.text + "\n\n" + self.notes_text

    # -- offset map ------------------------------------------------------------------

    @staticmethod
    def _point(runs, starts, pos: int, left: bool) -> int:
        if left:
            i = bisect.bisect_right(starts, pos) - 1
        else:
            i = bisect.bisect_right(starts, pos - 1) - 1
        i = max(0, i)
        cs, oa, ob, copy = runs[i]
        if copy:
            return oa + min(max(pos - cs, 0), ob - oa)
        return oa if left and pos <= cs else ob

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the clean span ``[start, end)`` to ``(a, b)`` such that ``original[a:b]`` is
        its source (including any markup removed inside it). The span must lie in the
        running text (``0 <= start <= end <= len(text)``) or in the notes area
        (``notes_offset <= start <= end <= notes_offset + len(notes_text)``)."""
        n = len(self.text)
        if 0 <= start <= end <= n:
            runs, starts, lo, hi = self.runs, self._starts, 0, n
        elif self.notes_text and self.notes_offset <= start <= end <= self.notes_offset + len(self.notes_text):
            runs, starts, lo, hi = self.note_runs, self._note_starts, self.notes_offset, self.notes_offset + len(self.notes_text)
        else:
            raise ValueError(f"span ({start}, {end}) outside the clean text")
        if not runs:
            return (0, 0)
        if start == end:
            if start >= hi:
                p = self._point(runs, starts, hi, left=False)
            else:
                p = self._point(runs, starts, start, left=True)
            return (p, p)
        return (self._point(runs, starts, start, left=True), self._point(runs, starts, end, left=False))

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]


# --------------------------------------------------------------------------------------
# Patterns and word lists
# --------------------------------------------------------------------------------------

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_ASCII = {ord(c): str(i) for i, c in enumerate(SUPERSCRIPT_DIGITS)}
_SUPERSCRIPT_RUN = re.compile(f"[{SUPERSCRIPT_DIGITS}]+(?:,[{SUPERSCRIPT_DIGITS}]+)*")

# Page furniture: a line made only of these tokens (space separated).
_SYMBOL = r"[A-Z][A-Z0-9]{0,9}(?:\.[A-Z0-9]+)?(?:/[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*)+"
_JOBNO = r"(?:[A-Z]{1,3}\.?[ ]?)?\d{2}-\d{4,6}(?:[ ]?\([A-Z]\))?"
_BARCODE = r"\*\d{5,9}\*"
_PAGENO = r"(?:[Pp]age[ ]+)?\d{1,3}(?:[ ]*(?:/|of)[ ]*\d{1,3})?|-[ ]?\d{1,3}[ ]?-|[ivx]{1,6}"
_FURN_TOKEN = f"(?:{_SYMBOL}|{_JOBNO}|{_BARCODE}|{_PAGENO})"
_FURNITURE = re.compile(rf"{_FURN_TOKEN}(?:[ ]+{_FURN_TOKEN})*")
_RULE = re.compile(r"(?:[-_*=~][ \t]*)+")
_MD_TABLE_ROW = re.compile(r"\|.*\|")
_TAB_ROW_EXCLUDE = re.compile(r"(?:\d{1,3}\.|\(?[A-Za-z]{1,3}[.)]|[-•▪*o])\t")
_URL_LINE = re.compile(r"<?(?:https?|ftp)://\S+?>?")

_MD_HEADING = re.compile(r"#{1,6}(?=[ \t]|$)[ \t]*")
_MD_HEADING_TAIL = re.compile(r"[ \t]+#+[ \t]*$")
_BLOCKQUOTE = re.compile(r">[ \t]?")

_SUP_TAG = re.compile(r"<sup>\s*(.*?)\s*</sup>", re.IGNORECASE)
_SUP_NUMS = re.compile(r"\d{1,3}(?:\s*[,–-]\s*\d{1,3})*")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]*|www\.[^<>\s]*|mailto:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
_ESCAPABLE = set("\\`*_{}[]()#+-.!|<>$&~'\"=:;,/?%@^")

_GLUED_DIGITS = re.compile(r"(?<=[A-Za-z)\]”’\"'.,;:])\d{1,3}(?!\d)")
_GLUED_SYMBOL = re.compile(r"(?<=[^\s\\*])((?:\\\*)+)|(?<=[A-Za-z0-9.,;:)\]”’\"])(\*{1,3}|†{1,3}|‡{1,3})(?=[\s.,;:)]|$)")
_NOTE_STRONG = re.compile(rf"(?:<sup>\s*(\d{{1,3}})\s*</sup>|([{SUPERSCRIPT_DIGITS}]+))[ \t]*(?=\S)", re.IGNORECASE)
_NOTE_PLAIN = re.compile(r"(\d{1,3})[ \t]+(?=\S)")
_NOTE_SYMBOL = re.compile(r"((?:\\\*)+|\*{1,3}|†{1,3}|‡{1,3})[ \t]+(?=\S)")

_TERMINAL = re.compile(r"[.!?][)\]\"”’'*_]*$")
_TERMINAL_OR_LIST = re.compile(r"[.!?:;][)\]\"”’'*_]*$")

ROMAN_RE = re.compile(r"(?=[IVXLC])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})")
_LROMAN_RE = re.compile(r"(?=[ivxlc])(?:x[cl]|l?x{0,3})(?:i[xv]|v?i{0,3})")

# Block starters (matched on the clean text of a line).
_S_NUMBERED = re.compile(r"(\d{1,3})\.[ \t]+(?=\S)")
_S_ROMAN = re.compile(r"([IVXLC]{1,7})\.[ \t]+(?=\S)")
_S_ALPHA = re.compile(r"([A-Z])\.[ \t]+(?=\S)")
_S_LROMAN = re.compile(r"([ivxlc]{1,7})\.[ \t]+(?=\S)")
_S_PAREN = re.compile(r"\((\d{1,2}|[a-z]{1,2}|[ivxlc]{1,7}|[A-Z])\)[ \t]*(?=\S)")
_S_CLOSEPAREN = re.compile(r"(\d{1,2}|[a-z]{1,2}|[ivxlc]{1,7})\)[ \t]+(?=\S)")
_S_LETTERDOT = re.compile(r"([a-z])\.[ \t]+(?=\S)")
_S_BULLET = re.compile(r"([-•▪◦●○■□➢►✓*+·])[ \t]+(?=\S)")
_S_DASH_BULLET = re.compile(r"([–—]|o)[ \t]+(?=\S)")
_S_FIGURE = re.compile(r"(?:Figure|Table|Box|Chart|Map|Graph)[ \t]+([IVXLC]+|\d+(?:\.\d+)?|[A-Z])\b")
_S_SOURCE = re.compile(r"(?:Sources?|Notes?)[ \t]*:")
_S_ANNEX = re.compile(r"(?:Annex|Appendix|Attachment|ANNEX|APPENDIX)(?:[ \t]+([IVXLC]+|\d+|[A-Z])\b\.?)?")

FUNCTION_WORDS = frozenset(
    """a an the of to in on at by for from with and or nor but as that which who whose whom
    into onto upon between among including such than its their our his her this these those
    is are was were be been being has have had will would should can could may might must
    not also both either neither per via through towards toward under over within without
    about against across regarding if when where while whether so very more most all any
    each every other some no into despite during until unless since because although though
    whereas e.g. i.e.""".split()
)

# Abbreviations before which a glued number is not a footnote marker ("No.1", "Add.1").
_NUMBER_ABBREV = frozenset("no nos rev add corr vol vols p pp para paras art arts chap ch sect sec fig figs op".split())

# Hyphenation heuristic word lists.
_KEEP_HYPHEN_PREFIXES = frozenset(
    "non self cross low high well anti multi semi ex all half long short full part mid post pre".split()
)
_KEEP_HYPHEN_TAILS = frozenset(
    "based led related sensitive responsive specific oriented centred centered driven level "
    "scale term wide owned friendly free skilled making building inclusive sharing affected "
    "bound like up".split()
)


# --------------------------------------------------------------------------------------
# Internal line model
# --------------------------------------------------------------------------------------


class _Line:
    __slots__ = (
        "idx", "start", "end", "cs", "ce", "kind", "indented",
        "note_key", "marker_end", "pieces", "ct", "md_level", "emph",
    )

    def __init__(self, idx: int, start: int, end: int, cs: int, ce: int) -> None:
        self.idx = idx
        self.start = start
        self.end = end
        self.cs = cs
        self.ce = ce
        self.kind = "blank" if cs >= ce else "text"
        self.indented = cs > start
        self.note_key: tuple[str, object] | None = None
        self.marker_end = cs
        self.pieces: list[list] = []
        self.ct = ""
        self.md_level: int | None = None
        self.emph = False


class _Out:
    """Accumulates clean pieces ``[text, orig_start, orig_end, copy]`` and refs for a line."""

    __slots__ = ("pieces", "refs", "n")

    def __init__(self) -> None:
        self.pieces: list[list] = []
        self.refs: list[tuple[str, object, int, int, int]] = []
        self.n = 0

    def last_char(self) -> str:
        return self.pieces[-1][0][-1] if self.pieces else ""

    def copy(self, original: str, i: int) -> None:
        ch = original[i]
        if ch in " \t\u00a0\u2009\u202f":
            if not self.pieces or self.last_char() == " ":
                return
            if ch != " ":
                self.repl(" ", i, i + 1)
                return
        p = self.pieces[-1] if self.pieces else None
        if p is not None and p[3] and p[2] == i:
            p[0] += ch
            p[2] = i + 1
        else:
            self.pieces.append([ch, i, i + 1, True])
        self.n += 1

    def repl(self, text: str, a: int, b: int) -> None:
        if not text:
            return
        if text == " " and (not self.pieces or self.last_char() == " "):
            return
        self.pieces.append([text, a, b, False])
        self.n += len(text)

    def ref(self, kind: str, value: object, a: int, b: int) -> None:
        self.refs.append((kind, value, self.n, a, b))

    def rstrip(self) -> None:
        while self.pieces and self.pieces[-1][0].endswith((" ", "\t")):
            p = self.pieces[-1]
            stripped = p[0].rstrip(" \t")
            cut = len(p[0]) - len(stripped)
            self.n -= cut
            if not stripped:
                self.pieces.pop()
            else:
                p[0] = stripped
                if p[3]:
                    p[2] -= cut
        self.refs = [(k, v, min(off, self.n), a, b) for (k, v, off, a, b) in self.refs]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _last_word(text: str) -> str:
    m = re.search(r"([A-Za-z][A-Za-z.]*)\W*$", text)
    return m.group(1).lower() if m else ""


def _open_paren(text: str) -> bool:
    return text.count("(") > text.count(")") or text.count("[") > text.count("]")


def _continues(text: str) -> bool:
    """The text visibly continues: ends with a comma, a function word or an open bracket."""
    t = text.rstrip()
    if not t:
        return False
    if t.endswith((",", "(", "[", "“", "‘", "/", "&")):
        return True
    if _TERMINAL_OR_LIST.search(t):
        return False
    if _last_word(t).rstrip(".") in FUNCTION_WORDS and t[-1].isalpha():
        return True
    return _open_paren(t)


def _next_letter(label: str) -> str:
    if len(label) == 1 and label.isalpha():
        return chr(ord(label) + 1)
    return ""


def _classify_starter(ct: str) -> tuple[str, str | None, int] | None:
    """Pattern-only classification of a line's clean text as a block starter.

    Returns ``(kind, label, body_offset)`` or ``None``."""
    m = _S_NUMBERED.match(ct)
    if m:
        return ("numbered", m.group(1), m.end())
    m = _S_PAREN.match(ct) or _S_CLOSEPAREN.match(ct)
    if m:
        return ("item", m.group(1), m.end())
    m = _S_BULLET.match(ct)
    if m:
        rest = ct[m.end():]
        sub = _S_NUMBERED.match(rest) or _S_PAREN.match(rest) or _S_CLOSEPAREN.match(rest) or _S_LETTERDOT.match(rest)
        if sub is None:
            sub = _S_LROMAN.match(rest)
            if sub is not None and not _is_lower_roman(sub.group(1)):
                sub = None
        if sub is not None:
            return ("bullet", sub.group(1), m.end() + sub.end())
        return ("bullet", None, m.end())
    m = _S_ROMAN.match(ct)
    if m and _is_roman(m.group(1)):
        if len(m.group(1)) > 1 or m.group(1) in "IVX":
            return ("roman", m.group(1), m.end())
    m = _S_ALPHA.match(ct)
    if m:
        return ("alpha", m.group(1), m.end())
    m = _S_LROMAN.match(ct)
    if m and _is_lower_roman(m.group(1)) and len(m.group(1)) > 1:
        return ("lower-roman", m.group(1), m.end())
    m = _S_LETTERDOT.match(ct)
    if m:
        return ("item", m.group(1), m.end())
    m = _S_FIGURE.match(ct)
    if m:
        return ("figure", m.group(1), 0)
    m = _S_SOURCE.match(ct)
    if m:
        return ("source", None, 0)
    m = _S_ANNEX.match(ct)
    if m and (m.group(1) or m.end() == len(ct) or ct[m.end():m.end() + 1] in ".: "):
        return ("annex", m.group(1), 0)
    m = _S_DASH_BULLET.match(ct)
    if m:
        return ("dash-bullet", None, m.end())
    return None


def _is_roman(s: str) -> bool:
    return bool(s) and ROMAN_RE.fullmatch(s) is not None


def _is_lower_roman(s: str) -> bool:
    return bool(s) and _LROMAN_RE.fullmatch(s) is not None


# --------------------------------------------------------------------------------------
# The normaliser
# --------------------------------------------------------------------------------------


class _Normalizer:
    FULL_RATIO = 0.8

    def __init__(self, original: str) -> None:
        self.o = original
        self.lines: list[_Line] = []
        self.removed: list[Removed] = []
        self.ref_at: dict[int, tuple[str, object, int]] = {}
        self.notes: list[dict] = []
        self.words: dict[str, int] = {}
        self.compounds: set[str] = set()

    # -- pass 1: lines, layout statistics, line classes --------------------------------

    def split_lines(self) -> None:
        o = self.o
        pos = 0
        n = len(o)
        idx = 0
        while pos <= n:
            nl = o.find("\n", pos)
            end = n if nl < 0 else nl
            cs = pos
            while cs < end and o[cs] in " \t\r\f\v\u00a0\ufeff":
                cs += 1
            ce = end
            while ce > cs and o[ce - 1] in " \t\r\f\v\u00a0\ufeff":
                ce -= 1
            self.lines.append(_Line(idx, pos, end, cs, ce))
            idx += 1
            if nl < 0:
                break
            pos = nl + 1

    def layout_stats(self) -> None:
        lengths = sorted(ln.ce - ln.cs for ln in self.lines if ln.kind == "text" and ln.ce - ln.cs >= 15)
        if lengths:
            self.width = lengths[min(len(lengths) - 1, int(len(lengths) * 0.8))]
        else:
            self.width = 80
        # Hard-wrapped layout (PDF extraction): most lines have about the same length.
        near = sum(1 for x in lengths if 0.75 * self.width <= x <= 1.15 * self.width)
        self.wrapped = bool(lengths) and self.width <= 160 and near >= 0.4 * len(lengths)
        runs: dict[int, int] = {}
        run = 0
        seen_text = False
        for ln in self.lines:
            if ln.kind == "blank":
                run += 1
            else:
                if seen_text:
                    runs[run] = runs.get(run, 0) + 1
                seen_text = True
                run = 0
        self.mode_gap = max(runs.items(), key=lambda kv: (kv[1], -kv[0]))[0] if runs else 0
        # How is each word capitalised in the document? {word: [capitalised mid-sentence, lower]}
        self.case: dict[str, list[int]] = {}
        for m in re.finditer(r"[A-Za-z][a-z]+", self.o):
            w = m.group(0)
            st = self.case.setdefault(w.lower(), [0, 0])
            if w[0].islower():
                st[1] += 1
            else:
                k = m.start() - 1
                while k >= 0 and self.o[k] in " \t":
                    k -= 1
                if k >= 0 and (self.o[k].islower() or self.o[k] in ",;") and self.o[k] != "\n":
                    st[0] += 1
        # Word pairs printed on one line ("Regular Migration"): evidence that a capitalised
        # word at the start of a line continues the previous line's name.
        self.bigrams: set[tuple[str, str]] = set()
        for ln in self.lines:
            words = re.findall(r"[A-Za-z][A-Za-z’'-]*", self.o[ln.cs:ln.ce])
            self.bigrams.update(zip(words, words[1:]))
        for m in re.finditer(r"[A-Za-z]+(?:-[A-Za-z]+)*", self.o):
            w = m.group(0).lower()
            if "-" in w:
                self.compounds.add(w)
                for part in w.split("-"):
                    self.words[part] = self.words.get(part, 0) + 1
            else:
                self.words[w] = self.words.get(w, 0) + 1

    def classify_lines(self) -> None:
        o = self.o
        for ln in self.lines:
            if ln.kind != "text":
                continue
            content = o[ln.cs:ln.ce]
            if _FURNITURE.fullmatch(content):
                ln.kind = "furniture"
            elif _RULE.fullmatch(content):
                ln.kind = "rule"
            elif _MD_TABLE_ROW.fullmatch(content) or (
                "\t" in content and not _TAB_ROW_EXCLUDE.match(content)
                and any(c.strip() for c in content.split("\t")[1:])
            ):
                ln.kind = "table"

    # -- pass 2: footnote / symbol-note bodies -------------------------------------------

    def _glued_candidates(self, ln: _Line) -> list[tuple[int, int, int]]:
        """Plain digits glued to a word: ``(number, start, end)``; weak evidence only."""
        o = self.o
        out = []
        for m in _GLUED_DIGITS.finditer(o, ln.cs, ln.ce):
            s, e = m.span()
            nxt = o[e] if e < ln.ce else ""
            if nxt and not (nxt.isspace() or nxt in ",;:.)]”’\"'"):
                continue
            ts = s
            while ts > ln.cs and not o[ts - 1].isspace():
                ts -= 1
            te = e
            while te < ln.ce and not o[te].isspace():
                te += 1
            token = o[ts:te]
            if any(x in token for x in ("/", "@", "_", "http", "www", "=", "\\", "<", ">")):
                continue
            prev = o[s - 1]
            before = o[ts:s]
            if prev in ".,;:":
                b2 = o[s - 2] if s - 2 >= ts else ""
                if b2.isdigit():
                    if prev != ".":
                        continue  # 1,800 / 24:00
                    rest = o[e:ln.ce].lstrip()
                    if nxt and not nxt.isspace():
                        continue
                    if rest and not (rest[0].isupper() or rest[0] in "“\"("):
                        continue  # 1.5 million, 16.9 on
                if prev == "." and b2.isalpha():
                    word = re.search(r"([A-Za-z]+)\.$", before)
                    if word and (word.group(1).lower() in _NUMBER_ABBREV or len(word.group(1)) == 1):
                        continue  # No.1, Add.1, L.1
            elif prev.isalpha():
                word = re.search(r"([A-Za-z]+)$", before).group(1)
                if any(c.isdigit() for c in before):
                    continue  # H1N1, B20
                if word.isupper() and len(word) <= 4:
                    continue  # G20, SDG8
            n = int(m.group(0))
            if n >= 1:
                out.append((n, s, e))
        return out

    def _strong_candidates(self, ln: _Line) -> list[tuple[tuple[int, ...], int, int, str]]:
        o = self.o
        out = []
        content_start = ln.cs
        for m in _SUP_TAG.finditer(o, ln.cs, ln.ce):
            inner = m.group(1)
            if _SUP_NUMS.fullmatch(inner):
                nums = _expand_numbers(inner)
                if m.start() == content_start:
                    continue  # a note body marker, not a ref
                out.append((nums, m.start(), m.end(), "sup"))
        for m in _SUPERSCRIPT_RUN.finditer(o, ln.cs, ln.ce):
            if m.start() == content_start:
                continue
            nums = tuple(int(x.translate(_SUP_TO_ASCII)) for x in m.group(0).split(","))
            out.append((nums, m.start(), m.end(), "superscript"))
        return out

    def _symbol_candidates(self, ln: _Line) -> list[tuple[str, int, int]]:
        out = []
        emphasis = None
        for m in _GLUED_SYMBOL.finditer(self.o, ln.cs, ln.ce):
            if m.start() == ln.cs:
                continue
            if m.group(1):
                mark = "*" * (len(m.group(1)) // 2)
            else:
                if emphasis is None:
                    emphasis = self._emphasis_runs(ln.cs, ln.ce)[0]
                if m.start() in emphasis or any(s < m.start() < e for s, e in emphasis.items()):
                    continue  # the closing delimiter of **bold**, not a marker
                mark = m.group(2)
            out.append((mark, m.start(), m.end()))
        return out

    def detect_notes(self) -> None:
        o = self.o
        lines = self.lines
        seen_numbers: set[int] = set()
        seen_marks: set[str] = set()
        self.body_weak: list[tuple[int, int, int]] = []
        self.body_strong: list[tuple[tuple[int, ...], int, int, str]] = []
        self.body_symbols: list[tuple[str, int, int]] = []
        next_fn = 1
        cur: dict | None = None  # the note being collected
        prev_kind = "blank"  # kind of the previous non-blank line
        blank_run = 0
        for ln in lines:
            if ln.kind == "blank":
                blank_run += 1
                continue
            gap = blank_run
            blank_run = 0
            if ln.kind in ("furniture", "rule"):
                self.removed.append(Removed(ln.kind, ln.start, ln.end))
                cur = None
                prev_kind = ln.kind
                continue
            content = o[ln.cs:ln.ce]
            # 1. start of a numbered or symbol note?
            start = None
            m = _NOTE_STRONG.match(o, ln.cs, ln.ce)
            if m:
                num = int((m.group(1) or m.group(2)).translate(_SUP_TO_ASCII))
                if num >= 1:
                    start = ("fn", num, m.end())
            if start is None:
                m = _NOTE_PLAIN.match(o, ln.cs, ln.ce)
                if m and ln.kind == "text":
                    num = int(m.group(1))
                    context = prev_kind in ("note", "rule", "furniture", "link-annotation") or gap > self.mode_gap
                    if num in (next_fn, next_fn + 1) and num in seen_numbers and context:
                        start = ("fn", num, m.end())
            if start is None:
                m = _NOTE_SYMBOL.match(o, ln.cs, ln.ce)
                if m:
                    raw = m.group(1)
                    mark = "*" * (len(raw) // 2) if raw.startswith("\\") else raw
                    if mark in seen_marks:
                        start = ("sym", mark, m.end())
            if start is not None:
                kind, key, mend = start
                ln.kind = "note"
                ln.note_key = (kind, key)
                ln.marker_end = mend
                cur = {"kind": kind, "key": key, "lines": [ln]}
                self.notes.append(cur)
                if kind == "fn":
                    next_fn = max(next_fn, key + 1)
                prev_kind = "note"
                continue
            # 2. continuation of the current note?
            if cur is not None and self._note_continues(cur["lines"][-1], ln, gap):
                ln.kind = "note"
                cur["lines"].append(ln)
                prev_kind = "note"
                continue
            cur = None
            # 3. link annotation after a footnote zone
            if prev_kind in ("note", "link-annotation") and _URL_LINE.fullmatch(content):
                ln.kind = "link-annotation"
                self.removed.append(Removed("link-annotation", ln.start, ln.end))
                prev_kind = "link-annotation"
                continue
            # 4. body line: record the marker candidates it contains
            for cand in self._glued_candidates(ln):
                seen_numbers.add(cand[0])
                self.body_weak.append(cand)
            for cand in self._strong_candidates(ln):
                seen_numbers.update(cand[0])
                self.body_strong.append(cand)
            for cand in self._symbol_candidates(ln):
                seen_marks.add(cand[0])
                self.body_symbols.append(cand)
            prev_kind = ln.kind

    def _note_continues(self, prev: _Line, ln: _Line, gap: int) -> bool:
        if ln.indented or ln.kind != "text":
            return False
        if gap > self.mode_gap:
            return False
        prev_text = self.o[prev.cs:prev.ce]
        if _TERMINAL.search(prev_text) and not prev_text.endswith("-"):
            return False
        ct = self.o[ln.cs:ln.ce]
        starter = _classify_starter(ct)
        if starter is not None and starter[0] not in ("alpha", "item", "figure", "source", "annex", "dash-bullet"):
            return False
        if starter is not None and starter[0] in ("figure", "source") and not _continues(prev_text):
            return False
        return True

    # -- pass 3: accept footnote markers ---------------------------------------------------

    def accept_refs(self) -> None:
        first_pos: dict[int, int] = {}
        marks: set[str] = set()
        for note in self.notes:
            if note["kind"] == "fn":
                first_pos.setdefault(note["key"], note["lines"][0].cs)
            else:
                marks.add(note["key"])
        events = [(s, "strong", nums, e) for (nums, s, e, _k) in self.body_strong]
        events += [(s, "weak", (n,), e) for (n, s, e) in self.body_weak]
        events.sort(key=lambda ev: (ev[0], ev[1]))
        expected = 1
        for s, strength, nums, e in events:
            if s in self.ref_at:
                continue
            if strength == "strong":
                if self.o.startswith("<", s) or all(n in first_pos for n in nums):
                    self.ref_at[s] = ("fn", nums, e)
                    expected = max(expected, max(nums) + 1)
                continue
            n = nums[0]
            if n in (expected, expected + 1) and n in first_pos and first_pos[n] > s:
                self.ref_at[s] = ("fn", nums, e)
                expected = n + 1
        for mark, s, e in self.body_symbols:
            if mark in marks and s not in self.ref_at:
                self.ref_at[s] = ("sym", mark, e)

    # -- pass 4: inline clean-up -------------------------------------------------------

    def _emphasis_runs(self, a: int, b: int) -> tuple[dict[int, int], bool]:
        """Find paired emphasis delimiters in ``o[a:b]``: returns {run_start: run_end} of the
        delimiter runs to delete and whether the whole span is one emphasised run."""
        o = self.o
        runs = []
        i = a
        while i < b:
            ch = o[i]
            if ch == "\\":
                i += 2
                continue
            if ch in "*_":
                j = i
                while j < b and o[j] == ch:
                    j += 1
                if j - i <= 3:
                    runs.append((i, j, ch))
                i = j
                continue
            i += 1
        delete: dict[int, int] = {}
        used = set()
        whole = False
        for k, (s, e, ch) in enumerate(runs):
            if k in used:
                continue
            before = o[s - 1] if s > a else " "
            after = o[e] if e < b else " "
            if after.isspace():
                continue
            if ch == "_" and before.isalnum():
                continue
            if ch == "*" and before.isalnum() and not after.isalnum():
                continue
            for k2 in range(k + 1, len(runs)):
                if k2 in used:
                    continue
                s2, e2, ch2 = runs[k2]
                if ch2 != ch or e2 - s2 != e - s:
                    continue
                b2 = o[s2 - 1]
                a2 = o[e2] if e2 < b else " "
                if b2.isspace() or (ch == "_" and a2.isalnum()):
                    continue
                if s2 == e:
                    continue
                used.update((k, k2))
                delete[s] = e
                delete[s2] = e2
                if s == a and e2 == b:
                    whole = True
                break
        return delete, whole

    def scan_line(self, ln: _Line, a: int | None = None) -> _Out:
        o = self.o
        a = ln.cs if a is None else a
        b = ln.ce
        if ln.kind != "note":
            m = _MD_HEADING.match(o, a, b)
            if m:
                ln.md_level = len(m.group(0).strip())
                a = m.end()
                tm = _MD_HEADING_TAIL.search(o, a, b)
                if tm:
                    b = tm.start()
            else:
                m = _BLOCKQUOTE.match(o, a, b)
                if m and not o.startswith(">", m.end()):
                    a = m.end()
        delete, whole = self._emphasis_runs(a, b)
        ln.emph = whole
        out = _Out()
        self._scan(a, b, out, delete, table=(ln.kind == "table"), refs=(ln.kind != "note"))
        out.rstrip()
        return out

    def _scan(self, i: int, b: int, out: _Out, delete: dict[int, int], table: bool, refs: bool) -> None:
        o = self.o
        while i < b:
            if refs and i in self.ref_at:
                kind, value, j = self.ref_at[i]
                if j <= b:
                    if kind == "fn":
                        for n in value:  # type: ignore[union-attr]
                            out.ref("fn", n, i, j)
                    else:
                        out.ref("sym", value, i, j)
                    i = j
                    continue
            if i in delete:
                j = delete[i]
                if out.last_char() in ".:;," and j < b and o[j].isalpha():
                    out.repl(" ", i, j)  # "Annex 1.**Title**" -> "Annex 1. Title"
                i = j
                continue
            ch = o[i]
            if ch == "<":
                m = _SUP_TAG.match(o, i, b)
                if m:
                    if _SUP_NUMS.fullmatch(m.group(1)):
                        i = m.end()  # a marker not accepted as a ref (e.g. in a note)
                    else:
                        self._scan(m.start(1), m.end(1), out, delete, table, refs)
                        i = m.end()
                    continue
                m = _AUTOLINK.match(o, i, b)
                if m:
                    self._scan(m.start(1), m.end(1), out, delete, table, refs)
                    i = m.end()
                    continue
                m = _HTML_TAG.match(o, i, b)
                if m:
                    i = m.end()
                    continue
            elif ch in "[!":
                m = _LINK.match(o, i, b)
                if m:
                    self._scan(m.start(1), m.end(1), out, delete, table, refs)
                    i = m.end()
                    continue
            elif ch == "\\" and i + 1 < b:
                nx = o[i + 1]
                if nx == "\\" and i + 2 < b and o[i + 2] in _ESCAPABLE and o[i + 2] != "\\":
                    out.repl(o[i + 2], i, i + 3)
                    i += 3
                    continue
                if nx in _ESCAPABLE:
                    out.repl(nx, i, i + 2)
                    i += 2
                    continue
            elif ch in SUPERSCRIPT_DIGITS:
                j = i
                while j < b and o[j] in SUPERSCRIPT_DIGITS:
                    j += 1
                out.repl(o[i:j].translate(_SUP_TO_ASCII), i, j)
                i = j
                continue
            elif ch == "\u0336":
                out.repl("–", i, i + 1)
                i += 1
                continue
            elif ch == "\t" and not table:
                out.repl(" ", i, i + 1)
                i += 1
                continue
            elif ch in "\u00ad\u200b\ufeff":
                i += 1
                continue
            if ch == "\t":
                out.pieces.append(["\t", i, i + 1, True])
                out.n += 1
            else:
                out.copy(o, i)
            i += 1

    # -- pass 5: blocks and joins -----------------------------------------------------------

    def _is_full(self, ln: _Line) -> bool:
        """Does the line run to the right margin of a hard-wrapped layout?"""
        return self.wrapped and (ln.ce - ln.cs) >= self.FULL_RATIO * self.width

    def _dehyphenate(self, a_text: str, b_text: str) -> str:
        """Decide how to join ``a_text`` (ending in ``-``) with ``b_text``.

        Returns ``"keep"`` (join with no space, keep the hyphen) or ``"drop"`` (remove the
        hyphen: a soft line-break hyphen). Heuristic, in order:

        1. URL-like token (``/``, ``www``, ``.`` inside) or a non-letter before the hyphen
           (``1990-``) → keep;
        2. the part after the break is capitalised (``Asia-Pacific``) → keep;
        3. the document itself spells the compound with a hyphen elsewhere → keep; it spells
           the joined word elsewhere → drop;
        4. the first part is a prefix-like word (non-, self-, cross-, low-, high-, well-,
           multi-, anti-, pre-, post- ...) or the second part is a typical compound tail
           (-based, -led, -related, -sensitive, -responsive, -specific, -level, -term ...)
           → keep;
        5. both halves are words of the document while the joined word is not
           (``gender-`` + ``responsive``) → keep;
        6. otherwise → drop (``manage-`` + ``ment`` → ``management``).
        """
        token = a_text.rsplit(None, 1)[-1] if a_text.split() else a_text
        head = token[:-1]
        if any(x in head for x in ("/", "www", "http", "@")) or re.search(r"\.\w", head):
            return "keep"
        if not head or not head[-1].isalpha():
            return "keep"
        mb = re.match(r"[A-Za-z]+", b_text)
        if not mb:
            return "keep"
        tail = mb.group(0)
        if tail[0].isupper():
            return "keep"
        stem_m = re.search(r"([A-Za-z]+)$", head)
        stem = stem_m.group(1).lower() if stem_m else ""
        hyph = f"{stem}-{tail.lower()}"
        joined = f"{stem}{tail.lower()}"
        if hyph in self.compounds or any(c.endswith("-" + hyph) or c.startswith(hyph + "-") for c in self.compounds):
            return "keep"
        if joined in self.words:
            return "drop"
        if stem in _KEEP_HYPHEN_PREFIXES or tail.lower() in _KEEP_HYPHEN_TAILS:
            return "keep"
        # both halves occur as words elsewhere (the broken occurrence itself counts once)
        if len(stem) > 2 and len(tail) > 2 and self.words.get(stem, 0) > 1 and self.words.get(tail.lower(), 0) > 1:
            return "keep"
        return "drop"

    def _starter(self, ln: _Line, prev: _Line | None, cur: dict | None, gap_strong: bool,
                 state: dict) -> tuple[str, str | None, int] | None:
        """Classify ``ln`` as a block starter given its context, or return None."""
        if ln.kind == "table":
            return ("table", None, 0)
        if ln.md_level is not None:
            st = _classify_starter(ln.ct)
            return ("md-heading", st[1] if st else None, st[2] if st and st[0] in ("roman", "alpha", "numbered") else 0)
        st = _classify_starter(ln.ct)
        if ln.emph:
            return st if st is not None else ("text", None, 0)
        if st is None:
            return None
        kind, label, _off = st
        if prev is None or gap_strong:
            return st
        a = prev.ct
        prev_hard = prev.md_level is not None or prev.emph or prev.kind == "table"
        if prev_hard:
            return st
        cont = _continues(a) or a.endswith("-")
        terminal = bool(_TERMINAL_OR_LIST.search(a))
        body = ln.ct[_off:]
        if kind == "numbered":
            n = int(label)  # type: ignore[arg-type]
            last = state.get("num", 0)
            if cont:
                return None
            if terminal or n == 1 or last < n <= last + 2:
                return st
            return None
        if kind == "bullet":
            if body[:1].islower() and not terminal and not (label is not None):
                return None
            return st
        if kind == "dash-bullet":
            if terminal or (cur is not None and cur["kind"] == "bullet"):
                return st
            return None
        if kind == "item":
            if cont:
                return None
            if terminal or label == "a" or label == "i" or label == _next_letter(state.get("letter", "")):
                return st
            if not self._is_full(prev):
                return st
            return None
        if cont:
            return None
        return st

    def build(self) -> Normalized:
        o = self.o
        body = [ln for ln in self.lines if ln.kind in ("text", "table")]
        # clean each body line
        line_out: dict[int, _Out] = {}
        for ln in body:
            out = self.scan_line(ln)
            line_out[ln.idx] = out
            ln.pieces = out.pieces
            ln.ct = "".join(p[0] for p in out.pieces)
        body = [ln for ln in body if ln.ct]

        # group lines into blocks
        blocks: list[dict] = []
        state: dict = {}
        prev: _Line | None = None
        for ln in body:
            gap_blank = 0
            removed = False
            if prev is not None:
                for k in range(prev.idx + 1, ln.idx):
                    kind = self.lines[k].kind
                    if kind == "blank":
                        gap_blank += 1
                    else:
                        removed = True
            gap_strong = prev is not None and not removed and gap_blank > self.mode_gap
            newline_gap = prev is not None and not removed and gap_blank == 0
            cur = blocks[-1] if blocks else None
            st = self._starter(ln, prev, cur, gap_strong, state)
            join = None
            if cur is not None and st is None:
                join = self._join(prev, ln, cur, gap_strong, newline_gap)
            elif cur is not None and st is not None and st[0] == "table" and cur["kind"] == "table" and not gap_strong:
                join = "row"
            if join is None:
                kind, label, off = st if st is not None else ("text", None, 0)
                strong_before = gap_strong
                if kind == "dash-bullet":
                    kind = "bullet"
                if kind == "numbered":
                    state["num"] = int(label)  # type: ignore[arg-type]
                if kind == "item" and label and len(label) == 1:
                    state["letter"] = label
                blocks.append({"kind": kind, "label": label, "off": off, "lines": [ln], "joins": [],
                               "md_level": ln.md_level, "emph": ln.emph, "indented": ln.indented,
                               "strong_before": strong_before, "newline_before": newline_gap})
            else:
                cur["lines"].append(ln)
                cur["joins"].append(join)
            prev = ln

        blocks = self._merge_numbered_continuations(blocks)

        # assemble the clean text
        parts: list[str] = []
        runs: list[list] = []
        length = 0
        refs: list[FootnoteRef] = []
        srefs: list[SymbolRef] = []
        out_blocks: list[Block] = []

        def emit(text: str, a: int, b: int, copy: bool) -> None:
            nonlocal length
            if not text:
                return
            if copy and runs and runs[-1][3] and runs[-1][2] == a and runs[-1][0] + (runs[-1][2] - runs[-1][1]) == length:
                runs[-1][2] = b
            else:
                runs.append([length, a, b, copy])
            parts.append(text)
            length += len(text)

        prev_end = 0
        for bi, blk in enumerate(blocks):
            lines = blk["lines"]
            if bi > 0:
                emit("\n\n", prev_end, max(prev_end, lines[0].pieces[0][1]), False)
            bstart = length
            for li, ln in enumerate(lines):
                pieces = [list(p) for p in ln.pieces]
                if li > 0:
                    join = blk["joins"][li - 1]
                    a_end = prev_end
                    b_start = pieces[0][1]
                    if join == "drop":
                        # the hyphen was already removed from the previous line's pieces
                        emit("", a_end, b_start, False)
                    elif join == "keep":
                        pass
                    elif join == "row":
                        emit("\n", a_end, max(a_end, b_start), False)
                    else:
                        emit(" ", a_end, max(a_end, b_start), False)
                # drop the trailing hyphen of this line if the next join says so
                if li + 1 < len(lines) and blk["joins"][li] == "drop":
                    last = pieces[-1]
                    last[0] = last[0][:-1]
                    if last[3]:
                        last[2] -= 1
                    if not last[0]:
                        pieces.pop()
                base = length
                for p in pieces:
                    emit(p[0], p[1], p[2], p[3])
                    prev_end = p[2]
                if li + 1 < len(lines) and blk["joins"][li] == "drop":
                    prev_end += 1  # skip the removed hyphen in the original
                out = line_out[ln.idx]
                for kind, value, off, a, b in out.refs:
                    coff = base + min(off, length - base)
                    if kind == "fn":
                        refs.append(FootnoteRef(int(value), coff, a, b))  # type: ignore[arg-type]
                    else:
                        srefs.append(SymbolRef(str(value), coff, a, b))
            first = lines[0]
            body_start = bstart + blk["off"] if blk["off"] <= length - bstart else bstart
            out_blocks.append(Block(
                start=bstart, end=length, kind=blk["kind"], label=blk["label"], body_start=body_start,
                md_level=blk["md_level"], emphasized=bool(blk["emph"]), indented=first.indented,
                line_count=len(lines),
            ))

        text = "".join(parts)
        footnotes, snotes, notes_text, note_runs = self.build_notes(len(text) + 2)
        return Normalized(
            text=text,
            source_length=len(o),
            runs=tuple((r[0], r[1], r[2], r[3]) for r in runs),
            blocks=tuple(out_blocks),
            footnote_refs=tuple(refs),
            footnotes=tuple(footnotes),
            symbol_refs=tuple(srefs),
            symbol_notes=tuple(snotes),
            removed=tuple(sorted(self.removed, key=lambda r: r.original_start)),
            notes_text=notes_text,
            note_runs=tuple((r[0], r[1], r[2], r[3]) for r in note_runs),
        )

    def _merge_numbered_continuations(self, blocks: list[dict]) -> list[dict]:
        """In a document that numbers its paragraphs ("1.", "2." ... with full sentences),
        every body paragraph carries a number, so an unnumbered plain block that follows a
        numbered paragraph (or one of its lettered items) and opens with a capital after a
        full stop is the same paragraph continued after a line that happened to end a
        sentence (or after a page break). Merge it back."""
        def text_of(blk: dict) -> str:
            return " ".join(ln.ct for ln in blk["lines"])

        numbered = [b for b in blocks if b["kind"] == "numbered"]
        if not is_numbered_document([text_of(b) for b in numbered]):
            return blocks
        out: list[dict] = []
        context = None  # kind of the numbered paragraph / item the previous block belongs to
        for blk in blocks:
            if (
                out and context in ("numbered", "item") and blk["kind"] == "text"
                and not blk["md_level"] and not blk["emph"] and not blk["strong_before"]
                and blk["lines"][0].ct[:1].isupper()
                and not out[-1]["lines"][-1].ct.endswith(":")
            ):
                prev = out[-1]
                prev["joins"].append("space")
                prev["lines"].extend(blk["lines"])
                prev["joins"].extend(blk["joins"])
                continue
            out.append(blk)
            if blk["kind"] in ("numbered", "item"):
                context = blk["kind"]
            elif blk["kind"] != "text":
                context = None
        return out

    def _join(self, prev: _Line, ln: _Line, cur: dict, gap_strong: bool, newline_gap: bool) -> str | None:
        """How to join body line ``ln`` to the block ending with ``prev`` (None = break)."""
        if prev.kind == "table" or ln.kind == "table":
            return None
        if prev.md_level is not None or prev.emph:
            return None
        a = prev.ct
        b = ln.ct
        if a.endswith("-") and len(a) > 1 and a[-2].isalnum() and b[:1].isalnum():
            return self._dehyphenate(a, b)
        if b[:1].islower():
            return "space"
        if _TERMINAL_OR_LIST.search(a):
            return None
        block_text = " ".join(x.ct for x in cur["lines"])
        if _continues(a) or _open_paren(block_text):
            return "space"
        if newline_gap:
            return "space"
        if cur["kind"] in ("roman", "alpha", "lower-roman", "numbered", "annex", "md-heading") and not _TERMINAL.search(block_text):
            if len(block_text) < 200 and len(b) <= 1.2 * max(len(a), 50) and not _TERMINAL.search(b):
                if cur["kind"] != "numbered" or len(block_text) < 120:
                    return "space"
        if cur["kind"] == "source" and not _TERMINAL.search(block_text):
            return "space"  # a "Source: ..." note runs to its full stop
        if not gap_strong and self._is_full(prev):
            if self._known_pair(a, b):
                return "space"
            if ln.indented:
                return None  # a new text object (heading, caption) in a PDF extraction
            if not self._starts_sentence(b):
                return "space"
        return None

    def _known_pair(self, a: str, b: str) -> bool:
        wa = re.findall(r"[A-Za-z][A-Za-z’'-]*", a[-40:])
        wb = re.match(r"[A-Za-z][A-Za-z’'-]*", b)
        return bool(wa and wb and (wa[-1], wb.group(0)) in self.bigrams)

    def _starts_sentence(self, text: str) -> bool:
        """Is the capitalised first word of ``text`` a common word (so capitalised because it
        opens a sentence) rather than a proper noun? Judged from how the document itself
        capitalises the word elsewhere."""
        m = re.match(r"[A-Za-z][a-z]+", text)
        if not m:
            return False
        cap_mid, lower = self.case.get(m.group(0).lower(), [0, 0])
        if lower <= cap_mid:
            return False
        # "... Especially / Women and Children": a capitalised run continues a title
        words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", text)[:3] if w.lower() not in FUNCTION_WORDS]
        return sum(1 for w in words if w[0].isupper()) < 2

    def build_notes(self, base: int) -> tuple[list[FootnoteText], list[SymbolNote], str, list[list]]:
        """Clean texts of the notes, laid out from clean offset ``base`` (the notes area),
        one note per block, with their own offset runs."""
        fns: list[FootnoteText] = []
        sns: list[SymbolNote] = []
        parts: list[str] = []
        runs: list[list] = []
        pos = base

        def emit(text: str, a: int, b: int, copy: bool) -> None:
            nonlocal pos
            if not text:
                return
            if copy and runs and runs[-1][3] and runs[-1][2] == a and runs[-1][0] + (runs[-1][2] - runs[-1][1]) == pos:
                runs[-1][2] = b
            else:
                runs.append([pos, a, b, copy])
            parts.append(text)
            pos += len(text)

        prev_end = None
        for note in self.notes:
            lines = []
            for k, ln in enumerate(note["lines"]):
                out = self.scan_line(ln, ln.marker_end if k == 0 else None)
                pieces = [list(p) for p in out.pieces]
                while pieces and not pieces[0][0].strip():
                    pieces.pop(0)
                if pieces:
                    lines.append(pieces)
            if not lines:
                continue
            if prev_end is not None:
                emit("\n\n", prev_end, max(prev_end, lines[0][0][1]), False)
            start = pos
            for k, pieces in enumerate(lines):
                if k > 0:
                    a_text = "".join(p[0] for p in lines[k - 1])
                    b_text = "".join(p[0] for p in pieces)
                    join = "space"
                    if a_text.endswith("-") and len(a_text) > 1 and a_text[-2].isalnum() and b_text[:1].isalnum():
                        join = self._dehyphenate(a_text, b_text)
                    if join == "drop":
                        # remove the hyphen already emitted at the end of the previous line
                        last = runs[-1]
                        if last[3]:
                            last[2] -= 1
                            if last[2] == last[1]:
                                runs.pop()
                        else:
                            runs.pop()  # a one-character replacement run
                        parts[-1] = parts[-1][:-1]
                        if not parts[-1]:
                            parts.pop()
                        pos -= 1
                    elif join == "space":
                        emit(" ", prev_end, max(prev_end, pieces[0][1]), False)
                for p in pieces:
                    emit(p[0], p[1], p[2], p[3])
                    prev_end = p[2]
            text = "".join(parts)[start - base:]
            o_start = note["lines"][0].cs
            o_end = note["lines"][-1].ce
            if note["kind"] == "fn":
                fns.append(FootnoteText(int(note["key"]), text, o_start, o_end, start, pos))
            else:
                sns.append(SymbolNote(str(note["key"]), text, o_start, o_end, start, pos))
        return fns, sns, "".join(parts), runs


def is_numbered_document(numbered_texts: list[str]) -> bool:
    """Does a document number its paragraphs? Given the texts of its blocks that start with
    ``N.``: yes when at least three of them, and at least half, read as sentences (end with
    sentence or list punctuation and have five words or more). Numbered headings
    ("1. Background") and numbered list entries without punctuation do not count."""
    sentence_like = [t for t in numbered_texts if _TERMINAL_OR_LIST.search(t.rstrip()) and len(t.split()) >= 5]
    return len(sentence_like) >= 3 and len(sentence_like) >= 0.5 * len(numbered_texts)


def _expand_numbers(inner: str) -> tuple[int, ...]:
    nums: list[int] = []
    for part in re.split(r"\s*,\s*", inner.strip()):
        m = re.fullmatch(r"(\d{1,3})\s*[–-]\s*(\d{1,3})", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo <= hi <= lo + 20:
                nums.extend(range(lo, hi + 1))
                continue
        if part.isdigit():
            nums.append(int(part))
    return tuple(nums)


def normalize(original: str) -> Normalized:
    """Normalise ``original`` (see the module docstring). Pure and deterministic."""
    if not isinstance(original, str):
        raise TypeError("normalize() expects a str")
    nz = _Normalizer(original)
    nz.split_lines()
    nz.classify_lines()
    nz.layout_stats()
    nz.detect_notes()
    nz.accept_refs()
    return nz.build()
