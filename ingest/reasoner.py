"""`gcmkg check --reason`: OWL 2 reasoning (HermiT, through owlready2) over the ontology and the data of a build.

What it answers: is the ontology plus the data consistent, and which classes are unsatisfiable (can have no
member). What shapes cannot see and a reasoner can: a value outside a property's datatype range (a string where
the ontology says xsd:integer), two values of a functional datatype property, a class below two disjoint classes.

How, and why so:

* owlready2 cannot read Turtle: the union of the store's graphs is serialized as N-Triples by pyoxigraph.
* HermiT supports only the OWL 2 datatype map, which leaves out xsd:date and xsd:gYear (ranges of gcm:adopted,
  gcm:startDate, gcm:observedOn, gcm:refYear ...): it runs with ``--ignoreUnsupportedDatatypes``, so values of
  those datatypes are not reasoned over (the SHACL shapes check them).
* HermiT reasons in OWL 2 DL: the input declares the annotation properties it uses (skos:definition, dct:title
  ...) and leaves out, reporting them, sub-property axioms that put a data or object property below an annotation
  property (gcm:commitment below skos:definition): left as they are, the OWL API parser puns classes as
  individuals, depending on the order of the triples, and owlready2 then misreads HermiT's answer.
* Java gets a deadline: the reasoning runs in a child process (``python -m ingest.reasoner --worker FILE``) in its
  own process group, killed whole when the deadline passes; an inconsistency is then explained by Pellet (shipped
  with owlready2) within what is left of the deadline.
* Size: the whole data is reasoned over when its ABox has at most ``MAX_FULL_ABOX`` triples (HermiT's load and
  consistency check grow with the number of individuals). Above that, the TBox (every owl:Class, property and
  ontology declaration, with its axioms) plus a deterministic sample (the first ``SAMPLE_PER_CLASS`` individuals of
  each class, in IRI order, with all their triples) is reasoned over, and the report says so.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

TIMEOUT_SECONDS = 90.0
MAX_FULL_ABOX = 500_000  # HermiT measured here: 51k ABox triples in 8 s, 227k in 16 s (roughly linear)
SAMPLE_PER_CLASS = 50
JAVA_MEMORY_MB = 2000

_SCHEMA_KINDS = (
    "owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty owl:Ontology rdfs:Class rdf:Property "
    "rdfs:Datatype owl:FunctionalProperty owl:InverseFunctionalProperty owl:TransitiveProperty owl:SymmetricProperty "
    "owl:AsymmetricProperty owl:ReflexiveProperty owl:IrreflexiveProperty owl:Restriction owl:AllDisjointClasses "
    "owl:AllDisjointProperties"
)
_PREFIXES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


# Properties that OWL ontologies use as annotation properties. OWL 2 DL needs them declared: left undeclared, the
# OWL API guesses, depending on the order of the triples, that e.g. skos:definition is a data property (because
# gcm:commitment, a data property, is declared its sub-property), and then every class and property carrying a
# skos:definition becomes an individual too (punning) and the classification HermiT prints is mis-read by owlready2.
ANNOTATION_PROPERTIES = tuple(
    ns + local
    for ns, locals_ in (
        ("http://www.w3.org/2000/01/rdf-schema#", "label comment seeAlso isDefinedBy"),
        ("http://www.w3.org/2002/07/owl#", "versionInfo deprecated annotatedSource annotatedTarget annotatedProperty"),
        ("http://www.w3.org/2004/02/skos/core#",
         "prefLabel altLabel hiddenLabel definition note scopeNote editorialNote example historyNote changeNote"),
        ("http://purl.org/dc/terms/", "title description created modified license creator contributor"),
        ("http://purl.org/vocab/vann/", "preferredNamespacePrefix preferredNamespaceUri"),
    )
    for local in locals_.split()
)
_OWL = "http://www.w3.org/2002/07/owl#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBPROPERTY = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf"


@dataclass
class ReasonerInput:
    ntriples: bytes
    scope: str  # what was reasoned over, in words
    triples: int
    sampled: bool = False
    left_out: list[str] = field(default_factory=list)  # axioms outside OWL 2 DL, not given to HermiT


def owl2_dl_hygiene(triples: set[ox.Triple]) -> tuple[set[ox.Triple], list[str]]:
    """Declare the annotation properties in use, and leave out sub-property axioms that tie an object or datatype
    property to an annotation property (not allowed in OWL 2 DL). Returns the triples and what was left out."""
    declared: dict[str, set[str]] = {}
    used = set()  # as a predicate, or as the super-property of another
    for t in triples:
        used.add(t.predicate.value)
        if t.predicate.value == _SUBPROPERTY and isinstance(t.object, ox.NamedNode):
            used.add(t.object.value)
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode) and t.object.value.startswith(_OWL):
            declared.setdefault(t.subject.value, set()).add(t.object.value[len(_OWL):])
    annotation = {p for p in ANNOTATION_PROPERTIES
                  if p in used and not declared.get(p, set()) & {"ObjectProperty", "DatatypeProperty"}}
    annotation |= {iri for iri, kinds in declared.items() if "AnnotationProperty" in kinds}
    out = set(triples)
    for iri in sorted(annotation):
        out.add(ox.Triple(ox.NamedNode(iri), ox.NamedNode(_RDF_TYPE), ox.NamedNode(_OWL + "AnnotationProperty")))
    left_out = []
    for t in triples:
        if (t.predicate.value == _SUBPROPERTY and isinstance(t.object, ox.NamedNode) and t.object.value in annotation
                and declared.get(t.subject.value, set()) & {"ObjectProperty", "DatatypeProperty"}):
            out.discard(t)
            left_out.append(f"<{t.subject.value}> rdfs:subPropertyOf <{t.object.value}> (a data or object property "
                            "below an annotation property)")
    return out, sorted(left_out)


@dataclass
class ReasonerResult:
    consistent: bool | None = None  # None: reasoning did not finish
    unsatisfiable: list[str] = field(default_factory=list)
    explanation: str = ""
    error: str = ""
    timed_out: bool = False
    seconds: float = 0.0
    scope: str = ""
    left_out: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.consistent is True and not self.unsatisfiable


# --- what the reasoner sees ----------------------------------------------------------------------------------------


def _union(store: ox.Store) -> list[ox.Triple]:
    return [t for t in store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)]


def _with_blank_closure(store: ox.Store, triples: list[ox.Triple]) -> list[ox.Triple]:
    """Add the triples of every blank node the given triples reach (OWL axioms written as lists, restrictions)."""
    seen_nodes: set = set()
    out = list(triples)
    todo = [t.object for t in triples if isinstance(t.object, ox.BlankNode)]
    while todo:
        node = todo.pop()
        if node in seen_nodes:
            continue
        seen_nodes.add(node)
        for quad in store.quads_for_pattern(node, None, None, None):
            out.append(quad.triple)
            if isinstance(quad.object, ox.BlankNode):
                todo.append(quad.object)
    return out


def tbox(store: ox.Store) -> list[ox.Triple]:
    query = _PREFIXES + f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        VALUES ?kind {{ {_SCHEMA_KINDS} }}
        ?s a ?kind ; ?p ?o .
    }}"""
    return _with_blank_closure(store, list(store.query(query, use_default_graph_as_union=True)))


