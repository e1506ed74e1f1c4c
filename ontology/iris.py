"""The one place that mints IRIs (decision record: docs/decisions/0001-iri-policy.md).

Every data IRI is ``{base}id/{kind}/{key}`` where *key* comes from an identifier that does not change when the
graph is rebuilt: an official code (objective number, ISO 3166 alpha-3, SDG code, UN symbol), a curated short id
from the reference tables, a manifest document id, or a position printed in a document (paragraph number, item
letter). Never a row number of a build, a hash of a timestamp, or a label that an editor may reword.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pyoxigraph import NamedNode

from ontology.vocab import SDG, GEOAREA, GEONAMES

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'UN-Women' -> 'un-women', 'Côte d’Ivoire' -> 'cote-d-ivoire'."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = _SLUG_DROP.sub("-", ascii_).strip("-")
    if not out:
        raise ValueError(f"cannot mint a slug from {text!r}")
    return out


def _key(value: object) -> str:
    key = str(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~-]*", key):
        raise ValueError(f"unsafe IRI key {key!r}")
    return key


@dataclass(frozen=True)
class Minter:
    base: str = "https://w3id.org/gcmkg/"

    def from_path(self, *parts: str) -> NamedNode:
        """The data IRI of a local path's segments ('objective', '13'), each checked as a safe key."""
        return self._id(*parts)

    def _id(self, *parts: object) -> NamedNode:
        return NamedNode(self.base + "id/" + "/".join(_key(p) for p in parts))

    # --- the GCM itself -------------------------------------------------------------------------------------
    def objective(self, number: int) -> NamedNode:
        if not 1 <= int(number) <= 23:
            raise ValueError(f"GCM objectives are numbered 1-23, not {number}")
        return self._id("objective", int(number))

    def action(self, objective: int, letter: str) -> NamedNode:
        return NamedNode(f"{self.objective(objective).value}/action/{_key(letter.lower())}")

    def principle(self, letter: str) -> NamedNode:
        return self._id("principle", letter.lower())

    def cluster(self, number: int) -> NamedNode:
        return self._id("cluster", int(number))

    def concept(self, scheme: str, key: str) -> NamedNode:
        """A concept of one of the project's small SKOS schemes (stakeholder groups, roles, formats, measures)."""
        return self._id("concept", slug(scheme), slug(key))

    def scheme(self, scheme: str) -> NamedNode:
        return self._id("scheme", slug(scheme))

    # --- SDG KOS (external, published IRIs) -----------------------------------------------------------------
    @staticmethod
    def sdg_goal(goal: int | str) -> NamedNode:
        return SDG[str(int(goal))]

    @staticmethod
    def sdg_target(code: str) -> NamedNode:
        if not re.fullmatch(r"\d{1,2}\.(\d{1,2}|[a-z])", code):
            raise ValueError(f"not an SDG target code: {code!r}")
        return SDG[code]

    @staticmethod
    def sdg_indicator(code: str) -> NamedNode:
        """KOS pattern: 10.7.1 -> C100701, 10.c.1 -> C100c01 (goal, target, indicator, each padded to two)."""
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2}|[a-z])\.(\d{1,2})", code)
        if not m:
            raise ValueError(f"not an SDG indicator code: {code!r}")
        goal, target, ind = m.groups()
        return SDG[f"C{int(goal):02d}{target.zfill(2)}{int(ind):02d}"]

    @staticmethod
    def geoarea(m49: str | int) -> NamedNode:
        return GEOAREA[f"{int(m49):03d}"]

    @staticmethod
    def geonames(geonames_id: str | int) -> NamedNode:
        """The GeoNames semantic-web IRI of a feature: 1605651 -> https://sws.geonames.org/1605651/."""
        return NamedNode(f"{GEONAMES}{int(geonames_id)}/")

    # --- the world the documents speak of -------------------------------------------------------------------
    def country(self, iso3: str) -> NamedNode:
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            raise ValueError(f"not an ISO 3166 alpha-3 code: {iso3!r}")
        return self._id("country", iso3.lower())

    def area(self, key: str) -> NamedNode:
        """A region or grouping: M49 code ('142') or a curated key ('escap-sswa')."""
        return self._id("area", slug(key) if not str(key).isdigit() else f"m49-{int(key):03d}")

    def instrument(self, key: str) -> NamedNode:
        return self._id("instrument", slug(key))

    def organization(self, key: str) -> NamedNode:
        return self._id("org", slug(key))

    def process(self, key: str) -> NamedNode:
        return self._id("process", slug(key))

    def mapping(self, objective: int, target: str) -> NamedNode:
        return self._id("mapping", f"objective-{int(objective)}", f"sdg-{_key(target)}")

    def membership(self, member: NamedNode, organization: NamedNode) -> NamedNode:
        return self._id("membership", _local(organization), _local(member))

    def ratification(self, instrument: NamedNode, country: NamedNode) -> NamedNode:
        return self._id("party", _local(instrument), _local(country))

    def link(self, predicate: str, subject: NamedNode, obj: NamedNode) -> NamedNode:
        """A reified statement (rdf:Statement) qualifying one derived link with its evidence, e.g.
        ('bears-on-objective', instrument, objective) -> .../link/bears-on-objective/instrument-untoc/objective-9."""
        return self._id("link", slug(predicate), _local(subject), _local(obj))

    # --- documents and what is extracted from them ------------------------------------------------------------
    def document(self, doc_id: str) -> NamedNode:
        return self._id("doc", slug(doc_id))

    def in_document(self, doc_id: str, *parts: object) -> NamedNode:
        return NamedNode(self.document(doc_id).value + "/" + "/".join(_key(p) for p in parts))

    def event(self, key: str) -> NamedNode:
        return self._id("event", slug(key))

    def event_role(self, event: NamedNode, role: str, actor: NamedNode) -> NamedNode:
        """The qualified role of an actor in an event: '{event}/role/{role}/{actor kind}-{actor key}'."""
        self._own(event)
        return NamedNode(f"{event.value}/role/{slug(role)}/{_local(actor)}")

    def mention(self, segment: NamedNode, start: int, end: int) -> NamedNode:
        """A mention, by its character span in the segment's text: '{segment}/mention/{start}-{end}'."""
        self._own(segment)
        return NamedNode(f"{segment.value}/mention/{int(start)}-{int(end)}")

    def _own(self, node: NamedNode) -> None:
        if not node.value.startswith(self.base + "id/"):
            raise ValueError(f"{node.value} is not one of this project's IRIs")

    def source_file(self, relative_path: str) -> NamedNode:
        """A file of the data folder ('reference/gcm/gcm_objectives.json'), as the build read it."""
        return self._id("file", *[slug(part) for part in relative_path.split("/")])

    def dump(self, relative_path: str = "") -> NamedNode:
        """A file of the published dumps ('gcmkg.trig', 'graphs/sdg.ttl'); '' is the folder."""
        if ".." in relative_path.split("/"):
            raise ValueError(f"unsafe dump path {relative_path!r}")
        return NamedNode(self.base + "dumps/" + relative_path)

    def graph(self, name: str) -> NamedNode:
        return NamedNode(self.base + "graph/" + slug(name))


def _local(node: NamedNode) -> str:
    """The trailing key of one of our IRIs, to compose a dependent IRI ('.../country/tha' -> 'country-tha')."""
    parts = node.value.rstrip("/").split("/")
    return f"{parts[-2]}-{parts[-1]}"
