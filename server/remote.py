"""The store back end seam: serve a build held by any SPARQL 1.1 endpoint instead of the embedded store.

``gcmkg serve --store URL`` (setting ``store_url``) serves whatever ``gcmkg publish --to URL`` loaded there: the
endpoint, the named queries and the entity pages run unchanged, because ``RemoteStore`` answers the part of
pyoxigraph's ``Store`` API they use with pyoxigraph's own result objects:

- ``query(text, prefixes=, base_iri=, substitutions=, default_graph=, named_graphs=, ...)`` sends the query with
  the SPARQL 1.1 Protocol (form POST: Virtuoso hangs on a direct POST) and parses the answer with
  ``pyoxigraph.parse_query_results`` (SELECT / ASK, SPARQL XML) or ``pyoxigraph.parse`` (CONSTRUCT / DESCRIBE,
  N-Triples), so callers get ``QuerySolutions`` / ``QueryBoolean`` / triples exactly as from the embedded store.
- The dataset of every query is the build's, whatever the target's own default graph holds (Virtuoso's is every
  graph, system graphs included): ``default-graph-uri`` = the merge graph and ``named-graph-uri`` = each source
  graph, both named in the build record that ``gcmkg publish`` writes last (ingest/publish.py). A query with its
  own FROM / FROM NAMED, or a request with its own dataset parameters, keeps them.
- ``substitutions`` (the named queries' parameters) become a ``VALUES`` block at the start of the query's WHERE
  group: the same bindings as pyoxigraph's substitution, in standard SPARQL any endpoint evaluates.
- ``quads_for_pattern(None, None, None, graph)`` (the pages' one pass over a graph) is a ``CONSTRUCT`` of that
  graph; the row count is checked against a ``COUNT`` first, so a server that caps its results silently
  (Virtuoso's ResultSetMaxRows) is an error naming the setting, never a page built on part of the data.

Limits: a query that runs longer than the time limit is abandoned (the socket times out) and answered 503; the
engine may go on evaluating it until its own limit (Virtuoso: MaxQueryExecutionTime). Results are re-serialized
by pyoxigraph, so the result-size limits and the formats offered are the embedded store's. Updates are not
forwarded (load with ``gcmkg publish``). Which build the target holds is re-read at most every
``store_refresh`` seconds; a new build record (a new publish) gives a new snapshot key, so cached answers and the
pages' in-memory view of the old build are not used for the new one.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from ontology.iris import Minter
from ontology.vocab import EP
from queries.store import Build, StoreNotBuilt
from server.guard import QUERY_FORMS, query_kind
from server.lexer import LexError, tokenize

XML_RESULTS = "application/sparql-results+xml"
NTRIPLES = "application/n-triples"
# Asked for graphs: N-Triples first; Virtuoso 7 knows it as text/plain (its N-Triples writer), Turtle is next.
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"


class RemoteError(Exception):
    """The store's endpoint could not be reached or refused a request it should accept."""


class RemoteTimeout(RemoteError):
    """The store did not answer within the time limit."""


def _term(term) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        if isinstance(term, ox.BlankNode):
            raise ValueError("a blank node cannot be a query parameter")
        return str(term)
    raise ValueError(f"unsupported parameter value {term!r}")


def inline_values(text: str, substitutions: dict) -> str:
    """``text`` with ``VALUES (?a ?b) { (t1 t2) }`` opening the WHERE group of the query and of each subquery that
    uses those variables: the bindings of ``substitutions`` ({Variable: term}) in standard SPARQL. pyoxigraph
    substitutes a variable in subqueries too, so each group that names it gets the block (with the variables it
    names; a group that names none gets none: an unused VALUES in a grouped subquery trips Virtuoso). Raises
    SyntaxError when the text has no WHERE group."""
    if not substitutions:
        return text
    try:
        tokens = tokenize(text)
    except LexError as exc:
        raise SyntaxError(f"the query cannot be analysed: {exc}") from exc
    wanted = {v.value: t for v, t in substitutions.items()}
    cuts: dict[int, list[str]] = {}
    groups = 0
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or tok.upper not in QUERY_FORMS:
            continue
        j = i + 1
        if tok.upper == "CONSTRUCT":  # skip the template: the group follows WHERE
            j = next((k for k in range(j, len(tokens)) if tokens[k].depth == tok.depth and tokens[k].kind == "word"
                      and tokens[k].upper == "WHERE"), len(tokens))
        at = next((k for k in range(j, len(tokens)) if tokens[k].depth == tok.depth and tokens[k].text == "{"), None)
        if at is None:
            continue
        groups += 1
        if at + 1 < len(tokens) and tokens[at + 1].kind == "word" and tokens[at + 1].upper == "SELECT":
            continue  # a group that is a subquery holds nothing else: the subquery gets the block itself
        level, used = 0, set()
        for t in tokens[at:]:
            level += (t.text == "{") - (t.text == "}")
            if t.kind == "var" and t.text[1:] in wanted:
                used.add(t.text[1:])
            if level == 0:
                break
        if tok.depth == 0:  # the query's own group binds every parameter, as pyoxigraph's substitution does
            used = set(wanted)
        if used:
            cuts[tokens[at].start + 1] = sorted(used, key=list(wanted).index)
    if not groups:
        raise SyntaxError("the query has no WHERE group to bind its parameters in")
    for at in sorted(cuts, reverse=True):
        names = " ".join(f"?{n}" for n in cuts[at])
        row = " ".join(_term(wanted[n]) for n in cuts[at])
        text = f"{text[:at]} VALUES ({names}) {{ ({row}) }} {text[at:]}"
    return text


