"""One document of the corpus -> records (structure, mentions, events, statements, figures). Pure: text in,
records out.

No rule here keys on a file name, a document id or a string of one known document: rules key on layout
(ingest.structure), citation patterns (ingest.linking), the reference vocabularies' surface forms, and the genre's
wording ("was held on", "co-organized by", "the following challenges").
"""
from __future__ import annotations

import functools
import re
from datetime import date

from pyoxigraph import NamedNode

from ingest import figures as figures_mod
from ingest.corpus import DocumentEntry
from ingest.dates import find_dates
from ingest.linking import Gazetteer, Linker, Mention, find_acronym_definitions, find_objectives
from ingest.records import (EventRecord, ExtractedDocument, FigureRecord, LinkedMention, NewEntity, Segment, Span,
                            StatementRecord)
from ingest.structure import parse_structure
from ingest.vocabulary import Vocabulary, _stem
from ontology.iris import Minter, slug
from ontology.vocab import GCM


# --- the genre's wording -----------------------------------------------------------------------------------------
_TYPE_CUES = (  # lead-in words that type the items that follow; order matters (first hit wins)
    ("Recommendation", re.compile(r"\brecommend\w*|\bshould\b|\bcall(?:ed|s)? (?:for|on|upon)\b|\burged?\b|"
                                  r"\bencourag(?:ed|es)\b|\binvit(?:ed|es) (?:\w+ )*?(?:States|Governments|countries|"
                                  r"stakeholders|partners) to\b", re.I)),
    ("GoodPractice", re.compile(r"good practices?|promising practices?|examples? of (?:good|promising)|lessons learned|"
                                r"\bwelcomed\b|successful", re.I)),
    ("Challenge", re.compile(r"\bchallenges?\b|\bgaps?\b|\bobstacles?\b|\bbarriers?\b|\bconcerns?\b|"
                             r"\bconstraints?\b|\bdifficult", re.I)),
    ("Conclusion", re.compile(r"\bconclu(?:ded|sions?)\b", re.I)),
)
_FINDINGS_HEADING = re.compile(r"\bfindings?\b|\bobservations?\b|\bsituation analysis\b|\boverview of progress\b",
                               re.I)
_LEAD_IN = re.compile(r"(?:following|as follows|below|:\s*$)", re.I)
# a sentence giving a practice as an example (a footnote number may be glued in front: 'organizations.39 Examples')
_EXAMPLE_CUE = re.compile(r"^\W*\d*\s*(?:(?P<named>Examples? (?:include|includes|are|of (?:this|such))|"
                          r"An example (?:is|of))|For (?:example|instance)\b)", re.I)
_IN_COUNTRY = re.compile(r"^\W*\d*\s*(?:For (?:example|instance),\s*)?In [A-Z][\w\-]*(?: [A-Z][\w\-]*){0,4},")
_DID = re.compile(r"\b(?:launched|established|adopted|introduced|implemented|developed|set up|created|enacted|"
                  r"signed|extended|granted|allowed|provided|expanded|piloted|opened|regulari[sz]ed|ratified|abolished|"
                  r"amended|revised|reformed)\b", re.I)
_MEETING_WORDS = r"(?:Meeting|Review|Forum|Conference|Consultations?|Dialogue|Summit|Workshop|Briefing|Session)"
_NAMED_MEETING = re.compile(  # 'Asia-Pacific Regional Review of Implementation of the Global Compact for ...'
    rf"\b(?P<name>(?:[A-Z][\w’'\-]*(?:[ \t]+(?:of|for|on|the|and|in|to)\b)*[ \t]+){{1,14}}{_MEETING_WORDS}"
    rf"(?:[ \t]+(?:of|for|on)[ \t]+(?:the[ \t]+)?(?:[A-Z][\w’'\-,]*[ \t]*(?:(?:of|for|on|the|and|in)[ \t]+)*){{1,12}})?)"
)
_KIND_PHRASE = re.compile(  # a title that names a kind of meeting rather than a meeting: 'Stakeholder consultations for'
    r"^\s*(?P<kind>(?:[A-Z][\w\-]*\s+)?(?:consultations?|meetings?|briefings?|workshops?|dialogues?|webinars?))\b"
    r"(?:\s+(?:for|on|of|ahead of|in preparation for)\b|\s*$|\s*:)", re.I)
