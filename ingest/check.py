"""`gcmkg check`: validate a build against the SHACL shapes and the must-return-nothing SPARQL checks.

Two kinds of rules, each naming the offending IRIs:

* SHACL Core shapes (``ontology/shapes.ttl``), run by pySHACL over the union of every named graph of the build.
  The ontology is one of those graphs, so ``sh:targetClass``/``sh:class`` follow ``rdfs:subClassOf`` without an
  inference step (``inference='none'``): what is validated is exactly what is stored.
* SPARQL checks (``ontology/checks/*-violation.rq``, the ODK convention): each SELECT must return no row; its first
  variable is the offending IRI. Checks that depend on the base IRI use ``?base``, bound through pyoxigraph
  ``substitutions`` (never string formatting), which pyoxigraph only accepts for a projected variable: such checks
  project ``?base`` as their last column.

The pure functions (:func:`validate_shapes`, :func:`run_sparql_checks`, :func:`load_store`) work on an in-memory
pyoxigraph ``Store`` or an rdflib graph, so tests run them on small fixtures without a build; :func:`run_checks`
is the command. ``python -m ingest.check FILE...`` checks Turtle/TriG/N-Quads files (the ontology is added).
"""
from __future__ import annotations

import re
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence, TextIO

import pyoxigraph as ox

import ontology
from ontology.vocab import GCM_NS

SHAPES_NS = "https://w3id.org/gcmkg/shapes#"
SH_NS = "http://www.w3.org/ns/shacl#"
MAX_LISTED = 50  # focus nodes printed per shape or check; the count is always complete

_COMPACT = (
    (SHAPES_NS, "gcmsh:"),
    (GCM_NS, "gcm:"),
    (SH_NS, "sh:"),
    ("http://www.w3.org/2001/XMLSchema#", "xsd:"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"),
    ("http://www.w3.org/2000/01/rdf-schema#", "rdfs:"),
    ("http://www.w3.org/2004/02/skos/core#", "skos:"),
    ("http://www.w3.org/2002/07/owl#", "owl:"),
    ("http://purl.org/dc/terms/", "dct:"),
    ("http://www.w3.org/ns/prov#", "prov:"),
    ("http://www.w3.org/ns/org#", "org:"),
    ("http://metadata.un.org/sdg/ontology#", "sdgo:"),
    ("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#", "nif:"),
)


def compact(iri: str) -> str:
    """A prefixed name for the vocabularies the report talks about, the full IRI otherwise."""
    for ns, prefix in _COMPACT:
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(ns):] or "_"):
            return prefix + iri[len(ns):]
    return iri


@dataclass(frozen=True)
class Violation:
    """One offending node for one rule.

    kind: "shape" or "check"; rule: the shape's IRI or the check's name; focus: the offending node (an IRI, or
    ``_:id`` for a blank node); group: the node shape a property shape belongs to (shapes only).
    """

    kind: str
    rule: str
    title: str
    focus: str
    message: str
    group: str = ""
    path: str = ""
    value: str = ""
    details: tuple[tuple[str, str], ...] = ()
    severity: str = "Violation"


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    description: str
    query: str
    path: Path

    @property
    def uses_base(self) -> bool:
        return re.search(r"\?base\b", _strip_comments(self.query)) is not None


def _strip_comments(query: str) -> str:
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


# --- loading data ------------------------------------------------------------------------------------------------

_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


def load_store(paths: Iterable[Path | str] = (), with_ontology: bool = True) -> ox.Store:
    """An in-memory store of files (Turtle into the default graph, TriG/N-Quads with their graphs), plus the
    ontology in the default graph, as every build holds it."""
    store = ox.Store()
    files = ([ontology.ONTOLOGY_TTL] if with_ontology else []) + [Path(p) for p in paths]
    for path in files:
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: unknown RDF format (use .ttl, .trig, .nt, .nq or .rdf)")
        store.load(path=str(path), format=fmt)
    return store


def union_ntriples(store: ox.Store) -> bytes:
    """Every triple of every graph, once, as N-Triples (serialized natively by pyoxigraph)."""
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return result.serialize(format=ox.RdfFormat.N_TRIPLES)


