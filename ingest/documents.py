"""One document of the corpus -> records (ingest.extract) -> triples (here) -> the Source of its named graph.

`extract_document` (ingest.extract) is pure: text in, records out; `document_triples` turns records into triples;
the Source returned by `document_source` ties them to the build.
"""
from __future__ import annotations

import functools
import re
from datetime import date

from pyoxigraph import Literal, NamedNode, Triple

from ingest.corpus import DocumentEntry, verify_checksum
from ingest.extract import decode_document, extract_document
from ingest.records import ExtractedDocument, Segment
from ingest.sources import BuildContext, Source
from ingest.vocabulary import reference_vocabulary
from ontology.iris import Minter
from ontology.vocab import DCT, GCM, NIF, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD


# --- records -> triples ---------------------------------------------------------------------------------------------
def _d(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.integer)


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def document_triples(doc: ExtractedDocument, minter: Minter) -> list[Triple]:
    T = Triple
    e = doc.entry
    d = doc.iri
    out: list[Triple] = [
        T(d, RDF.type, GCM.Document),
        T(d, RDFS.label, _en(e.title)),
        T(d, DCT.title, _en(e.title)),
        T(d, DCT.identifier, Literal(e.id)),
        T(d, DCT.language, Literal(e.language, datatype=XSD.language)),
        T(d, DCT.format, Literal(e.format)),
        T(d, GCM.sha256, Literal(e.sha256)),
        T(d, GCM.documentType, minter.concept("document-types", e.type)),
        T(d, GCM.text, Literal(doc.original)),
        T(d, RDF.type, NIF.Context),
        T(d, NIF.isString, Literal(doc.original)),
    ]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.date):
        out.append(T(d, DCT.issued, Literal(e.date, datatype=XSD.date)))
    elif re.fullmatch(r"\d{4}-\d{2}", e.date):
        out.append(T(d, DCT.issued, Literal(e.date, datatype=XSD.gYearMonth)))
    else:
        out.append(T(d, DCT.issued, Literal(e.date[:4], datatype=XSD.gYear)))
    for issuer in e.issuer:
        out.append(T(d, DCT.publisher, Literal(issuer)))
    for key in ("symbol",):
        if getattr(e, key):
            out.append(T(d, GCM.symbol, Literal(getattr(e, key))))
    for key, value in sorted(e.extra.items()):
        if key.endswith("symbol") and value:
            out.append(T(d, DCT.references, Literal(value)))
    if e.url:
        out.append(T(d, SCHEMA.url, Literal(e.url, datatype=XSD.anyURI)))

    notes = {s.iri for s in doc.segments if s.kind == "Footnote"}
    for s in doc.segments:
        cls = GCM[s.kind]
        out += [
            T(s.iri, RDF.type, cls),
            T(s.iri, GCM.inDocument, d),
            T(s.iri, NIF.referenceContext, d),
            T(s.iri, NIF.beginIndex, Literal(str(s.span.start), datatype=XSD.nonNegativeInteger)),
            T(s.iri, NIF.endIndex, Literal(str(s.span.end), datatype=XSD.nonNegativeInteger)),
            T(s.iri, GCM.key, Literal(s.key)),
            T(s.iri, GCM.text, Literal(s.text)),
        ]
        if s.kind in ("Section", "Paragraph", "Footnote"):
            out.append(T(s.iri, RDFS.label, _en(_segment_label(e, s))))
        if s.order:
            out.append(T(s.iri, GCM.order, _int(s.order)))
        if s.heading:
            out.append(T(s.iri, GCM.heading, Literal(s.heading)))
        if s.number is not None:
            out.append(T(s.iri, GCM.number, _int(s.number)))
        if s.parent is not None:
            out.append(T(s.iri, GCM.inSection if s.kind == "Paragraph" else GCM.inParagraphOf, s.parent))
        for n in s.footnotes:
            note = minter.in_document(e.id, "fn", n)
            if note in notes:  # a marker whose note the reader did not find cites nothing (no dangling link)
                out.append(T(s.iri, GCM.citesFootnote, note))

    for m in doc.mentions:
        out += [
            T(m.iri, RDF.type, GCM.Mention),
            T(m.iri, GCM.inDocument, d),
            T(m.iri, NIF.referenceContext, d),
            T(m.iri, NIF.beginIndex, Literal(str(m.span.start), datatype=XSD.nonNegativeInteger)),
            T(m.iri, NIF.endIndex, Literal(str(m.span.end), datatype=XSD.nonNegativeInteger)),
            T(m.iri, GCM.surfaceForm, Literal(m.mention.surface)),
            T(m.iri, GCM.denotes, m.entity),
            T(m.iri, OA.hasTarget, m.segment),
            T(m.iri, GCM.fromSource, m.segment),
            T(m.segment, GCM.mentions, m.entity),
        ]
        if m.mention.detail:
            out.append(T(m.iri, GCM.citedParagraph, Literal(m.mention.detail)))

    for ne in doc.new_entities.values():
        out += [
            T(ne.iri, RDF.type, ne.cls),
            T(ne.iri, RDFS.label, _en(ne.label)),
            T(ne.iri, SKOS.prefLabel, _en(ne.label)),
            T(ne.iri, GCM.foundInText, Literal("true", datatype=XSD.boolean)),
        ]
        if ne.acronym:
            out.append(T(ne.iri, GCM.acronym, Literal(ne.acronym)))
        if ne.first_segment is not None:
            out.append(T(ne.iri, PROV.wasDerivedFrom, ne.first_segment))
        for place in sorted(ne.based_in, key=lambda n: n.value):
            out.append(T(ne.iri, GCM.basedIn, place))

    for ev in doc.events.values():
        out += [T(ev.iri, RDF.type, ev.cls), T(ev.iri, RDFS.label, _en(ev.title))]
        for prop, value in ((GCM.startDate, ev.start), (GCM.endDate, ev.end),
                            (GCM.plannedStartDate, ev.planned_start), (GCM.plannedEndDate, ev.planned_end)):
            if value is not None:
                out.append(T(ev.iri, prop, _d(value)))
        if ev.place is not None:
            out.append(T(ev.iri, GCM.location, ev.place))
        if ev.place_label:
            out.append(T(ev.iri, SCHEMA.location, Literal(ev.place_label)))
        if ev.online or ev.place is not None or ev.place_label:
            fmt = "online" if ev.online else "in-person"
            out.append(T(ev.iri, GCM.format, minter.concept("meeting-formats", fmt)))
        for o in sorted(ev.objectives):
            out.append(T(ev.iri, GCM.addressesObjective, NamedNode(o)))
        if ev.part_of is not None:
            out.append(T(ev.iri, GCM.partOfEvent, ev.part_of))
        for src in ev.sources:
            out.append(T(ev.iri, GCM.fromSource, src))
        for role, actor, src in ev.roles:
            r = minter.event_role(ev.iri, role, actor)
            out += [
                T(r, RDF.type, GCM.EventRole),
                T(r, GCM.roleIn, ev.iri),
                T(r, GCM.roleOf, actor),
                T(r, GCM.roleType, minter.concept("event-roles", role)),
                T(r, GCM.fromSource, src),
                T(ev.iri, _ROLE_SHORTCUT[role], actor),
            ]

    for st in doc.statements:
        out += [
            T(st.iri, RDF.type, st.cls),
            T(st.iri, GCM.text, Literal(st.text)),
            T(st.iri, RDFS.label, _en(_short(st.text))),
            T(st.iri, GCM.fromSource, st.segment),
            T(st.iri, NIF.referenceContext, d),
            T(st.iri, NIF.beginIndex, Literal(str(st.span.start), datatype=XSD.nonNegativeInteger)),
            T(st.iri, NIF.endIndex, Literal(str(st.span.end), datatype=XSD.nonNegativeInteger)),
            T(st.iri, GCM.inDocument, d),
        ]
        for o in sorted(st.objectives):
            out.append(T(st.iri, GCM.addressesObjective, NamedNode(o)))
        if st.objective_basis:
            out.append(T(st.iri, GCM.objectiveBasis, minter.concept("objective-links", st.objective_basis)))
        for m in sorted(st.mentions):
            out.append(T(st.iri, GCM.mentions, NamedNode(m)))
        if st.event is not None:
            out.append(T(st.iri, GCM.madeAt, st.event))
        if st.principle is not None:
            out.append(T(st.iri, GCM.aboutPrinciple, st.principle))

    for fr in doc.figures:
        f = fr.figure
        cls = GCM.ParticipationFigure if fr.participation else GCM.StatisticalObservation
        out += [
            T(fr.iri, RDF.type, cls),
            T(fr.iri, RDFS.label, _en(f"{f.measure_label or f.unit}: {f.surface}")),
            T(fr.iri, GCM.value, Literal(str(f.value), datatype=XSD.decimal)),
            T(fr.iri, GCM.unit, Literal(f.unit)),
            T(fr.iri, GCM.fromSource, fr.segment),
            T(fr.iri, NIF.referenceContext, d),
            T(fr.iri, NIF.beginIndex, Literal(str(fr.span.start), datatype=XSD.nonNegativeInteger)),
            T(fr.iri, NIF.endIndex, Literal(str(fr.span.end), datatype=XSD.nonNegativeInteger)),
            T(fr.iri, NIF.anchorOf, Literal(f.surface)),
            T(fr.iri, DCT.source, d),
            T(fr.iri, GCM.inDocument, d),
        ]
        if f.measure:
            out.append(T(fr.iri, GCM.measure, minter.concept("measures", f.measure)))
        if f.qualifier:
            out.append(T(fr.iri, GCM.qualifier, Literal(f.qualifier)))
        if f.year is not None:
            out.append(T(fr.iri, GCM.refYear, Literal(str(f.year), datatype=XSD.gYear)))
        if fr.area is not None:
            out.append(T(fr.iri, GCM.refArea, fr.area))
        if fr.event is not None:
            out.append(T(fr.iri, GCM.aboutEvent, fr.event))
    measures = {fr.figure.measure: fr.figure.measure_label for fr in doc.figures if fr.figure.measure}
    if measures:
        scheme = minter.scheme("measures")
        out += [T(scheme, RDF.type, SKOS.ConceptScheme), T(scheme, RDFS.label, _en("What figures measure")),
                T(scheme, SKOS.prefLabel, _en("What figures measure"))]
    for key, label in sorted(measures.items()):
        c = minter.concept("measures", key)
        out += [T(c, RDF.type, SKOS.Concept), T(c, SKOS.prefLabel, _en(label)), T(c, RDFS.label, _en(label)),
                T(c, SKOS.inScheme, minter.scheme("measures"))]
    return out


