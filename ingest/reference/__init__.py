"""Reference vocabularies: the fixed world the documents speak about, with official identifiers.

One ``Source`` (= one named graph) per vocabulary. Every loader is a pure function ``(ctx) -> list[Triple]``
reading the files it names (relative to the data folder), with sorted output, no blank nodes and no timestamps.
Provenance of every file: data/reference/SOURCES.txt and data/reference/README.md.
"""
from __future__ import annotations

from ingest.reference import _common as f
from ingest.reference.gcm import load_gcm
from ingest.reference.geo import load_countries
from ingest.reference.instruments import load_instruments, load_treaty_status
from ingest.reference.mapping import load_mappings
from ingest.reference.organizations import FILES_PROCESSES, FILES_UN_ENTITIES, load_processes, load_un_entities
from ingest.reference.schemes import SCHEME_TITLES, load_stakeholder_groups, scheme_loader
from ingest.reference.sdg import load_sdg
from ingest.sources import Source

_UNDOCS = "https://undocs.org/"
_KOS_LICENSE = (
    "Made available free of charge and may be copied freely, duplicated and further distributed with the following "
    "citation: Amit Joshi, Luis Gonzalez Morales, Szymon Klarman, and Aaron Helton. 2019. A Knowledge Organization "
    "System for the United Nations Sustainable Development Goals. New York, NY. http://metadata.un.org/sdg"
)
_CURATED = "Curated for this project: every row of the table names its source (data/reference/README.md). "