def shape_predicates(shapes) -> set[str] | None:
    """Every predicate a SHACL Core validation with these shapes can look at: the properties of their paths,
    targets and property-pair constraints, plus rdf:type and rdfs:subClassOf (targets and sh:class follow them).
    None when the shapes use a feature that reads other triples (sh:closed, SPARQL-based constraints)."""
    import rdflib
    from rdflib.collection import Collection

    SH = rdflib.Namespace(SH_NS)
    if any(shapes.triples((None, SH.closed, None))) or any(shapes.triples((None, SH.sparql, None))):
        return None
    found = {str(rdflib.RDF.type), str(rdflib.RDFS.subClassOf)}

    def walk(path) -> None:
        if isinstance(path, rdflib.URIRef):
            found.add(str(path))
            return
        for key in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            inner = shapes.value(path, key)
            if inner is not None:
                walk(inner)
        for key in (SH.alternativePath,):
            inner = shapes.value(path, key)
            if inner is not None:
                for item in Collection(shapes, inner):
                    walk(item)
        if shapes.value(path, rdflib.RDF.first) is not None:  # a sequence path
            for item in Collection(shapes, path):
                walk(item)

    for path in shapes.objects(None, SH.path):
        walk(path)
    for key in (SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
        found.update(str(o) for o in shapes.objects(None, key))
    return found


def shape_relevant_ntriples(store: ox.Store, shapes=None) -> bytes:
    """The union's triples that the shapes can see, as N-Triples: validation gives the same results on them as on
    the whole union, and rdflib parses (and pySHACL indexes) a third fewer triples."""
    predicates = shape_predicates(shapes if shapes is not None else shapes_graph())
    if predicates is None:
        return union_ntriples(store)
    values = " ".join(f"<{p}>" for p in sorted(predicates))
    result = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}", use_default_graph_as_union=True
    )
    return result.serialize(format=ox.RdfFormat.N_TRIPLES)


def to_rdflib_union(data, shapes=None) -> "rdflib.Graph":
    """The union of all graphs of a pyoxigraph Store (only the triples the shapes can see), rdflib
    Dataset/ConjunctiveGraph or Graph as one rdflib Graph.

    A plain Graph matters: given a Dataset, pySHACL validates each named graph on its own, and the ontology
    (the subclass hierarchy targets rely on) would not be seen by the documents' graphs."""
    import rdflib

    if isinstance(data, ox.Store):
        graph = rdflib.Graph()
        graph.parse(data=shape_relevant_ntriples(data, shapes), format="nt")
        return graph
    if isinstance(data, (rdflib.Dataset, rdflib.ConjunctiveGraph)):
        graph = rdflib.Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    if isinstance(data, rdflib.Graph):
        return data
    raise TypeError(f"cannot validate a {type(data).__name__}: give a pyoxigraph Store or an rdflib graph")


def to_oxigraph(data) -> ox.Store:
    if isinstance(data, ox.Store):
        return data
    import rdflib

    if isinstance(data, rdflib.Graph):
        store = ox.Store()
        fmt = "nquads" if isinstance(data, (rdflib.Dataset, rdflib.ConjunctiveGraph)) else "nt"
        payload = data.serialize(format=fmt, encoding="utf-8")
        store.load(payload, format=ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.N_TRIPLES)
        return store
    raise TypeError(f"cannot query a {type(data).__name__}: give a pyoxigraph Store or an rdflib graph")


# --- SHACL ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _shapes_graph(path: str, mtime: float):
    import rdflib

    graph = rdflib.Graph()
    graph.parse(path, format="turtle")
    return graph


def shapes_graph(path: Path | None = None):
    path = Path(path or ontology.SHAPES_TTL)
    return _shapes_graph(str(path), path.stat().st_mtime)


@dataclass
class ShapeInfo:
    iri: str
    title: str
    group: str  # the node shape holding a property shape; itself for a node shape
    group_title: str
    order: int


