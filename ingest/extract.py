"""One document of the corpus -> records (structure, mentions, events, statements, figures). Pure: text in,
records out.

No rule here keys on a file name, a document id or a string of one known document: rules key on layout
(ingest.structure), citation patterns (ingest.linking), the reference vocabularies' surface forms, and the genre's
wording ("was held on", "co-organized by", "the following challenges").
"""
from __future__ import annotations

import functools
import re

from pyoxigraph import NamedNode

from ingest import figures as figures_mod
from ingest.corpus import DocumentEntry
from ingest.events import PARTICIPATION, EventPasses, meeting_class
from ingest.objectives import ObjectiveMatcher
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
_INSTRUMENT_NAME = re.compile(r"^(?:International\s+|Optional\s+|United Nations\s+)*(Convention|Covenant|Protocol|"
                              r"Declaration|Agreement|Treaty|Charter)\b|\b(Convention|Covenant)\s+(?:on|for|against|"
                              r"relating)\b")
_LEAD_IN = re.compile(r"(?:following|as follows|below|:\s*$)", re.I)
# a sentence giving a practice as an example (a footnote number may be glued in front: 'organizations.39 Examples')
_EXAMPLE_CUE = re.compile(r"^\W*\d*\s*(?:(?P<named>Examples? (?:include|includes|are|of (?:this|such))|"
                          r"An example (?:is|of))|For (?:example|instance)\b)", re.I)
_IN_COUNTRY = re.compile(r"^\W*\d*\s*(?:For (?:example|instance),\s*)?In [A-Z][\w\-]*(?: [A-Z][\w\-]*){0,4},")
_DID = re.compile(r"\b(?:launched|established|adopted|introduced|implemented|developed|set up|created|enacted|"
                  r"signed|extended|granted|allowed|provided|expanded|piloted|opened|regulari[sz]ed|ratified|abolished|"
                  r"amended|revised|reformed)\b", re.I)
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


