"""What the endpoint refuses before a request reaches the engine, read from the query text (see server.lexer).

- ``SERVICE``: pyoxigraph calls any SERVICE target over HTTP and Python cannot switch that off (FIELD-NOTES), so a
  query whose SERVICE target is not on the ``service_allowlist`` setting is refused. Targets are resolved the way
  the engine resolves them: prefixed names through the query's PREFIX declarations (and the endpoint's predefined
  prefixes), relative IRIs against BASE (and the endpoint URL). ``SERVICE ?var`` is always refused. Because a lexer
  mistake would be a hole, the text is tokenized three ways and the query must pass all three.
- ``LOAD`` in an update fetches a URL: always refused (data enter through `gcmkg build`).
- ``FROM`` / ``FROM NAMED`` are not refused: pyoxigraph reads them as names of graphs in the store and fetches
  nothing (tested in tests/test_sparql_guard.py).
"""
from __future__ import annotations

import functools
import re

import pyoxigraph as ox

from server.lexer import LexError, Token, iri_value, split_pname, tokenize


class Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def resolve_iri(relative: str, base: str | None) -> str:
    """*relative* resolved against *base* by the engine's own IRI resolver (oxiri), not by a look-alike."""
    doc = f"<{relative.replace('>', '%3E')}> <urn:x:p> <urn:x:o> ."
    try:
        (triple,) = list(ox.parse(doc.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=base))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"cannot resolve <{relative}> against {base!r}: {exc}") from exc
    return triple.subject.value


def _declarations(tokens: list[Token], index: int, prefixes: dict, base: str | None) -> str | None:
    """Apply a PREFIX or BASE declaration starting at tokens[index] (mutates prefixes); returns the new base."""
    tok = tokens[index]
    if tok.kind == "word" and tok.upper == "BASE" and index + 1 < len(tokens) and tokens[index + 1].kind == "iri":
        return resolve_iri(iri_value(tokens[index + 1]), base)
    if tok.kind == "word" and tok.upper == "PREFIX" and index + 2 < len(tokens) \
            and tokens[index + 1].kind == "pname" and tokens[index + 2].kind == "iri":
        name = tokens[index + 1].text[:-1] if tokens[index + 1].text.endswith(":") else tokens[index + 1].text
        prefixes[name] = resolve_iri(iri_value(tokens[index + 2]), base)
    return base


def _expand(pname: str, prefixes: dict) -> str | None:
    prefix, local = split_pname(pname)
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + local


def _service_candidates(tokens: list[Token], i: int) -> list[tuple[str, Token | None, int]]:
    """Possible SERVICE targets if tokens[i] contains the SERVICE keyword: (pname text or '', target token, index of
    the token that must then be '{')."""
    tok = tokens[i]
    low = tok.text.lower()
    out = []
    start = low.find("service")
    while start != -1:
        rest = tok.text[start + 7:]
        rests = [rest]
        if rest.lower().startswith("silent"):
            rests.append(rest[6:])
        for r in rests:
            if r == "":
                j = i + 1
                if j < len(tokens) and tokens[j].kind == "word" and tokens[j].upper == "SILENT":
                    j += 1
                if j < len(tokens):
                    nxt = tokens[j]
                    out.append(("", nxt, j + 1))
                    if nxt.kind == "pname" and nxt.text.lower().startswith("silent"):
                        out.append((nxt.text[6:], None, j + 1))
            elif ":" in r:
                out.append((r, None, i + 1))
        start = low.find("service", start + 1)
    return out


def _check_service(tokens: list[Token], allowlist: frozenset, prefixes: dict, base: str | None) -> None:
    prefixes = dict(prefixes)
    for i, tok in enumerate(tokens):
        if tok.kind == "word" and tok.upper in ("BASE", "PREFIX"):
            base = _declarations(tokens, i, prefixes, base)
            continue
        if tok.kind not in ("word", "pname") or "service" not in tok.text.lower():
            continue
        unclear = []  # readings whose target cannot be resolved: refused unless a clearer reason comes first
        for pname, target, brace_at in _service_candidates(tokens, i):
            if brace_at >= len(tokens) or tokens[brace_at].text != "{":
                continue  # not followed by a group: cannot be a SERVICE pattern
            text = target.text if target is not None else pname
            if target is not None and target.kind == "var":
                raise Refusal(403, f"SERVICE with a variable target ({text}) is not allowed on this endpoint: "
                                   "name the service IRI")
            if target is not None and target.kind == "iri":
                try:
                    iri = resolve_iri(iri_value(target), base)
                except ValueError:
                    unclear.append(f"SERVICE {text}: a relative IRI with no BASE to resolve it")
                    continue
            elif target is None or target.kind == "pname":
                iri = _expand(text, prefixes)
                if iri is None:
                    unclear.append(f"SERVICE {text}: undeclared prefix")
                    continue
            else:
                unclear.append(f"SERVICE target {text!r} not understood")
                continue
            if iri not in allowlist:
                allowed = ", ".join(sorted(allowlist)) or "none"
                raise Refusal(403, f"SERVICE <{iri}> is not allowed: federated queries may only call the "
                                   f"allow-listed services (setting service_allowlist; allowed: {allowed})")
        if unclear:
            raise Refusal(403, unclear[0] + "; SERVICE is refused unless its target is an allow-listed IRI")


