"""`gcmkg build` then `gcmkg check` pass on the real graph (issue 2), the reasoner included."""
from __future__ import annotations

import io

import pytest

from ingest.check import run_checks


def test_the_real_build_passes_every_shape_and_check(built_config):
    out = io.StringIO()
    code = run_checks(built_config, reason=False, out=out)
    assert code == 0, out.getvalue()[-4000:]


@pytest.mark.slow
def test_the_real_build_is_consistent_under_the_reasoner(built_config):
    out = io.StringIO()
    code = run_checks(built_config, reason=True, out=out)
    text = out.getvalue()
    assert code == 0, text[-4000:]
    assert "consistent" in text and "no unsatisfiable class" in text
