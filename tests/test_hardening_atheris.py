"""Coverage-guided fuzzing of the document reader and extractors (issue 8), beside the Hypothesis fuzzers of
tests/test_fuzz_ingest.py and tests/test_reader.py: atheris (libFuzzer) mutates the corpus's own documents (cut to
their first 512 bytes) for a bounded number of runs and seconds. Skipped where atheris does not install (it ships
wheels for Linux x86_64)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ontology.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

RUNS = 2000
SECONDS = 10


def test_atheris_finds_no_crash_in_the_extractors(tmp_path):
    pytest.importorskip("atheris")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for doc in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt")):
        (seeds / doc.name).write_bytes(doc.read_bytes()[:512])
    (seeds / "hostile.txt").write_bytes('1. <script>alert(1)</script> "\x00\ufeff ((((\n(a) \u202e'.encode())
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tests" / "fuzz" / "atheris_extract.py"), str(seeds),
         f"-runs={RUNS}", f"-max_total_time={SECONDS}", "-max_len=512", "-seed=8", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 90)
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "oom-", "timeout-")))
    assert done.returncode == 0 and not crashes, (crashes, done.stderr[-4000:])
    assert "Done" in done.stderr, done.stderr[-2000:]
