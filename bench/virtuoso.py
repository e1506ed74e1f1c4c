"""The Virtuoso anchor for run.sh: Virtuoso 7 from Debian's packages (tests/engines.py), gen.py's triples loaded
with the bulk loader into one named graph (queries without FROM see every graph), the 10,000-row cap raised.
python virtuoso.py WORKDIR KG.nt : prints "READY <query url>" once loaded and answering, stops on SIGTERM/SIGINT."""
import shutil
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import engines  # noqa: E402

GRAPH = "https://example.org/kg/graph"
MAX_ROWS = 1000000  # [SPARQL] ResultSetMaxRows: the packaged ini cuts every result at 10,000 rows, silently


class BenchVirtuoso(engines.Virtuoso):
    def command(self):
        argv, env, cwd = super().command()
        ini = Path(cwd) / "virtuoso.ini"
        text = engines._ini_set(ini.read_text(), "SPARQL", "ResultSetMaxRows", str(MAX_ROWS))
        ini.write_text(text)
        return argv, env, cwd


def main(workdir: str, nt: str) -> int:
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    load = work / "load"
    load.mkdir(parents=True)
    shutil.copy(nt, load / "kg.nt")
    # 8 KiB pages: ~800 MB, the whole graph and its indexes stay in memory as they do in the other engines
    engine = BenchVirtuoso(work, load_dir=load, buffers=100000)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    engine.start(timeout=120)
    try:
        started = time.monotonic()
        engine.isql(f"ld_dir('{load}', '*.nt', '{GRAPH}');\nrdf_loader_run();\ncheckpoint;\n", timeout=600)
        n = engines.select(engine.query_url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <" + GRAPH + "> { ?s ?p ?o } }")
        print(f"virtuoso: loaded {n[0]['n']} triples in {time.monotonic() - started:.1f} s "
              f"(started in {engine.started_in:.1f} s)", file=sys.stderr, flush=True)
        print(f"READY {engine.query_url}", flush=True)
        while not stop and engine.proc and engine.proc.poll() is None:
            time.sleep(0.2)
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
