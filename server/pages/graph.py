"""A read-only, in-memory view of one build for the pages: adjacency lists, types, labels, kinds.

The pages ask many small questions of the same graph (what does this link to, what is its label in French, how
many statements mention it). One pass over the store's default graph (the RDF merge of every named graph, ~0.1 s
for this graph) gives dictionaries that answer each of them in microseconds, so a page renders in milliseconds.
The view is built once per build and per worker and cached by build id (``for_snapshot``); a new build gets a
new view on its first request.
"""
from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict

import pyoxigraph as ox

from ontology.vocab import DCT, GCM, GCM_NS, OWL, RDF, RDFS, SDGO, SKOS

T_TYPE = RDF.type.value
T_LABEL = RDFS.label.value
T_PREF = SKOS.prefLabel.value
T_ALT = SKOS.altLabel.value
T_TITLE = DCT.title.value
T_SUBCLASS = RDFS.subClassOf.value

# The kind of page an entity gets: the first class of this list that it is an instance of (through
# rdfs:subClassOf, so a gcm:Consultation is an event). Anything else gets the generic page.
KINDS: tuple[tuple[str, str], ...] = (
    ("objective", GCM.Objective.value),
    ("action", GCM.Action.value),
    ("principle", GCM.GuidingPrinciple.value),
    ("cluster", GCM.ObjectiveCluster.value),
    ("sdg-goal", SDGO.Goal.value),
    ("sdg-target", SDGO.Target.value),
    ("sdg-indicator", SDGO.Indicator.value),
    ("country", GCM.Country.value),
    ("region", GCM.Region.value),
    ("process", GCM.RegionalConsultativeProcess.value),
    ("actor", GCM.Actor.value),
    ("instrument", GCM.Instrument.value),
    ("event", GCM.Meeting.value),
    ("statement", GCM.Statement.value),
    ("document", GCM.Document.value),
    ("figure", GCM.StatisticalObservation.value),
    ("mention", GCM.Mention.value),
    ("segment", GCM.TextSegment.value),
    ("mapping", GCM.ObjectiveTargetMapping.value),
    ("party", GCM.StateParty.value),
    ("role", GCM.EventRole.value),
)

# Human names of the kinds (search filters, headings, browse).
KIND_NAMES = {
    "objective": "GCM objective", "action": "GCM action", "principle": "guiding principle",
    "cluster": "objective cluster", "sdg-goal": "SDG goal", "sdg-target": "SDG target",
    "sdg-indicator": "SDG indicator", "country": "country or territory", "region": "region",
    "process": "regional consultative process", "actor": "actor", "instrument": "instrument",
    "event": "meeting", "statement": "statement", "document": "document", "figure": "figure",
    "mention": "mention", "segment": "text segment", "mapping": "objective-to-SDG-target mapping",
    "party": "state party record", "role": "role in an event", "thing": "resource",
}

LABEL_PROPERTIES = (T_PREF, T_LABEL, T_TITLE, GCM.heading.value)


def term_key(term) -> str:
    """The dictionary key of a node: its IRI, or '_:id' for a blank node."""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


