"""`gcmkg query` as a user runs it: a real process on a real build (the session build of conftest)."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from queries.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent


def gcmkg(*args: str, instance_dir, columns: int | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GCMKG_INSTANCE_DIR": str(instance_dir),
           "PYTHONIOENCODING": "utf-8"}
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "gcmkg", "query", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def inst(built_config):
    return built_config.instance_dir


def corpus(name: str) -> str:
    return " ".join((ROOT / "data" / "corpus" / name).read_text(encoding="utf-8").split())


def test_without_a_name_it_lists_the_catalog(inst):
    proc = gcmkg(instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    for q in Catalog.load():
        assert re.search(rf"^{re.escape(q.name)}\s", proc.stdout, re.M), q.name
    assert "objective (objective-number, default 6)" in proc.stdout


def test_the_listing_as_json(inst):
    proc = gcmkg("--format", "json", instance_dir=inst)
    listed = json.loads(proc.stdout)
    assert [q["name"] for q in listed] == Catalog.load().names
    assert all(q["title"] for q in listed)


def test_a_named_query_with_a_parameter_prints_a_table(inst):
    proc = gcmkg("consultation-organisers", "-p", "cluster=1", instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    header, rule, *rows = proc.stdout.splitlines()
    assert header.split()[:3] == ["cluster", "clusterLabel", "event"]
    assert set(rule.replace(" ", "")) == {"-"}
    text = corpus("002_b03524987564c996.txt")
    assert "held on 28 October 2020 and was co-organized by" in text and "Migrant Forum Asia, Philippines" in text
    assert any("Migrant Forum Asia" in r and "co-organiser" in r and "2020-10-28" in r for r in rows)
    # data IRIs print relative to the base, vocabulary IRIs with the project's prefixes
    assert "<id/org/migrant-forum-asia>" in proc.stdout
    assert "8 rows" in proc.stderr and "relative to https://w3id.org/gcmkg/" in proc.stderr


def test_long_cells_are_cut_in_a_table_but_not_in_csv(inst):
    proc = gcmkg("search-statements", "-p", "keyword=employment permit", instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    assert "Employment permit systems" in proc.stdout and "…" in proc.stdout
    assert all(len(cell) <= 60 for line in proc.stdout.splitlines()[2:] for cell in re.split(r"\s{2,}", line))
    proc = gcmkg("search-statements", "-p", "keyword=employment permit", "--format", "csv", instance_dir=inst)
    [row] = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert row["text"].startswith("Employment permit systems, where governments cooperated directly")
    assert "…" not in row["text"] and row["paragraph"] == "16(b)"
    assert row["statement"].startswith("https://w3id.org/gcmkg/id/doc/")  # full IRIs outside the table


def test_a_narrow_terminal_is_not_needed_for_a_pipe(inst):
    proc = gcmkg("review-events", instance_dir=inst, columns=40)
    assert proc.returncode == 0
    assert max(len(line) for line in proc.stdout.splitlines()) > 40  # a pipe gets the whole table


def test_figures_as_csv_and_json(inst):
    proc = gcmkg("figures", "-p", "measure=remittances", "-p", "year=2019", "-f", "csv", instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    values = {(r["document"], float(r["value"])) for r in rows}
    assert "$327 billion in remittances" in corpus("000_2c44065f6d795150.txt").replace("\\$", "$")
    assert "to $330 billion" in corpus("004_778a9db3580a89b0.txt")
    assert {("ap-grr-2020-concept-note", 327e9), ("escap-gcm-2021-1", 330e9)} <= values
    proc = gcmkg("figures", "-p", "measure=remittances", "-p", "year=2019", "-f", "json", instance_dir=inst)
    data = json.loads(proc.stdout)
    assert "value" in data["head"]["vars"] and len(data["results"]["bindings"]) == len(rows)
    proc = gcmkg("figures", "-p", "measure=remittances", "-f", "tsv", instance_dir=inst)
    assert proc.returncode == 0 and proc.stdout.startswith("?measure\t")


def test_a_relative_iri_from_a_table_can_be_given_back(inst):
    proc = gcmkg("search-statements", "-p", "keyword=employment permit", instance_dir=inst)
    node = re.search(r"<id/doc/[^>\s]+>", proc.stdout).group(0)
    proc = gcmkg("provenance", "-p", f"node={node}", "-f", "csv", instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    [row] = list(csv.DictReader(io.StringIO(proc.stdout)))
    original = (ROOT / "data/corpus/002_b03524987564c996.txt").read_text(encoding="utf-8")
    assert row["quote"] == original[int(row["begin"]):int(row["end"])]
    assert row["quote"].startswith("Employment permit systems")


def test_ad_hoc_sparql_uses_the_project_prefixes(inst):
    proc = gcmkg("--sparql", "SELECT ?id WHERE { ?d a gcm:Document ; dct:identifier ?id } ORDER BY ?id",
                 "-f", "csv", instance_dir=inst)
    assert proc.returncode == 0, proc.stderr
    import tomllib

    manifest = tomllib.loads((ROOT / "data/corpus/manifest.toml").read_text(encoding="utf-8"))
    assert proc.stdout.split()[1:] == sorted(d["id"] for d in manifest["document"])
    proc = gcmkg("--sparql", "ASK { ?o a gcm:Objective ; gcm:number 23 }", instance_dir=inst)
    assert proc.returncode == 0 and proc.stdout.strip() == "true"
    proc = gcmkg("--sparql", "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a gcm:Objective ; gcm:number 6 ; "
                 "rdfs:label ?l }", instance_dir=inst)
    assert proc.returncode == 0 and "<id/objective/6>" in proc.stdout and "rdfs:label" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["no-such-query"], "no named query 'no-such-query'"),
    (["figures", "-p", "year=20x9"], "parameter 'year': expected a four-digit year"),
    (["figures", "-p", "colour=red"], "has no parameter 'colour'"),
    (["figures", "-p", "year"], "NAME=VALUE"),
    (["provenance"], "missing required parameter node"),
    (["--sparql", "SELECT * WHERE { ?s ?p "], "SPARQL syntax error"),
    (["figures", "--sparql", "SELECT * WHERE {}"], "not both"),
    (["--sparql", "SELECT * WHERE {}", "-p", "a=b"], "parameters (-p) apply to named queries"),
])
def test_errors_exit_2_with_a_clear_message(inst, args, message):
    proc = gcmkg(*args, instance_dir=inst)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and not proc.stdout


def test_a_bad_parameter_shows_the_query_usage(inst):
    proc = gcmkg("figures", "-p", "year=twenty", instance_dir=inst)
    assert "usage: gcmkg query figures [-p measure=…] [-p year=…]" in proc.stderr


def test_without_a_build_it_says_build_first(tmp_path):
    proc = gcmkg("figures", instance_dir=tmp_path / "empty")
    assert proc.returncode == 2
    assert "gcmkg build" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "empty").exists()
    # listing the catalog needs no build
    assert gcmkg(instance_dir=tmp_path / "empty").returncode == 0
