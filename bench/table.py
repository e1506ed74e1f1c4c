"""run.sh's output as the Markdown tables of docs/benchmark.md: python bench/table.py < run.log"""
import re
import sys

QUERIES = ("entity", "join", "text", "classes")
ENGINES = (
    ("ours-gunicorn-cache-off", "ours, gunicorn, cache off"), ("ours-gunicorn-cache-on", "ours, gunicorn, cache on"),
    ("ours-granian-cache-off", "ours, granian, cache off"), ("ours-granian-cache-on", "ours, granian, cache on"),
    ("virtuoso", "Virtuoso 7.2.5"), ("oxigraph-server", "Oxigraph server 0.5.13"),
    ("plain-flask", "plain Flask + pyoxigraph"), ("rdflib-endpoint", "rdflib-endpoint 0.6.3"),
)
TARGETS = (  # (ours, anchor, what the issue asks)
    ("ours-gunicorn-cache-off", "virtuoso", "cache off >= Virtuoso (gunicorn)"),
    ("ours-granian-cache-off", "virtuoso", "cache off >= Virtuoso (granian)"),
    ("ours-gunicorn-cache-on", "oxigraph-server", "cache on >= Oxigraph server (gunicorn)"),
    ("ours-granian-cache-on", "oxigraph-server", "cache on >= Oxigraph server (granian)"),
)


def parse(text: str):
    bench, overhead = {}, {}
    for line in text.splitlines():
        parts = line.split()
        if line.startswith("BENCH "):
            fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            bench[(parts[1], parts[2])] = fields
        elif line.startswith("OVERHEAD "):
            fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            overhead[(parts[1], parts[2])] = {k: float(v.rstrip("ms")) for k, v in fields.items()}
    return bench, overhead


def main() -> None:
    bench, overhead = parse(sys.stdin.read())
    print("| req/s (p50 / p95 ms) | " + " | ".join(QUERIES) + " |")
    print("|---|" + "---|" * len(QUERIES))
    for key, title in ENGINES:
        cells = []
        for q in QUERIES:
            f = bench.get((key, q))
            if f is None:
                cells.append("-")
                continue
            bad = int(f.get("non2xx", 0)) + int(f.get("errors", 0))
            note = f", {bad} failed" if bad else ""
            cells.append(f"{float(f['rps']):,.0f} ({float(f['p50']):.1f} / {float(f['p95']):.1f}{note})")
        print(f"| {title} | " + " | ".join(cells) + " |")
    print()
    print("| target | " + " | ".join(QUERIES) + " |")
    print("|---|" + "---|" * len(QUERIES))
    for ours, anchor, title in TARGETS:
        cells = []
        for q in QUERIES:
            a, b = bench.get((ours, q)), bench.get((anchor, q))
            if not a or not b or float(b["rps"]) == 0:
                cells.append("-")
                continue
            r = float(a["rps"]) / float(b["rps"])
            cells.append(f"{r:.2f}x {'met' if r >= 1 else 'not met'}")
        print(f"| {title} | " + " | ".join(cells) + " |")
    print()
    print("| overhead, median ms | in-process (plain / build-shaped) | " + " | ".join(
        k for k, _ in ENGINES[:4]) + " |")
    print("|---|---|" + "---|" * 4)
    for q in QUERIES:
        base = overhead.get(("ours-gunicorn-cache-off", q)) or {}
        cells = []
        for key, _ in ENGINES[:4]:
            o = overhead.get((key, q))
            cells.append(f"{o['http']:.3f} - {o['in-process']:.3f} = **{o['overhead']:.3f}**" if o else "-")
        print(f"| {q} | {base.get('in-process', 0):.3f} / {base.get('in-process-build-shaped', 0):.3f} | "
              + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
