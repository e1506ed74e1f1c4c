"""`gcmkg export`: dumps of the current build, with a VoID description, a version and checksums.

Written into ``instance/builds/<id>/dumps/`` by default (beside the store they come from): ``gcmkg.trig``,
``gcmkg.nq`` (the whole dataset, one named graph per source), ``graphs/<name>.ttl`` and ``graphs/<name>.jsonld``
(one file per named graph), ``void.ttl``, ``VERSION`` and ``SHA256SUMS``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from ontology.vocab import DCT, PREFIXES, RDF, VOID, XSD
from ontology.iris import Minter
from ontology.settings import Config
from queries.store import Build, current_build, open_read_only


def _graph_prefixes() -> dict[str, str]:
    return dict(PREFIXES)


def _void(meta: dict, files: list[str], minter: Minter) -> bytes:
    ds = ox.NamedNode(minter.dump("void.ttl").value + "#dataset")
    store = ox.Store()
    t = lambda s, p, o: store.add(ox.Quad(s, p, o, ox.DefaultGraph()))  # noqa: E731
    t(ds, RDF.type, VOID.Dataset)
    t(ds, DCT.title, ox.Literal("GCM Knowledge Graph", language="en"))
    t(ds, DCT.modified, ox.Literal(meta["built"]))
    t(ds, ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo"), ox.Literal(meta["id"]))
    stats = meta["statistics"]
    t(ds, VOID.triples, ox.Literal(str(stats["triples"]), datatype=XSD.integer))
    for f in files:
        t(ds, VOID.dataDump, minter.dump(f))
    for g in stats["graphs"]:
        sub = ox.NamedNode(g["graph"])
        t(ds, VOID.subset, sub)
        t(sub, RDF.type, VOID.Dataset)
        t(sub, VOID.triples, ox.Literal(str(g["triples"]), datatype=XSD.integer))
    return store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                      prefixes={"void": str(VOID), "dct": str(DCT), "xsd": str(XSD)})


# Every alignment of our entities to external vocabularies (Wikidata, GeoNames, SDG KOS, semapv...)
ALIGNMENTS = """
SELECT DISTINCT ?s ?p ?o (SAMPLE(?l) AS ?label) WHERE {
  ?s ?p ?o .
  VALUES ?p { owl:sameAs skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  FILTER(isIRI(?o))
  OPTIONAL { ?s rdfs:label ?l . FILTER(LANG(?l) = "en") }
} GROUP BY ?s ?p ?o"""


def export(config: Config, out: str | None = None) -> Path:
    """Dumps of the current build into ``out`` (default: the build's own dumps/ folder, which `gcmkg build` already
    wrote unless GCMKG_DUMPS=0)."""
    build = current_build(config.instance_dir)
    target = Path(out) if out else build.path / "dumps"
    write_dumps(build, target, config.base_iri)
    print(f"exported the dump files of build {build.id} to {target}")
    return target


def write_dumps(build: Build, target: Path, base_iri: str) -> list[str]:
    """Write every dump file of ``build`` into ``target`` (replaced as a whole: written beside it, then renamed).
    Returns the files' paths relative to ``target``."""
    store = open_read_only(build)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "graphs").mkdir(parents=True)
    names = {s["graph"]: s["name"] for s in build.meta["sources"]}
    files = ["gcmkg.trig", "gcmkg.nq"]
    with open(tmp / "gcmkg.trig", "wb") as f:
        # one TriG document for the whole dataset (named graphs only: the default graph is their merge)
        quads = [q for g in sorted(store.named_graphs(), key=lambda g: g.value)
                 for q in store.quads_for_pattern(None, None, None, g)]
        f.write(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_graph_prefixes()))
    with open(tmp / "gcmkg.nq", "wb") as f:
        f.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    for g in sorted(store.named_graphs(), key=lambda g: g.value):
        name = names.get(g.value, g.value.rsplit("/", 1)[-1])
        ttl, jsonld = f"graphs/{name}.ttl", f"graphs/{name}.jsonld"
        (tmp / ttl).write_bytes(store.dump(format=ox.RdfFormat.TURTLE, from_graph=g, prefixes=_graph_prefixes()))
        (tmp / jsonld).write_bytes(store.dump(format=ox.RdfFormat.JSON_LD, from_graph=g))
        files += [ttl, jsonld]
    alignments = store.query(ALIGNMENTS, prefixes=PREFIXES)
    rows = sorted((sol["s"].value, sol["p"].value, sol["o"].value, sol["label"].value if sol["label"] else "")
                  for sol in alignments)
    (tmp / "alignments.ttl").write_bytes(ox.serialize(
        [ox.Triple(ox.NamedNode(s_), ox.NamedNode(p_), ox.NamedNode(o_)) for s_, p_, o_, _ in rows],
        format=ox.RdfFormat.TURTLE, prefixes=_graph_prefixes()))
    with open(tmp / "alignments.sssom.tsv", "w", encoding="utf-8") as f:
        f.write("# curie_map:\n#   owl: http://www.w3.org/2002/07/owl#\n#   skos: http://www.w3.org/2004/02/skos/core#\n"
                f"# mapping_set_id: {Minter(base_iri).dump('alignments.sssom.tsv').value}\n"
                "# license: https://www.apache.org/licenses/LICENSE-2.0\n")
        f.write("subject_id\tsubject_label\tpredicate_id\tobject_id\tmapping_justification\n")
        for s_, p_, o_, label in rows:
            pred = "owl:sameAs" if p_.endswith("#sameAs") else "skos:" + p_.rsplit("#", 1)[-1]
            f.write(f"{s_}\t{label}\t{pred}\t{o_}\tsemapv:ManualMappingCuration\n")
    files += ["alignments.ttl", "alignments.sssom.tsv"]
    (tmp / "void.ttl").write_bytes(_void(build.meta, files, Minter(base_iri)))
    (tmp / "VERSION").write_text(json.dumps({"build": build.meta["id"], "fingerprint": build.meta["fingerprint"]}) + "\n")
    sums = []
    for rel in sorted(files + ["void.ttl", "VERSION"]):
        sums.append(f"{hashlib.sha256((tmp / rel).read_bytes()).hexdigest()}  {rel}")
    (tmp / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    if target.exists():
        shutil.rmtree(target)
    os.rename(tmp, target)
    del store
    return files + ["void.ttl", "VERSION", "SHA256SUMS"]
