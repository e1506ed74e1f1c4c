"""GCM objective -> SDG target mappings (SSSOM model) and the small scheme of mapping justifications.

Source: data/reference/gcm/gcm_sdg_target_mapping.csv (curated, not an official UN table). Each row becomes a
``gcm:ObjectiveTargetMapping`` with its subject, object, justification (a concept per evidence class, aligned to
SEMAPV), evidence text and confidence, plus the shortcut ``objective gcm:contributesToTarget target``.
The same rows are published as SSSOM TSV by ``ingest.reference.sssom``.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Triple

from ingest.reference._common import GCM_SDG_MAPPING, Graph, boolean, decimal, en, plain, read_csv
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.vocab import GCM, OWL, SEMAPV, SKOS

JUSTIFICATION_SCHEME = "mapping-justifications"

# The curated confidence classes of the CSV as SSSOM confidence numbers (documented in data/reference/README.md).
CONFIDENCE = {"high": "0.9", "medium": "0.6", "low": "0.3"}

# The evidence class that means the GCM text itself states the link (gcm:statedInGcm true).
STATED_IN_GCM = "explicit_in_gcm_text"


@dataclass(frozen=True)
class Justification:
    key: str
    label: str
    definition: str
    semapv_relation: NamedNode  # how the concept relates to the SEMAPV term
    semapv: NamedNode


JUSTIFICATIONS = (
    Justification(
        "explicit_in_gcm_text", "stated in the GCM text",
        "The text of the Global Compact (A/RES/73/195) itself links the objective to the SDG target.",
        SKOS.broadMatch, SEMAPV.ManualMappingCuration),
    Justification(
        "sdg_indicator_definition", "measured by an SDG indicator",
        "An indicator of the SDG target measures what the objective commits to (curated from the indicator's definition).",
        SKOS.broadMatch, SEMAPV.ManualMappingCuration),
    Justification(
        "explicit_migrant_reference_in_sdg_target", "SDG target names migrants",
        "The text of the SDG target refers explicitly to migrants or migration status, in the objective's subject.",
        SKOS.broadMatch, SEMAPV.ManualMappingCuration),
    Justification(
        "curated_thematic", "curated thematic link",
        "A curator judged that the objective and the SDG target address the same theme.",
        SKOS.closeMatch, SEMAPV.ManualMappingCuration),
)


@dataclass(frozen=True)
class MappingRow:
    objective: int
    target: str
    target_uri: str
    evidence_class: str
    evidence: str
    confidence_class: str

    @property
    def confidence(self) -> str:
        return CONFIDENCE[self.confidence_class]


def read_mappings(ctx: BuildContext) -> list[MappingRow]:
    out = []
    for r in read_csv(ctx, GCM_SDG_MAPPING):
        row = MappingRow(int(r["gcm_objective"]), r["sdg_target"], r["sdg_target_uri"], r["evidence_class"],
                         r["evidence"], r["confidence"])
        if Minter.sdg_target(row.target).value != row.target_uri:
            raise ValueError(f"mapping {row}: target IRI is not the KOS IRI of {row.target}")
        if row.evidence_class not in {j.key for j in JUSTIFICATIONS}:
            raise ValueError(f"mapping {row}: unknown evidence class {row.evidence_class!r}")
        if row.confidence_class not in CONFIDENCE:
            raise ValueError(f"mapping {row}: unknown confidence {row.confidence_class!r}")
        out.append(row)
    return sorted(out, key=lambda x: (x.objective, _target_key(x.target)))


def _target_key(code: str) -> tuple:
    goal, target = code.split(".")
    return (int(goal), (0, int(target)) if target.isdigit() else (1, target))


def load_mappings(ctx: BuildContext) -> list[Triple]:
    m = ctx.minter
    g = Graph()

    scheme = m.scheme(JUSTIFICATION_SCHEME)
    g.types(scheme, SKOS.ConceptScheme)
    g.label(scheme, "Justifications of GCM objective to SDG target mappings")
    g.add(scheme, SKOS.definition, en(
        "The evidence classes of the curated GCM-SDG mapping table, each aligned to the SEMAPV mapping "
        "justification vocabulary (all four are kinds of manual mapping curation)."))
    for j in JUSTIFICATIONS:
        c = m.concept(JUSTIFICATION_SCHEME, j.key)
        g.types(c, SKOS.Concept)
        g.label(c, j.label)
        g.add(c, SKOS.notation, plain(j.key))
        g.add(c, SKOS.definition, en(j.definition))
        g.add(c, SKOS.inScheme, scheme)
        g.add(c, SKOS.topConceptOf, scheme)
        g.add(scheme, SKOS.hasTopConcept, c)
        g.add(c, j.semapv_relation, j.semapv)

    for row in read_mappings(ctx):
        obj = m.objective(row.objective)
        target = Minter.sdg_target(row.target)
        node = m.mapping(row.objective, row.target)
        g.types(node, GCM.ObjectiveTargetMapping)
        g.label(node, f"GCM objective {row.objective} contributes to SDG target {row.target}")
        g.add(node, GCM.mappingSubject, obj)
        g.add(node, OWL.annotatedProperty, GCM.contributesToTarget)
        g.add(node, GCM.mappingObject, target)
        g.add(node, GCM.mappingJustification, m.concept(JUSTIFICATION_SCHEME, row.evidence_class))
        g.add(node, GCM.evidence, en(row.evidence))
        g.add(node, GCM.confidence, decimal(row.confidence))
        g.add(node, GCM.statedInGcm, boolean(row.evidence_class == STATED_IN_GCM))
        g.note(node, f"confidence class '{row.confidence_class}' in {GCM_SDG_MAPPING}")
        g.add(obj, GCM.contributesToTarget, target)
    return g.triples()
