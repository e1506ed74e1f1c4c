"""The meetings a document describes: the meeting of its title, meetings said to be held in a paragraph or listed
in items, their dates (planned or held), place, format, objectives, and the roles of the organisations named
(organiser, co-organiser, supporter, facilitator).

``EventPasses`` is the part of the extractor (ingest.extract._Extractor) that reads events: its methods use the
extractor's state (segments, linker, events, title event) and record EventRecords; nothing here builds triples.
"""
from __future__ import annotations

import re
from datetime import date

from pyoxigraph import NamedNode

from ingest.dates import find_dates
from ingest.linking import find_objectives
from ingest.records import EventRecord, Segment
from ontology.iris import slug
from ontology.vocab import GCM

# --- the genre's wording about meetings -------------------------------------------------------------------------
_MEETING_WORDS = r"(?:Meeting|Review|Forum|Conference|Consultations?|Dialogue|Summit|Workshop|Briefing|Session)"
_NAMED_MEETING = re.compile(  # 'Asia-Pacific Regional Review of Implementation of the Global Compact for ...'
    rf"\b(?P<name>(?:[A-Z][\w’'\-]*(?:[ \t]+(?:of|for|on|the|and|in|to)\b)*[ \t]+){{1,14}}{_MEETING_WORDS}"
    rf"(?:[ \t]+(?:of|for|on)[ \t]+(?:the[ \t]+)?(?:[A-Z][\w’'\-,]*[ \t]*(?:(?:of|for|on|the|and|in)[ \t]+)*){{1,12}})?)"
)
_KIND_PHRASE = re.compile(  # a title that names a kind of meeting rather than a meeting: 'Stakeholder consultations for'
    r"^\s*(?P<kind>(?:[A-Z][\w\-]*\s+)?(?:consultations?|meetings?|briefings?|workshops?|dialogues?|webinars?))\b"
    r"(?:\s+(?:for|on|of|ahead of|in preparation for)\b|\s*$|\s*:)", re.I)
_PLANNED = re.compile(r"\b(?:to be held|will be held|to take place|will take place|scheduled|planned|is to be|"
                      r"will be convened)\b", re.I)
_ONLINE = re.compile(r"\b(?:online|virtual(?:ly)?|webinar|video ?conference)\b", re.I)
_ORDINAL = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|final|last)"
_CONSULTATION_HELD = re.compile(
    rf"\b(?:The\s+)?(?P<ordinal>{_ORDINAL})?\s*(?P<kind>(?:[\w\-]+\s+)?(?:consultation|meeting|briefing|dialogue|"
    rf"workshop|session))\s+(?:was|were|will\s+be|is\s+to\s+be)\s+(?:held|convened|organized|organised)\b",
    re.I,
)
# after a meeting's name: '... was convened by ...', '... took place in ...', '... will be held on ...'
_NAMED_HELD = re.compile(r"\s*(?:\([^)]{0,80}\)\s*)?,?\s*(?:(?:was|were|is|will be)\s+(?:held|convened|organi[sz]ed|hosted)|"
                         r"took place|will take place)\b", re.I)
# what a sentence says after its list of organisers: ', pursuant to resolution 73/326', ' in line with ...'
_AFTER_ACTORS = re.compile(r",?\s+(?:pursuant to|in accordance with|in line with|as part of|under the auspices|"
                           r"in the framework of|in preparation for|ahead of|with a view to|to (?:review|discuss))\b",
                           re.I)
_ROLE_PATTERNS = (
    ("co-organiser", re.compile(r"\bco-?organi[sz]ed\s+(?:by|with)\s+(?:the\s+following:?\s*)?", re.I)),
    ("supporter", re.compile(r"\b(?:with\s+(?:the\s+)?(?:vital\s+)?support\s+(?:from|of)|supported\s+by|"
                             r"with\s+(?:the\s+)?assistance\s+of)\s+", re.I)),
    ("facilitator", re.compile(r"\bfacilitated\s+by\s+(?:the\s+following\s+[^:]{0,120}:\s*)?", re.I)),
    ("organiser", re.compile(r"(?<!co-)(?<!co)\b(?:organi[sz]ed|convened)\s+by\s+", re.I)),
)
# 'The stakeholder consultations were facilitated by the following members ...: ILO, IOM, ...': roles in a series
_SERIES_ROLES = re.compile(r"^\W*(?:The|All(?:\s+the)?)\s+(?P<kind>(?:[\w\-]+\s+)?(?:consultation|meeting|briefing|"
                           r"workshop|session|dialogue))s\s+(?:were|have\s+been)\s+(?:co-?organi[sz]ed|facilitated|"
                           r"supported|organi[sz]ed)\b", re.I)