SOURCES: list[Source] = [
    Source(
        name="gcm",
        title="Global Compact for Migration: objectives, actions, guiding principles and review clusters",
        load=load_gcm,
        files=(f.GCM_OBJECTIVES, f.GCM_PRINCIPLES, f.GCM_PRINCIPLE_ALTLABELS, f.GCM_CLUSTERS),
        source_note=(
            "A/RES/73/195 annex. Objectives, commitments and actions: iomeval 0.4.1 wheel (PyPI, Apache-2.0, "
            "github.com/franckalbinet/iomeval; wording of the 13 July 2018 agreed outcome). Guiding principles "
            "(para 15): stored copies of the resolution; texts of (d), (f), (g) incomplete and left out. "
            "Clusters: A/RES/73/326 round tables as printed in corpus document 000."
        ),
        license=f.APACHE_2,
        source_iri=_UNDOCS + "A/RES/73/195",
        issued="2018-12-19",
    ),
    Source(
        name="sdg",
        title="Sustainable Development Goals: goals, targets and indicators (UN SDG KOS IRIs)",
        load=load_sdg,
        files=(f.SDG_TABLE, f.SDG_LABEL_CORRECTIONS),
        source_note=(
            "Derived from UNStats/LOD4Stats sdg-data/sdg-kos-goals-targets-indicators.ttl (commit 8a67ce65, "
            "2020-05-12; 17 goals, 169 targets, 232 indicator IRIs, en/fr/es) and open-sdg/sdg-translations "
            "translations/en/global_indicators.yml (repo 0cda5858, 2025-08-19; current indicator list). "
            "Indicators added in 2020 have pattern-derived IRIs marked gcm:iriStatus 'inferred'. One defective KOS "
            "label (target 12.3 @en) corrected from the Open SDG targets list (sdg_label_corrections.csv)."
        ),
        license=_KOS_LICENSE,
        source_iri="http://metadata.un.org/sdg",
        issued="2020-05-12",
    ),
    Source(
        name="gcm-sdg-mappings",
        title="GCM objectives to SDG targets: curated mappings (SSSOM model)",
        load=load_mappings,
        files=(f.GCM_SDG_MAPPING,),
        source_note=(
            _CURATED + "Not an official UN table. Evidence classes: explicit_in_gcm_text, sdg_indicator_definition, "
            "explicit_migrant_reference_in_sdg_target, curated_thematic; confidence high/medium/low = 0.9/0.6/0.3. "
            "Also published as data/reference/gcm/gcm_sdg_target_mapping.sssom.tsv."
        ),
        license=f.APACHE_2,
    ),
    Source(
        name="countries",
        title="Countries, M49 regions, ESCAP subregions and ESCAP membership",
        load=load_countries,
        files=(f.M49_AREAS, f.M49_REGIONS, f.ESCAP_MEMBERS, f.AREA_ALTLABELS),
        source_note=(
            "UNStats/LOD4Stats sdg-data/sdg-codes.ttl (commit bfd05a69, 2019-12-13: M49/ISO codes, names in six "
            "languages, Wikidata and GeoNames matches); ESCAP members and subregions compiled from "
            "unescap.org/about/member-states; M49 region names and parents from the UNSD M49 standard; "
            "alternative names curated with their sources."
        ),
        license=_KOS_LICENSE,
        source_iri="https://unstats.un.org/unsd/methodology/m49/",
        issued="2019-12-13",
    ),
    Source(
        name="instruments",
        title="International instruments: treaties, protocols, declarations and resolutions",
        load=load_instruments,
        files=(f.INSTRUMENTS, f.TREATY_IDENTIFIERS, f.GCM_OBJECTIVES),
        source_note=(
            _CURATED + "Identifiers from the UN Treaty Collection (treaties.un.org), ILO NORMLEX and UN document "
            "symbols (undocs.org); gcm:bearsOnObjective derived by finding each instrument's names and acronyms in "
            "the objectives' commitments and actions (gcm_objectives.json)."
        ),
        license=f.APACHE_2,
        source_iri="https://treaties.un.org/",
    ),
    Source(
        name="treaty-status",
        title="States parties to the ICRMW and the CRC (wpdl snapshot, 2022)",
        load=load_treaty_status,
        files=(f.WPDL_ICRMW, f.WPDL_CRC, f.M49_AREAS, f.INSTRUMENTS, f.TREATY_IDENTIFIERS),
        source_note=(
            "GitHub world-politics-datalab/humanrights-treaties-ratification-status, files at commit "
            "a183f270e05f35af5c78641e6b1dc8cca688ff5c (repository HEAD fdb779e6, 2022-08-25): 193 UN Member States, "
            "state-party flag, year of ratification or accession, hand-extracted from the UN Treaty Collection. "
            "ISO2 'TP' read as TL (Timor-Leste). Moderate reliability; signatories that are not parties are not recorded."
        ),
        license="Not stated in the vendored files; see the upstream repository.",
        source_iri="https://github.com/world-politics-datalab/humanrights-treaties-ratification-status",
        issued="2022-08-25",
    ),
    Source(
        name="un-entities",
        title="United Nations entities and networks on migration",
        load=load_un_entities,
        files=FILES_UN_ENTITIES,
        source_note=(
            _CURATED + "Names and acronyms as printed in the corpus; members of the Regional United Nations Network "
            "on Migration for Asia and the Pacific from corpus document 002 footnote 2, its Executive Committee from "
            "001 footnote 1. No Wikidata ids (none sourced)."
        ),
        license=f.APACHE_2,
        issued="2021-02-26",
    ),
    Source(
        name="regional-processes",
        title="Regional consultative processes and regional organisations",
        load=load_processes,
        files=FILES_PROCESSES,
        source_note=(
            _CURATED + "Members only where a named source lists them (ASEAN, SAARC, EAEU, PIF, GCC, Colombo Process, "
            "Abu Dhabi Dialogue, COMMIT; Bali Process co-chairs only)."
        ),
        license=f.APACHE_2,
    ),
    Source(
        name="stakeholder-groups",
        title="Stakeholder groups of the Global Compact (A/RES/73/195, annex, para 44)",
        load=load_stakeholder_groups,
        files=(f.STAKEHOLDER_GROUPS,),
        source_note="A/RES/73/195 annex para 44, quoted in corpus documents 000 (footnote 10) and 002 (para 2).",
        license=f.APACHE_2,
        source_iri=_UNDOCS + "A/RES/73/195",
        issued="2018-12-19",
    ),
    *[
        Source(
            name=name,
            title=title,
            load=scheme_loader(name),
            files=(f.SCHEMES,),
            source_note=_CURATED + "Labels and surface forms as printed in the corpus documents.",
            license=f.APACHE_2,
        )
        for name, title in SCHEME_TITLES.items()
    ],
]

__all__ = ["SOURCES"]