_ROLE_SHORTCUT = {"organiser": GCM.organizer, "co-organiser": GCM.coOrganizer, "supporter": GCM.supporter,
                  "facilitator": GCM.facilitator, "participant": GCM.participant, "lead": GCM.organizer}


def _segment_label(e: DocumentEntry, s: Segment) -> str:
    if s.kind == "Section":
        return s.heading or f"section {s.key}"
    if s.kind == "Footnote":
        return f"{e.id}, footnote {s.key}"
    return f"{e.id}, paragraph {s.key}"


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def load_document(entry: DocumentEntry, ctx: BuildContext) -> list[Triple]:
    data = verify_checksum(entry, ctx.data_dir)
    original = decode_document(data, entry)
    records = extract_document(entry, original, reference_vocabulary(ctx), ctx.minter)
    return document_triples(records, ctx.minter)


def document_source(entry: DocumentEntry) -> Source:
    return Source(
        name=f"doc-{entry.id}",
        title=entry.title,
        load=functools.partial(load_document, entry),
        files=(f"corpus/{entry.file}",),
        source_note=f"corpus/{entry.file} ({entry.type}, {entry.date}, {', '.join(entry.issuer)})",
        source_iri=entry.url or None,
        license=entry.license or None,
        issued=entry.date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.date) else None,
    )