_PROVIDING = re.compile(r"\s+with\s+(?P<who>[^,;.]+?)\s+providing\s+(?:overall\s+)?(?:guidance|support|assistance)"
                        r"(?:\s+and\s+(?:guidance|support|assistance))?", re.I)
PARTICIPATION = re.compile(r"\battend\w*|\bparticipat\w*|\bjoined\b|\btook part\b", re.I)


def _canonical_event_name(name: str) -> str:
    n = " ".join(name.split()).strip(" ,.;:")
    n = re.sub(r"^(?:the|a|an)\s+", "", n, flags=re.I)
    # a document's genre before the meeting's name: 'Summary of the Latin America ... Regional Review ...'
    n = re.sub(r"^(?:(?:Chair[’']?s\s+|Co-Chairs[’']?\s+)?Summary|Report|Concept [Nn]ote|Outcome|Proceedings)\s+"
               r"(?:of|on|for|from)\s+(?:the\s+)?", "", n)
    # a title line run into the next one, as PDF text layers give it: '... Regular Migration Chair's summary'
    n = re.sub(r"\s+(?:Chair[’']?s?|Co-[Cc]hairs?[’']?|Summary|Concept|Programme|Agenda|Provisional)\b.*$", "", n)
    # the Compact's name is printed several ways; one key for all of them
    n = re.sub(r"Global Compact for (?:Safe, (?:Orderly and Regular|Regular and Orderly) )?Migration|"
               r"Global Compact on Migration|\bGCM\b", "Global Compact for Migration", n)
    return n