def abox_sample(store: ox.Store, per_class: int) -> tuple[list[ox.Triple], int]:
    """All triples of the first ``per_class`` individuals (IRI order) of each class; and the number of classes."""
    classes_query = _PREFIXES + f"""SELECT DISTINCT ?class WHERE {{
        ?x a ?class .
        FILTER NOT EXISTS {{ VALUES ?kind {{ {_SCHEMA_KINDS} }} ?x a ?kind }}
    }} ORDER BY STR(?class)"""
    classes = [row[0] for row in store.query(classes_query, use_default_graph_as_union=True)]
    individuals: dict = {}
    for cls in classes:
        rows = store.query(  # ?class is projected: pyoxigraph substitutes only projected variables
            f"SELECT DISTINCT ?x ?class WHERE {{ ?x a ?class }} ORDER BY STR(?x) LIMIT {int(per_class)}",
            use_default_graph_as_union=True,
            substitutions={ox.Variable("class"): cls},
        )
        for row in rows:
            individuals.setdefault(row[0], None)
    triples: list[ox.Triple] = []
    for node in individuals:
        triples += [q.triple for q in store.quads_for_pattern(node, None, None, None)]
    return _with_blank_closure(store, triples), len(classes)


def reasoner_input(store: ox.Store, max_full_abox: int = MAX_FULL_ABOX, per_class: int = SAMPLE_PER_CLASS) -> ReasonerInput:
    everything = set(_union(store))
    schema = set(tbox(store))
    abox_size = len(everything - schema)
    if abox_size <= max_full_abox:
        chosen = everything
        scope = (f"ontology and all data: {len(schema)} TBox and {abox_size} ABox triples "
                 f"(all the data is reasoned over up to {max_full_abox} ABox triples)")
        sampled = False
    else:
        sample, n_classes = abox_sample(store, per_class)
        chosen = schema | set(sample)
        scope = (f"ontology and a SAMPLE of the data: the ABox has {abox_size} triples, more than the {max_full_abox} "
                 f"reasoned over in full within the deadline, so the first {per_class} individuals (IRI order) of "
                 f"each of {n_classes} classes were taken with all their triples: {len(schema)} TBox and "
                 f"{len(chosen) - len(schema)} ABox triples")
        sampled = True
    chosen, left_out = owl2_dl_hygiene(chosen)
    data = sorted(chosen, key=str)  # a stable input: the same build gives the same reasoner run
    return ReasonerInput(ox.serialize(data, format=ox.RdfFormat.N_TRIPLES), scope, len(data), sampled, left_out)


