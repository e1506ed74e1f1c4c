"""One search box over labels, alternative names, acronyms, codes and statement text.

An in-memory inverted index (normalised token -> entries) is built once per build and worker from the page view
(server/pages/graph.py): ~3,000 names and ~300 statement texts, built in well under a second, answered in about a
millisecond, so the box can search as the reader types. No SPARQL regex scan per keystroke.

Ranking, best first:
  1. where it matched: a name (label, alternative name, acronym, code) before statement text;
  2. how: the whole name (exact) > the name begins with the query (prefix) > every query word is a word of the
     name, the last one possibly unfinished (word) > the query is inside the name (substring);
  3. then the kind (objectives, SDGs, places, actors, instruments, meetings, documents, statements), then
     shorter names, then alphabetical.
Text is compared after Unicode normalisation (accents dropped, case folded, punctuation as spaces), so 'cote
divoire' finds Côte d’Ivoire and 'Tailandia' (a Spanish label) finds Thailand.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlencode
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, jsonify, request

from ontology.vocab import DCT, GCM, RDFS, SKOS
from server.pages import site
from server.pages.graph import GraphIndex, KIND_NAMES

bp = Blueprint("search", __name__)

SEARCH_KINDS = ("objective", "action", "principle", "cluster", "sdg-goal", "sdg-target", "sdg-indicator",
                "country", "region", "process", "actor", "instrument", "event", "document", "statement", "figure")
KIND_RANK = {k: n for n, k in enumerate(SEARCH_KINDS)}
FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gcm": ("Global Compact (objectives, actions, principles)", ("objective", "action", "principle", "cluster")),
    "sdg": ("SDG goals, targets and indicators", ("sdg-goal", "sdg-target", "sdg-indicator")),
    "place": ("Countries and regions", ("country", "region")),
    "actor": ("Actors and processes", ("actor", "process")),
    "instrument": ("Treaties and instruments", ("instrument",)),
    "event": ("Meetings", ("event",)),
    "document": ("Documents", ("document",)),
    "statement": ("Statements", ("statement",)),
    "figure": ("Figures", ("figure",)),
}
MATCH_NAMES = ("exact", "prefix", "word", "substring")
NAME_FIELDS = {"label": (SKOS.prefLabel.value, RDFS.label.value, DCT.title.value),
               "alt": (SKOS.altLabel.value, GCM.acronym.value),
               "code": (GCM.code.value, GCM.iso3.value, GCM.iso2.value, GCM.symbol.value, SKOS.notation.value)}
TEXT_FIELDS = (GCM.text.value,)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    field: str  # label | alt | code | text
    text: str  # as written
    norm: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    tier: int  # 0..3 for names, 10..13 for text
    label: str

    @property
    def match(self) -> str:
        return MATCH_NAMES[self.tier % 10]


class SearchIndex:
    def __init__(self, index: GraphIndex):
        started = time.perf_counter()
        self.entries: list[Entry] = []
        self.postings: dict[str, set[int]] = {}
        for iri in index.out:
            kind = index.kind(iri)
            if kind not in KIND_RANK:
                continue
            seen: set[tuple[str, str]] = set()
            for field, props in NAME_FIELDS.items():
                # a statement's label is an excerpt of its text: it counts as text, not as a name
                f = "text" if kind == "statement" else field
                for p in props:
                    for v in index.values(iri, p):
                        if isinstance(v, ox.Literal) and v.value.strip():
                            self._add(iri, kind, f, v.value, seen)
            for p in TEXT_FIELDS:
                for v in index.values(iri, p):
                    if isinstance(v, ox.Literal) and v.value.strip() and kind in ("statement", "action"):
                        self._add(iri, kind, "text", v.value, seen)
        self.vocabulary = sorted(self.postings)
        self.seconds = time.perf_counter() - started

    def _add(self, iri, kind, field, text, seen) -> None:
        norm = normalise(text)
        if not norm or (field, norm) in seen:
            return
        seen.add((field, norm))
        entry = Entry(iri, kind, field, text, norm, tuple(norm.split()))
        n = len(self.entries)
        self.entries.append(entry)
        for token in set(entry.tokens):
            self.postings.setdefault(token, set()).add(n)

    # --- querying ------------------------------------------------------------------------------------------
    def _candidates(self, tokens: list[str]) -> set[int]:
        result: set[int] | None = None
        for qt in tokens:
            ids: set[int] = set()
            for token in self.vocabulary:
                if qt in token:
                    ids |= self.postings[token]
            result = ids if result is None else result & ids
            if not result:
                return set()
        return result or set()

    @staticmethod
    def tier(query_norm: str, query_tokens: list[str], entry: Entry) -> int | None:
        base = 10 if entry.field == "text" else 0
        if entry.norm == query_norm:
            return base
        if entry.norm.startswith(query_norm):
            return base + 1
        tokens = entry.tokens
        whole = all(qt in tokens for qt in query_tokens[:-1])
        last = query_tokens[-1]
        if whole and any(t == last or t.startswith(last) for t in tokens):
            return base + 2
        if query_norm in entry.norm or all(any(qt in t for t in tokens) for qt in query_tokens):
            return base + 3
        return None

    def search(self, query: str, kinds: set[str] | None = None, index: GraphIndex | None = None,
               langs: tuple[str, ...] = ("en",)) -> list[Hit]:
        qn = normalise(query)
        if not qn:
            return []
        tokens = qn.split()
        best: dict[str, tuple] = {}
        for n in self._candidates(tokens):
            entry = self.entries[n]
            if kinds and entry.kind not in kinds:
                continue
            t = self.tier(qn, tokens, entry)
            if t is None:
                continue
            key = (t, KIND_RANK[entry.kind], len(entry.norm), entry.norm)
            if entry.iri not in best or key < best[entry.iri][0]:
                best[entry.iri] = (key, entry)
        hits = []
        for iri, (key, entry) in best.items():
            label = index.label(iri, langs) if index is not None else entry.text
            hits.append((key[0], key[1], key[2] if key[0] < 10 else 0, entry.norm if key[0] < 10 else "",
                         label.casefold(), Hit(entry, key[0], label)))
        hits.sort(key=lambda h: h[:5])
        return [h[-1] for h in hits]


def search_index() -> SearchIndex:
    index = site.index()
    found = index.cache.get("search")
    if found is None:
        with index.lock:
            found = index.cache.get("search")
            if found is None:
                found = index.cache["search"] = SearchIndex(index)
    return found


def requested_kinds() -> tuple[set[str] | None, list[str]]:
    chosen = [t for t in request.args.getlist("type") if t]
    kinds: set[str] = set()
    for t in chosen:
        if t in FILTERS:
            kinds |= set(FILTERS[t][1])
        elif t in KIND_RANK:
            kinds.add(t)
    return (kinds or None), chosen


def snippet(text: str, query: str, width: int = 160) -> str:
    """A window of the text around the first query word (plain text; the template escapes it)."""
    words = [w for w in re.split(r"\W+", query) if w]
    pos = -1
    folded = text.casefold()
    for w in words:
        pos = folded.find(w.casefold())
        if pos >= 0:
            break
    if len(text) <= width:
        return text
    start = max(0, pos - width // 3) if pos >= 0 else 0
    if start > 0:  # begin at a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < pos else start
    out = text[start:start + width]
    if start + width < len(text) and " " in out[width // 2:]:
        out = out[:out.rfind(" ")]
    return ("…" if start > 0 else "") + out + ("…" if start + width < len(text) else "")


def hit_json(hit: Hit, query: str) -> dict:
    e = hit.entry
    ref = site.ref(e.iri, hit.label)
    out = {"iri": e.iri, "label": hit.label, "kind": e.kind, "kindName": KIND_NAMES.get(e.kind, e.kind),
           "url": ref.href, "match": hit.match, "field": e.field}
    if e.field != "label" or normalise(e.text) != normalise(hit.label):
        out["matched"] = snippet(e.text, query)
    return out


def run(query: str, kinds, limit: int, offset: int) -> tuple[list[Hit], int, dict[str, int]]:
    si = search_index()
    all_hits = si.search(query, None, site.index(), site.langs())
    counts = {key: sum(1 for h in all_hits if h.entry.kind in members) for key, (_n, members) in FILTERS.items()}
    hits = [h for h in all_hits if not kinds or h.entry.kind in kinds]
    return hits[offset:offset + limit], len(hits), counts


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(request.args.get(name, default)), lo), hi)
    except ValueError:
        return default


@bp.get("/search.json")
def search_json():
    query = request.args.get("q", "")[:200]
    kinds, chosen = requested_kinds()
    limit = _int_arg("limit", 20, 1, 100)
    offset = _int_arg("offset", 0, 0, 100000)
    started = time.perf_counter()
    hits, total, counts = run(query, kinds, limit, offset)
    resp = jsonify({"query": query, "type": chosen, "total": total, "offset": offset, "limit": limit,
                    "counts": counts, "results": [hit_json(h, query) for h in hits],
                    "ms": round((time.perf_counter() - started) * 1000, 2)})
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


@bp.get("/search")
def search_page():
    query = request.args.get("q", "")[:200]
    kinds, chosen = requested_kinds()
    page_size = 25
    page = _int_arg("page", 1, 1, 10000)
    hits, total, counts = run(query, kinds, page_size, (page - 1) * page_size) if query.strip() else ([], 0, {})
    results = [hit_json(h, query) for h in hits]
    pages = max(1, (total + page_size - 1) // page_size)
    return site.render("search.html", query=query, results=results, total=total, chosen=chosen, counts=counts,
                       filters=FILTERS, page=page, pages=pages,
                       pager_qs=urlencode([("q", query)] + [("type", t) for t in chosen]), title=f"Search: {query}" if query else "Search")