def shape_catalog(shapes=None) -> dict[str, ShapeInfo]:
    """Every named shape with its title and the node shape it belongs to (ordered by node shape IRI)."""
    import rdflib
    from rdflib.namespace import RDF, RDFS

    shapes = shapes if shapes is not None else shapes_graph()
    SH = rdflib.Namespace(SH_NS)

    def title(node) -> str:
        for prop in (SH.name, RDFS.label):
            values = list(shapes.objects(node, prop))
            english = [v for v in values if getattr(v, "language", None) in ("en", None)]
            if english:
                return str(english[0])
        return compact(str(node))

    catalog: dict[str, ShapeInfo] = {}
    node_shapes = sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str)
    for order, node in enumerate(node_shapes):
        if not isinstance(node, rdflib.URIRef):
            continue
        catalog[str(node)] = ShapeInfo(str(node), title(node), str(node), title(node), order)
        for prop in shapes.objects(node, SH.property):
            catalog[str(prop)] = ShapeInfo(str(prop), title(prop), str(node), title(node), order)
    return catalog


def _term_text(term) -> str:
    """An IRI as itself, a blank node as _:id, a literal in N-Triples form with a compact datatype."""
    import rdflib

    if term is None:
        return ""
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.URIRef):
        return str(term)
    lexical = '"' + str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if term.language:
        return f"{lexical}@{term.language}"
    if term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
        return f"{lexical}^^{compact(str(term.datatype))}"
    return lexical


def validate_shapes(data, shapes=None, timings: dict | None = None) -> list[Violation]:
    """Validate the union of ``data`` (pyoxigraph Store, rdflib Dataset or Graph) against the shapes.

    The data must hold the ontology (a build always does; :func:`load_store` adds it) so that targets follow
    rdfs:subClassOf."""
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF

    SH = rdflib.Namespace(SH_NS)
    shapes = shapes if shapes is not None else shapes_graph()
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    graph = to_rdflib_union(data, shapes)
    timings["to rdflib"] = time.perf_counter() - started
    started = time.perf_counter()
    shacl = rdflib.Graph()  # pyshacl adds two OWL/RDFS axioms to the shapes graph it gets: keep the cached one whole
    shacl += shapes
    _conforms, results, _text = pyshacl.validate(
        graph,
        shacl_graph=shacl,
        inference="none",
        advanced=False,
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
        inplace=True,
    )
    catalog = shape_catalog(shapes)
    out = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(result, SH.sourceShape)
        info = catalog.get(str(source))
        if info is None:  # an anonymous shape nested in a named one (sh:or, sh:qualifiedValueShape)
            info = ShapeInfo(_term_text(source), compact(_term_text(source)), "", "", 10**6)
        messages = [m for m in results.objects(result, SH.resultMessage)]
        english = [m for m in messages if getattr(m, "language", None) in ("en", None)] or messages
        severity = results.value(result, SH.resultSeverity)
        out.append(
            Violation(
                kind="shape",
                rule=info.iri,
                title=info.title,
                group=info.group,
                focus=_term_text(results.value(result, SH.focusNode)),
                message=str(english[0]) if english else "",
                path=_path_text(results, results.value(result, SH.resultPath)),
                value=_term_text(results.value(result, SH.value)),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                details=(("constraint", compact(str(results.value(result, SH.sourceConstraintComponent)))),),
            )
        )
    order = {iri: (info.order, iri) for iri, info in catalog.items()}
    out.sort(key=lambda v: (order.get(v.rule, (10**6, v.rule)), v.rule, v.focus, v.value))
    timings["SHACL"] = time.perf_counter() - started
    return out


def _path_text(graph, path) -> str:
    """A readable SHACL property path (alternatives and inverses as SPARQL writes them)."""
    import rdflib
    from rdflib.collection import Collection

    if path is None:
        return ""
    if isinstance(path, rdflib.URIRef):
        return compact(str(path))
    SH = rdflib.Namespace(SH_NS)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(graph, p) for p in Collection(graph, alternatives))
    return _term_text(path)


# --- SPARQL checks -------------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^#\s*(title|description):\s*(.*)$")


