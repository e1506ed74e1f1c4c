"""Endpoint overhead: median latency of one query over HTTP (one keep-alive connection, sequential) minus the median
of the same query evaluated and serialized in-process with pyoxigraph (memory store).
python overhead.py URL NT [LABEL]. Two in-process baselines: the plain store of the N-Triples (what the issue's
target is stated against), and a store shaped like our build (make_instance.py: the triples in a named graph plus
their merge as the default graph), which is what our evaluators query. With the response cache on, every request
after the first is a hit: the figure is then what a hit costs over evaluating the query in-process."""
import http.client
import statistics
import sys
import time
import urllib.parse

import pyoxigraph as ox

from queries import QUERIES


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(url: str, nt: str, label: str = "ours", n: int = 400) -> None:
    plain = ox.Store()
    plain.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
    shaped = ox.Store()
    graph = ox.NamedNode("https://example.org/kg/graph")
    triples = list(plain.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    shaped.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    shaped.bulk_extend(triples)
    u = urllib.parse.urlsplit(url)
    for name, query in QUERIES.items():
        lm = _median_ms(lambda: plain.query(query).serialize(format=ox.QueryResultsFormat.JSON), n)
        sm = _median_ms(lambda: shaped.query(query).serialize(format=ox.QueryResultsFormat.JSON), n)
        path = u.path + "?" + urllib.parse.urlencode({"query": query})
        remote = []
        conn = http.client.HTTPConnection(u.hostname, u.port)  # fresh: the local loop may outlast keep-alive
        for _ in range(n):
            t = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            r = conn.getresponse()
            r.read()
            remote.append(time.perf_counter() - t)
            assert r.status == 200, r.status
        conn.close()
        rm = statistics.median(remote) * 1000
        print(f"OVERHEAD {label} {name} in-process={lm:.3f}ms http={rm:.3f}ms overhead={rm - lm:.3f}ms "
              f"in-process-build-shaped={sm:.3f}ms overhead-vs-build-shaped={rm - sm:.3f}ms")


if __name__ == "__main__":
    main(*sys.argv[1:4])
