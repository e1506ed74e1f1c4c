"""Treaties, protocols, declarations and resolutions, the objectives they bear on, and treaty status records.

Sources: treaty_identifiers.csv (UNTC / NORMLEX identifiers of 10 treaties), instruments.csv (curated: every
instrument with class, names, acronyms, adoption date and the source of each), gcm_objectives.json (scanned for the
instruments' names to derive gcm:bearsOnObjective), the wpdl ICRMW and CRC status snapshots (gcm:StateParty).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Triple

from ingest.reference._common import (
    GCM_OBJECTIVES,
    INSTRUMENTS,
    TREATY_IDENTIFIERS,
    WPDL_CRC,
    WPDL_DATASET,
    WPDL_ICRMW,
    Graph,
    boolean,
    date,
    en,
    gyear,
    normalize,
    same_length_normalize,
    plain,
    read_csv,
    read_json,
    split,
)
from ingest.reference.geo import iso2_index, read_countries
from ingest.sources import BuildContext
from ontology.vocab import DCT, GCM, PROV, RDF, RDFS, SCHEMA, SKOS

CLASSES = {"Treaty", "Convention", "Protocol", "Agreement", "Declaration", "Resolution", "InstrumentGroup"}
# Fields that treaty_identifiers.csv provides for its rows; instruments.csv must leave them empty for those rows.
FROM_TREATY_IDENTIFIERS = ("adopted", "untc_id", "normlex_id")
# Instruments not scanned for in the objectives' texts: the Compact and its resolution state them (gcm:statedIn).
NOT_SCANNED = {"gcm", "a-res-73-195"}
BEARS_ON = "bears-on-objective"


@dataclass
class Instrument:
    key: str
    row: dict
    identifiers: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Every name the instrument goes by (for matching in texts). Not the title of a resolution: it is often
        the name of the instrument the resolution adopts ('United Nations Convention against ...')."""
        r = self.row
        names = [r["pref_label"], *split(r["alt_labels"])]
        return list(dict.fromkeys(n for n in names if n))

    @property
    def acronyms(self) -> list[str]:
        return split(self.row["acronyms"])


def read_instruments(ctx: BuildContext) -> list[Instrument]:
    ti = {r["short_name"]: r for r in read_csv(ctx, TREATY_IDENTIFIERS)}
    used = set()
    out = []
    for r in read_csv(ctx, INSTRUMENTS):
        inst = Instrument(r["key"], r)
        unknown = set(split(r["classes"])) - CLASSES
        if unknown:
            raise ValueError(f"instrument {r['key']}: unknown class {unknown}")
        if r["treaty_identifiers_row"]:
            name = r["treaty_identifiers_row"]
            if name not in ti:
                raise ValueError(f"instrument {r['key']}: no row {name!r} in {TREATY_IDENTIFIERS}")
            used.add(name)
            clash = [f for f in FROM_TREATY_IDENTIFIERS if r[f]]
            if clash:
                raise ValueError(f"instrument {r['key']}: {clash} come from {TREATY_IDENTIFIERS}, leave them empty")
            t = ti[name]
            inst.identifiers = {
                "adopted": t["adopted"], "untc_id": t["untc_mtdsg_no"], "normlex_id": t["normlex_instrument_id"],
                "full_title": t["full_title"], "page": t["official_status_page"], "depositary": t["depositary"],
            }
        out.append(inst)
    missing = set(ti) - used
    if missing:
        raise ValueError(f"rows of {TREATY_IDENTIFIERS} without an instrument: {sorted(missing)}")
    return out