class RemoteStore:
    """A SPARQL 1.1 endpoint answering like a read-only pyoxigraph Store (see the module docstring)."""

    def __init__(self, url: str, default_graphs: list[str] = (), named_graphs: list[str] = (),
                 timeout: float = 60.0):
        self.url = url
        self.default_graphs = list(default_graphs)
        self.named = list(named_graphs)
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy

    # --- HTTP --------------------------------------------------------------------------------------------------
    def request(self, params: list[tuple[str, str]], accept: str, timeout: float | None = None) -> tuple[bytes, dict]:
        body = urllib.parse.urlencode(params).encode("utf-8")
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            detail = (exc.read() or b"").decode("utf-8", "replace").strip()[:2000]
            if exc.code == 400:
                raise SyntaxError(f"the store refused the query: {detail or exc.reason}") from None
            raise RemoteError(f"the store at {self.url} answered {exc.code}: {detail or exc.reason}") from None
        except (socket.timeout, TimeoutError) as exc:
            raise RemoteTimeout(f"the store at {self.url} did not answer within {timeout or self.timeout:g} s") \
                from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise RemoteTimeout(f"the store at {self.url} did not answer within "
                                    f"{timeout or self.timeout:g} s") from exc
            raise RemoteError(f"the store at {self.url} cannot be reached: {exc.reason}") from exc
        except OSError as exc:
            raise RemoteError(f"the store at {self.url} cannot be reached: {exc}") from exc

    # --- pyoxigraph's Store.query ------------------------------------------------------------------------------
    def query(self, query: str, *, prefixes: dict | None = None, base_iri: str | None = None,
              substitutions: dict | None = None, use_default_graph_as_union: bool = False,
              default_graph=None, named_graphs=None, dataset_from_query: bool = False,
              timeout: float | None = None):
        text = inline_values(query, substitutions) if substitutions else query
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        if base_iri:
            prologue = f"BASE <{base_iri}>\n" + prologue
        text = prologue + text
        params = [("query", text)]
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, list) else [default_graph]
            for g in graphs:  # the store's default graph is the build's merge
                params += [("default-graph-uri", gr) for gr in
                           (self.default_graphs if isinstance(g, ox.DefaultGraph) else [g.value])]
        elif not dataset_from_query:
            params += [("default-graph-uri", g) for g in self.default_graphs]
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs]
        elif not dataset_from_query or default_graph is not None:
            params += [("named-graph-uri", g) for g in self.named]
        form = query_kind(query)
        if form == "graph":
            body, headers = self.request(params, GRAPH_ACCEPT, timeout)
            _check_not_capped(headers)
            fmt = _graph_format(headers.get("content-type", ""))
            return [q.triple for q in ox.parse(body, format=fmt)]
        body, headers = self.request(params, XML_RESULTS, timeout)
        _check_not_capped(headers)
        body = body.replace(b"<bnode>nodeID://", b"<bnode>")  # Virtuoso's blank node ids are not valid ids
        try:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"the store's answer is not SPARQL XML results: {exc}: {body[:300]!r}") from exc

    # --- the pages' pass over a graph --------------------------------------------------------------------------
    def quads_for_pattern(self, subject, predicate, obj, graph):
        if subject is not None or predicate is not None or obj is not None or graph is None:
            raise NotImplementedError("a remote store is read graph by graph (quads_for_pattern(None, None, None, G))")
        if isinstance(graph, ox.DefaultGraph):
            where, kwargs = "{ ?s ?p ?o }", {}
        else:
            where, kwargs = "{ GRAPH <%s> { ?s ?p ?o } }" % graph.value, {"named_graphs": [graph]}
        (count,) = [int(sol["n"].value) for sol in self.query(f"SELECT (COUNT(*) AS ?n) WHERE {where}", **kwargs)]
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {where}", **kwargs)
        if len(triples) != count:
            raise RemoteError(f"the store at {self.url} returned {len(triples)} of the {count} triples of "
                              f"{graph}: it cuts results (Virtuoso: raise ResultSetMaxRows in [SPARQL] of "
                              "virtuoso.ini)")
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]

    def named_graphs(self):
        return [ox.NamedNode(g) for g in self.named]


