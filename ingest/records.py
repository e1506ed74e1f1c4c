"""The records of one document (pure data): segments with their spans, linked mentions, new entities, events,
statements and figures, as ingest.extract produces them and ingest.documents turns them into triples."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import NamedNode

from ingest import figures as figures_mod
from ingest.corpus import DocumentEntry
from ingest.linking import Mention


# --- records -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    start: int  # offsets into the ORIGINAL text
    end: int


@dataclass
class Segment:
    iri: NamedNode
    kind: str  # Section | Paragraph | Item | Sentence | Footnote
    key: str
    text: str
    span: Span
    clean_start: int
    parent: NamedNode | None = None
    order: int = 0
    heading: str | None = None
    number: int | None = None
    footnotes: tuple[int, ...] = ()


@dataclass
class LinkedMention:
    iri: NamedNode
    segment: NamedNode
    mention: Mention
    span: Span
    entity: NamedNode


@dataclass
class NewEntity:
    iri: NamedNode
    kind: str  # organization | process | instrument | country
    cls: NamedNode
    label: str
    acronym: str = ""
    first_segment: NamedNode | None = None
    based_in: set = field(default_factory=set)


@dataclass
class EventRecord:
    key: str
    iri: NamedNode
    title: str
    cls: NamedNode
    start: date | None = None
    end: date | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    place: NamedNode | None = None
    place_label: str = ""
    online: bool = False
    objectives: set = field(default_factory=set)
    roles: list = field(default_factory=list)  # (role key, actor IRI, segment IRI)
    sources: list = field(default_factory=list)  # segment IRIs
    part_of: NamedNode | None = None


@dataclass
class StatementRecord:
    iri: NamedNode
    cls: NamedNode
    text: str
    segment: NamedNode
    span: Span
    objectives: set
    event: NamedNode | None
    principle: NamedNode | None
    mentions: set
    objective_basis: str = ""  # stated | matched | heading (scheme objective-links); "" when it has no objective


@dataclass
class FigureRecord:
    iri: NamedNode
    figure: figures_mod.Figure
    segment: NamedNode
    span: Span
    area: NamedNode | None
    event: NamedNode | None
    participation: bool


@dataclass
class ExtractedDocument:
    entry: DocumentEntry
    iri: NamedNode
    original: str
    title: str
    segments: list[Segment]
    mentions: list[LinkedMention]
    new_entities: dict
    events: dict
    statements: list[StatementRecord]
    figures: list[FigureRecord]
    unresolved: list[str]


