"""An evaluator process: ``python -m server.evaluator FD``, started and SIGKILLed by server.executor.

It holds an in-memory copy of one build (loaded from the build's RocksDB store, or from N-Quads for a store given
with StoreHolder.use()), evaluates one request at a time, and serializes in the same thread that queried
(pyoxigraph's result iterators abort the process if another thread consumes them). The whole response is built
here and sent back in one message, so the worker never starts a 200 it cannot finish.

Messages on the socket FD (pickled tuples):

    ("load", key, spec)                -> ("loaded", key)
    ("query", key, spec | None, job)   -> ("ok", format name, body bytes, count) | ("err", status, message)
    ("update", job)                    -> ("updated", build id) | ("err", status, message)

Imports stay light (no Flask): a replacement after a SIGKILL is ready in a fraction of a second.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import OrderedDict
from multiprocessing.connection import Connection

import pyoxigraph as ox

from queries.store import has_default_graph

from ontology.vocab import PREFIXES

RESULTS_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
_WITH_PREFIXES = {"turtle", "trig", "rdfxml"}


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def default_graph_is_merge(meta: dict, store: ox.Store) -> bool:
    """build.json says how the default graph is made ("merge": stored, "union": the union of the named graphs);
    builds that do not say (ingest.build) store the merge when they have a default graph at all."""
    mode = meta.get("default_graph")
    return mode == "merge" if mode else has_default_graph(store)


def load_store(spec) -> tuple[ox.Store, bool, bool]:
    """(in-memory store, whether its default graph is the stored merge, whether it holds the default graph only).

    *spec* is (kind, value[, shape]). Shape "full" (the default) is the whole dataset. Shape "default" is the
    default graph alone when that is the stored merge of the named graphs (otherwise the whole dataset, read with
    the union default graph): pyoxigraph's memory store walks the quads of every graph to match a pattern of one,
    so a store of the merge alone answers queries of the default graph like a store of those triples only (text
    search 3.4 -> 1.7 ms, docs/benchmark.md), in half the memory. Queries that may name a graph (GRAPH, FROM,
    dataset parameters: server.guard.may_name_graphs) get the full shape."""
    kind, value = spec[0], spec[1]
    shape = spec[2] if len(spec) > 2 else "full"
    if shape not in ("full", "default"):
        raise ValueError(f"unknown store shape {shape!r}")
    store = ox.Store()
    meta: dict = {}
    if kind == "build":
        try:
            with open(os.path.join(value, "build.json"), encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {}
        disk = ox.Store.read_only(os.path.join(value, "store"))
        if shape == "default" and default_graph_is_merge(meta, disk):
            data = last_line_first(disk.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
            return store, True, True
        data = last_line_first(disk.dump(format=ox.RdfFormat.N_QUADS))
        del disk
    elif kind == "nquads":
        data = last_line_first(value)
    else:
        raise ValueError(f"unknown store spec {kind!r}")
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    del data
    merged = default_graph_is_merge(meta, store)
    if shape == "default" and merged:
        default_only = ox.Store()
        default_only.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return default_only, True, True
    return store, merged, False


def last_line_first(data: bytes) -> bytearray:
    """N-Triples or N-Quads *data* (one statement a line: literals escape their line breaks) with the lines in
    reverse order. pyoxigraph's memory store answers from a store filled this way faster than from one filled in
    the order of the dump (the bench's text search 2.3 -> 1.7 ms, 4.5 -> 3.0 ms on the full shape; joins and
    counts alike): it apparently walks each term's quads from the last inserted, which then follows the order of
    the dump (RocksDB's key order) instead of going against it. A copy of the dump, without a list of its lines."""
    view = memoryview(data)
    out = bytearray()
    end = len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        out += view[start:end]
        if data[end - 1:end] != b"\n":  # the last line of a dump without a final line break
            out += b"\n"
        end = start
    return out


class _CappedBuffer:
    """A file-like sink that refuses to grow past *limit* bytes (the result is never cut: it becomes an error)."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit
        self.exceeded = False

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.exceeded = True
            raise OSError("result larger than the byte limit")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _strip_json_strings(body: bytes) -> bytes:
    """The JSON text with every string's content removed (escapes cannot fake a quote once pairs are gone)."""
    body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(body.split(b'"')[0::2])


def count_rows(body: bytes, fmt: str) -> int:
    """Rows of a serialized SELECT result, read from pyoxigraph's own output without parsing it in Python."""
    if fmt == "json":
        skeleton = _strip_json_strings(body)
        bindings = skeleton[skeleton.rfind(b":[") :] if b":[" in skeleton else b""
        return bindings.count(b",{") + (1 if bindings.startswith(b":[{") else 0)
    if fmt == "xml":  # '<' inside literals is escaped as &lt;, so this tag is always an element
        return body.count(b"<result>") + body.count(b"<result/>")
    if fmt == "tsv":  # TSV escapes newlines inside terms; one line of header
        return body.count(b"\n") - 1
    if fmt == "csv":  # newlines may sit inside quoted fields: count those outside quotes
        outside = body.split(b'"')[0::2]
        return sum(part.count(b"\n") for part in outside) - 1
    raise ValueError(fmt)


def run_query(store: ox.Store, job: dict, merged_default: bool = False, default_only: bool = False):
    if default_only and (job.get("default_graphs") or job.get("named_graphs") or job.get("query_dataset")):
        # server.sparql sends these to the full shape: never answer them from a store without the named graphs
        raise Refused(500, "a query naming graphs reached a store of the default graph only (internal error)")
    kwargs: dict = {"prefixes": PREFIXES, "base_iri": job.get("base")}
    try:
        if job.get("default_graphs"):
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
        elif not job.get("query_dataset") and not merged_default:
            # the query's FROM / FROM NAMED, if any, come before our default; a stored merge is the default as is
            kwargs["use_default_graph_as_union"] = True
        if job.get("named_graphs"):
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    except ValueError as exc:
        raise Refused(400, f"invalid graph IRI in default-graph-uri/named-graph-uri: {exc}") from exc
    try:
        results = store.query(job["query"], **kwargs)
    except SyntaxError as exc:
        raise Refused(400, f"SPARQL syntax error: {exc}") from exc
    except (OSError, RuntimeError, ValueError) as exc:  # ASK evaluates eagerly
        raise Refused(500, f"query evaluation failed: {exc}") from exc
    max_results, max_bytes = job["max_results"], job["max_bytes"]
    if not isinstance(results, (ox.QuerySolutions, ox.QueryBoolean)):  # QueryTriples, or a remote store's triples
        name = job.get("graph_format")
        if name is None:
            raise Refused(406, "this query returns RDF triples, but none of the accepted media types is an RDF "
                               "format; offered: " + job.get("graph_offers", ""))
        return name, *_serialize_graph(results, name, max_results, max_bytes)
    name = job.get("results_format")
    if name is None:
        raise Refused(406, "this query returns results (SELECT/ASK), but none of the accepted media types is a "
                           "results format; offered: " + job.get("results_offers", ""))
    sink = _CappedBuffer(max_bytes)
    try:
        results.serialize(sink, format=RESULTS_FORMATS[name])
    except (OSError, RuntimeError, ValueError, SyntaxError) as exc:  # SyntaxError: a remote store's bad results
        if sink.exceeded:
            raise Refused(422, f"the result is larger than {max_bytes} bytes, this endpoint's limit; page through "
                               "it with LIMIT and OFFSET") from None
        raise Refused(500, f"query evaluation failed: {exc}") from exc
    body = sink.getvalue()
    if isinstance(results, ox.QueryBoolean):
        return name, body, 1
    rows = count_rows(body, name)
    if rows > max_results:
        raise Refused(422, f"the result has {rows} rows, more than {max_results}, this endpoint's limit; page "
                           "through it with LIMIT and OFFSET (nothing is ever cut silently)")
    return name, body, rows


def _serialize_graph(triples, name: str, max_results: int, max_bytes: int):
    count = 0
    state = {"too_many": False}

    def counted():
        nonlocal count
        for t in triples:
            count += 1
            if count > max_results:
                state["too_many"] = True
                return
            yield t

    sink = _CappedBuffer(max_bytes)
    kwargs = {"prefixes": PREFIXES} if name in _WITH_PREFIXES else {}
    try:
        ox.serialize(counted(), sink, format=GRAPH_FORMATS[name], **kwargs)
    except (OSError, RuntimeError, ValueError) as exc:
        if sink.exceeded:
            raise Refused(422, f"the result is larger than {max_bytes} bytes, this endpoint's limit") from None
        raise Refused(500, f"query evaluation failed: {exc}") from exc
    if state["too_many"]:
        raise Refused(422, f"the result has more than {max_results} triples, this endpoint's limit; narrow the "
                           "query or page through it (nothing is ever cut silently)")
    return sink.getvalue(), count


def _watch_parent(parent: int) -> None:
    """Exit when the worker that started this process is gone (it cannot always close the socket first)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


# stores an evaluator keeps loaded: the current build's (its default-graph shape, and its full shape once a query
# named a graph) and the one before, during a swap
KEEP_STORES = 3


def _store_for(stores: "OrderedDict", key, spec) -> tuple[ox.Store, bool, bool]:
    """The store of *key*, loading it from *spec* if needed; least recently used beyond KEEP_STORES are dropped.
    server.executor mirrors this policy to know when to send a spec."""
    if key in stores:
        stores.move_to_end(key)
        return stores[key]
    if spec is None:
        raise Refused(500, "evaluator has no store for this build (internal error)")
    while len(stores) >= KEEP_STORES:
        stores.popitem(last=False)
    try:
        stores[key] = load_store(spec)
    except (OSError, RuntimeError) as exc:  # RocksDB reports a damaged store as RuntimeError("Corruption: ...")
        raise Refused(503, f"the build cannot be loaded: {exc}") from exc
    return stores[key]


# pyoxigraph's parser and planner recurse once per nesting level ("{{{{...", "((((...", "!!!!...", long chains of
# MINUS or "+"), about 2-4 KiB of stack a level: 3,000 nested braces overflow the main thread's 8 MiB and the process
# dies of SIGSEGV. Each query or update therefore runs in a thread whose stack is sized to its text (the nesting
# cannot be deeper than the text is long): the evaluator's own thread of MIN_STACK, or a fresh one for a longer text;
# the stack is only reserved, touched as deep as the parse goes, and a fresh thread's is freed when it ends.
STACK_PER_CHAR = 8 * 1024
MIN_STACK = 64 * 1024 * 1024
MAX_STACK = 4 * 1024 * 1024 * 1024


def stack_bytes(text_length: int) -> int:
    return max(MIN_STACK, min(MAX_STACK, text_length * STACK_PER_CHAR))


def _with_stack(size: int, fn) -> None:
    """Run fn() in a new thread with *size* bytes of stack (in this thread if it cannot be had) and wait for it."""
    previous = threading.stack_size()
    try:
        threading.stack_size(size)
        thread = threading.Thread(target=fn, name="evaluate")
        thread.start()
    except (RuntimeError, ValueError, MemoryError):
        thread = None
    finally:
        threading.stack_size(previous)
    if thread is None:
        fn()
    else:
        thread.join()


def _text_length(msg) -> int:
    if msg[0] == "query":
        return len(msg[3].get("query") or "")
    if msg[0] == "update":
        return len(msg[1].get("update") or "")
    return 0


def _handle(conn: Connection, stores: "OrderedDict", msg) -> None:
    op = msg[0]
    try:
        if op == "load":
            _, key, spec = msg
            _store_for(stores, key, spec)
            conn.send(("loaded", key))
        elif op == "query":
            _, key, spec, job = msg
            store, merged, default_only = _store_for(stores, key, spec)
            name, body, count = run_query(store, job, merged, default_only)
            conn.send(("ok", name, body, count))
        elif op == "update":
            from server.update import UpdateRefused, apply_update

            try:
                build_id = apply_update(**msg[1])
            except UpdateRefused as exc:
                raise Refused(exc.status, exc.message) from exc
            conn.send(("updated", build_id))
        else:
            raise Refused(500, f"unknown evaluator request {op!r}")
    except Refused as exc:
        conn.send(("err", exc.status, exc.message))
    except Exception as exc:  # keep serving: one bad request must not cost the warm store
        conn.send(("err", 500, f"evaluation failed: {type(exc).__name__}: {exc}"))


def serve(conn: Connection) -> None:
    """Receive, evaluate and answer in one long-lived thread with MIN_STACK of stack (enough for nearly every
    query): a query costs no hand-over between threads (a thread per query, then a hand-over to one long-lived
    thread, each cost more than evaluating a one-entity query). A text long enough to need a deeper stack runs in
    a thread of its own, sized to it (_with_stack); either way one request at a time."""
    stores: OrderedDict = OrderedDict()

    def loop() -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            size = stack_bytes(_text_length(msg)) if msg[0] in ("query", "update") else MIN_STACK
            try:
                if size <= MIN_STACK:
                    _handle(conn, stores, msg)
                else:
                    _with_stack(size, lambda: _handle(conn, stores, msg))
            except (EOFError, OSError):  # the worker is gone
                return

    _with_stack(MIN_STACK, loop)


def main(argv: list[str]) -> int:
    conn = Connection(int(argv[1]))
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    serve(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