def _graph_format(content_type: str) -> ox.RdfFormat:
    media = content_type.split(";")[0].strip().lower()
    if media in ("text/turtle", "application/x-turtle"):
        return ox.RdfFormat.TURTLE
    if media in ("application/n-triples", "text/plain", "text/ntriples"):
        return ox.RdfFormat.N_TRIPLES
    if media == "application/rdf+xml":
        return ox.RdfFormat.RDF_XML
    raise RemoteError(f"the store answered a graph query with {content_type or 'no media type'}")


def _check_not_capped(headers: dict) -> None:
    """A cut or partial answer is never passed on: Virtuoso says so in headers when ResultSetMaxRows cut it, or
    when an "anytime" query stopped at its time limit and answered with what it had (X-SQL-State S1TAT)."""
    if "x-sparql-maxrows" in headers:
        raise RemoteError(f"the store cut the result at {headers['x-sparql-maxrows']} rows (its ResultSetMaxRows):"
                          " add LIMIT / OFFSET, or raise the store's limit")
    if "x-sql-state" in headers:
        raise RemoteError(f"the store answered with a partial result ({headers['x-sql-state']}: "
                          f"{headers.get('x-sql-message', 'no message')})")


class RemoteSnapshot:
    """What the server serves from a remote store: the published build's record, and the store to query."""

    in_memory_only = True  # no build folder here: no dumps, no updates (load with gcmkg publish)

    def __init__(self, store: RemoteStore, meta: dict):
        self.remote = store
        self.build = Build(path=Path("."), meta=meta)
        self.key = f"remote:{store.url}:{meta.get('id')}"

    meta = property(lambda self: self.build.meta)
    build_id = property(lambda self: str(self.meta.get("id") or self.key))
    store = property(lambda self: self.remote)


class RemoteHolder:
    """StoreHolder's counterpart for a remote store: reads the build record at most every ``refresh`` seconds."""

    def __init__(self, url: str, base_iri: str, timeout: float, refresh: float = 5.0):
        self.url, self.timeout, self.refresh = url, timeout, refresh
        self.record_graph = Minter(base_iri).graph("build").value
        self.instance_dir = None
        self._snapshot: RemoteSnapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _record(self) -> dict:
        probe = RemoteStore(self.url, timeout=min(self.timeout, 30.0))
        q = (f"SELECT ?json ?merge WHERE {{ GRAPH <{self.record_graph}> {{ ?r <{EP.buildRecord.value}> ?json ; "
             f"<{EP.defaultGraph.value}> ?merge }} }}")
        try:
            rows = list(probe.query(q, named_graphs=[ox.NamedNode(self.record_graph)],
                                    default_graph=[ox.NamedNode(self.record_graph)]))
        except (RemoteError, SyntaxError) as exc:
            raise StoreNotBuilt(f"the store at {self.url} cannot be read: {exc}") from exc
        if not rows:
            raise StoreNotBuilt(f"no build has been published to {self.url} (no graph <{self.record_graph}>): "
                                f"run `gcmkg publish --to {self.url} --default-graph named`")
        meta = json.loads(rows[0]["json"].value)
        meta["_merge_graph"] = rows[0]["merge"].value
        return meta

    def get(self) -> RemoteSnapshot:
        snap = self._snapshot
        if snap is not None and time.monotonic() - self._checked < self.refresh:
            return snap
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked < self.refresh:
                return self._snapshot
            meta = self._record()
            self._checked = time.monotonic()
            if self._snapshot is None or self._snapshot.meta.get("id") != meta.get("id"):
                store = RemoteStore(self.url, default_graphs=[meta.pop("_merge_graph")],
                                    named_graphs=[s["graph"] for s in meta.get("sources", [])],
                                    timeout=self.timeout)
                self._snapshot = RemoteSnapshot(store, meta)
            return self._snapshot


def run_query(snap: RemoteSnapshot, job: dict, timeout: float):
    """The endpoint's query job (server.sparql) answered by the remote store: (format name, body, count).
    Raises server.executor.EvaluationError like the evaluator processes do."""
    from server import evaluator
    from server.executor import Answer, EvaluationError

    class _Proxy:  # evaluator.run_query's dataset arguments, mapped onto the build's dataset on the remote store
        def query(self, text, **kwargs):
            if job.get("query_dataset"):
                kwargs["dataset_from_query"] = True
            kwargs.pop("use_default_graph_as_union", None)
            return snap.remote.query(text, timeout=timeout, **kwargs)

    try:
        name, body, count = evaluator.run_query(_Proxy(), job, merged_default=True)
    except evaluator.Refused as exc:
        raise EvaluationError(exc.status, exc.message) from None
    except RemoteTimeout as exc:
        raise EvaluationError(503, f"the query was stopped after {timeout:g} s, this endpoint's time limit "
                                   f"({exc})", {"Retry-After": "5"}, kind="timeout") from None
    except RemoteError as exc:
        raise EvaluationError(502, str(exc)) from None
    return Answer(name, body, count)