class EventPasses:
    """Event extraction, mixed into the document extractor (which provides the state it reads and writes)."""

    # -- events ---------------------------------------------------------------------------------------------
    def event(self, name: str, kind_cls: NamedNode, key: str | None = None) -> EventRecord:
        canonical = _canonical_event_name(name)
        key = key or slug(canonical)
        if key not in self.events:
            self.events[key] = EventRecord(key, self.minter.event(key), canonical, kind_cls)
        return self.events[key]

    def _place(self, text: str) -> tuple[NamedNode | None, str]:
        for m in self.linker.gazetteer.find(text):
            if m.kind == "country":
                # a capital printed before the country ('Bangkok, Thailand') is rare in these texts; the city
                # itself is kept as a label and the country (if any) as the place
                return NamedNode(m.entity), m.surface
        city = re.search(r"\b(?:in|at)\s+(?P<c>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)(?:,\s*(?P<k>[A-Z][a-z]+))?", text)
        if city and city.group("c") not in ("Asia", "The", "United"):
            return None, city.group("c")
        return None, ""

    def extract_title_event(self):
        """The event a document is about, from the blocks before its first numbered paragraph: a meeting named (or
        a kind of meeting: 'Stakeholder consultations for the X') and, within the next few blocks, its dates and
        place or format, as concept notes, summaries and chair's summaries print them under the title."""
        self.title_event = None
        head: list[Segment] = []
        for para, pseg, _items, _sents in self.para_segments:
            if para.number is not None or len(head) >= 14:
                break
            head.append(pseg)
        # a heading before the first numbered paragraph (a markdown title: '# Africa Regional Review of ...') is
        # read with the blocks, in document order
        first_numbered = next((pseg.clean_start for para, pseg, _i, _s in self.para_segments if para.number is not None),
                              len(self.norm.text))
        head = sorted(head + [s for s in self.segments if s.kind == "Section" and s.clean_start < first_numbered],
                      key=lambda s: s.clean_start)[:14]
        for i, block in enumerate(head):
            line = block.text
            named = [m for m in _NAMED_MEETING.finditer(line) if _is_event_name(m.group("name"))]
            kind = _KIND_PHRASE.match(line)
            if not named and not kind:
                continue
            window = head[i: i + 4]
            dates = [(b, d) for b in window for d in find_dates(b.text, self._year)]
            if not dates:
                continue
            date_block, d = dates[0]
            dateline = date_block.text
            planned = self.entry.type == "concept-note" or bool(_PLANNED.search(dateline))
            parent = None
            if named:
                name = named[0].group("name").rstrip()
                # a place and date run into the name ('... Migration Beirut, 24-25 ...', '... South-East Asia Hanoi,
                # Viet Nam, 14-15 June 2022'): the name stops before the city
                rest = name + line[named[0].end():]
                cut = next((c.start() for c in re.finditer(r",", name)
                            if re.match(r",(?:\s*[A-Z][\w’'\-]*)*,?\s*\d", rest[c.start():])), None)
                if cut is not None or re.match(r",?\s*\d", line[named[0].end():]):
                    name = re.sub(r"\s+[A-Z][\w’'\-]*,?$", "", name[:cut] if cut is not None else name)
                parent = self.event(name, meeting_class(name))
                if kind and kind.start() == named[0].start():
                    kind = None  # 'Subregional Consultation on Labour Migration ...' names the consultation itself
            if kind:
                words = kind.group("kind").lower().rstrip("s")
                ev = self.event(words, GCM.Consultation if "consultation" in words else GCM.Meeting,
                                key=f"{slug(words)}-{d.start.isoformat()}")
                theme = next((b.text for b in window[1:] if b is not date_block and len(b.text) > 20), "")
                theme = re.split(r"\s*\((?:addressing|on)\b", theme)[0].strip(" ;,.")
                if theme:
                    ev.title = f"{words.capitalize()}: {theme}"
                if parent is not None:
                    ev.part_of = parent.iri
            else:
                ev = parent
            self._set_dates(ev, d.start, d.end, planned)
            tail = " ".join(b.text for b in window if b is date_block or window.index(b) > window.index(date_block))
            if _ONLINE.search(tail[:200]):
                ev.online = True
            place, label = self._place(dateline)
            if place is not None:
                ev.place = place
            ev.place_label = ev.place_label or _city(dateline) or label
            for b in window:
                ev.objectives |= {n.entity for n in find_objectives(b.text, self.minter)}
            ev.sources.append(block.iri)
            self.title_event = ev
            return

    def _set_dates(self, ev: EventRecord, start: date, end: date, planned: bool):
        if planned:
            ev.planned_start, ev.planned_end = ev.planned_start or start, ev.planned_end or end
        else:
            ev.start, ev.end = ev.start or start, ev.end or end

    # -- paragraphs: events, statements, figures ---------------------------------------------------------------

    def extract_event_paragraph(self, para, pseg: Segment, items, heading_objs) -> EventRecord | None:
        text = pseg.text
        m = _CONSULTATION_HELD.search(text)
        if not m:
            return self.extract_named_event(pseg, heading_objs)
        dates = find_dates(text[m.start():], self._year)
        kind = m.group("kind").strip().lower()
        this = self._this_meeting(m, kind)
        if not dates:
            if this is not None:  # 'The meeting was organized by ECE and IOM': the meeting the document is about
                if pseg.iri not in this.sources:
                    this.sources.append(pseg.iri)
                self.extract_roles(this, text, pseg)
            return this
        d = dates[0]
        cls = GCM.Consultation if "consultation" in kind else GCM.Meeting
        key = f"{slug(kind)}-{d.start.isoformat()}"
        if this is not None and d.start in (this.start, this.planned_start):
            ev = this  # 'The regional review meeting was held online on 12 and 13 November 2020', under its title
        else:
            is_new = key not in self.events
            ev = self.event(f"{kind} {d.start.isoformat()}", cls, key=key)
            if is_new:
                ev.title = f"{kind[0].upper()}{kind[1:]}, {d.text}"
        planned = bool(_PLANNED.search(text[m.start(): m.end() + 40]))
        self._set_dates(ev, d.start, d.end, planned)
        if _ONLINE.search(text):
            ev.online = True
        return self._described_in(ev, text, pseg, heading_objs)

    def _described_in(self, ev: EventRecord, text: str, pseg: Segment, heading_objs) -> EventRecord:
        """What a passage describing *ev* adds to it: the objectives of its heading and text, the passage as a
        source, and the roles of the organisations it names."""
        ev.objectives |= heading_objs
        ev.objectives |= {o.entity for o in find_objectives(text, self.minter)}
        if pseg.iri not in ev.sources:
            ev.sources.append(pseg.iri)
        self.extract_roles(ev, text, pseg)
        return ev

    def _this_meeting(self, m: re.Match, kind: str) -> EventRecord | None:
        """The document's own meeting (its title event) when a sentence speaks of 'the meeting' / 'the review
        meeting' without naming it: no ordinal ('the first consultation' is one of a series), a kind that fits."""
        ev = self.title_event
        before = m.string[max(0, m.start() - 40): m.start()]
        definite = m.group(0).lstrip().lower().startswith("the ") or re.search(r"\bThe(?:\s+[\w\-]+){0,2}\s*$", before)
        if ev is None or m.group("ordinal") or not definite:
            return None
        if ("consultation" in kind) != (ev.cls == GCM.Consultation):
            return None
        return ev

    def extract_named_event(self, pseg: Segment, heading_objs) -> EventRecord | None:
        """'The Africa Regional Review of the Global Compact ... was convened by ECA ... in Marrakech, Morocco, on 25
        and 26 August 2021': a meeting named in a sentence that says it was held, with its dates, place and roles
        (the same event as the document's title event when the names agree)."""
        text = pseg.text
        for m in _NAMED_MEETING.finditer(text):
            name = m.group("name").rstrip(" ,")
            if not _is_event_name(name):
                continue
            sentence_end = re.search(r"\.(?:\s|$)(?=[A-Z(]|$)", text[m.end():])
            sentence = text[m.start(): m.end() + (sentence_end.start() if sentence_end else len(text))]
            held = _NAMED_HELD.match(sentence[len(m.group(0)):])
            if not held:
                continue
            dates = find_dates(sentence, self._year)
            if not dates:
                continue
            d = dates[0]
            ev = self.event(name, meeting_class(name))
            self._set_dates(ev, d.start, d.end, bool(_PLANNED.search(sentence)))
            if _ONLINE.search(sentence):
                ev.online = True
            where = sentence[len(m.group(0)):]
            place, label = self._place(where)
            if place is not None and ev.place is None:
                ev.place = place
            ev.place_label = ev.place_label or label
            return self._described_in(ev, sentence, pseg, heading_objs)
        return None

    def extract_series_roles(self, pseg: Segment, sentences: list[Segment]) -> None:
        """A sentence that gives the roles of every meeting of a kind ('The stakeholder consultations were
        facilitated by ...: ILO, IOM, ...') gives them to each such meeting this document describes."""
        for sseg in sentences:
            m = _SERIES_ROLES.match(sseg.text)
            if not m:
                continue
            prefix = slug(re.sub(r"^(?:four|three|two|five|six|virtual)\s+", "", m.group("kind").lower())) + "-"
            text, extra = sseg.text, ""
            # '..., UN-Women with ESCAP and OHCHR providing overall guidance and support': those two support
            aside = _PROVIDING.search(text)
            if aside:
                text, extra = text[: aside.start()] + text[aside.end():], f"supported by {aside.group('who')}."
            for key, ev in list(self.events.items()):
                if key.startswith(prefix) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", key[len(prefix):]):
                    self.extract_roles(ev, text, pseg)  # the paragraph is the source, as for other roles
                    if extra:
                        self.extract_roles(ev, extra, pseg)

    def extract_roles(self, ev: EventRecord, text: str, seg: Segment):
        cuts = sorted((m.start(), m.end(), role) for role, rx in _ROLE_PATTERNS for m in rx.finditer(text))
        # drop a plain 'organized by' that is the tail of 'co-organized by'
        cuts = [c for c in cuts if not any(o[0] < c[0] < o[1] for o in cuts if o is not c)]
        for n, (a, b, role) in enumerate(cuts):
            stop = cuts[n + 1][0] if n + 1 < len(cuts) else len(text)
            segment_text = text[b:stop]
            end = re.search(r"\.(?:\s|$)(?=[A-Z]|$)", segment_text)
            if end:
                segment_text = segment_text[: end.start()]
            known = [(m.start, m.end) for m in self.linker.gazetteer.find(segment_text)
                     if m.kind in ("organization", "process")]
            segment_text = self._actors_only(segment_text, known)
            segment_text = re.sub(r",?\s*(?:and\s+)?$", "", segment_text.strip())
            for name, where in _split_actor_list(segment_text, known):
                actor = self.actor(name, seg)
                if actor is not None and where and actor.value in self.new_entities:
                    places = [m for m in self.linker.gazetteer.find(where) if m.kind == "country"]
                    self.new_entities[actor.value].based_in.update(NamedNode(m.entity) for m in places)
                if actor is not None and (role, actor.value) not in {(r, a_.value) for r, a_, _ in ev.roles}:
                    ev.roles.append((role, actor, seg.iri))

    def _actors_only(self, text: str, known: list[tuple[int, int]]) -> str:
        """The list of actors that opens *text*, without what the sentence goes on to say: '..., UNICEF and IOM in
        Marrakech, Morocco, on 25 and 26 August 2021, pursuant to resolution 73/326' -> '..., UNICEF and IOM'. A cut
        never falls inside a known name ('Migrant Forum in Asia')."""
        cuts = [d.offset for d in find_dates(text, self._year)]
        cuts += [m.start() for m in _AFTER_ACTORS.finditer(text)]
        for m in re.finditer(r"\s+(?:in|at)\s+(?=[A-Z])", text):
            place, _label = self._place(text[m.start(): m.end() + 60])
            if place is not None or re.match(r"[A-Z][a-z]+,\s", text[m.end():]):
                cuts.append(m.start())
        cuts = [c for c in cuts if not any(a <= c < b for a, b in known)]
        if not cuts:
            return text
        return re.sub(r"[\s,;]*(?:\b(?:on|from|between|in)\s*)?$", "", text[: min(cuts)])

    def extract_list_events(self, para, items: list[Segment], pseg: Segment):
        """'i. Ensuring that migration is ... (addressing objectives 2, 5, 6, 12 and 18), held on 28 October 2020;'
        An item naming a theme, its objectives and the date it was held is an event of the kind its lead-in (the
        parent item, or the paragraph) names. An item may name the meeting itself ('Two (virtual) briefings ...
        were organized on 26 August 2020 and on 10 February 2021': one event per date; 'A final consultation on
        2 and 4 March was planned and run by stakeholders')."""
        texts = {it.key: seg.text for it, seg in zip(para.items, items)}
        kinds = r"\b(consultations?|meetings?|briefings?|dialogues?|workshops?|sessions?)\b"
        for record, it in zip(para.items, items):
            lead = texts.get(record.parent_key) if record.parent_key else None
            lead = lead or pseg.text.split("\n")[0]
            m = re.search(r"\b(?:held|convened|organized|organised)\s+(?:on|from|in)\s+", it.text)
            if m:
                kind_m = re.search(kinds, it.text[: m.start()], re.I)
                if kind_m:
                    lead = it.text[: m.start()]
                else:
                    kind_m = re.search(kinds, lead, re.I)
            else:
                m = re.search(rf"{kinds}\s+(?:on|from)\s+(?=\d)", it.text, re.I)
                if not m or not re.search(r"\b(?:was|were)\b", it.text[m.end():], re.I):
                    continue
                kind_m, lead = m, it.text[: m.end(1)]
            dates = find_dates(it.text[m.start():], self._year)
            if not dates:
                continue
            kind = (kind_m.group(1).lower().rstrip("s") if kind_m else "meeting")
            several = bool(kind_m and kind_m.group(1).lower().endswith("s") and len(dates) > 1)
            names_itself = lead is not it.text and it.text.startswith(lead)
            for d in (dates if several else dates[:1]):
                self._list_event(it, lead, kind, d, names_itself)

    def _list_event(self, it: Segment, lead: str, kind: str, d, names_itself: bool) -> None:
        lead_kind = re.search(rf"\b((?:[\w\-]+\s+)?{kind})s?\b", lead, re.I)
        kind_words = lead_kind.group(1).lower() if lead_kind else kind
        kind_words = re.sub(r"^(?:four|three|two|five|six|the|a|an|virtual|\(virtual\))\s+", "", kind_words)
        cls = GCM.Consultation if "consultation" in kind else GCM.Meeting
        ev = self.event(kind_words, cls, key=f"{slug(kind_words)}-{d.start.isoformat()}")
        theme = re.split(r"\s*\((?:addressing|on)\b|,\s*held\b", it.text)[0].strip(" ;,.")
        if names_itself:
            ev.title = f"{kind_words.capitalize()}, {d.text}"  # the item names the meeting itself
        elif theme and len(theme) > 8:
            ev.title = f"{kind_words.capitalize()}: {theme}"
        self._set_dates(ev, d.start, d.end, bool(_PLANNED.search(it.text)))
        ev.objectives |= {o.entity for o in find_objectives(it.text, self.minter)}
        if _ONLINE.search(lead) or _ONLINE.search(it.text):
            ev.online = True
        ev.sources.append(it.iri)
        if self.title_event is not None and self.title_event is not ev and ev.part_of is None:
            ev.part_of = self.title_event.iri


