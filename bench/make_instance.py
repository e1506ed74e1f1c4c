"""Turn gen.py's N-Triples into a build of our layout (instance/current -> builds/<id>), shaped like ingest.build's:
# (run with python -P: bench/queries.py must not shadow the project package queries)
the triples in one named graph and their merge as the stored default graph."""
import json
import os
import sys
from pathlib import Path

import pyoxigraph as ox

from queries.store import dataset_statistics


def main(nt: str, instance: str) -> None:
    folder = Path(instance) / "builds" / "bench"
    folder.mkdir(parents=True)
    store = ox.Store(str(folder / "store"))
    triples = list(ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES))
    graph = ox.NamedNode("https://example.org/kg/graph")
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    meta = {"id": "bench", "built": "bench", "statistics": dataset_statistics(store, union=False)}
    store.flush()
    del store
    (folder / "build.json").write_text(json.dumps(meta), encoding="utf-8")
    os.symlink(os.path.relpath(folder, instance), Path(instance) / "current")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
