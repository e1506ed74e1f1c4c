"""Endpoint overhead: median latency of one query over HTTP (one keep-alive connection, sequential) minus the median
of the same query evaluated and serialized in-process with pyoxigraph (memory store).
python overhead.py URL NT [LABEL]. With the response cache on, every request after the first is a hit: the figure is
then what a hit costs over evaluating the query in-process."""
import http.client
import statistics
import sys
import time
import urllib.parse

import pyoxigraph as ox

from queries import QUERIES


def main(url: str, nt: str, label: str = "ours", n: int = 400) -> None:
    store = ox.Store()
    store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
    u = urllib.parse.urlsplit(url)
    for name, query in QUERIES.items():
        local = []
        for _ in range(n):
            t = time.perf_counter()
            store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
            local.append(time.perf_counter() - t)
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
        lm, rm = statistics.median(local) * 1000, statistics.median(remote) * 1000
        print(f"OVERHEAD {label} {name} in-process={lm:.3f}ms http={rm:.3f}ms overhead={rm - lm:.3f}ms")


if __name__ == "__main__":
    main(*sys.argv[1:4])
