"""Scale benchmark: build corpora 1x, 10x, 100x the real one and time every named query on the embedded store.

    .venv/bin/python bench/scale/run.py --factors 1 10 100 --work /tmp/gcmkg-scale --svg docs/scaling.svg

For each factor: ``bench/scale/generate.py`` writes the data folder (unless it is there already), ``gcmkg build
--data-dir X --instance-dir Y`` builds it as a child process (wall time, CPU time and peak memory from the child's
own rusage), the store's size on disk and the memory of one in-memory copy are measured, and every named query of
the catalog (``queries/*.rq``, default parameters; a paginated one, its first page) runs once to warm up and then ``--runs`` times, on the two
embedded stores the project uses: the RocksDB store read-only (``gcmkg query``) and the in-memory store each
``gcmkg serve`` evaluator answers them from (``server.evaluator.load_store``, shape "default": the default graph
alone, which is the merge of the named graphs; a query that names a graph is answered from the full dataset,
which the catalog's never do). The queries run in a child process per store, so that a query slower than
``--timeout`` seconds can be stopped (pyoxigraph cannot cancel a query) and reported as such; one slower than
``--slow`` seconds is timed 3 times only. Results go to ``WORK/results.json`` (after each factor) and, as Markdown
tables, to standard output (docs/scaling.md); ``--from-results`` prints them again without measuring.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import threading
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def build(data: Path, instance: Path, log: Path) -> dict:
    gcmkg = Path(sys.executable).with_name("gcmkg")
    argv = [str(gcmkg), "build", "--data-dir", str(data), "--instance-dir", str(instance)]
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (peak RSS, CPU)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"build failed ({proc.returncode}): {log.read_text()[-3000:]}")
    meta = json.loads((instance / "current" / "build.json").read_text())
    return {
        "command": " ".join(argv),
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "store_mb": round(du(instance / "current" / "store") / 1e6, 1),
        "triples_merged": meta["statistics"]["triples"],
        "quads": sum(s["triples"] for s in meta["sources"]) + meta["statistics"]["triples"],
        "graphs": len(meta["sources"]),
        "documents": sum(1 for s in meta["sources"] if s["name"].startswith("doc-")),
        "build_reported_s": meta["seconds"]["total"],
    }


_RSS_PROBE = """
import sys
from queries.store import current_build
from server.evaluator import load_store
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) // 1024
before = rss()
store = load_store(("build", str(current_build(sys.argv[1]).path), "default"))[0]
print(rss() - before, len(store))
"""


def memory_copy_rss(instance: Path) -> dict:
    """Resident memory of the store each `gcmkg serve` evaluator process holds (the default graph alone)."""
    run = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(instance)], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    mb, quads = run.stdout.split()
    return {"memory_copy_rss_mb": int(mb), "memory_copy_quads": int(quads)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q  # linear interpolation between closest ranks
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def sample_node(store) -> str:
    """A required parameter without a default (provenance's node): the first extracted node of the first document."""
    return next(iter(store.query(
        "SELECT ?s WHERE { ?s <https://w3id.org/gcmkg/ontology#fromSource> ?x } ORDER BY ?s LIMIT 1")))["s"].value


def prepare_named(q, sample: str, base: str | None) -> tuple[str, dict]:
    """The text and substitutions the benchmark runs for a named query: its defaults (a paginated query: its first
    page, as clients get it by default), *sample* for a required IRI parameter without a default."""
    given = {p.name: sample for p in q.params if p.required and p.default is None and p.type == "iri"}
    if hasattr(q, "prepare"):
        prepared = q.prepare(given, base=base)
        return prepared.text, prepared.substitutions
    return q.text, q.bind(given)  # older catalog API


def run_once(store, text: str, subs: dict | None) -> tuple[float, int]:
    """One timed run, the result serialized in full as the endpoint does: (milliseconds, bytes)."""
    import pyoxigraph as ox

    from ontology.vocab import PREFIXES

    t = time.perf_counter()
    result = store.query(text, prefixes=PREFIXES, substitutions=subs or None)
    if isinstance(result, ox.QuerySolutions):
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
    elif isinstance(result, ox.QueryTriples):
        body = result.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        body = b"true" if result else b"false"
    return (time.perf_counter() - t) * 1000, len(body)


def time_named(store, q, sample: str, base: str | None, runs: int, slow: float, on_warm=None) -> dict:
    """One warm-up then *runs* timed runs (3 if the warm-up took more than *slow* s) of named query *q*."""
    text, subs = prepare_named(q, sample, base)
    first, size = run_once(store, text, subs)  # warm-up
    if on_warm:
        on_warm(first)
    n = runs if first < slow * 1000 else 3
    times = [run_once(store, text, subs)[0] for _ in range(n)]
    return {"runs": n, "p50_ms": round(percentile(times, 0.5), 2), "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 2), "warmup_ms": round(first, 2), "result_bytes": size,
            "times_ms": [round(t, 3) for t in times]}


def _child(kind: str, instance: str, runs: int, slow: float, names: list[str]) -> int:
    """Child process: open one kind of store, then time the named queries, one JSON line each (stdout)."""
    from queries.catalog import Catalog
    from queries.store import current_build, open_read_only
    from server.evaluator import load_store

    build_ = current_build(Path(instance))
    base = build_.meta.get("base_iri")
    started = time.perf_counter()
    if kind == "memory":  # what a `gcmkg serve` evaluator answers the catalog from
        store = load_store(("build", str(build_.path), "default"))[0]
    else:
        store = open_read_only(build_)
    print(json.dumps({"opened_s": round(time.perf_counter() - started, 2)}), flush=True)
    sample = sample_node(store)
    catalog = Catalog.load()
    for name in names:
        print(json.dumps({"start": name}), flush=True)
        entry = time_named(store, catalog.get(name), sample, base, runs, slow,
                           on_warm=lambda ms: print(json.dumps({"warm": name, "ms": ms}), flush=True))
        print(json.dumps({"done": name, **entry}), flush=True)
    return 0


def _time_kind(kind: str, instance: Path, names: list[str], runs: int, slow: float, timeout: float) -> dict:
    """Run the queries in child processes; a query whose warm-up exceeds *timeout* s is killed and recorded."""
    out: dict = {"queries": {}, "opened_s": None}
    todo = list(names)
    while todo:
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(instance), str(runs), str(slow),
                                 *todo], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put("")], daemon=True).start()
        current, deadline = None, time.monotonic() + 900  # opening the store and finding a sample node
        try:
            while True:
                try:
                    line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
                except queue.Empty:
                    raise TimeoutError from None
                if not line:
                    raise RuntimeError(f"query child ({kind}) exited with {proc.wait()} during {current}")
                msg = json.loads(line)
                if "opened_s" in msg:
                    out["opened_s"] = out["opened_s"] or msg["opened_s"]
                elif "start" in msg:
                    current, deadline = msg["start"], time.monotonic() + timeout
                elif "warm" in msg:
                    n = runs if msg["ms"] < slow * 1000 else 3
                    deadline = time.monotonic() + n * max(msg["ms"] / 1000 * 3, 5.0)
                elif "done" in msg:
                    out["queries"][msg.pop("done")] = msg
                    todo.remove(current)
                    print(f"    {kind:7} {current:34} p50 {msg['p50_ms']:9.1f}  p95 {msg['p95_ms']:9.1f} ms"
                          + ("" if msg["runs"] == runs else f"  ({msg['runs']} runs)"), flush=True)
                    current = None
                    if not todo:
                        break
        except TimeoutError:
            if current is None:
                raise RuntimeError(f"the {kind} store did not open within the time allowed") from None
            out["queries"][current] = {"timeout_s": timeout}
            todo.remove(current)
            print(f"    {kind:7} {current:34} no answer within {timeout:.0f} s: stopped", flush=True)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    return out