def load_checks(checks_dir: Path | None = None) -> list[Check]:
    """Every ``*.rq`` of the checks folder, with its ``# title:`` and ``# description:`` header, by name."""
    checks_dir = Path(checks_dir or ontology.CHECKS_DIR)
    checks = []
    for path in sorted(checks_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = {}
        for line in text.splitlines():
            m = _HEADER.match(line.strip())
            if m:
                header.setdefault(m.group(1), m.group(2).strip())
        name = path.stem.removesuffix("-violation")
        checks.append(Check(name, header.get("title", name), header.get("description", ""), text, path))
    return checks


def _ox_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


_PLAIN_NUMBERS = {"http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#decimal"}


def _ox_display(term) -> str:
    """A column of a check's row as a curator reads it: <iri> or prefixed name, "quoted text", bare numbers."""
    if isinstance(term, ox.NamedNode):
        short = compact(term.value)
        return short if short != term.value else f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.datatype.value in _PLAIN_NUMBERS or term.datatype.value.endswith("#boolean"):
            return term.value
        text = '"' + term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        return text + (f"@{term.language}" if term.language else "")
    return _ox_text(term)


def run_check(store: ox.Store, check: Check, base_iri: str) -> list[Violation]:
    kwargs = {"use_default_graph_as_union": True}
    if check.uses_base:
        kwargs["substitutions"] = {ox.Variable("base"): ox.Literal(base_iri)}
    solutions = store.query(check.query, **kwargs)
    names = [v.value for v in solutions.variables]
    out = []
    for row in solutions:
        terms = [row[i] for i in range(len(names))]
        details = tuple((n, _ox_display(term)) for n, term in zip(names[1:], terms[1:]) if n != "base" and term is not None)
        out.append(
            Violation(
                kind="check",
                rule=check.name,
                title=check.title,
                focus=_ox_text(terms[0]),
                message=check.description,
                details=details,
            )
        )
    return out


def run_sparql_checks(store, base_iri: str, checks: Sequence[Check] | None = None) -> list[Violation]:
    """Run every must-return-nothing check over the union of the store's graphs; one Violation per row."""
    store = to_oxigraph(store)
    out: list[Violation] = []
    for check in checks if checks is not None else load_checks():
        out += run_check(store, check, base_iri)
    return out


# --- the report ----------------------------------------------------------------------------------------------------


@dataclass
class Report:
    shape_violations: list[Violation] = field(default_factory=list)
    check_violations: list[Violation] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    shapes: dict[str, ShapeInfo] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> list[Violation]:
        return self.shape_violations + self.check_violations

    @property
    def ok(self) -> bool:
        return not self.violations


def check_all(store, base_iri: str, timings: dict | None = None) -> Report:
    """Shapes and checks over one store: the whole of `gcmkg check` but the reasoner and the printing."""
    timings = timings if timings is not None else {}
    report = Report(timings=timings)
    report.shape_violations = validate_shapes(store, timings=timings)
    report.shapes = shape_catalog()
    started = time.perf_counter()
    report.checks = load_checks()
    report.check_violations = run_sparql_checks(store, base_iri, report.checks)
    timings["SPARQL checks"] = time.perf_counter() - started
    return report


def _grouped(violations: Iterable[Violation]) -> "OrderedDict[str, list[Violation]]":
    groups: OrderedDict[str, list[Violation]] = OrderedDict()
    for v in violations:
        groups.setdefault(v.rule, []).append(v)
    return groups


def _focus(text: str) -> str:
    return text if text.startswith("_:") else f"<{text}>"


def _shape_line(v: Violation) -> str:
    extra = []
    if v.path:
        extra.append(f"path {v.path}")
    if v.value and v.value != v.focus:  # node-level constraints report the focus node as the value
        is_node = not v.value.startswith(('"', "_:"))
        extra.append("value " + (_focus(v.value) if is_node else v.value))
    return _focus(v.focus) + (f"  ({'; '.join(extra)})" if extra else "")


def format_report(report: Report, out: TextIO, limit: int = MAX_LISTED) -> None:
    n_node = sum(1 for i in report.shapes.values() if i.group == i.iri)
    n_prop = len(report.shapes) - n_node
    shape_groups = _grouped(report.shape_violations)
    print(f"SHACL shapes ({_rel(ontology.SHAPES_TTL)}): {n_node} node shapes, {n_prop} property shapes", file=out)
    for rule, items in shape_groups.items():
        first = items[0]
        where = f"{report.shapes[first.group].title} > " if first.group and first.group != rule else ""
        nodes = sorted({v.focus for v in items})
        print(f"  FAIL {compact(rule)} ({where}{first.title}): {len(nodes)} node(s)", file=out)
        for msg in sorted({v.message for v in items}):
            print(f"       {msg}", file=out)
        lines = list(OrderedDict.fromkeys(_shape_line(v) for v in items))
        for line in lines[:limit]:
            print(f"       {line}", file=out)
        if len(lines) > limit:
            print(f"       ... and {len(lines) - limit} more", file=out)
    passed = len(report.shapes) - len(shape_groups)
    print(f"  ok   {passed} shape(s) with no violation", file=out)

    check_groups = _grouped(report.check_violations)
    print(f"SPARQL checks ({_rel(ontology.CHECKS_DIR)}): {len(report.checks)} checks", file=out)
    for check in report.checks:
        items = check_groups.get(check.name, [])
        if not items:
            print(f"  ok   {check.name}: {check.title}", file=out)
            continue
        print(f"  FAIL {check.name}: {check.title}: {len(items)} row(s)", file=out)
        print(f"       {check.description}", file=out)
        for v in items[:limit]:
            extra = "; ".join(f"{k} {val}" for k, val in v.details)
            print(f"       {_focus(v.focus)}" + (f"  ({extra})" if extra else ""), file=out)
        if len(items) > limit:
            print(f"       ... and {len(items) - limit} more", file=out)


def _rel(path: Path) -> str:
    try:
        return str(Path(path).relative_to(Path(ontology.HERE).parent))
    except ValueError:
        return str(path)


# --- the command ---------------------------------------------------------------------------------------------------


def run_checks(config, reason: bool = False, out: TextIO = sys.stdout, err: TextIO | None = None) -> int:
    """Validate the current build: 0 when clean, 1 when a shape, check or the reasoner fails, 2 when there is
    nothing to check (no build) or the reasoner could not run to its end."""
    from queries.store import StoreCorrupt, StoreNotBuilt, current_build, open_in_memory

    err = err if err is not None else (sys.stderr if out is sys.stdout else out)
    t0 = time.perf_counter()
    try:
        build = current_build(config.instance_dir)
        store = open_in_memory(build)  # a private copy: the joins of the checks run 2-3x faster in memory
    except (StoreNotBuilt, StoreCorrupt) as exc:  # each message says what to do (build, or rebuild)
        print(f"gcmkg check: nothing to check: {exc}", file=err)
        return 2
    base_iri = build.meta.get("base_iri") or config.base_iri
    timings = {"open": time.perf_counter() - t0}
    graphs = len(build.meta.get("sources", []))
    print(f"gcmkg check: build {build.id} ({len(store)} quads in {graphs} graphs), base {base_iri}", file=out)
    report = check_all(store, base_iri, timings)
    format_report(report, out)
    status = 0 if report.ok else 1
    reasoner_note = ""
    if reason:
        from ingest import reasoner

        started = time.perf_counter()
        reason_status = reasoner.run(store, out)
        timings["reasoner"] = time.perf_counter() - started
        reasoner_note = {0: "; reasoner: consistent", 1: "; reasoner: FAILED"}.get(reason_status, "; reasoner: did not finish")
        status = max(status, reason_status)
    n_shapes = len({v.rule for v in report.shape_violations})
    n_checks = len({v.rule for v in report.check_violations})
    verdict = {0: "passed", 1: "FAILED"}.get(status, "could not complete")
    summary = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    print(
        f"gcmkg check {verdict}: {n_shapes} shape(s) and {n_checks} check(s) failed, "
        f"{len({v.focus for v in report.violations})} offending node(s){reasoner_note} "
        f"({summary}; total {time.perf_counter() - t0:.2f} s)",
        file=out,
    )
    return status


def check_files(paths: Sequence[str], base_iri: str | None = None, out: TextIO = sys.stdout) -> int:
    """Check RDF files (the ontology is added), as `gcmkg check` checks a build."""
    from ontology import settings

    base_iri = base_iri or settings.load().base_iri
    store = load_store(paths)
    report = check_all(store, base_iri)
    format_report(report, out)
    print("passed" if report.ok else "FAILED", file=out)
    return 0 if report.ok else 1


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ingest.check", description="Check RDF files against the shapes and checks.")
    parser.add_argument("files", nargs="+", help="Turtle, TriG, N-Triples or N-Quads files")
    parser.add_argument("--base-iri", help="base IRI of minted IRIs (default: the configured one)")
    args = parser.parse_args()
    sys.exit(check_files(args.files, args.base_iri))