def check_service(text: str, allowlist, prefixes: dict, base: str | None) -> None:
    """Raise Refusal unless every SERVICE target in *text* is on *allowlist*."""
    if "service" not in text.lower():  # the keyword must appear literally: \\u escapes are not read in keywords
        return
    allow = frozenset(allowlist)
    for mode in ("context", "greedy", "operator"):
        try:
            tokens = tokenize(text, mode)
        except LexError as exc:
            if mode == "context":
                raise Refusal(400, f"the query mentions SERVICE but cannot be analysed: {exc}") from exc
            continue  # the other readings are a safety net; the engine's own reading is the context one
        _check_service(tokens, allow, prefixes, base)


def check_update(text: str) -> None:
    """Refuse LOAD (fetches a URL). Call with update text only."""
    if "load" not in text.lower():
        return
    try:
        tokens = tokenize(text)
    except LexError as exc:
        raise Refusal(400, f"the update cannot be analysed: {exc}") from exc
    for tok in tokens:
        if tok.kind in ("word", "pname") and tok.text.lower().startswith("load"):
            raise Refusal(403, "LOAD is not allowed on this endpoint: data enter through `gcmkg build`")


def has_dataset_clause(text: str) -> bool:
    """True if the query names its own dataset (FROM / FROM NAMED), which then replaces the union default graph."""
    if "from" not in text.lower():
        return False
    try:
        tokens = tokenize(text)
    except LexError:
        return False  # the engine will report the syntax error
    return any(t.kind == "word" and t.upper == "FROM" and t.depth == 0 for t in tokens)


@functools.lru_cache(maxsize=512)  # a function of the text alone; named queries send the same texts again and again
def may_name_graphs(text: str) -> bool:
    """False only when the query surely reads the default graph alone: no GRAPH pattern and no FROM / FROM NAMED
    in any of the lexer's three readings (keywords need no word boundary for pyoxigraph: any bare word containing
    "graph" or "from", or prefixed name whose prefix contains them ('graph:p' may read as GRAPH :p), counts; the
    local part of a prefixed name is read whole by the grammar, so 'gcm:fromSource' or 'gcm:Paragraph' does not).
    A text that cannot be tokenized counts as naming a graph. Such queries are evaluated on the full dataset, the
    others on a store of the default graph alone (server.evaluator); a wrong False would answer from the wrong
    graph, a wrong True only costs speed."""
    low = text.lower()
    if "graph" not in low and "from" not in low:
        return False
    for mode in ("context", "greedy", "operator"):
        try:
            tokens = tokenize(text, mode)
        except LexError:
            return True
        for tok in tokens:
            word = tok.text if tok.kind == "word" else split_pname(tok.text)[0] if tok.kind == "pname" else ""
            if "graph" in word.lower() or "from" in word.lower():
                return True
    return False


QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


# The prologue (PREFIX and BASE declarations, comments) then the query form: read without the lexer when it fits
_PLAIN_FORM = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:<>]*:\s*<[^<>\s]*>|BASE\s*<[^<>\s]*>|#[^\n\r]*)\s*)*"
                         r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_kind(text: str) -> str | None:
    """'results' (SELECT, ASK), 'graph' (CONSTRUCT, DESCRIBE) or None when the text does not say."""
    m = _PLAIN_FORM.match(text)
    if m:
        return QUERY_FORMS[m.group(1).upper()]
    try:
        tokens = tokenize(text)
    except LexError:
        return None
    for tok in tokens:
        if tok.kind == "word" and tok.upper in QUERY_FORMS:
            return QUERY_FORMS[tok.upper]
    return None


def rewrite_update_dataset(text: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri to every DELETE/INSERT ... WHERE operation by
    inserting USING clauses before its WHERE (pyoxigraph's update API has no dataset argument). An update that
    names its own dataset (USING, USING NAMED or WITH) as well is refused, as the Protocol (2.2.3) requires."""
    if not using and not using_named:
        return text
    try:
        tokens = tokenize(text)
    except LexError as exc:
        raise Refusal(400, f"the update cannot be analysed: {exc}") from exc
    clause = "".join(f" USING <{g}>" for g in using) + "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    cuts = []
    prev = None
    for tok in tokens:
        if tok.depth == 0 and tok.kind == "word":
            if tok.upper in ("USING", "WITH"):
                raise Refusal(400, "the update names its dataset (USING or WITH) and the request gives "
                                   "using-graph-uri/using-named-graph-uri as well: give one or the other")
            if tok.upper == "WHERE" and not (prev is not None and prev.kind == "word" and prev.upper == "DELETE"):
                cuts.append(tok.start)
        prev = tok
    for cut in reversed(cuts):
        text = text[:cut] + clause + text[cut:]
    return text