class GraphIndex:
    def __init__(self, store: ox.Store, meta: dict | None = None):
        self.meta = meta or {}
        self.out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.inc: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.triple_count = 0
        for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            s, p, o = quad.subject, quad.predicate.value, quad.object
            sk = term_key(s)
            self.out[sk][p].append(o)
            if not isinstance(o, ox.Literal):
                self.inc[term_key(o)][p].append(s)
            self.triple_count += 1
        self.out = {k: dict(v) for k, v in self.out.items()}
        self.inc = {k: dict(v) for k, v in self.inc.items()}
        self._superclasses: dict[str, frozenset[str]] = {}
        self._kind_cache: dict[str, str] = {}
        self.lock = threading.Lock()
        self.cache: dict = {}  # per-build derived data (search index, charts, rendered texts)

    # --- basic access --------------------------------------------------------------------------------------
    def exists(self, iri: str) -> bool:
        return iri in self.out

    def values(self, iri: str, predicate: str) -> list:
        return self.out.get(iri, {}).get(predicate, [])

    def value(self, iri: str, predicate: str):
        vals = self.values(iri, predicate)
        return vals[0] if vals else None

    def text(self, iri: str, predicate: str, langs: tuple[str, ...] = ("en",)) -> str | None:
        """One literal value of the property, in the reader's language where there is a choice."""
        vals = [v for v in self.values(iri, predicate) if isinstance(v, ox.Literal)]
        if not vals:
            return None
        return pick_language(vals, langs).value

    def iris(self, iri: str, predicate: str) -> list[str]:
        return [term_key(v) for v in self.values(iri, predicate) if not isinstance(v, ox.Literal)]

    def subjects(self, predicate: str, iri: str) -> list[str]:
        return [term_key(s) for s in self.inc.get(iri, {}).get(predicate, [])]

    def incoming(self, iri: str) -> dict[str, list]:
        return self.inc.get(iri, {})

    def outgoing(self, iri: str) -> dict[str, list]:
        return self.out.get(iri, {})

    # --- classes -------------------------------------------------------------------------------------------
    def types(self, iri: str) -> list[str]:
        return self.iris(iri, T_TYPE)

    def superclasses(self, cls: str) -> frozenset[str]:
        """The class and every class above it (rdfs:subClassOf*)."""
        found = self._superclasses.get(cls)
        if found is None:
            seen, todo = {cls}, [cls]
            while todo:
                for sup in self.iris(todo.pop(), T_SUBCLASS):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            found = self._superclasses[cls] = frozenset(seen)
        return found

    def all_types(self, iri: str) -> set[str]:
        out: set[str] = set()
        for t in self.types(iri):
            out |= self.superclasses(t)
        return out

    def is_a(self, iri: str, cls: str) -> bool:
        return any(cls in self.superclasses(t) for t in self.types(iri))

    def kind(self, iri: str) -> str:
        found = self._kind_cache.get(iri)
        if found is None:
            closure = self.all_types(iri)
            found = next((k for k, cls in KINDS if cls in closure), "thing")
            self._kind_cache[iri] = found
        return found

    def instances(self, cls: str) -> list[str]:
        """Every instance of the class or of a subclass of it."""
        found = self.cache.get(("instances", cls))
        if found is None:
            subs = [c for c in self.inc if cls in self.superclasses(c)] if cls else []
            seen: dict[str, None] = {}
            for c in subs:
                for s in self.subjects(T_TYPE, c):
                    seen.setdefault(s, None)
            found = self.cache[("instances", cls)] = list(seen)
        return found

    def most_specific_type(self, iri: str) -> str | None:
        """The asserted type that no other asserted type specialises (for 'a Consultation', not 'a Meeting')."""
        types = [t for t in self.types(iri) if t != SKOS.Concept.value and t != OWL.NamedIndividual.value]
        # our own classes first (a document is a gcm:Document before it is a nif:Context)
        types.sort(key=lambda t: (not t.startswith(GCM_NS), t))
        for t in types:
            if not any(t != u and t in self.superclasses(u) for u in types):
                return t
        return types[0] if types else None

    # --- labels --------------------------------------------------------------------------------------------
    def label(self, iri: str, langs: tuple[str, ...] = ("en",)) -> str:
        for prop in LABEL_PROPERTIES:
            vals = [v for v in self.values(iri, prop) if isinstance(v, ox.Literal)]
            if vals:
                return pick_language(vals, langs).value
        code = self.text(iri, GCM.code.value) or self.text(iri, SKOS.notation.value)
        if code:
            return code
        return local_name(iri)

    def label_lang(self, iri: str, langs: tuple[str, ...] = ("en",)) -> tuple[str, str | None]:
        """The label and its language tag (None when it has none), for `lang` attributes."""
        for prop in LABEL_PROPERTIES:
            vals = [v for v in self.values(iri, prop) if isinstance(v, ox.Literal)]
            if vals:
                chosen = pick_language(vals, langs)
                return chosen.value, chosen.language
        return self.label(iri, langs), None

    def has_label(self, iri: str) -> bool:
        out = self.out.get(iri, {})
        return any(p in out for p in LABEL_PROPERTIES)


def pick_language(literals: list, langs: tuple[str, ...]):
    """The literal in the first language of *langs* that has one; then English, untagged, anything."""
    by_lang: dict[str, object] = {}
    for lit in sorted(literals, key=lambda lit: lit.value):
        tag = (lit.language or "").lower()
        by_lang.setdefault(tag, lit)
        by_lang.setdefault(tag.split("-")[0], lit)
    for lang in (*langs, "en", ""):
        if lang.lower() in by_lang:
            return by_lang[lang.lower()]
    return sorted(literals, key=lambda lit: (lit.language or "", lit.value))[0]


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        head, _, tail = iri.rstrip("/").rpartition(sep)
        if tail and head:
            return tail
    return iri


# --- one view per build, per worker ------------------------------------------------------------------------
_VIEWS: OrderedDict = OrderedDict()
_VIEWS_LOCK = threading.Lock()
_BUILD_LOCK = threading.Lock()
_MAX_VIEWS = 2  # the current build and the one before (requests in flight may still be on it)


def view_key(snapshot) -> tuple:
    """A build folder is named by its path and id; a store given to StoreHolder.use() by its memory key."""
    meta = snapshot.meta or {}
    key = getattr(snapshot, "key", None)
    if key is None:  # an older Snapshot without a key
        key = f"store:{id(snapshot.store)}"
    return (key, meta.get("id"))


def for_snapshot(snapshot) -> GraphIndex:
    """The view of the snapshot's build, built on first use and kept for the next requests."""
    key = view_key(snapshot)
    with _VIEWS_LOCK:
        entry = _VIEWS.get(key)
        if entry is not None:
            _VIEWS.move_to_end(key)
            return entry[1]
    with _BUILD_LOCK:  # one view per build, even when several request threads ask for it at once
        with _VIEWS_LOCK:
            entry = _VIEWS.get(key)
        if entry is not None:
            return entry[1]
        store = snapshot.store  # only now: a view already built needs no in-memory copy of the store
        index = GraphIndex(store, snapshot.meta)
    with _VIEWS_LOCK:
        # the store is kept beside its view so that an id-based key cannot be reused while the entry lives
        _VIEWS[key] = (store, index)
        while len(_VIEWS) > _MAX_VIEWS:
            _VIEWS.popitem(last=False)
    return index


def build_id(snapshot) -> str:
    meta = snapshot.meta or {}
    return str(meta.get("id") or getattr(snapshot, "key", None) or f"store-{id(snapshot.store):x}")


__all__ = ["GraphIndex", "KINDS", "KIND_NAMES", "for_snapshot", "local_name", "pick_language", "term_key"]