def load_instruments(ctx: BuildContext) -> list[Triple]:
    m = ctx.minter
    g = Graph()
    instruments = read_instruments(ctx)
    keys = {i.key for i in instruments}

    def ref(key: str) -> NamedNode:
        if key not in keys:
            raise ValueError(f"reference to unknown instrument {key!r}")
        return m.instrument(key)

    for inst in instruments:
        r, ids = inst.row, inst.identifiers
        node = m.instrument(inst.key)
        g.types(node, GCM.Instrument, *(GCM[c] for c in split(r["classes"])))
        g.label(node, r["pref_label"])
        for name in inst.names[1:]:
            g.alt(node, name)
        for acronym in inst.acronyms:
            g.acronym(node, acronym)
        if r["title"]:
            g.add(node, DCT.title, en(r["title"]))
        adopted = r["adopted"] or ids.get("adopted", "")
        if adopted:
            g.add(node, GCM.adopted, date(adopted))
        if r["place"]:
            g.add(node, SCHEMA.locationCreated, plain(r["place"]))
        untc = r["untc_id"] or ids.get("untc_id", "")
        if untc:
            g.add(node, GCM.untcId, plain(untc))
        normlex = r["normlex_id"] or ids.get("normlex_id", "")
        if normlex:
            if not normlex.isdigit():
                raise ValueError(f"{inst.key}: NORMLEX id {normlex!r}")
            g.add(node, GCM.normlexId, plain(normlex))
        if r["symbol"]:
            g.add(node, GCM.symbol, plain(r["symbol"]))
            g.alt(node, r["symbol"])
        if ids.get("page"):
            g.add(node, RDFS.seeAlso, NamedNode(ids["page"]))
        if ids.get("depositary"):
            g.add(node, SKOS.note, en(f"Depositary: {ids['depositary']}"))
        if r["supplements"]:
            g.add(node, GCM.supplements, ref(r["supplements"]))
        for key in split(r["related"]):
            g.add(node, DCT.relation, ref(key))
        if r["stated_in"]:
            g.add(node, GCM.statedIn, ref(r["stated_in"]))
        if r["group"]:
            g.add(ref(r["group"]), GCM.groupMember, node)
        g.note(node, r["source"] + (f"; identifiers: {TREATY_IDENTIFIERS}" if ids else ""))
        if r["note"]:
            g.add(node, SKOS.note, en(r["note"]))

    _bears_on_objective(ctx, g, instruments)
    return g.triples()


# --- gcm:bearsOnObjective, derived from the objectives' texts ----------------------------------------------------------

_PATTERNS: dict[tuple, list[tuple[str, bool, re.Pattern]]] = {}


def _patterns(inst: Instrument) -> list[tuple[str, bool, re.Pattern]]:
    """(needle, case-sensitive, pattern) per name and acronym; the needle is a cheap pre-filter. Names match
    whatever the case, with or without commas, across line breaks."""
    key = (tuple(inst.names), tuple(inst.acronyms))
    if key not in _PATTERNS:
        pats = []
        for name in inst.names:
            tokens = normalize(name).split(" ")
            body = r",?\s+".join(re.escape(t) for t in tokens)
            needle = max(tokens, key=len).lower()
            pats.append((needle, False, re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])", re.IGNORECASE)))
        for acronym in inst.acronyms:
            pats.append((acronym, True, re.compile(rf"(?<![A-Za-z0-9]){re.escape(acronym)}(?![A-Za-z0-9])")))
        _PATTERNS[key] = pats
    return _PATTERNS[key]


def find_mentions(inst: Instrument, text: str) -> list[str]:
    """The instrument's names found in a text, as written there; overlapping shorter matches dropped."""
    text = same_length_normalize(text)
    return _find(inst, text, text.lower())


def _find(inst: Instrument, text: str, lower: str) -> list[str]:
    spans = []
    for needle, case_sensitive, pat in _patterns(inst):
        if needle in (text if case_sensitive else lower):
            spans += [(mt.start(), mt.end()) for mt in pat.finditer(text)]
    kept: list[tuple[int, int]] = []
    for s, e in sorted(set(spans), key=lambda x: (x[0] - x[1], x[0])):
        if not any(ks <= s and e <= ke for ks, ke in kept):
            kept.append((s, e))
    return [re.sub(r"\s+", " ", text[s:e]) for s, e in sorted(kept)]


def objective_texts(ctx: BuildContext):
    """(objective number, where, text, node) for every commitment and action of the objectives."""
    m = ctx.minter
    for obj in read_json(ctx, GCM_OBJECTIVES):
        n = int(obj["number"])
        yield n, "commitment", obj["commitment_text"], m.objective(n)
        for a in obj["actions"]:
            letter = a["letter"].lower()
            yield n, f"action ({letter})", a["text"], m.action(n, letter)


