"""What every page needs: the build's view, the reader's languages, links to entities, rendering with headers."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Response, current_app, g, render_template, request
from markupsafe import Markup

from ontology.vocab import PREFIXES
from queries.store import StoreCorrupt, StoreNotBuilt
from server.remote import RemoteError
from server.pages import graph as graphmod
from server.pages.graph import GraphIndex, KIND_NAMES
from server.pages.links import Links
from server.pages.text import Target

LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})?")


class NotBuilt(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Ref:
    """A link to a resource as the templates show it."""
    iri: str
    href: str
    label: str
    lang: str | None = None
    external: bool = False
    kind: str = "thing"

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


def snapshot():
    try:
        return current_app.extensions["gcmkg_store"].get()
    except (StoreNotBuilt, StoreCorrupt) as exc:
        raise NotBuilt(str(exc)) from exc


def index() -> GraphIndex:
    if "gcmkg_index" not in g:
        snap = snapshot()
        g.gcmkg_snapshot = snap
        try:
            g.gcmkg_index = graphmod.for_snapshot(snap)
        except (StoreCorrupt, RemoteError) as exc:  # a damaged build, or a remote store that cannot be read whole
            raise NotBuilt(str(exc)) from exc
    return g.gcmkg_index


def build_id() -> str:
    index()
    return graphmod.build_id(g.gcmkg_snapshot)


def links() -> Links:
    return Links(current_app.config["GCMKG"].base_iri)


def langs() -> tuple[str, ...]:
    """The reader's languages: ?lang= first, then Accept-Language by quality, then English."""
    if "gcmkg_langs" in g:
        return g.gcmkg_langs
    found: list[str] = []
    asked = request.args.get("lang", "")
    if LANG_RE.fullmatch(asked):
        found.append(asked.lower())
    for value, _q in request.accept_languages:
        if LANG_RE.fullmatch(value):
            found.append(value.lower())
            found.append(value.split("-")[0].lower())
    found.append("en")
    g.gcmkg_langs = tuple(dict.fromkeys(found))
    return g.gcmkg_langs


def href(iri: str) -> str | None:
    return links().path(iri)


# names for the IRIs of other datasets that the graph links to without a label of its own
EXTERNAL_NAMES = (
    ("http://www.wikidata.org/entity/", "Wikidata "),
    ("http://metadata.un.org/sdg/codes/geoArea/", "UN M49 area "),
    ("https://sws.geonames.org/", "GeoNames "),
    ("http://purl.unep.org/sdg/", "SDGIO "),
)


def ref(iri: str, label: str | None = None) -> Ref:
    ix = index()
    path = href(iri)
    if label is None:
        label, lang = ix.label_lang(iri, langs())
    else:
        lang = None
    external = path is None and iri.startswith(("http://", "https://"))
    if external and not ix.has_label(iri):
        for ns, name in EXTERNAL_NAMES:
            if iri.startswith(ns):
                label = name + iri[len(ns):].strip("/")
                break
        else:  # a web page: say where it is
            parts = urlsplit(iri)
            label = (parts.netloc + parts.path).rstrip("/")
            label = label if len(label) <= 70 else label[:69] + "…"
    return Ref(iri=iri, href=path or (iri if external else ""), label=label, lang=lang, external=external,
               kind=ix.kind(iri) if path else "thing")


def target(iri: str) -> Target | None:
    """A mention's link target (text.py)."""
    ix = index()
    path = href(iri)
    label = ix.label(iri, langs())
    number = ix.value(iri, "https://w3id.org/gcmkg/ontology#number")
    short = number.value if number is not None else (ix.text(iri, "https://w3id.org/gcmkg/ontology#acronym")
                                                      or ix.text(iri, "https://w3id.org/gcmkg/ontology#code")
                                                      or label.split(" ")[0])
    if path is None and not iri.startswith(("http://", "https://")):
        return None
    return Target(href=path or iri, label=label, short=short, external=path is None)


def curie(iri: str) -> str:
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def expand_curie(text: str) -> str | None:
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.-]*", local):
        return PREFIXES[prefix] + local
    return None


# --- JSON-LD in a <script> element ------------------------------------------------------------------------------
def script_json(data) -> Markup:
    """JSON for a <script type="application/ld+json"> (or application/json) data block.

    '<', '>' and '&' are written as \\u escapes, which JSON readers decode to the same characters, so no text in
    the data ('</script>', '<!--') can end the element early or start markup."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


# --- rendering ------------------------------------------------------------------------------------------------
def render(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    body = render_template(template, **context)
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Content-Language"] = context.get("content_language", "en")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def etag_for(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
