"""Countries and regions: every country or area of the UN M49 list (class 'co'), the M49 regions, the ESCAP
region and subregions, and ESCAP membership (53 members, 9 associate members) as org:Membership.

Sources: unsd_m49_geoareas_lod4stats.csv (LOD4Stats SDG codes: M49/ISO codes, six-language names, Wikidata,
GeoNames), escap_members_m49.csv (ESCAP members and subregions), m49_regions.csv (names and parents of the M49
regions), area_altlabels.csv (curated alternative names with their sources).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import Triple

from ingest.reference._common import (
    AREA_ALTLABELS,
    ESCAP_MEMBERS,
    M49_AREAS,
    M49_REGIONS,
    Graph,
    en,
    plain,
    read_csv,
    split,
)
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.vocab import GCM, ORG, OWL, SKOS, WD

ESCAP = "escap"
ESCAP_REGION = "escap-asia-pacific"
MEMBERSHIP_ROLES = "membership-roles"
NON_REGIONAL = "NONREG"  # ESCAP members outside the region: no ESCAP subregion
LANGUAGES = ("fr", "es", "ru", "zh", "ar")
_HISTORICAL = re.compile(r"\(pre-\d{4}\)")
_WIKIDATA = re.compile(r"Q[1-9]\d*")


@dataclass(frozen=True)
class Area:
    m49: str
    iso2: str
    iso3: str
    names: dict
    wikidata: str
    geonames: str
    broader: tuple[str, ...]
    classes: tuple[str, ...]

    @property
    def historical(self) -> bool:
        return bool(_HISTORICAL.search(self.names["en"]))


def read_countries(ctx: BuildContext) -> dict[str, Area]:
    """The countries and areas of class 'co' by ISO alpha-3. Where a historical area ('Sudan (pre-2011)') shares
    its ISO code with a current one, the current one is kept."""
    by_iso3: dict[str, Area] = {}
    for r in read_csv(ctx, M49_AREAS):
        classes = tuple(split(r["classes"]))
        if "co" not in classes or not r["iso3"]:
            continue
        area = Area(
            m49=r["m49"], iso2=r["iso2"], iso3=r["iso3"],
            names={"en": r["name_en"], **{x: r[f"name_{x}"] for x in LANGUAGES}},
            wikidata=r["wikidata"], geonames=r["geonames"],
            broader=tuple(split(r["broader"])), classes=classes,
        )
        other = by_iso3.get(area.iso3)
        if other is not None:
            if other.historical == area.historical:
                raise ValueError(f"two current M49 areas with ISO3 {area.iso3}: {other.m49}, {area.m49}")
            if other.historical:
                by_iso3[area.iso3] = area
            continue
        by_iso3[area.iso3] = area
    return by_iso3


def iso2_index(countries: dict[str, Area]) -> dict[str, str]:
    return {a.iso2: a.iso3 for a in countries.values() if a.iso2}


def load_countries(ctx: BuildContext) -> list[Triple]:
    m = ctx.minter
    g = Graph()
    countries = read_countries(ctx)
    regions = {r["m49"]: r for r in read_csv(ctx, M49_REGIONS)}
    altlabels: dict[str, list[dict]] = {}
    for r in read_csv(ctx, AREA_ALTLABELS):
        altlabels.setdefault(r["key"], []).append(r)

    # --- M49 regions ----------------------------------------------------------------------------------------------
    for code, r in sorted(regions.items()):
        node = m.area(code)
        g.types(node, GCM.Region)
        g.label(node, r["name_en"])
        g.add(node, GCM.m49, plain(code))
        g.add(node, SKOS.exactMatch, Minter.geoarea(code))
        if r["parent"]:
            g.add(node, GCM.inRegion, m.area(r["parent"]))
        g.note(node, r["source"])

    # --- countries ----------------------------------------------------------------------------------------------
    for iso3, a in sorted(countries.items()):
        node = m.country(iso3)
        g.types(node, GCM.Country)
        g.label(node, a.names["en"])
        for x in LANGUAGES:
            if a.names[x]:
                g.label(node, a.names[x], x)
        g.add(node, GCM.iso3, plain(iso3))
        if a.iso2:
            g.add(node, GCM.iso2, plain(a.iso2))
        g.add(node, GCM.m49, plain(a.m49))
        g.add(node, SKOS.exactMatch, Minter.geoarea(a.m49))
        if a.wikidata:
            if not _WIKIDATA.fullmatch(a.wikidata):
                raise ValueError(f"{iso3}: not a Wikidata id {a.wikidata!r}")
            g.add(node, OWL.sameAs, WD[a.wikidata])
        if a.geonames:
            g.add(node, SKOS.exactMatch, Minter.geonames(a.geonames))
        for code in a.broader:
            if code in regions:
                g.add(node, GCM.inRegion, m.area(code))
        if a.historical:
            g.add(node, SKOS.scopeNote, en("Historical M49 area, kept under its own M49 code."))
        g.note(node, f"UN M49 via LOD4Stats SDG codes ({M49_AREAS})")
        for r in altlabels.get(iso3, []):
            g.alt(node, r["label"], r["lang"] or "en")

    # --- the ESCAP region, its subregions and its members -------------------------------------------------------------
    region = m.area(ESCAP_REGION)
    g.types(region, GCM.Region)
    g.label(region, "Asia and the Pacific")
    g.add(region, SKOS.definition, en("The region of the Economic and Social Commission for Asia and the Pacific: "
                                      "the territories of its regional members and associate members."))
    g.note(region, "ESCAP subregions as in escap_members_m49.csv (unescap.org/about/member-states)")
    for r in altlabels.get(ESCAP_REGION, []):
        g.alt(region, r["label"], r["lang"] or "en")

    escap = m.organization(ESCAP)
    seen_subregions = set()
    for r in read_csv(ctx, ESCAP_MEMBERS):
        iso3 = r["iso3"]
        if iso3 not in countries:
            raise ValueError(f"ESCAP member {iso3} is not an M49 country")
        country = m.country(iso3)
        code = r["escap_subregion_code"]
        if code != NON_REGIONAL:
            key = f"escap-{code.lower()}"
            sub = m.area(key)
            if key not in seen_subregions:
                seen_subregions.add(key)
                g.types(sub, GCM.Region)
                g.label(sub, r["escap_subregion"])
                g.add(sub, GCM.code, plain(code))
                g.add(sub, GCM.inRegion, region)
                g.note(sub, f"ESCAP subregion ({ESCAP_MEMBERS})")
                for alt in altlabels.get(key, []):
                    g.alt(sub, alt["label"], alt["lang"] or "en")
            g.add(country, GCM.inRegion, sub)
        role_key = {"member": "member", "associate member": "associate-member"}[r["escap_status"]]
        membership = m.membership(country, escap)
        g.types(membership, ORG.Membership)
        g.label(membership, f"{r['name_en_unsd']}: {r['escap_status']} of ESCAP")
        g.add(membership, ORG.member, country)
        g.add(membership, ORG.organization, escap)
        g.add(membership, ORG.role, m.concept(MEMBERSHIP_ROLES, role_key))
        g.note(membership, f"{ESCAP_MEMBERS} (compiled from unescap.org/about/member-states)")
        g.add(country, GCM.memberOf, escap)
    return g.triples()