# --- running HermiT with a deadline --------------------------------------------------------------------------------


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own group (start_new_session): python and its java
    except ProcessLookupError:
        pass
    proc.wait()


def _run_bounded(command: list[str], timeout: float, tmpdir: Path | None = None) -> tuple[int | None, str, str]:
    """Run a command in its own process group; kill the whole group at the deadline. None: timed out.
    ``tmpdir`` becomes the child's TMPDIR, so that what owlready2 leaves there on a kill is cleaned with it."""
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir else None
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return None, "", ""
    return proc.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def reason_file(path: Path, timeout: float = TIMEOUT_SECONDS, explain: bool = True) -> ReasonerResult:
    """Reason over an N-Triples file in a child process; explain an inconsistency with Pellet if time is left."""
    started = time.perf_counter()
    code, stdout, stderr = _run_bounded([sys.executable, "-m", "ingest.reasoner", "--worker", str(path)], timeout,
                                        tmpdir=path.parent)
    result = ReasonerResult()
    if code is None:
        result.timed_out = True
        result.error = (f"HermiT did not finish within {timeout:.1f} s (the deadline; the data may be too large: "
                        "lower ingest.reasoner.MAX_FULL_ABOX to reason over a sample)")
    else:
        try:
            answer = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            answer = {"error": f"the reasoner process failed (exit {code}): {(stderr or stdout).strip()[-2000:]}"}
        result.consistent = answer.get("consistent")
        result.unsatisfiable = answer.get("unsatisfiable", [])
        result.error = answer.get("error", "")
    if result.consistent is False and explain:
        left = timeout - (time.perf_counter() - started)
        result.explanation = explain_inconsistency(path, left)
    result.seconds = time.perf_counter() - started
    return result


