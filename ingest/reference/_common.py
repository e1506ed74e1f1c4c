"""Small helpers shared by the reference loaders: literals, labels, CSV reading, a deterministic triple set."""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path
from typing import Iterable

from pyoxigraph import Literal, NamedNode, Triple

from ingest.sources import BuildContext
from ontology.vocab import GCM, RDF, RDFS, SKOS, XSD

# --- files (relative to the data folder) ----------------------------------------------------------------------
GCM_OBJECTIVES = "reference/gcm/gcm_objectives.json"
GCM_PRINCIPLES = "reference/gcm/gcm_guiding_principles.json"
GCM_PRINCIPLE_ALTLABELS = "reference/gcm/gcm_guiding_principle_altlabels.csv"
GCM_CLUSTERS = "reference/gcm/gcm_objective_clusters.csv"
GCM_SDG_MAPPING = "reference/gcm/gcm_sdg_target_mapping.csv"
GCM_SDG_SSSOM = "reference/gcm/gcm_sdg_target_mapping.sssom.tsv"
SDG_TABLE = "reference/sdg/sdg_goals_targets_indicators.csv"
SDG_LABEL_CORRECTIONS = "reference/sdg/sdg_label_corrections.csv"
SDG_KOS_TTL = "reference/sdg/lod4stats_sdg-kos-goals-targets-indicators.ttl"
ESCAP_MEMBERS = "reference/geo/escap_members_m49.csv"
M49_AREAS = "reference/geo/unsd_m49_geoareas_lod4stats.csv"
M49_REGIONS = "reference/geo/m49_regions.csv"
AREA_ALTLABELS = "reference/geo/area_altlabels.csv"
TREATY_IDENTIFIERS = "reference/treaties/treaty_identifiers.csv"
INSTRUMENTS = "reference/treaties/instruments.csv"
WPDL_ICRMW = "reference/treaties/wpdl_hr_status_icmw.csv"
WPDL_CRC = "reference/treaties/wpdl_hr_status_crc.csv"
UN_ENTITIES = "reference/orgs/un_entities.csv"
PROCESSES = "reference/orgs/regional_processes.csv"
MEMBERSHIPS = "reference/orgs/memberships.csv"
STAKEHOLDER_GROUPS = "reference/vocab/stakeholder_groups.csv"
SCHEMES = "reference/vocab/schemes.csv"

APACHE_2 = "https://www.apache.org/licenses/LICENSE-2.0"
SDG_KOS_SCHEME = NamedNode("http://metadata.un.org/sdg")
WPDL_DATASET = NamedNode("https://github.com/world-politics-datalab/humanrights-treaties-ratification-status")


# --- reading ---------------------------------------------------------------------------------------------------
def path(ctx: BuildContext, rel: str) -> Path:
    return Path(ctx.data_dir) / rel


def read_csv(ctx: BuildContext, rel: str) -> list[dict[str, str]]:
    with open(path(ctx, rel), encoding="utf-8", newline="") as f:
        rows = []
        for n, row in enumerate(csv.DictReader(f), start=2):
            if None in row or None in row.values():
                raise ValueError(f"{rel} line {n}: wrong number of fields (quote values with commas)")
            rows.append({k: v.strip() for k, v in row.items()})
        return rows


def read_json(ctx: BuildContext, rel: str):
    with open(path(ctx, rel), encoding="utf-8") as f:
        return json.load(f)


def split(value: str, sep: str = "|") -> list[str]:
    return [v.strip() for v in value.split(sep) if v.strip()]


# --- literals --------------------------------------------------------------------------------------------------
def en(text: str) -> Literal:
    return Literal(text, language="en")


def lang(text: str, language: str) -> Literal:
    return Literal(text, language=language)


def label_literal(text: str, language: str = "en") -> Literal:
    """A name, with runs of white space folded (several source labels carry double spaces); texts keep theirs."""
    return Literal(re.sub(r"[ \t\r\n]{2,}|[\t\r\n]", " ", text).strip(" "), language=language)


def plain(text: str) -> Literal:
    return Literal(str(text))


def integer(n: int | str) -> Literal:
    return Literal(str(int(n)), datatype=XSD.integer)


def date(d: str) -> Literal:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d):
        raise ValueError(f"not an ISO date: {d!r}")
    return Literal(d, datatype=XSD.date)


def gyear(y: str | int) -> Literal:
    if not re.fullmatch(r"\d{4}", str(y)):
        raise ValueError(f"not a year: {y!r}")
    return Literal(str(y), datatype=XSD.gYear)


def boolean(b: bool) -> Literal:
    return Literal("true" if b else "false", datatype=XSD.boolean)


def decimal(x: str) -> Literal:
    if not re.fullmatch(r"-?\d+(\.\d+)?", x):
        raise ValueError(f"not a decimal: {x!r}")
    return Literal(x, datatype=XSD.decimal)


# --- text normalisation for matching names in texts -------------------------------------------------------------
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc"), "'") | dict.fromkeys(map(ord, "\u201c\u201d"), '"')


def same_length_normalize(text: str) -> str:
    """Straight quotes and ASCII hyphens, character for character (offsets into the result are offsets into the text)."""
    return text.translate(_DASHES).translate(_QUOTES)


def normalize(text: str) -> str:
    """NFKC, straight quotes, ASCII hyphens, no commas, single spaces: the form names are matched in."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = text.replace(",", " ")
    return re.sub(r"\s+", " ", text).strip()


# --- a deterministic set of triples ----------------------------------------------------------------------------
class Graph:
    """Collects triples without duplicates and returns them sorted (loaders must be deterministic)."""

    def __init__(self) -> None:
        self._triples: set[Triple] = set()

    def add(self, s: NamedNode, p: NamedNode, o) -> None:
        if o is None:
            raise ValueError(f"no object for {s} {p}")
        self._triples.add(Triple(s, p, o))

    def add_all(self, s: NamedNode, p: NamedNode, objects: Iterable) -> None:
        for o in objects:
            self.add(s, p, o)

    def types(self, s: NamedNode, *classes: NamedNode) -> None:
        for c in classes:
            self.add(s, RDF.type, c)

    def label(self, s: NamedNode, text: str, language: str = "en") -> None:
        """The English name of a node: rdfs:label and skos:prefLabel (other languages: prefLabel only)."""
        if not text:
            raise ValueError(f"empty label for {s}")
        if language == "en":
            self.add(s, RDFS.label, label_literal(text))
        self.add(s, SKOS.prefLabel, label_literal(text, language))

    def alt(self, s: NamedNode, text: str, language: str = "en") -> None:
        if text:
            self.add(s, SKOS.altLabel, label_literal(text, language))

    def acronym(self, s: NamedNode, text: str) -> None:
        """gcm:acronym (a sub-property of skos:altLabel), stated with skos:altLabel too for SKOS-only readers."""
        if text:
            self.add(s, GCM.acronym, plain(text))
            self.add(s, SKOS.altLabel, en(text))

    def note(self, s: NamedNode, text: str) -> None:
        """Where a curated fact comes from, in words (gcm:sourceNote)."""
        if text:
            self.add(s, GCM.sourceNote, plain(text))

    def triples(self) -> list[Triple]:
        return sorted(self._triples, key=str)

    def __len__(self) -> int:
        return len(self._triples)