class _Extractor(EventPasses):
    def __init__(self, entry: DocumentEntry, original: str, vocab: Vocabulary, minter: Minter):
        self.entry = entry
        self.original = original
        self.vocab = vocab
        self.minter = minter
        self.doc = minter.document(entry.id)
        self.linker = Linker(_gazetteer(vocab), minter)
        self.objective_matcher = _matcher(vocab)
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
            instrument = _INSTRUMENT_NAME.search(c.name)
            if instrument:
                # 'Convention on the Elimination of All Forms of Discrimination against Women (CEDAW)': a treaty no
                # reference table has, not an organisation
                word = (instrument.group(1) or instrument.group(2)).capitalize()
                entity = self.minter.instrument(slug(c.acronym))
                cls = GCM[word] if word in ("Convention", "Protocol", "Declaration", "Agreement") else GCM.Instrument
                self._new_entity(entity, "instrument", cls, c.name, c.acronym, segment)
                kind = "instrument"
            elif re.search(r"\b(?:Review Forum|Meeting|Conference|Summit|Review|Congress)$", c.name):
                # 'International Migration Review Forum (IMRF)': a meeting, not an organisation
                ev = self.event(c.name, meeting_class(c.name))
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

    def extract_statements(self, para, pseg, items, heading, heading_objs, event, p_mentions, item_mentions):
        lead = pseg.text
        if items:
            first_item = items[0]
            lead = self.norm.text[pseg.clean_start: first_item.clean_start] if first_item.clean_start > pseg.clean_start \
                else pseg.text.split("\n")[0]
        list_only = bool(items) and not lead.strip(" \t\n-–•▪*o")  # a bulleted list straight under its heading
        lead_type = _classify(lead) if items and not list_only else None
        heading_type = _classify_heading(heading or "")
        principle_scheme = bool(re.search(r"guiding principles?", lead, re.I))
        if items and (lead_type or heading_type) and (_LEAD_IN.search(lead) or lead_type or list_only):
            cls = lead_type or heading_type
            for it in items:
                if len(it.text.split()) < 4:
                    continue
                principle = self._principle_of(it.text) if principle_scheme or cls == "Recommendation" else None
                self.add_statement(cls, it, heading_objs, event, principle, item_mentions.get(it.iri.value, []))
            return
        own_text = lead if items else pseg.text  # a list's items speak for themselves, not for their lead-in
        if para.number is None and not heading_objs:
            # unnumbered running text outside an objective section: a statement only when it says what it is, or
            # when its heading does ('Recommendations', '## Challenges' over a bulleted list)
            cls = _classify(own_text, strong=True) or heading_type
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
            lo = sseg.clean_start - pseg.clean_start
            hi = lo + len(sseg.text)
            inside = [m for m in p_mentions if lo <= m.mention.start < hi]
            cue = _EXAMPLE_CUE.match(sseg.text)
            if not (cue and (cue.group("named") or _DID.search(sseg.text))
                    or (_IN_COUNTRY.match(sseg.text) and _DID.search(sseg.text))
                    or self._country_did(sseg.text, [m for m in inside if m.mention.kind == "country"], lo)):
                continue  # 'Examples include X of Bangladesh' names a practice; 'For example, 1.5 million ...' must
                #           say what was done
            if any(m.mention.kind == "country" for m in inside):
                self.add_statement("GoodPractice", sseg, heading_objs, event, None, inside)

    @staticmethod
    def _country_did(text: str, countries: list[LinkedMention], offset: int) -> bool:
        """'Qatar abolished the exit permit requirement ...', 'Lebanon and Jordan reported on pilot programmes ...':
        a sentence whose subject is one or more countries, saying what they did."""
        pos = len(text) - len(text.lstrip(" \t\n\"“'(0123456789"))
        for m in sorted(countries, key=lambda m: m.mention.start):
            start, end = m.mention.start - offset, m.mention.end - offset
            if start != pos:
                break
            pos = end
            joiner = re.match(r",\s+|\s+and\s+|,\s+and\s+", text[pos:])
            after = re.match(r"\s+(?:has\s+|have\s+|had\s+|also\s+|recently\s+)*(\w+(?:\s+on)?)", text[pos:])
            if after and (_DID.fullmatch(after.group(1)) or after.group(1) in ("reported on", "shared", "presented")):
                return True
            if not joiner:
                return False
            pos += joiner.end()
        return False

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
        stated = {m.entity.value for m in mentions if m.mention.kind == "objective"}
        given = set(heading_objs) or (set(event.objectives) if event is not None else set())
        if stated:  # 'Limited data on migrant deaths (objective 8)': what the statement says
            objs, basis = stated, "stated"
        elif len(given) > 1 and (matched := self.objective_matcher.choose(seg.text, given)):
            objs, basis = matched, "matched"  # a heading naming a cluster: the objectives the words are about
        else:
            objs, basis = given, "heading" if given else ""
        self.statements.append(StatementRecord(
            iri=self.seg("statement", seg.key if seg.kind == "Paragraph" else f"{_para_key(seg)}-{seg.key}"),
            cls=GCM[cls], text=seg.text, segment=seg.iri, span=seg.span, objectives=objs,
            event=event.iri if event is not None else None, principle=principle,
            mentions={m.entity.value for m in mentions if m.mention.kind != "objective"}, objective_basis=basis))

    def extract_figures(self, pseg: Segment, sentences: list[Segment], items: list[Segment], event):
        for sseg in sentences:
            for f in figures_mod.find_figures(sseg.text):
                # a count of people or countries in a sentence that says they attended: the current event's
                participation = (event is not None and PARTICIPATION.search(sseg.text) is not None
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


def _year_of(d: str) -> int | None:
    m = re.match(r"(\d{4})", d or "")
    return int(m.group(1)) if m else None


def _resolution_label(surface: str) -> str:
    m = re.search(r"(\d{2,3}/\d{1,3})", surface)
    return f"General Assembly resolution {m.group(1)}" if m else surface


@functools.lru_cache(maxsize=4)
def _gazetteer_cached(entries: tuple) -> Gazetteer:
    return Gazetteer(entries)


@functools.lru_cache(maxsize=4)
def _matcher_cached(texts: tuple) -> ObjectiveMatcher:
    return ObjectiveMatcher(dict(texts))


def _matcher(vocab: Vocabulary) -> ObjectiveMatcher:
    return _matcher_cached(tuple(sorted(vocab.objective_texts.items())))


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