def _split_actor_list(text: str, protected: list[tuple[int, int]] = ()) -> list[tuple[str, str]]:
    """'A, Fiji; B, Philippines; and C, Malaysia and Australia' -> [('A', 'Fiji'), ('B', 'Philippines'),
    ('C', 'Malaysia and Australia')] (the words after the comma say where an organisation is based);
    'OHCHR, UNICEF and UNODC' -> three names, no place. Separators inside a known name (*protected* spans, e.g.
    'Red Cross and Red Crescent Societies') do not split."""
    def cut(s: str, rx: str, offset: int) -> list[tuple[int, str]]:
        parts, last = [], 0
        for m in re.finditer(rx, s):
            if any(a < offset + m.start() < b for a, b in protected):
                continue
            parts.append((offset + last, s[last:m.start()]))
            last = m.end()
        parts.append((offset + last, s[last:]))
        return parts

    out = []
    if ";" in text:
        for offset, part in cut(text, r";", 0):
            lead = re.match(r"\s*(?:and\s+)?", part).end()
            pieces = cut(part[lead:], r",", offset + lead)
            out.append((pieces[0][1], ",".join(p for _, p in pieces[1:])))
    else:
        for offset, part in cut(text, r",\s*(?:and\s+)?|\s+and\s+(?=[A-Z]|the\s)", 0):
            out.append((part, ""))
    return [(" ".join(o.split()), " ".join(where.split())) for o, where in out if o.strip()]