_HELD = re.compile(r"\b(?:was|were|is|are|will be|to be)?\s*(?:held|convened|organized|organised|took place|"
                   r"to take place|scheduled|planned|hosted)\b", re.I)
_PLANNED = re.compile(r"\b(?:to be held|will be held|to take place|will take place|scheduled|planned|is to be|"
                      r"will be convened)\b", re.I)
_ACTUAL = re.compile(r"\b(?:was|were)\s+(?:held|convened|organized|organised)|\btook place\b|\bheld (?:on|from|in)\b",
                     re.I)
_ONLINE = re.compile(r"\b(?:online|virtual(?:ly)?|webinar|video ?conference)\b", re.I)
_ORDINAL = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|final|last)"
_CONSULTATION_HELD = re.compile(
    rf"\b(?:The\s+)?(?P<ordinal>{_ORDINAL})?\s*(?P<kind>(?:[\w\-]+\s+)?(?:consultation|meeting|briefing|dialogue|"
    rf"workshop|session))\s+(?:was|were)\s+(?:held|convened|organized|organised)\b",
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
_PARTICIPATION = re.compile(r"\battend\w*|\bparticipat\w*|\bjoined\b|\btook part\b", re.I)
_ACTOR_CLASS_CUES = (  # for organisations first met in a text: the class their name says they are
    (re.compile(r"\bTrade Unions?\b|\bUnions? of\b.*\bWorkers\b|\bWorkers\W*\s+(?:\w+\s+)?(?:Union|Federation|Congress)\b|"
                r"\bLabou?r (?:Union|Council|Federation|Congress)|\bITUC\b|\bConfederation of\b.*\bUnions?\b", re.I),
     "TradeUnion"),
    (re.compile(r"\bUniversity\b|\bCollege\b|\bInstitute\b|\bAcademy\b|\bSchool\b|\bResearch\b", re.I),
     "AcademicInstitution"),
    (re.compile(r"\bCity\b|\bMunicipal|\bProvinc|\bLocal Government|\bCity Government\b", re.I), "LocalAuthority"),
    (re.compile(r"\bHuman Rights Commission\b|\bNational Human Rights\b|\bOmbudsman\b", re.I),
     "NationalHumanRightsInstitution"),
    (re.compile(r"\bRed Cross\b|\bRed Crescent\b", re.I), "RedCrossRedCrescent"),
    (re.compile(r"\bMinistry\b|\bDepartment of\b|\bGovernment of\b|\bBureau\b", re.I), "Government"),
    (re.compile(r"\bChamber of Commerce\b|\bEmployers\b|\bBusiness\b|\bCompany\b|\bLtd\b|\bInc\b", re.I),
     "PrivateSectorOrganization"),
    (re.compile(r"\b(?:African|European|Eurasian(?: Economic)?|Arab Maghreb) Union\b|\bEconomic Community of\b|"
                r"\bLeague of Arab States\b|\bIntergovernmental Authority on\b|\bCooperation Council\b|"
                r"\bAssociation of [\w ]+ Nations\b|\bCommunity of [\w ]+ States\b", re.I), "RegionalOrganization"),
    (re.compile(r"\bParliament|\bParliamentar", re.I), "Parliament"),
    (re.compile(r"\bNetwork\b|\bCoalition\b|\bAlliance\b|\bMajor Group\b|\bPlatform\b", re.I), "Network"),
    (re.compile(r"\bUnited Nations\b|\bUN\b|\bEconomic (?:and Social )?Commission for\b", re.I), "UNEntity"),
)


def _actor_class(name: str) -> str:
    for rx, cls in _ACTOR_CLASS_CUES:
        if rx.search(name):
            return cls
    return "CivilSocietyOrganization"


def _canonical_event_name(name: str) -> str:
    n = " ".join(name.split()).strip(" ,.;:")
    n = re.sub(r"^(?:the|a|an)\s+", "", n, flags=re.I)
    # the Compact's name is printed several ways; one key for all of them
    n = re.sub(r"Global Compact for (?:Safe, (?:Orderly and Regular|Regular and Orderly) )?Migration|"
               r"Global Compact on Migration|\bGCM\b", "Global Compact for Migration", n)
    return n


class _Extractor:
    def __init__(self, entry: DocumentEntry, original: str, vocab: Vocabulary, minter: Minter):
        self.entry = entry
        self.original = original
        self.vocab = vocab
        self.minter = minter
        self.doc = minter.document(entry.id)
        self.linker = Linker(_gazetteer(vocab), minter)
        self.segments: list[Segment] = []
        self.mentions: list[LinkedMention] = []
        self.new_entities: dict[str, NewEntity] = {}
        self.events: dict[str, EventRecord] = {}
        self.statements: list[StatementRecord] = []
        self.figures: list[FigureRecord] = []
        self.unresolved: list[str] = []
        self._year = _year_of(entry.date)

    # -- helpers -----------------------------------------------------------------------------------------------
    def seg(self, *parts) -> NamedNode:
        return self.minter.in_document(self.entry.id, *parts)

    def span(self, clean_start: int, clean_end: int) -> Span:
        a, b = self.norm.to_original(clean_start, clean_end)
        return Span(a, b)

    def inner_span(self, segment: Segment, start: int, end: int) -> Span:
        """The original span of segment.text[start:end] (records carry their clean offsets; footnotes live in the
        normalised text's notes area, which the offset map covers too)."""
        return self.span(segment.clean_start + start, segment.clean_start + end)

    def link(self, segment: Segment) -> list[LinkedMention]:
        found = []
        for m in self.linker.link(segment.text):
            entity = NamedNode(m.entity)
            if m.kind in ("objective", "goal", "target", "indicator"):
                pass
            elif m.entity not in self.vocab.known:
                if m.kind == "instrument":
                    self._new_entity(entity, "instrument", GCM.Resolution, _resolution_label(m.surface), "", segment)
            lm = LinkedMention(
                iri=self.minter.mention(segment.iri, m.start, m.end),
                segment=segment.iri, mention=m,
                span=self.inner_span(segment, m.start, m.end), entity=entity)
            found.append(lm)
        # organisations defined in the text by 'Long Name (ACR)' that no vocabulary knows
        for c in find_acronym_definitions(segment.text):
            if any(lm.mention.start <= c.start < lm.mention.end or c.start <= lm.mention.start < c.end
                   for lm in found if lm.mention.kind in ("organization", "process", "instrument")):
                continue
            if re.search(r"\b(?:Review Forum|Meeting|Conference|Summit|Review|Congress)$", c.name):
                # 'International Migration Review Forum (IMRF)': a meeting, not an organisation
                ev = self.event(c.name, _meeting_class(c.name))
                ev.sources.append(segment.iri)
                entity = ev.iri
                kind = "event"
            else:
                entity = self.minter.organization(c.acronym)
                self._new_entity(entity, "organization", GCM[_actor_class(c.name)], c.name, c.acronym, segment)
                kind = "organization"
            m = Mention(c.start, c.end, segment.text[c.start:c.end], entity.value, kind)
            found.append(LinkedMention(self.minter.mention(segment.iri, c.start, c.end), segment.iri, m,
                                       self.inner_span(segment, c.start, c.end), entity))
        self.mentions.extend(found)
        return found

    def _new_entity(self, iri: NamedNode, kind: str, cls: NamedNode, label: str, acronym: str, segment: Segment):
        if iri.value in self.vocab.known:
            return
        if iri.value not in self.new_entities:
            self.new_entities[iri.value] = NewEntity(iri, kind, cls, label, acronym, segment.iri)

    def actor(self, name: str, segment: Segment) -> NamedNode | None:
        """An organisation named in a list ('Migrant Forum Asia, Philippines'): known, or new and found in text."""
        name = " ".join(name.split()).strip(" ,.;:")
        name = re.sub(r"^(?:the|and)\s+", "", name, flags=re.I)
        if len(name) < 2 or not re.search(r"[A-Z]", name):
            return None
        acr = re.search(r"\(([A-Z][A-Za-z\-]{1,12})\)\s*$", name)
        label = name[: acr.start()].strip() if acr else name
        for text in (name, label, acr.group(1) if acr else None):  # 'International Organization for Migration (IOM)'
            if not text:
                continue
            hits = self.linker.gazetteer.find(text)
            whole = [h for h in hits if h.start == 0 and h.end == len(text) and h.kind in ("organization", "process")]
            if whole:
                return NamedNode(whole[0].entity)
        hits = self.linker.gazetteer.find(name)
        if hits and all(h.kind == "country" for h in hits) and sum(h.end - h.start for h in hits) >= len(name) - 2:
            return None  # a bare country name in a list is a place, not an organisation
        for known in self.new_entities.values():  # defined earlier in this document: 'Economic Commission for Africa (ECA)'
            if known.kind == "organization" and (known.label.lower() == label.lower()
                                                 or (acr and known.acronym == acr.group(1))):
                return known.iri
        iri = self.minter.organization(label)
        self._new_entity(iri, "organization", GCM[_actor_class(label)], label, acr.group(1) if acr else "", segment)
        return iri

    # -- the passes -------------------------------------------------------------------------------------------
    def run(self) -> ExtractedDocument:
        structure = parse_structure(self.original)
        self.norm = structure.normalized
        self.structure = structure
        self.build_segments()
        self.title = structure.title or self.entry.title
        self.extract_title_event()
        self.extract_paragraphs()
        return ExtractedDocument(self.entry, self.doc, self.original, self.title, self.segments, self.mentions,
                                 self.new_entities, self.events, self.statements, self.figures, self.unresolved)

    def build_segments(self):
        s = self.structure
        self.section_iris: dict[int, NamedNode] = {}
        sections = list(s.sections)
        # a section runs from its heading to the next heading of the same or a higher level
        extent = {}
        for i, sec in enumerate(sections):
            nxt = next((o for o in sections[i + 1:] if o.level <= sec.level), None)
            extent[sec.ordinal] = nxt.start if nxt is not None else len(self.original.rstrip())
        for sec in s.sections:
            iri = self.seg("section", sec.ordinal)
            self.section_iris[sec.ordinal] = iri
            seg = Segment(iri, "Section", str(sec.ordinal), sec.heading, Span(sec.start, max(sec.end, extent[sec.ordinal])),
                          sec.clean_start,
                          order=sec.ordinal, heading=sec.heading)
            self.segments.append(seg)
        self.para_segments: list[tuple[object, Segment, list[Segment], list[Segment]]] = []
        used_paras: dict[str, int] = {}
        for order, para in enumerate(s.paragraphs, start=1):
            # a number printed twice (an extraction defect, a restarted list) must not merge two paragraphs
            para_key = _unique(para.key, used_paras)
            if para_key != para.key:
                para = _rekey(para, para_key)
            piri = self.seg("para", para.key)
            pseg = Segment(piri, "Paragraph", para.key, para.text, Span(para.start, para.end), para.clean_start,
                           parent=self.section_iris.get(para.section_ordinal), order=order, number=para.number,
                           footnotes=tuple(para.footnote_refs))
            items = []
            used_items: dict[str, int] = {}
            for i, item in enumerate(para.items, start=1):
                item_key = _unique(item.key, used_items)
                items.append(Segment(self.seg("para", para.key, "item", item_key), "Item", item_key, item.text,
                                     Span(item.start, item.end), item.clean_start, parent=piri, order=i,
                                     footnotes=tuple(getattr(item, "footnote_refs", ()))))
            sentences = []
            for i, sent in enumerate(para.sentences, start=1):
                sentences.append(Segment(self.seg("para", para.key, "s", i), "Sentence", str(i), sent.text,
                                         Span(sent.start, sent.end), sent.clean_start, parent=piri,
                                         order=i))
            self.segments.append(pseg)
            self.segments.extend(items)
            self.segments.extend(sentences)
            self.para_segments.append((para, pseg, items, sentences))
        used_notes: dict[str, int] = {}
        for fn in s.footnotes:
            fn_key = _unique(str(fn.number), used_notes)  # a footnote number printed twice keeps both notes
            self.segments.append(Segment(self.seg("fn", fn_key), "Footnote", fn_key, fn.text,
                                         Span(fn.start, fn.end), fn.clean_start, number=fn.number))

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
                if re.match(r",?\s*\d", line[named[0].end():]) or name.endswith(","):
                    name = re.sub(r"\s+[A-Z][\w’'\-]*,?$", "", name)  # 'Review ... Migration Beirut, 24-25 ...'
                parent = self.event(name, _meeting_class(name))
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
    def extract_paragraphs(self):
        current_event = None
        section_objectives: dict[int, set] = {}
        for sec in self.structure.sections:
            objs = {m.entity for m in find_objectives(sec.heading, self.minter)}
            section_objectives[sec.ordinal] = objs
        for para, pseg, items, sentences in self.para_segments:
            heading_objs = section_objectives.get(para.section_ordinal, set())
            heading = next((s.heading for s in self.structure.sections if s.ordinal == para.section_ordinal), "")
            if heading_objs and (current_event is None or current_event.objectives != heading_objs) \
                    and current_event is not None and current_event.sources and current_event.sources[0] != pseg.iri:
                current_event = None if not current_event.objectives <= heading_objs else current_event
            p_mentions = self.link(pseg)
            item_mentions = {it.iri.value: self.link(it) for it in items}
            ev = self.extract_event_paragraph(para, pseg, items, heading_objs)
            if ev is not None:
                current_event = ev
            elif heading_objs and current_event is not None and not (current_event.objectives & heading_objs):
                current_event = None
            self.extract_list_events(para, items, pseg)
            self.extract_series_roles(pseg, sentences)
            self.extract_statements(para, pseg, items, heading, heading_objs, current_event, p_mentions,
                                    item_mentions)
            self.extract_practice_examples(pseg, sentences, heading_objs, current_event, p_mentions)
            self.extract_figures(pseg, sentences, items, current_event)
        for seg in self.segments:
            if seg.kind == "Footnote":
                self.link(seg)

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
            ev = self.event(name, _meeting_class(name))
            self._set_dates(ev, d.start, d.end, bool(_PLANNED.search(sentence)))
            if _ONLINE.search(sentence):
                ev.online = True
            where = sentence[len(m.group(0)):]
            place, label = self._place(where)
            if place is not None and ev.place is None:
                ev.place = place
            ev.place_label = ev.place_label or label
            ev.objectives |= heading_objs
            ev.objectives |= {o.entity for o in find_objectives(sentence, self.minter)}
            if pseg.iri not in ev.sources:
                ev.sources.append(pseg.iri)
            self.extract_roles(ev, sentence, pseg)
            return ev
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

    def extract_statements(self, para, pseg, items, heading, heading_objs, event, p_mentions, item_mentions):
        lead = pseg.text
        if items:
            first_item = items[0]
            lead = self.norm.text[pseg.clean_start: first_item.clean_start] if first_item.clean_start > pseg.clean_start \
                else pseg.text.split("\n")[0]
        lead_type = _classify(lead) if items else None
        heading_type = _classify_heading(heading or "")
        principle_scheme = bool(re.search(r"guiding principles?", lead, re.I))
        if items and (lead_type or heading_type) and (_LEAD_IN.search(lead) or lead_type):
            cls = lead_type or heading_type
            for it in items:
                if len(it.text.split()) < 4:
                    continue
                principle = self._principle_of(it.text) if principle_scheme or cls == "Recommendation" else None
                self.add_statement(cls, it, heading_objs, event, principle, item_mentions.get(it.iri.value, []))
            return
        own_text = lead if items else pseg.text  # a list's items speak for themselves, not for their lead-in
        if para.number is None and not heading_objs:
            # unnumbered running text outside an objective section: a statement only when it says what it is
            cls = _classify(own_text, strong=True)
            if cls:
                self.add_statement(cls, pseg, heading_objs, event, None, p_mentions)
            return
        cls = _classify(own_text, strong=True) or (heading_type if heading_type else None)
        if cls is None and heading_objs and para.number is not None:
            cls = "Finding"
        if cls:
            self.add_statement(cls, pseg, heading_objs, event, None, p_mentions)

    def extract_practice_examples(self, pseg: Segment, sentences: list[Segment], heading_objs, event, p_mentions):
        """A sentence that gives a country's practice as an example ('Examples include the seventh five-year plan
        ... of Bangladesh', 'For instance, in Thailand, the Ministry of Public Health ... launched a hotline') is a
        good practice of its own, naming those countries, within a paragraph that may be a finding."""
        for sseg in sentences:
            cue = _EXAMPLE_CUE.match(sseg.text)
            if not (cue and (cue.group("named") or _DID.search(sseg.text))
                    or (_IN_COUNTRY.match(sseg.text) and _DID.search(sseg.text))):
                continue  # 'Examples include X of Bangladesh' names a practice; 'For example, 1.5 million ...' must
                #           say what was done
            lo = sseg.clean_start - pseg.clean_start
            hi = lo + len(sseg.text)
            inside = [m for m in p_mentions if lo <= m.mention.start < hi]
            if any(m.mention.kind == "country" for m in inside):
                self.add_statement("GoodPractice", sseg, heading_objs, event, None, inside)

    def _principle_of(self, text: str) -> NamedNode | None:
        head = re.split(r"[.:;]", text, maxsplit=1)[0]
        if len(head) > 120:
            return None
        stem = _stem(head)
        for key, iri in self.vocab.principles.items():
            if key and (stem.startswith(key) or key.startswith(stem)) and stem:
                return NamedNode(iri)
        for m in self.linker.gazetteer.find(head):
            if m.kind == "principle" and m.start == 0:
                return NamedNode(m.entity)
        return None

    def add_statement(self, cls: str, seg: Segment, heading_objs, event, principle, mentions):
        if any(s.segment == seg.iri for s in self.statements):
            return
        objs = set(heading_objs) | {m.entity.value for m in mentions if m.mention.kind == "objective"}
        if event is not None and not objs:
            objs |= event.objectives
        self.statements.append(StatementRecord(
            iri=self.seg("statement", seg.key if seg.kind == "Paragraph" else f"{_para_key(seg)}-{seg.key}"),
            cls=GCM[cls], text=seg.text, segment=seg.iri, span=seg.span, objectives=objs,
            event=event.iri if event is not None else None, principle=principle,
            mentions={m.entity.value for m in mentions if m.mention.kind != "objective"}))

    def extract_figures(self, pseg: Segment, sentences: list[Segment], items: list[Segment], event):
        for sseg in sentences:
            for f in figures_mod.find_figures(sseg.text):
                # a count of people or countries in a sentence that says they attended: the current event's
                participation = (event is not None and _PARTICIPATION.search(sseg.text) is not None
                                 and (f.measure in ("participants", "countries") or f.unit == "percent"))
                areas = [m for m in self.linker.gazetteer.find(sseg.text) if m.kind in ("country", "region")]
                # the area named nearest after the number ('$327 billion ... to Asia and the Pacific'), else before
                after = [m for m in areas if m.start >= f.end]
                before = [m for m in areas if m.end <= f.start]
                nearest = after[0] if after else (before[-1] if before else None)
                area = NamedNode(nearest.entity) if nearest else None
                self.figures.append(FigureRecord(
                    iri=self.seg("figure", pseg.key, f"{sseg.key}-{f.start}"), figure=f, segment=sseg.iri,
                    span=self.inner_span(sseg, f.start, f.end), area=area,
                    event=event.iri if participation else None, participation=participation))


def _unique(key: str, used: dict[str, int]) -> str:
    """'a', 'a' -> 'a', 'a-2': keys stay stable for the same input and never collide."""
    used[key] = used.get(key, 0) + 1
    return key if used[key] == 1 else f"{key}-{used[key]}"


def _rekey(para, key: str):
    import dataclasses

    return dataclasses.replace(para, key=key)


def _para_key(seg: Segment) -> str:
    # item IRIs are .../para/{key}/item/{letter}
    parts = seg.iri.value.split("/")
    return parts[parts.index("para") + 1] if "para" in parts else "x"


def _classify(text: str, strong: bool = False) -> str | None:
    if strong:
        # a whole paragraph is typed only by its own explicit wording
        if re.search(r"\brecommend(?:ed|s|ation)\b|\bshould\b|\bcalled (?:for|on|upon)\b|\burged\b|"
                     r"\b(?:are|were|is) (?:strongly )?encouraged to\b", text, re.I):
            return "Recommendation"
        if re.search(r"good practices?|promising practices?", text, re.I):
            return "GoodPractice"
        if re.search(r"\bchallenges?\b", text, re.I):
            return "Challenge"
        if re.search(r"\bconclu(?:ded|sion)\b", text, re.I):
            return "Conclusion"
        return None
    for cls, rx in _TYPE_CUES:
        if rx.search(text):
            return cls
    return None


def _classify_heading(text: str) -> str | None:
    """A heading types its paragraphs only when it names one kind ('Recommendations', not 'Challenges and
    examples of good practice')."""
    kinds = {cls for cls, rx in _TYPE_CUES if rx.search(text)}
    if _FINDINGS_HEADING.search(text):  # 'Key findings', 'Main observations': only a heading says so
        kinds.add("Finding")
    return kinds.pop() if len(kinds) == 1 else None


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


def _meeting_class(name: str) -> NamedNode:
    if re.search(r"consultation", name, re.I):
        return GCM.Consultation
    if re.search(r"review|preparatory", name, re.I):
        return GCM.ReviewMeeting
    return GCM.Meeting


def _line_around(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start: end if end >= 0 else len(text)]


def _city(line: str) -> str:
    m = re.search(r"\d{4},?\s+(?P<c>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b|\b(?:in|at)\s+(?P<d>[A-Z][a-z]+)\b|"
                  r"^(?P<e>[A-Z][a-z]+),\s+\d", line)
    if not m:
        return ""
    city = m.group("c") or m.group("d") or m.group("e")
    return "" if city in ("Online", "Asia", "The", "All") else city


def _year_of(d: str) -> int | None:
    m = re.match(r"(\d{4})", d or "")
    return int(m.group(1)) if m else None


def _resolution_label(surface: str) -> str:
    m = re.search(r"(\d{2,3}/\d{1,3})", surface)
    return f"General Assembly resolution {m.group(1)}" if m else surface


@functools.lru_cache(maxsize=4)
def _gazetteer_cached(entries: tuple) -> Gazetteer:
    return Gazetteer(entries)


def _gazetteer(vocab: Vocabulary) -> Gazetteer:
    return _gazetteer_cached(vocab.entries)


def decode_document(data: bytes, entry: DocumentEntry) -> str:
    if entry.format == "application/pdf" or entry.file.lower().endswith(".pdf"):
        from ingest.pdf import pdf_text

        return pdf_text(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"{entry.file}: not UTF-8 at byte {exc.start} (line {line}): {exc.reason}") from exc


def extract_document(entry: DocumentEntry, original: str, vocab: Vocabulary, minter: Minter) -> ExtractedDocument:
    """Pure: the text of one document -> its records."""
    return _Extractor(entry, original, vocab, minter).run()