def derive_bears_on(ctx: BuildContext, instruments: list[Instrument]) -> dict[tuple[str, int], list[tuple]]:
    """{(instrument key, objective number): [(where, matched words, text node), ...]}"""
    texts = [(n, where, same_length_normalize(text), node) for n, where, text, node in objective_texts(ctx)]
    texts = [(n, where, text, text.lower(), node) for n, where, text, node in texts]
    found: dict[tuple[str, int], list[tuple]] = {}
    for inst in instruments:
        if inst.key in NOT_SCANNED or "InstrumentGroup" in split(inst.row["classes"]):
            continue
        for n, where, text, lower, node in texts:
            for words in _find(inst, text, lower):
                found.setdefault((inst.key, n), []).append((where, words, node))
    return found


def _bears_on_objective(ctx: BuildContext, g: Graph, instruments: list[Instrument]) -> None:
    m = ctx.minter
    labels = {i.key: i.row["pref_label"] for i in instruments}
    for (key, n), hits in sorted(derive_bears_on(ctx, instruments).items()):
        inst, obj = m.instrument(key), m.objective(n)
        g.add(inst, GCM.bearsOnObjective, obj)
        st = m.link(BEARS_ON, inst, obj)
        g.types(st, RDF.Statement)
        g.label(st, f"{labels[key]} bears on GCM objective {n}")
        g.add(st, RDF.subject, inst)
        g.add(st, RDF.predicate, GCM.bearsOnObjective)
        g.add(st, RDF.object, obj)
        for where, words, node in hits:
            g.add(st, GCM.evidence, en(f"'{words}' in objective {n}, {where}"))
            g.add(st, PROV.wasDerivedFrom, node)
        g.note(st, f"derived by ingest/reference/instruments.py from the names of the instrument found in {GCM_OBJECTIVES}")


# --- treaty status: the wpdl snapshot (2022) ---------------------------------------------------------------------------
# ISO 3166-1 codes of the wpdl files that are not (or no longer) the current ones.
ISO2_ALIASES = {"TP": "TL"}  # TP: East Timor until 2002, now TL (Timor-Leste)
WPDL_SNAPSHOT = "2022-08-25"  # date of the repository snapshot (HEAD commit fdb779e6, 25 August 2022)
WPDL_COMMIT = "a183f270e05f35af5c78641e6b1dc8cca688ff5c"
STATUS_FILES = (("icrmw", WPDL_ICRMW), ("crc", WPDL_CRC))


def wpdl_iso3(iso2: str, index: dict[str, str]) -> str:
    code = ISO2_ALIASES.get(iso2, iso2)
    if code not in index:
        raise ValueError(f"wpdl ISO2 {iso2!r} is not an M49 country")
    return index[code]


def load_treaty_status(ctx: BuildContext) -> list[Triple]:
    m = ctx.minter
    g = Graph()
    countries = read_countries(ctx)
    index = iso2_index(countries)
    treaty_labels = {i.key: i.row["pref_label"] for i in read_instruments(ctx)}
    for key, rel in STATUS_FILES:
        treaty = m.instrument(key)
        for r in read_csv(ctx, rel):
            if r["state party"] != "1":
                continue  # signatories and States without action are not parties (see README: no term yet)
            iso3 = wpdl_iso3(r["iso2"], index)
            country = m.country(iso3)
            node = m.ratification(treaty, country)
            year = r["year ratification or accession"]
            g.types(node, GCM.StateParty)
            g.label(node, f"{countries[iso3].names['en']}: State party to the {treaty_labels[key]}"
                          + (f" (since {year})" if year else ""))
            g.add(node, GCM.party, country)
            g.add(node, GCM.treaty, treaty)
            if year:
                g.add(node, GCM.partySince, gyear(year))
            if r["signatory"] == "1":
                g.add(node, GCM.signatory, boolean(True))
            g.add(node, GCM.observedOn, date(WPDL_SNAPSHOT))
            g.add(node, DCT.source, WPDL_DATASET)
            g.note(node, f"{rel} (wpdl commit {WPDL_COMMIT}), row iso2={r['iso2']}"
                         + (f", note: {r['note']}" if r["note"] else ""))
            g.add(country, GCM.isPartyTo, treaty)
    return g.triples()