def _is_event_name(name: str) -> bool:
    words = name.split()
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 3


def meeting_class(name: str) -> NamedNode:
    if re.search(r"consultation", name, re.I):
        return GCM.Consultation
    if re.search(r"review|preparatory", name, re.I):
        return GCM.ReviewMeeting
    return GCM.Meeting


def _line_around(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start: end if end >= 0 else len(text)]


_NOT_CITY = frozenset("Asia Pacific Africa Europe America Americas Caribbean Region Migration Review Consultation "
                      "Consultations Meeting Forum Dialogue Workshop Summit Conference Session".split())


def _city(line: str) -> str:
    # 'Hanoi, Viet Nam, 14-15 June 2022', 'Beirut, 24-25 February 2021': the word before the country and the date
    before_date = re.search(r"\b(?P<c>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?),\s+(?:[A-Z][\w’'\-]*(?:\s[A-Z][\w’'\-]*)*,\s+)?"
                            r"(?:from\s+)?\d{1,2}\b", line)
    if before_date and before_date.group("c") not in ("Online", "Asia", "The", "All"):
        first, _, second = before_date.group("c").partition(" ")
        # 'Kuala Lumpur', but not the end of a name run into the city: '... South-East Asia Hanoi'
        return second if second and first in _NOT_CITY else before_date.group("c")
    m = re.search(r"\d{4},?\s+(?P<c>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b|\b(?:in|at)\s+(?P<d>[A-Z][a-z]+)\b|"
                  r"^(?P<e>[A-Z][a-z]+),\s+\d", line)
    if not m:
        return ""
    city = m.group("c") or m.group("d") or m.group("e")
    return "" if city in ("Online", "Asia", "The", "All") else city