def time_queries(instance: Path, runs: int, slow: float, timeout: float) -> dict:
    from queries.catalog import Catalog

    names = [q.name for q in Catalog.load()]
    out: dict = {"queries": {n: {} for n in names}}
    for kind in ("memory", "rocksdb"):
        res = _time_kind(kind, instance, names, runs, slow, timeout)
        out[f"open_{kind}_s"] = res["opened_s"]
        for n in names:
            out["queries"][n][kind] = res["queries"][n]
        timed = [e for e in res["queries"].values() if "times_ms" in e]
        every = [t for e in timed for t in e["times_ms"]]
        out[f"overall_{kind}"] = {
            "p50_ms": round(percentile(every, 0.5), 2) if every else None,
            "p95_ms": round(percentile(every, 0.95), 2) if every else None,
            "worst_query_p95_ms": max((e["p95_ms"] for e in timed), default=None),
            "timed_out": [n for n, e in res["queries"].items() if "timeout_s" in e],
        }
    out["memory_copy_s"] = out["open_memory_s"]
    return out


def markdown(results: dict) -> str:
    lines = ["| factor | documents | triples (merge) | quads stored | build wall s | build CPU s | peak RSS MB | "
             "store on disk MB | memory copy: s / RSS MB |", "|---|---|---|---|---|---|---|---|---|"]
    for f in results["factors"]:
        b, q = f["build"], f["queries"]
        lines.append(f"| {f['factor']}x | {b['documents']} | {b['triples_merged']:,} | {b['quads']:,} | {b['wall_s']} | "
                     f"{b['cpu_s']} | {b['peak_rss_mb']} | {b['store_mb']} | {q['memory_copy_s']} / "
                     f"{b.get('memory_copy_rss_mb', '?')} |")
    lines += ["", "| factor | all queries p50 / p95 ms (in-memory) | worst query p95 ms (in-memory) | "
              "all queries p50 / p95 ms (RocksDB) | worst query p95 ms (RocksDB) |", "|---|---|---|---|---|"]
    for f in results["factors"]:
        m, r = f["queries"]["overall_memory"], f["queries"]["overall_rocksdb"]
        stopped = lambda o: f" ({len(o['timed_out'])} stopped)" if o.get("timed_out") else ""  # noqa: E731
        lines.append(f"| {f['factor']}x | {m['p50_ms']} / {m['p95_ms']}{stopped(m)} | {m['worst_query_p95_ms']} | "
                     f"{r['p50_ms']} / {r['p95_ms']}{stopped(r)} | {r['worst_query_p95_ms']} |")
    names = list(results["factors"][0]["queries"]["queries"])
    header = " | ".join(f"{f['factor']}x p50 / p95" for f in results["factors"])
    lines += ["", f"| query (in-memory store, ms) | {header} |", "|---|" + "---|" * len(results["factors"])]
    for name in names:
        cells = []
        for f in results["factors"]:
            e = f["queries"]["queries"].get(name, {}).get("memory")
            if not e:
                cells.append("-")
            elif "timeout_s" in e:
                cells.append(f"> {e['timeout_s']:.0f} s (stopped)")
            else:
                cells.append(f"{e['p50_ms']} / {e['p95_ms']}" + ("" if e["runs"] >= 20 else f" ({e['runs']} runs)"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def svg(results: dict) -> str:
    """Growth relative to 1x on log-log axes, with the corpus size itself as the reference diagonal."""
    import math

    factors = [f for f in results["factors"]]
    if len(factors) < 2:
        return ""
    first = factors[0]

    def series(get):
        out = []
        for f in factors:
            try:
                v, v0 = get(f), get(first)
            except (KeyError, TypeError):
                continue
            if v and v0:
                out.append((f["factor"] / first["factor"], v / v0))
        return out

    lines = [
        ("corpus size (reference)", "#999999", series(lambda f: f["corpus_bytes"])),
        ("quads stored", "#1f77b4", series(lambda f: f["build"]["quads"])),
        ("build CPU time", "#d62728", series(lambda f: f["build"]["cpu_s"])),
        ("build wall time", "#ff9896", series(lambda f: f["build"]["wall_s"])),
        ("query p50, all queries (in-memory)", "#2ca02c", series(lambda f: f["queries"]["overall_memory"]["p50_ms"])),
        ("query p95, all queries (in-memory)", "#98df8a", series(lambda f: f["queries"]["overall_memory"]["p95_ms"])),
    ]
    xmax = max(x for _, _, pts in lines for x, _ in pts)
    ymax = max(max(y for _, _, pts in lines for _, y in pts), xmax) * 1.3  # headroom above the top point
    w, h, left, bottom, top, right = 640, 400, 60, 50, 20, 250
    px = lambda x: left + (w - left - right) * math.log10(x) / math.log10(xmax)  # noqa: E731
    py = lambda y: h - bottom - (h - bottom - top) * math.log10(max(y, 1)) / math.log10(ymax)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" '
           'font-size="12">', f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>']
    decade = 1
    while decade <= ymax * 1.0001:
        out.append(f'<text x="{left - 6}" y="{py(decade) + 4:.1f}" text-anchor="end">{decade:g}x</text>')
        out.append(f'<line x1="{left}" y1="{py(decade):.1f}" x2="{w - right}" y2="{py(decade):.1f}" '
                   'stroke="#eeeeee"/>')
        decade *= 10
    for f in factors:
        x = f["factor"] / first["factor"]
        out.append(f'<text x="{px(x):.1f}" y="{h - bottom + 16}" text-anchor="middle">{f["factor"]}x</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 10}" text-anchor="middle">corpus factor</text>')
    out.append(f'<text x="14" y="{(h - bottom + top) / 2}" transform="rotate(-90 14 {(h - bottom + top) / 2})" '
               'text-anchor="middle">growth relative to 1x (log)</text>')
    for i, (label, color, pts) in enumerate(lines):
        dash = ' stroke-dasharray="5,4"' if label.startswith("corpus") else ""
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="'
                   + " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts) + '"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
        ly = top + 10 + i * 20
        out.append(f'<line x1="{w - right + 15}" y1="{ly}" x2="{w - right + 40}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{w - right + 45}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--work", type=Path, default=Path("/tmp/gcmkg-scale"), help="data, instances and results")
    p.add_argument("--runs", type=int, default=20, help="timed runs of each query (after one warm-up)")
    p.add_argument("--slow", type=float, default=10.0, help="seconds after which a query is run 3 times only")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds a query's first run may take before it is stopped and recorded as such")
    p.add_argument("--regenerate", action="store_true", help="write the data folders again even if present")
    p.add_argument("--svg", type=Path, help="also draw the growth curves into this SVG file")
    p.add_argument("--from-results", action="store_true",
                   help="measure nothing: print the tables (and --svg) of WORK/results.json")
    p.add_argument("--append", action="store_true",
                   help="keep the other factors of WORK/results.json (measured by an earlier run)")
    p.add_argument("--reuse-builds", action="store_true",
                   help="keep a build made by an earlier run (its figures in WORK/build-Nx.json) instead of rebuilding")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench" / "scale"))
    from generate import generate

    args.work.mkdir(parents=True, exist_ok=True)
    results_file = args.work / "results.json"
    if args.from_results:
        results = json.loads(results_file.read_text())
        print(markdown(results))
        if args.svg:
            args.svg.write_text(svg(results))
        return 0
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()},
               "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": args.runs, "factors": []}
    if args.append and results_file.is_file():
        results["factors"] = [f for f in json.loads(results_file.read_text())["factors"]
                              if f["factor"] not in args.factors]
    for factor in args.factors:
        data, instance = args.work / f"data-{factor}x", args.work / f"instance-{factor}x"
        print(f"== {factor}x", flush=True)
        if args.regenerate or not (data / "corpus" / "manifest.toml").is_file():
            t = time.perf_counter()
            info = generate(ROOT / "data", factor, data)
            print(f"  generated {info['documents']} documents, {info['corpus_bytes'] / 1e6:.1f} MB "
                  f"({time.perf_counter() - t:.1f} s)", flush=True)
        saved = args.work / f"build-{factor}x.json"
        if args.reuse_builds and saved.is_file() and (instance / "current").exists():
            b = json.loads(saved.read_text())
            b.update(memory_copy_rss(instance))  # measured again: what an evaluator holds may have changed
            print(f"  reusing the build of an earlier run: {b}", flush=True)
        else:
            b = build(data, instance, args.work / f"build-{factor}x.log")
            b.update(memory_copy_rss(instance))
            saved.write_text(json.dumps(b, indent=1))
            print(f"  built: {b}", flush=True)
        q = time_queries(instance, args.runs, args.slow, args.timeout)
        corpus_bytes = sum(p.stat().st_size for p in (data / "corpus").iterdir())
        results["factors"].append({"factor": factor, "corpus_bytes": corpus_bytes, "build": b, "queries": q})
        results["factors"].sort(key=lambda f: f["factor"])
        results_file.write_text(json.dumps(results, indent=1))  # after each factor: a partial run keeps its figures
        print(f"  overall in-memory {q['overall_memory']}, RocksDB {q['overall_rocksdb']}", flush=True)
    print()
    print(markdown(results))
    if args.svg:
        args.svg.write_text(svg(results))
    print(f"\nresults: {results_file}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6:]))
    sys.exit(main())
