"""Document text as pieces to render: plain text, linked mentions, footnote references; never markup.

A document's original text (``nif:isString``) is cut by the NIF offsets of its segments and mentions (Unicode code
points, like Python ``str`` indices). Each piece carries plain text only: the templates escape it (Jinja
autoescape), so a document containing ``<script>`` or ``" onmouseover=`` shows those characters and nothing runs.
Highlighted text is built from escaped pieces, never by marking document text safe.

The printed layout leaks into the text (page furniture, footnotes in the middle of a paragraph, Markdown marks of
the conversion). Rendering drops the footnotes nested in a span (they are listed apart), the Markdown emphasis
marks, and turns footnote markers (``<sup>3</sup>``, ``³``) into links to the footnote.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from ontology.vocab import GCM, NIF
from server.pages.graph import GraphIndex

_SUP_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE_MARK = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>|([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})")
_TAGS = re.compile(r"</?(?:sup|sub|br|u|b|i|em|strong)\s*/?>", re.I)
_MD_MARKS = re.compile(r"\*\*|__|(?<![\w\\])\*(?=\w)|(?<=\w)\*(?!\w)|^#{1,6}\s+", re.M)
_ESCAPES = re.compile(r"\\([\\*_#\[\]()>`|-])")


@dataclass
class Target:
    href: str
    label: str
    short: str
    external: bool = False


@dataclass
class Piece:
    kind: str  # "text" | "mention" | "fnref"
    text: str
    targets: list[Target] = field(default_factory=list)
    anchor: str = ""  # fnref: the footnote anchor
    mention: str = ""  # the mention's own IRI


@dataclass
class Block:
    kind: str  # "heading" | "para" | "item" | "furniture" | "footnote"
    pieces: list[Piece]
    anchor: str = ""
    number: str = ""
    iri: str = ""
    href: str = ""


@dataclass
class Span:
    iri: str
    kind: str
    begin: int
    end: int
    key: str
    number: str = ""
    parent: str = ""


def _int(index: GraphIndex, iri: str, prop) -> int | None:
    v = index.value(iri, prop.value)
    try:
        return int(v.value) if isinstance(v, ox.Literal) else None
    except ValueError:
        return None


def clean(text: str) -> str:
    """Drop the Markdown marks and inline tags of the conversion; keep every other character as it is."""
    text = _TAGS.sub("", text)
    text = _ESCAPES.sub(r"\1", _MD_MARKS.sub("", text.replace("\\*", "\x00"))).replace("\x00", "*")
    return text


def _sup_number(s: str) -> str:
    return "".join(str(_SUP_DIGITS.index(c)) for c in s)


class DocumentText:
    """The segments, mentions and footnotes of one document, ready to be cut into pieces."""

    def __init__(self, index: GraphIndex, doc: str, link):
        self.index = index
        self.doc = doc
        self.link = link  # callable iri -> Target
        self.text = index.text(doc, NIF.isString.value) or index.text(doc, GCM.text.value) or ""
        self.sections: list[Span] = []
        self.paragraphs: list[Span] = []
        self.footnotes: list[Span] = []
        self.items: dict[str, list[Span]] = {}
        mentions = []
        types = {GCM.Section.value: "section", GCM.Paragraph.value: "para", GCM.Footnote.value: "footnote",
                 GCM.Item.value: "item", GCM.Mention.value: "mention"}
        for seg in index.subjects(GCM.inDocument.value, doc):
            kind = next((types[t] for t in index.types(seg) if t in types), None)
            if kind is None:
                continue
            b, e = _int(index, seg, NIF.beginIndex), _int(index, seg, NIF.endIndex)
            if b is None or e is None or not 0 <= b <= e <= len(self.text):
                continue
            key = index.text(seg, GCM.key.value) or ""
            number = index.value(seg, GCM.number.value)
            span = Span(seg, kind, b, e, key, number.value if number is not None else "")
            if kind == "section":
                # a section's span may cover its whole content (paragraphs included): keep its heading only
                heading = index.text(seg, GCM.heading.value) or index.text(seg, GCM.text.value) or ""
                pos = self.text.find(heading, b, min(e, b + len(heading) + 200)) if heading else -1
                if pos >= 0:
                    span.begin, span.end = pos, pos + len(heading)
                else:
                    line_end = self.text.find("\n", b, e)
                    span.end = line_end if line_end > b else e
                self.sections.append(span)
            elif kind == "para":
                self.paragraphs.append(span)
            elif kind == "footnote":
                self.footnotes.append(span)
            elif kind == "item":
                parent = index.iris(seg, GCM.inParagraphOf.value)
                span.parent = parent[0] if parent else ""
                self.items.setdefault(span.parent, []).append(span)
            else:
                mentions.append((b, -e, seg))
        for spans in (self.sections, self.paragraphs, self.footnotes, *self.items.values()):
            spans.sort(key=lambda s: (s.begin, -s.end))
        mentions.sort()
        self.mentions = [(b, -negend, m) for b, negend, m in mentions]
        self.footnote_keys = {f.key for f in self.footnotes}
        self.by_iri = {s.iri: s for s in (*self.sections, *self.paragraphs, *self.footnotes)}
        for items in self.items.values():
            for it in items:
                self.by_iri[it.iri] = it

    # --- anchors -------------------------------------------------------------------------------------------
    @staticmethod
    def para_anchor(key: str) -> str:
        return f"para-{key}"

    def anchor(self, seg: str) -> str:
        """The anchor of a segment in the document page: #para-N, #para-N-a for an item, #fn-N, #sec-N."""
        span = self.by_iri.get(seg)
        if span is None:
            return ""
        if span.kind == "para":
            return self.para_anchor(span.key)
        if span.kind == "item":
            parent = self.by_iri.get(span.parent)
            return f"{self.para_anchor(parent.key)}-{span.key}" if parent else ""
        if span.kind == "footnote":
            return f"fn-{span.key}"
        return f"sec-{span.key}"

    # --- cutting -------------------------------------------------------------------------------------------
    def _excluded(self, begin: int, end: int) -> list[tuple[int, int]]:
        return [(f.begin, f.end) for f in self.footnotes if begin < f.begin and f.end <= end]

    def pieces(self, begin: int, end: int, exclude_footnotes: bool = True) -> list[Piece]:
        """The text [begin, end) as pieces, nested footnotes left out, mentions linked."""
        ranges, cursor = [], begin
        for fb, fe in (self._excluded(begin, end) if exclude_footnotes else []):
            if fb > cursor:
                ranges.append((cursor, fb))
            cursor = max(cursor, fe)
        if cursor < end:
            ranges.append((cursor, end))
        out: list[Piece] = []
        for rb, re_ in ranges:
            if out:
                out.append(Piece("text", " "))
            pos = rb
            for mb, me, m in self.mentions:
                if mb < pos or me > re_ or mb >= me:
                    continue
                if mb > pos:
                    out.extend(self._plain(self.text[pos:mb]))
                targets = [self.link(t) for t in self.index.iris(m, GCM.denotes.value)]
                out.append(Piece("mention", clean(self.text[mb:me]), [t for t in targets if t], mention=m))
                pos = me
            if pos < re_:
                out.extend(self._plain(self.text[pos:re_]))
        return _merge(out)

    def _plain(self, text: str) -> list[Piece]:
        out, pos = [], 0
        for m in _FOOTNOTE_MARK.finditer(text):
            number = m.group(1) or _sup_number(m.group(2))
            if number not in self.footnote_keys:
                continue
            out.append(Piece("text", clean(text[pos:m.start()])))
            out.append(Piece("fnref", number, anchor=f"fn-{number}"))
            pos = m.end()
        out.append(Piece("text", clean(text[pos:])))
        return [p for p in out if p.kind != "text" or p.text]

    # --- the whole document --------------------------------------------------------------------------------
    def blocks(self, href) -> list[Block]:
        """Headings, paragraphs (split at their items) and the text between them, in reading order."""
        top = sorted([*self.sections, *self.paragraphs], key=lambda s: (s.begin, -s.end))
        covered = sorted([(s.begin, s.end) for s in top] + [(f.begin, f.end) for f in self.footnotes])
        blocks: list[Block] = []
        cursor = 0

        def gap(upto: int):
            nonlocal cursor
            if upto > cursor:
                raw = self.text[cursor:upto]
                if _meaningful(raw):
                    blocks.append(Block("furniture", self._plain(_strip_markers(raw))))
            cursor = max(cursor, upto)

        for span in top:
            if span.begin < cursor:  # nested in the previous block (should not happen): skip
                continue
            # footnotes standing between blocks are not furniture
            for fb, fe in covered:
                if cursor <= fb < span.begin:
                    gap(fb)
                    cursor = max(cursor, fe)
            gap(span.begin)
            if span.kind == "section":
                blocks.append(Block("heading", self.pieces(span.begin, span.end), anchor=f"sec-{span.key}",
                                    iri=span.iri, href=href(span.iri)))
            else:
                blocks.extend(self._paragraph(span, href))
            cursor = max(cursor, span.end)
        gap(len(self.text))
        return blocks

    def _paragraph(self, span: Span, href) -> list[Block]:
        items = [i for i in self.items.get(span.iri, []) if span.begin <= i.begin and i.end <= span.end]
        anchor = self.para_anchor(span.key)
        if not items:
            return [Block("para", self.pieces(span.begin, span.end), anchor=anchor, number=span.number,
                          iri=span.iri, href=href(span.iri))]
        cuts = []
        previous = span.begin
        for it in items:
            cut = self.text.rfind("\n", previous, it.begin)
            cuts.append(cut + 1 if cut >= 0 else it.begin)
            previous = it.begin
        out = []
        if cuts[0] > span.begin:
            out.append(Block("para", self.pieces(span.begin, cuts[0]), anchor=anchor, number=span.number,
                             iri=span.iri, href=href(span.iri)))
        for n, it in enumerate(items):
            end = cuts[n + 1] if n + 1 < len(cuts) else span.end
            block = Block("item", self.pieces(cuts[n], end), anchor=f"{anchor}-{it.key}", iri=it.iri,
                          href=href(it.iri))
            if not out:  # a paragraph that starts with its first item still needs its own anchor
                block = Block("item", block.pieces, anchor=block.anchor, iri=it.iri, href=block.href,
                              number=span.number)
                out.append(Block("para", [], anchor=anchor, number=span.number, iri=span.iri, href=href(span.iri)))
            out.append(block)
        return out

    def footnote_blocks(self, href) -> list[Block]:
        out = []
        for f in self.footnotes:
            pieces = self.pieces(f.begin, f.end, exclude_footnotes=False)
            if pieces and pieces[0].kind == "text":
                pieces[0] = Piece("text", re.sub(r"^\s*(\d{1,3}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\s+", "", pieces[0].text))
            elif pieces and pieces[0].kind == "fnref":
                pieces = pieces[1:]
            out.append(Block("footnote", pieces, anchor=f"fn-{f.key}", number=f.key, iri=f.iri, href=href(f.iri)))
        return out


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if p.kind == "text" and out and out[-1].kind == "text":
            out[-1] = Piece("text", out[-1].text + p.text)
        else:
            out.append(p)
    return out


_NUMBER_MARK = re.compile(r"^\s*(?:\d{1,3}\.|\([a-z]{1,4}\)|[a-z]{1,4}\)|[•\-–])?\s*$", re.I)


def _strip_markers(raw: str) -> str:
    return _TAGS.sub("", raw)


def _meaningful(raw: str) -> bool:
    """Whether text between blocks is worth showing (not only a paragraph number, marks or footnote markers)."""
    text = clean(_FOOTNOTE_MARK.sub("", raw)).replace("*", "").replace("#", "")
    text = re.sub(r"\s+", " ", text).strip()
    return bool(text) and not _NUMBER_MARK.match(text)
