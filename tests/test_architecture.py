"""The shape of the house: imports point one way, one module mints IRIs, every console command answers --help."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> packages of the project it may import (ontology <- queries <- {ingest, server}; gcmkg is the CLI root)
ALLOWED = {
    "ontology": {"ontology"},
    "queries": {"ontology", "queries"},
    "ingest": {"ontology", "queries", "ingest"},
    "server": {"ontology", "queries", "server"},
    "gcmkg": {"ontology", "queries", "ingest", "server", "gcmkg"},
}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package):
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name, line in imported_packages(path):
            if name in ALLOWED and name not in ALLOWED[package]:
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not offences, "imports must point ontology <- queries <- {ingest, server}:\n" + "\n".join(offences)


def test_the_import_checker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom server.sparql import bp\n")
    assert ("server", 2) in imported_packages(bad)


def test_only_the_iris_module_mints_data_iris():
    """Nothing but ontology/iris.py builds '.../id/...' IRIs by concatenating strings."""
    pattern = re.compile(r"""["'][^"'\n]*\bid/["'{]|base_iri\s*\+|\.base\s*\+""")
    offences = []
    for package in ("ingest", "server", "queries", "gcmkg"):
        for path in (ROOT / package).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offences.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offences, "mint IRIs with ontology.iris.Minter:\n" + "\n".join(offences)


@pytest.mark.parametrize("command", ["", "build", "serve", "query", "check", "export", "ingest"])
def test_every_subcommand_answers_help_without_a_build(command, tmp_path):
    args = [sys.executable, "-m", "gcmkg", *([command] if command else []), "--help"]
    env = {"GCMKG_INSTANCE_DIR": str(tmp_path / "nothing-here"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: gcmkg" in proc.stdout
    assert not (tmp_path / "nothing-here").exists()


def test_the_console_script_is_declared():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["gcmkg"] == "gcmkg.cli:main"


def test_serving_without_a_build_says_build_first(tmp_path):
    env = {"GCMKG_INSTANCE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "gcmkg", "serve"], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=60)
    assert proc.returncode == 1
    assert "gcmkg build" in proc.stderr
