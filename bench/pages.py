"""Entity pages: how long each main page takes to render once a worker has loaded the build (issue 6's target: under
100 ms). In-process (the Flask test client, no HTTP server), on the current build of the instance folder, response
cache off, one warm-up request per page, then N timed requests: p50 and p95 per page.

    .venv/bin/python bench/pages.py [--instance-dir instance] [--runs 20]

A benchmark, not a test: the figures depend on the machine and its load (docs/pages.md gives a measured run)."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ontology import settings  # noqa: E402
from server import create_app  # noqa: E402

PAGES = ["/", "/id/objective/13", "/id/country/tha", "/id/org/icrc", "/id/instrument/icrmw", "/sdg/10.7",
         "/id/event/stakeholder-consultation-2020-11-19", "/id/doc/ap-grr-2021-stakeholder-summary/statement/20-b",
         "/id/doc/ap-grr-2021-stakeholder-summary", "/search?q=migrant", "/browse/gcm:Country", "/charts", "/query"]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instance-dir", default="instance")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    config = settings.load({"instance_dir": args.instance_dir, "cache": False, "access_log": False})
    client = create_app(config).test_client()
    started = time.perf_counter()
    for path in PAGES:
        status = client.get(path, headers=BROWSER).status_code
        if status != 200:
            print(f"{path}: HTTP {status}", file=sys.stderr)
            return 1
    print(f"first requests (the worker loads its view of the build): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"| page | p50 ms | p95 ms |\n|---|---|---|")
    worst = 0.0
    for path in PAGES:
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            client.get(path, headers=BROWSER)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        worst = max(worst, p95)
        print(f"| `{path}` | {statistics.median(times):.1f} | {p95:.1f} |")
    print(f"worst p95: {worst:.1f} ms (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
