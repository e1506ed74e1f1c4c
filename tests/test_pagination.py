"""Paginated named queries ('#+ page: N'): a page costs LIMIT/OFFSET after a total ORDER BY, pages never overlap,
together they are the unpaged answer, and every client is told the page size (never a silent truncation)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from queries.catalog import MAX_PAGE, Catalog, CatalogError, ParamError, parse
from tests.test_catalog import defaults

ROOT = Path(__file__).resolve().parent.parent
CATALOG = Catalog.load()
PAGED = [q.name for q in CATALOG if q.paginated]


def _rows(store, text, subs):
    results = store.query(text, substitutions=subs or None)
    names = [v.value for v in results.variables]
    return [tuple(None if s[n] is None else s[n].value for n in names) for s in results]


def test_the_listing_queries_are_paginated_with_a_documented_page_size():
    assert len(PAGED) >= 10
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for name in PAGED:
        q = CATALOG.get(name)
        assert q.page_size == 100
        assert [p.name for p in q.page_params] == ["limit", "offset"]
        assert q.page_params[0].default == "100" and "100" in q.page_params[0].help
        assert q.all_params == q.params + q.page_params
        assert re.search(rf"^\| \[`{name}`\].*pages of 100", doc, re.M), f"docs/queries.md announces {name}'s pages"


@pytest.mark.parametrize("name", PAGED)
def test_pages_do_not_overlap_and_together_are_the_unpaged_answer(name, built_store, built_config):
    q = CATALOG.get(name)
    given = defaults(built_store, name)
    whole = _rows(built_store, q.text, q.bind(given, base=built_config.base_iri))
    assert len(whole) == len(set(whole)), "DISTINCT rows"
    size = max(1, len(whole) // 3) if whole else 5  # three or four pages
    pages, offset = [], 0
    while True:
        prepared = q.prepare({**given, "limit": str(size), "offset": str(offset)}, base=built_config.base_iri)
        assert prepared.text.rstrip().endswith(f"LIMIT {size} OFFSET {offset}")
        page = _rows(built_store, prepared.text, prepared.substitutions)
        assert len(page) <= size
        pages.append(page)
        if not prepared.full(len(page)):
            break
        offset += size
    flat = [row for page in pages for row in page]
    assert flat == whole, "the pages, in order, are the unpaged answer"
    assert len(set(flat)) == len(flat), "no row on two pages"


def test_the_default_page_is_the_first_page_size_rows(built_store, built_config):
    q = CATALOG.get("objective-country-matrix")  # 200+ rows on the real build: more than one page
    whole = _rows(built_store, q.text, q.bind({}, base=built_config.base_iri))
    assert len(whole) > q.page_size
    prepared = q.prepare({}, base=built_config.base_iri)
    page = _rows(built_store, prepared.text, prepared.substitutions)
    assert page == whole[: q.page_size]
    assert prepared.full(len(page))
    assert prepared.describe(len(page)) == ("page of 100 (rows 1-100); the page is full, more may follow: "
                                            "next page -p offset=100")
    last = q.prepare({"offset": str(len(whole) - 1)})
    assert last.describe(1).endswith("last page")


def test_an_unpaginated_query_runs_whole():
    q = CATALOG.get("objective-sdg-targets")
    assert not q.paginated and q.page_params == ()
    prepared = q.prepare({})
    assert prepared.text == q.text and prepared.limit is None and prepared.describe(0) == ""
    with pytest.raises(ParamError, match="has no parameter 'limit'"):
        q.prepare({"limit": "5"})


@pytest.mark.parametrize("params,message", [
    ({"limit": "0"}, "parameter 'limit'"), ({"limit": str(MAX_PAGE + 1)}, "parameter 'limit'"),
    ({"limit": "ten"}, "parameter 'limit'"), ({"offset": "-1"}, "parameter 'offset'"),
])
def test_bad_page_parameters_are_refused(params, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        CATALOG.get("figures").prepare(params)


def test_bind_stays_the_unpaged_query_for_older_callers():
    """server/catalog.py runs q.text with q.bind(): still the whole answer, and paging names are not variables."""
    q = CATALOG.get("figures")
    assert "LIMIT" not in q.text
    with pytest.raises(ParamError, match="has no parameter 'offset'"):
        q.bind({"offset": "100"})


BODY = "SELECT DISTINCT ?a WHERE { VALUES ?a { 1 2 3 } }"


@pytest.mark.parametrize("text,message", [
    ("#+ summary: x\n#+ page: 0\n" + BODY + " ORDER BY ?a\n", "default page size"),
    ("#+ summary: x\n#+ page: many\n" + BODY + " ORDER BY ?a\n", "default page size"),
    ("#+ summary: x\n#+ page: 10\n" + BODY + "\n", "ends with an ORDER BY"),
    ("#+ summary: x\n#+ page: 10\n" + BODY + " ORDER BY ?a LIMIT 5\n", "no LIMIT/OFFSET of its own"),
    ("#+ summary: x\n#+ page: 10\n#+ params:\n#+   - limit (integer, optional): x\nSELECT ?limit WHERE { } ORDER BY ?limit\n",
     "paging parameters"),
])
def test_a_bad_page_header_is_refused(text, message):
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse(text, "t")


def test_an_order_by_inside_a_subquery_is_not_enough():
    text = "#+ summary: x\n#+ page: 10\nSELECT ?a WHERE { { SELECT ?a WHERE { VALUES ?a { 1 } } ORDER BY ?a } }\n"
    with pytest.raises(CatalogError, match="ORDER BY"):
        parse(text, "t")


# --- the command line announces the page --------------------------------------------------------------------
def gcmkg(*args: str, instance_dir) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GCMKG_INSTANCE_DIR": str(instance_dir),
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "gcmkg", "query", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_the_cli_says_which_page_it_printed(fmt, built_config):
    proc = gcmkg("objective-country-matrix", "-p", "limit=7", "-p", "offset=7", "-f", fmt,
                 instance_dir=built_config.instance_dir)
    assert proc.returncode == 0, proc.stderr
    assert ("objective-country-matrix: page of 7 (rows 8-14); the page is full, more may follow: "
            "next page -p offset=14 -p limit=7") in proc.stderr
    if fmt == "json":
        assert len(json.loads(proc.stdout)["results"]["bindings"]) == 7


def test_the_cli_lists_and_explains_the_paging_parameters(built_config):
    listing = json.loads(gcmkg("-f", "json", instance_dir=built_config.instance_dir).stdout)
    figures = next(q for q in listing if q["name"] == "figures")
    assert figures["page_size"] == 100 and [p["name"] for p in figures["params"]][-2:] == ["limit", "offset"]
    proc = gcmkg("figures", "-p", "limit=0", instance_dir=built_config.instance_dir)
    assert proc.returncode == 2 and "parameter 'limit'" in proc.stderr
    assert "[-p limit=…] [-p offset=…]" in proc.stderr and "answered 100 rows at a time" in proc.stderr
