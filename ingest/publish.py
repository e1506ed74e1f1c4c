"""`gcmkg publish`: load the current build into a SPARQL 1.1 server, graph by graph, then verify it there.

Each named graph of the build replaces the graph of the same IRI on the target in **one request**:

- **Graph Store Protocol** (preferred): ``PUT {gsp}?graph=G`` with the graph as N-Triples. The server replaces the
  graph in one request (one transaction on Oxigraph's server and on Virtuoso), so a reader sees the old graph or
  the new one, never a mix.
- **SPARQL Update** (fallback, or the only way when just ``--update`` is given): one request
  ``DROP SILENT GRAPH <G> ; INSERT DATA { GRAPH <G> { ... } }``. Only if the server refuses a request that large
  (413, or a server error for the big request) is the graph sent in chunks (``DROP``, then one ``INSERT DATA`` per
  chunk); the report then says that graph was **not** replaced atomically. Triples with blank nodes all travel in
  the first chunk, so a blank node is never split across requests (each request mints fresh blank nodes).

Graphs of ours (IRIs under ``{base}graph/``) that the target holds but the build does not (a document removed from
the corpus) are dropped, unless ``keep_stale``. The whole dataset is not switched atomically: between two graphs a
reader sees some graphs of the new build and some of the old (publish to a fresh server and switch traffic when that
matters; docs/scaling.md).

**The default graph.** Our embedded store's default graph is the RDF merge (set union) of the named graphs. A
server offers the same with its union-default-graph option (Oxigraph: ``oxigraph serve --union-default-graph``;
Virtuoso: without FROM the default graph is already all graphs) — but those are a *bag* union: a triple that two
sources state is matched twice by a pattern outside GRAPH. ``default_graph="named"`` leaves the target's default graph alone and does not check it (enough for a gcmkg
server over the target, which reads the merge graph below by name). ``default_graph="copy"`` instead writes the merge into
the target's own default graph as well (``PUT {gsp}?default``), which gives exactly our semantics on a server whose
default graph is a real graph (Oxigraph *without* ``--union-default-graph``), at twice the storage.

**For a gcmkg server reading the target** (``gcmkg serve --store URL``, server/remote.py), publish with
``default_graph="named"``: two more graphs are written (not in the other modes, where a union default graph would
count them): ``{base}graph/merge``, the merge itself as a named graph (the server sends it as ``default-graph-uri``
and the source graphs as ``named-graph-uri``, so every query sees exactly the dataset of the build, whatever the
target's own default graph is), and, last, ``{base}graph/build``, the build record (build.json: id, sources,
VoID statistics), which tells such servers which build the target holds.

**Verification.** After loading, the triple count of every graph on the target (``SELECT (COUNT(*) AS ?n) WHERE {
GRAPH <G> { ?s ?p ?o } }`` at ``to``) must equal the count in build.json; with ``copy`` the default graph's count
must equal the merge's; with ``union`` a triple of the ontology graph must be visible without GRAPH. Any difference
is reported and makes the command exit non-zero.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pyoxigraph as ox

from ontology.settings import Config
from ontology.iris import Minter
from ontology.vocab import EP, ONTOLOGY_IRI, OWL, RDF, VOID
from queries.store import current_build, open_read_only

NT = "application/n-triples"
SPARQL_JSON = "application/sparql-results+json"
DEFAULT_GRAPH = "(default graph)"
MERGE_GRAPH, RECORD_GRAPH = "merge", "build"  # names of the two graphs a gcmkg server over the target reads


def build_record(meta: dict, base_iri: str) -> list[ox.Triple]:
    """The triples of the build-record graph: what a server over the target learns of the build it holds."""
    minter = Minter(base_iri)
    record, merge = minter.graph(RECORD_GRAPH), minter.graph(MERGE_GRAPH)
    return [
        ox.Triple(record, RDF.type, VOID.Dataset),
        ox.Triple(record, OWL.versionInfo, ox.Literal(str(meta["id"]))),
        ox.Triple(record, EP.defaultGraph, merge),
        ox.Triple(record, EP.buildRecord, ox.Literal(json.dumps(meta, sort_keys=True))),
    ]


class PublishError(RuntimeError):
    """The target refused a request or could not be reached; the message says which request and why."""


@dataclass
class HttpResult:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)


class Target:
    """A SPARQL 1.1 server: query endpoint (verification), optional Graph Store and Update endpoints.

    Credentials are sent pre-emptively once the server has challenged (Basic or Digest): a server that answers 401
    before reading a large body closes the connection under it (Virtuoso does), so before the first write the
    challenge is fetched with a request that has no body."""

    def __init__(self, to: str, gsp: str | None = None, update: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = 300.0):
        self.to, self.gsp, self.update, self.timeout = to, gsp, update, timeout
        self.user, self.password = user, password or ""
        self._challenge: dict | None = None
        self.chunk: int | None = None  # triples per update request, once the server has refused a whole graph
        self._nc = 0
        self._opener = urllib.request.build_opener()  # no auth handlers: Authorization is computed here

    def _authorization(self, method: str, url: str) -> dict:
        c = self._challenge
        if not self.user or not c:
            return {}
        if c["scheme"] == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return {"Authorization": f"Basic {token}"}
        algorithm = c.get("algorithm", "MD5").upper()
        digest = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
                  "SHA-256-SESS": hashlib.sha256}.get(algorithm)
        if digest is None:
            raise PublishError(f"the server asks for Digest algorithm {algorithm}, which is not supported")
        h = lambda text: digest(text.encode()).hexdigest()  # noqa: E731
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + ("?" + parts.query if parts.query else "")
        self._nc += 1
        nc, cnonce = f"{self._nc:08x}", secrets.token_hex(8)
        ha1 = h(f"{self.user}:{c.get('realm', '')}:{self.password}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{c['nonce']}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qop = "auth" if "auth" in [q.strip() for q in c.get("qop", "").split(",")] else ""
        response = h(f"{ha1}:{c['nonce']}:{nc}:{cnonce}:{qop}:{ha2}") if qop else h(f"{ha1}:{c['nonce']}:{ha2}")
        fields = [f'username="{self.user}"', f'realm="{c.get("realm", "")}"', f'nonce="{c["nonce"]}"',
                  f'uri="{uri}"', f'response="{response}"', f"algorithm={c.get('algorithm', 'MD5')}"]
        if qop:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if "opaque" in c:
            fields.append(f'opaque="{c["opaque"]}"')
        return {"Authorization": "Digest " + ", ".join(fields)}

    def _remember_challenge(self, headers: dict) -> bool:
        """Parse WWW-Authenticate (Digest preferred over Basic); True if a usable challenge was found."""
        values = [v for k, v in headers.items() if k.lower() == "www-authenticate"]
        for value in sorted(values, key=lambda v: not v.lower().startswith("digest")):
            scheme, _, rest = value.partition(" ")
            if scheme.lower() == "digest":
                params = {k.lower(): v1 if v1 else v2 for k, v1, v2 in
                          re.findall(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))', rest)}
                if "nonce" in params:
                    self._challenge = {"scheme": "digest", **params}
                    return True
            elif scheme.lower() == "basic":
                self._challenge = {"scheme": "basic"}
                return True
        return False

    def _send(self, method: str, url: str, body: bytes | None, headers: dict) -> HttpResult:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={**headers, **self._authorization(method, url)})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return HttpResult(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return HttpResult(exc.code, exc.read() or b"", dict(exc.headers or {}))
        except (OSError, ValueError) as exc:  # refused, timed out, bad URL
            raise PublishError(f"{method} {url}: {exc}") from exc

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> HttpResult:
        headers = headers or {}
        if self.user and self._challenge is None and body:
            probe = self._send("GET", url, None, {})  # learn the challenge without sending the body
            if probe.status == 401:
                self._remember_challenge(probe.headers)
        res = self._send(method, url, body, headers)
        if res.status == 401 and self.user and self._remember_challenge(res.headers):
            res = self._send(method, url, body, headers)  # first challenge, or a stale nonce
        return res

    # --- queries (verification) -------------------------------------------------------------------------------
    def select(self, query: str) -> list[dict]:
        url = self.to + ("&" if "?" in self.to else "?") + urllib.parse.urlencode({"query": query})
        res = self.request("GET", url, headers={"Accept": SPARQL_JSON})
        if res.status != 200:
            raise PublishError(f"query at {self.to} answered {res.status}: {_excerpt(res.body)}")
        try:
            return json.loads(res.body)["results"]["bindings"]
        except (ValueError, KeyError) as exc:
            raise PublishError(f"query at {self.to} did not answer SPARQL JSON results: {_excerpt(res.body)}") from exc

    def count(self, graph: str | None) -> int:
        pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"]["value"]) if rows else 0

    def graphs_under(self, prefix: str) -> set[str]:
        rows = self.select(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '
                           f'"{_escape(prefix)}")) }}')
        return {r["g"]["value"] for r in rows}

    def ask_default(self, s: str, p: str, o: str) -> bool:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{s}> <{p}> <{o}> }}")
        return bool(rows) and int(rows[0]["n"]["value"]) > 0

    # --- writes -----------------------------------------------------------------------------------------------
    def gsp_put(self, graph: str | None, body: bytes) -> HttpResult:
        query = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
        url = self.gsp + ("&" if "?" in self.gsp else "?") + query
        return self.request("PUT", url, body, {"Content-Type": NT + "; charset=utf-8"})

    def gsp_delete(self, graph: str) -> HttpResult:
        url = self.gsp + ("&" if "?" in self.gsp else "?") + urllib.parse.urlencode({"graph": graph})
        return self.request("DELETE", url)

    def sparql_update(self, text: str) -> HttpResult:
        # URL-encoded POST (SPARQL 1.1 Protocol 2.2.1): accepted by Oxigraph, Virtuoso, Fuseki, GraphDB alike
        return self.request("POST", self.update, urllib.parse.urlencode({"update": text}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


def _excerpt(body: bytes, n: int = 300) -> str:
    text = body.decode("utf-8", "replace")
    for tag in ("<xmp>", "<pre>"):  # Virtuoso wraps its SQL error in an HTML page
        if tag in text:
            text = text.split(tag, 1)[1]
    return " ".join(text.split())[:n] or "(empty body)"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass
class GraphReport:
    graph: str
    expected: int
    method: str = ""
    atomic: bool = True
    requests: int = 0
    seconds: float = 0.0
    found: int | None = None

    @property
    def ok(self) -> bool:
        return self.found == self.expected


def _graph_target(graph: str | None) -> str:
    return "DEFAULT" if graph is None else f"GRAPH <{graph}>"


def _update_body(graph: str | None, lines: list[bytes], drop: bool) -> str:
    """One update request: DROP SILENT, INSERT DATA for the ground triples, and the triples with blank nodes in an
    INSERT ... WHERE {} (some servers, Virtuoso among them, refuse blank nodes in INSERT DATA)."""
    wrap = lambda part: (b"\n".join(part).decode("utf-8") if graph is None  # noqa: E731
                         else f"GRAPH <{graph}> {{\n" + b"\n".join(part).decode("utf-8") + "\n}")
    ground = [line for line in lines if b"_:" not in line]
    blank = [line for line in lines if b"_:" in line]
    ops = [f"DROP SILENT {_graph_target(graph)}"] if drop else []
    if ground:
        ops.append(f"INSERT DATA {{\n{wrap(ground)}\n}}")
    if blank:
        ops.append(f"INSERT {{\n{wrap(blank)}\n}} WHERE {{}}")
    return " ;\n".join(ops)


def _chunks(lines: list[bytes], size: int) -> list[list[bytes]]:
    """Lines split into chunks of at most *size*; every line with a blank node goes into the first chunk."""
    blank = [line for line in lines if b"_:" in line]
    rest = [line for line in lines if b"_:" not in line]
    first = size if len(blank) <= size else len(blank)  # a blank-node structure is never split
    out = [blank + rest[: max(0, first - len(blank))]]
    rest = rest[max(0, first - len(blank)):]
    out += [rest[i:i + size] for i in range(0, len(rest), size)]
    return [c for c in out if c]


# A request refused for its size: 413, a server error, or a 400 whose message says a limit was hit (Virtuoso: "The
# length of generated SQL text has exceeded 10000 lines of code"). Other refusals (syntax, auth) are not retried.
_TOO_BIG = re.compile(rb"exceed|too (?:long|large|big)|limit|out of memory", re.I)


def _too_big(res: HttpResult) -> bool:
    return res.status == 413 or res.status >= 500 or (res.status == 400 and bool(_TOO_BIG.search(res.body)))


def _load_by_update(target: Target, graph: str | None, body: bytes, report: GraphReport, chunk: int) -> None:
    lines = [line for line in body.splitlines() if line.strip()]
    name = graph or "the default graph"
    if target.chunk is None or len(lines) <= target.chunk:
        res = target.sparql_update(_update_body(graph, lines, drop=True))
        report.requests += 1
        if res.status in (200, 201, 204):
            report.method = "SPARQL Update (1 request)"
            return
        if not _too_big(res):  # a refusal (auth, syntax): chunking would not help
            raise PublishError(f"SPARQL Update of {name} at {target.update} answered {res.status}: "
                               f"{_excerpt(res.body)}")
        first_error = f"{res.status}: {_excerpt(res.body)}"
        size = min(chunk, max(1, len(lines) // 2))
    else:
        first_error = f"chunks of {target.chunk} triples were needed before"
        size = target.chunk
    while size >= 50:
        parts = _chunks(lines, size)
        res = target.sparql_update(_update_body(graph, parts[0], drop=True))
        report.requests += 1
        for part in parts[1:]:
            if res.status not in (200, 201, 204):
                break
            res = target.sparql_update(_update_body(graph, part, drop=False))
            report.requests += 1
        if res.status in (200, 201, 204):
            target.chunk = size  # the next graphs start at a size the server took
            report.method = f"SPARQL Update ({len(parts)} chunks of <= {size} triples)"
            report.atomic = False
            return
        if not _too_big(res):
            break
        size //= 2
    raise PublishError(f"SPARQL Update of {name} at {target.update} failed whole ({first_error}) and in chunks "
                       f"({res.status}: {_excerpt(res.body)})")


def load_graph(target: Target, graph: str | None, body: bytes, report: GraphReport, chunk: int = 10000) -> None:
    """Replace *graph* (None: the default graph) on the target with the N-Triples *body*."""
    started = time.perf_counter()
    try:
        if target.gsp:
            res = target.gsp_put(graph, body)
            report.requests += 1
            if res.status in (200, 201, 204):
                report.method = "GSP PUT"
                return
            # 404/405/415/501: no Graph Store there (or not this verb, format): fall back to SPARQL Update if given
            if not target.update or res.status in (401, 403):
                raise PublishError(f"PUT of {graph or 'the default graph'} to {target.gsp} answered {res.status}: "
                                   f"{_excerpt(res.body)}")
            print(f"  GSP PUT at {target.gsp} answered {res.status} ({_excerpt(res.body, 120)}); "
                  "falling back to SPARQL Update", file=sys.stderr)
        _load_by_update(target, graph, body, report, chunk)
    finally:
        report.seconds = time.perf_counter() - started


def drop_graph(target: Target, graph: str) -> str:
    if target.gsp:
        res = target.gsp_delete(graph)
        if res.status in (200, 204, 404):
            return "GSP DELETE"
        if not target.update:
            raise PublishError(f"DELETE of {graph} at {target.gsp} answered {res.status}: {_excerpt(res.body)}")
    res = target.sparql_update(f"DROP SILENT GRAPH <{graph}>")
    if res.status not in (200, 201, 204):
        raise PublishError(f"DROP of {graph} at {target.update} answered {res.status}: {_excerpt(res.body)}")
    return "SPARQL Update DROP"


def publish(config: Config, to: str, gsp: str | None = None, update: str | None = None, user: str | None = None,
            password: str | None = None, default_graph: str = "union", keep_stale: bool = False,
            verify_only: bool = False, chunk: int = 10000, timeout: float = 300.0, out=sys.stdout) -> int:
    """Publish the current build to the SPARQL server at *to*; returns the exit status (0: every count matches)."""
    if default_graph not in ("union", "copy", "named"):
        raise ValueError("default_graph is 'union', 'copy' or 'named'")
    if not verify_only and not gsp and not update:
        # one URL for everything (Fuseki's dataset URL, GraphDB): try it as a Graph Store, then as an update endpoint
        gsp = update = to
    if password is None and user and ":" in user:
        user, password = user.split(":", 1)
    if password is None and user:
        password = os.environ.get("GCMKG_PUBLISH_PASSWORD", "")
    target = Target(to, gsp, update, user, password, timeout)
    build = current_build(config.instance_dir)
    store = open_read_only(build)
    sources = build.meta["sources"]
    merged = int(build.meta["statistics"]["triples"])
    say = lambda line="": print(line, file=out, flush=True)  # noqa: E731
    total = sum(int(s["triples"]) for s in sources)
    say(f"{'verifying' if verify_only else 'publishing'} build {build.id} ({len(sources)} graphs, {total} triples) "
        f"{'at' if verify_only else 'to'} {to}")
    if not verify_only:
        say(f"  writes: {'Graph Store Protocol at ' + gsp if gsp else ''}"
            f"{' / ' if gsp and update else ''}{'SPARQL Update at ' + update if update else ''}")
    started = time.perf_counter()
    reports = [GraphReport(s["graph"], int(s["triples"])) for s in sources]
    minter = Minter(config.base_iri)
    merge_graph, record_graph = minter.graph(MERGE_GRAPH).value, minter.graph(RECORD_GRAPH).value
    if default_graph == "copy":
        reports.append(GraphReport(DEFAULT_GRAPH, merged))
    record = build_record(build.meta, config.base_iri)
    if default_graph == "named":  # for a gcmkg server over the target (with a union default graph they would count)
        reports += [GraphReport(merge_graph, merged), GraphReport(record_graph, len(record))]
    try:
        if not verify_only:
            for n, r in enumerate(reports, 1):
                if sys.stderr.isatty():  # a long publish shows where it is
                    print(f"\r  {n}/{len(reports)} {r.graph[-60:]:60}", end="", file=sys.stderr, flush=True)
                if r.graph == DEFAULT_GRAPH:
                    body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
                    load_graph(target, None, body, r, chunk)
                elif r.graph == merge_graph:
                    body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
                    load_graph(target, r.graph, body, r, chunk)
                elif r.graph == record_graph:  # last: a server over the target switches when it sees it
                    load_graph(target, r.graph, ox.serialize(record, format=ox.RdfFormat.N_TRIPLES), r, chunk)
                else:
                    body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(r.graph))
                    load_graph(target, r.graph, body, r, chunk)
            if sys.stderr.isatty():
                print(file=sys.stderr)
        ours = {r.graph for r in reports}
        # our graphs share one namespace ({base}graph/, ontology/iris.py): any other graph in it is stale
        namespace = sources[0]["graph"].rsplit("/", 1)[0] + "/"
        stale = sorted(target.graphs_under(namespace) - ours)
        for g in stale:
            if keep_stale or verify_only:
                say(f"  stale graph on the target (not in this build, kept): <{g}>")
            else:
                say(f"  dropped stale graph <{g}> ({drop_graph(target, g)}): not in this build")
        for r in reports:
            r.found = target.count(None if r.graph == DEFAULT_GRAPH else r.graph)
        union_visible = None
        if default_graph == "union":
            union_visible = target.ask_default(ONTOLOGY_IRI, RDF.type.value, OWL.Ontology.value)
    except PublishError as exc:
        print(f"gcmkg publish: {exc}", file=sys.stderr, flush=True)
        return 1
    width = max(len(r.graph) for r in reports)
    say(f"  {'graph'.ljust(width)}  {'build':>7}  {'target':>7}  {'seconds':>7}  method")
    for r in reports:
        mark = "ok" if r.ok else "MISMATCH"
        method = r.method + ("" if r.atomic else ", NOT atomic") if r.method else "-"
        say(f"  {r.graph.ljust(width)}  {r.expected:>7}  {r.found:>7}  {r.seconds:>7.2f}  {method}  {mark}")
    bad = [r for r in reports if not r.ok]
    not_atomic = [r for r in reports if not r.atomic]
    if default_graph == "union":
        if union_visible:
            say("  default graph: the target's union of its graphs (a bag union: the few triples that two sources "
                "state are matched twice outside GRAPH)")
        else:
            say("  default graph: queries without GRAPH do NOT see the data: start the target with its union "
                "default graph (oxigraph serve --union-default-graph; Virtuoso does so without FROM), or publish "
                "with --default-graph copy")
    seconds = time.perf_counter() - started
    if not_atomic:
        say(f"  {len(not_atomic)} graph(s) were sent in chunks: not replaced atomically")
    if bad or union_visible is False:
        say(f"FAILED: {len(bad)} graph(s) differ from the build"
            + ("" if union_visible is not False else "; the data are not visible without GRAPH")
            + f" ({seconds:.1f} s)")
        return 1
    say(f"{'verified' if verify_only else 'published'} {len(reports)} graphs, "
        f"{sum(r.expected for r in reports)} triples: every count matches the build ({seconds:.1f} s)")
    return 0