def explain_inconsistency(path: Path, timeout: float) -> str:
    """The axioms that make the file inconsistent, as Pellet's `explain` says them (empty if out of time)."""
    if timeout < 1:
        return "(no time left to explain: rerun with a longer deadline)"
    from owlready2 import reasoning

    command = ["java", f"-Xmx{JAVA_MEMORY_MB}M", "-cp", reasoning._PELLET_CLASSPATH, "pellet.Pellet", "explain",
               "--ignore-imports", str(path)]
    code, stdout, stderr = _run_bounded(command, timeout)
    if code is None:
        return f"(Pellet could not explain it within {timeout:.1f} s)"
    text = stdout.strip() or stderr.strip()
    return text[-4000:]


def reason(store: ox.Store, timeout: float = TIMEOUT_SECONDS, max_full_abox: int = MAX_FULL_ABOX,
           per_class: int = SAMPLE_PER_CLASS) -> ReasonerResult:
    """Reason over a store's ontology and data (or a sample of the data when it is large)."""
    started = time.perf_counter()
    prepared = reasoner_input(store, max_full_abox, per_class)
    with tempfile.TemporaryDirectory(prefix="gcmkg-reasoner-") as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(prepared.ntriples)
        left = timeout - (time.perf_counter() - started)
        result = reason_file(path, left)
    result.scope = prepared.scope
    result.left_out = prepared.left_out
    result.seconds = time.perf_counter() - started
    return result


def format_result(result: ReasonerResult, out: TextIO) -> None:
    print("OWL reasoner (HermiT via owlready2, unsupported datatypes xsd:date/xsd:gYear ignored):", file=out)
    print(f"  scope: {result.scope}", file=out)
    if result.left_out:
        print(f"  note: {len(result.left_out)} axiom(s) outside OWL 2 DL left out of reasoning (fix them in the ontology):",
              file=out)
        for axiom in result.left_out:
            print(f"         {axiom}", file=out)
    if result.error:
        print(f"  ERROR {result.error}", file=out)
    if result.consistent is True:
        print("  ok   the ontology and the data are consistent", file=out)
    elif result.consistent is False:
        print("  FAIL the ontology and the data are INCONSISTENT: no interpretation satisfies them all", file=out)
        if result.explanation:
            print("       explanation (Pellet):", file=out)
            for line in result.explanation.splitlines():
                print(f"         {line}", file=out)
    if result.unsatisfiable:
        print(f"  FAIL {len(result.unsatisfiable)} unsatisfiable class(es), which can have no member:", file=out)
        for iri in result.unsatisfiable:
            print(f"       <{iri}>", file=out)
    elif result.consistent is True:
        print("  ok   no unsatisfiable class", file=out)
    print(f"  ({result.seconds:.2f} s)", file=out)


def run(store: ox.Store, out: TextIO = sys.stdout, timeout: float = TIMEOUT_SECONDS) -> int:
    """Reason and print; 0 when consistent with no unsatisfiable class, 1 when not, 2 when it could not finish."""
    result = reason(store, timeout)
    format_result(result, out)
    if result.consistent is False or result.unsatisfiable:
        return 1
    return 0 if result.consistent else 2


# --- the child process ---------------------------------------------------------------------------------------------


def _worker(path: str) -> dict:
    import owlready2

    owlready2.reasoning.JAVA_MEMORY = JAVA_MEMORY_MB
    world = owlready2.World()
    with open(path, "rb") as f:
        world.get_ontology("urn:gcmkg:reasoner-input").load(fileobj=f, format="ntriples")
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError:
        return {"consistent": False, "unsatisfiable": []}
    except owlready2.OwlReadyJavaError as exc:
        return {"consistent": None, "error": f"HermiT failed: {str(exc).strip()[:2000]}"}
    nothing = "http://www.w3.org/2002/07/owl#Nothing"
    unsat = sorted({c.iri for c in world.inconsistent_classes() if getattr(c, "iri", nothing) != nothing})
    return {"consistent": True, "unsatisfiable": unsat}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2])))
        sys.exit(0)
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ingest.reasoner", description="Reason over RDF files (the ontology is added).")
    parser.add_argument("files", nargs="*")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS)
    args = parser.parse_args()
    from ingest.check import load_store

    sys.exit(run(load_store(args.files), timeout=args.timeout))
