"""Which IRIs the app serves pages for, and at which local path (and back).

Data IRIs are ``{base}id/{kind}/{key}`` (docs/decisions/0001-iri-policy.md). The app serves each one at the path
it has below the base: ``https://w3id.org/gcmkg/id/objective/13`` at ``/id/objective/13``, whatever host the
app runs on (a w3id.org rule redirects the IRI to the app: docs/pages.md). Named graphs (``{base}graph/x``) are
served at ``/graph/x``; the UN SDG KOS IRIs the graph uses at ``/sdg/{code}``; ontology terms at
``/ontology#Term``. Every other IRI is somebody else's and is linked as it is.

Requests never name an IRI directly: a path is split into segments, each one checked by the IRI minter
(``ontology.iris``, letters, digits and ``._~-`` only), and turned back into an IRI by the minter itself, so no
path can reach outside the graph or traverse folders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ontology.iris import Minter
from ontology.vocab import GCM_NS, ONTOLOGY_IRI, SDG

_SDG_NS = str(SDG)
_SDG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]*")
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@dataclass(frozen=True)
class Links:
    base: str

    @property
    def minter(self) -> Minter:
        return Minter(self.base)

    @property
    def base_path(self) -> str:
        """The path of the base IRI ('/gcmkg/' for https://w3id.org/gcmkg/)."""
        return urlsplit(self.base).path or "/"

    # --- IRI -> local path ---------------------------------------------------------------------------------
    def path(self, iri: str) -> str | None:
        """The local path of a page for *iri*, or None when the app has no page for it."""
        if iri.startswith(GCM_NS):
            return "/ontology#" + iri[len(GCM_NS):] if iri != GCM_NS else "/ontology"
        if iri == ONTOLOGY_IRI:
            return "/ontology"
        if iri.startswith(self.base):
            rest = iri[len(self.base):]
            first, _, tail = rest.partition("/")
            if first in ("id", "graph") and tail and all(_SEGMENT.fullmatch(s) for s in tail.split("/")):
                return "/" + rest
            return None
        if iri.startswith(_SDG_NS):
            code = iri[len(_SDG_NS):]
            if _SDG_CODE.fullmatch(code):
                return "/sdg/" + code
        return None

    # --- local path -> IRI ---------------------------------------------------------------------------------
    def data_iri(self, rest: str) -> str | None:
        """'objective/13' (the rest of an id path) -> the data IRI, minted by ontology.iris."""
        parts = rest.split("/")
        if not rest or not all(_SEGMENT.fullmatch(p) for p in parts):
            return None
        try:
            return self.minter.from_path(*parts).value
        except ValueError:
            return None

    def graph_iri(self, name: str) -> str | None:
        if not _SEGMENT.fullmatch(name):
            return None
        try:
            iri = self.minter.graph(name).value
        except ValueError:
            return None
        return iri if iri.endswith("/" + name) else None

    @staticmethod
    def sdg_iri(code: str) -> str | None:
        return SDG[code].value if _SDG_CODE.fullmatch(code) else None
