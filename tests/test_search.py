"""Search (issue 6): ranking exact > prefix > word > substring, names above text, type filters, the JSON API, the
results page without JavaScript, and speed enough to search as you type."""
from __future__ import annotations

import time

import pytest

from server.pages.search import Entry, SearchIndex, normalise

BROWSER = {"Accept": "text/html"}


def entry(text: str, field: str = "label", kind: str = "actor", iri: str = "x") -> Entry:
    norm = normalise(text)
    return Entry(iri, kind, field, text, norm, tuple(norm.split()))


@pytest.mark.parametrize("text,tier", [
    ("Migrant workers", 0),                      # exact
    ("Migrant workers convention", 1),           # prefix
    ("Rights of migrant workers", 2),            # every word, as words
    ("Rights of migrant workforces", 2),         # the last word may be unfinished
    ("Emigrant workersunion", 3),                # inside words only
])
def test_issue6_tiers_exact_prefix_word_substring(text, tier):
    q = normalise("migrant work" if tier == 2 and "workforces" in text else "migrant workers")
    assert SearchIndex.tier(q, q.split(), entry(text)) == tier


def test_issue6_name_hits_rank_above_text_hits():
    q = "detention"
    assert SearchIndex.tier(q, [q], entry("detention", field="text")) == 10
    assert SearchIndex.tier(q, [q], entry("Community against predetention")) == 3
    assert SearchIndex.tier(q, [q], entry("detention", field="text")) > \
        SearchIndex.tier(q, [q], entry("Community against predetention"))


def test_issue6_normalisation_drops_accents_case_and_punctuation():
    assert normalise("Côte d’Ivoire") == "cote d ivoire"
    assert normalise("UN-Women") == "un women"
    assert normalise("10.7.1") == "10 7 1"


def results(client, **params):
    resp = client.get("/search.json", query_string=params)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def test_issue6_search_ranks_exact_names_first(client):
    data = results(client, q="ILO")
    assert data["results"][0]["url"] == "/id/org/ilo" and data["results"][0]["match"] == "exact"
    data = results(client, q="icrmw")
    assert data["results"][0]["url"] == "/id/instrument/icrmw"
    data = results(client, q="10.7")
    assert data["results"][0]["url"] == "/sdg/10.7"
    assert [r["url"] for r in data["results"][1:5]] == sorted(r["url"] for r in data["results"][1:5])  # 10.7.x
    matches = [r["match"] for r in results(client, q="migrant work", limit=100)["results"]]
    order = ["exact", "prefix", "word", "substring"]
    names = [m for m, r in zip(matches, results(client, q="migrant work", limit=100)["results"]) if r["field"] != "text"]
    assert [order.index(m) for m in names] == sorted(order.index(m) for m in names)


def test_issue6_search_puts_names_above_statement_text(client):
    data = results(client, q="thai", limit=50)
    assert data["results"][0]["url"] == "/id/country/tha"
    fields = [r["field"] for r in data["results"]]
    first_text = fields.index("text")
    assert all(f == "text" for f in fields[first_text:])
    assert any(r["kind"] == "statement" for r in data["results"])
    assert "Thailand" in data["results"][first_text]["matched"]


def test_issue6_search_finds_other_languages_and_acronyms(client):
    assert results(client, q="Tailandia")["results"][0]["url"] == "/id/country/tha"
    assert results(client, q="Thaïlande")["results"][0]["url"] == "/id/country/tha"
    assert results(client, q="unhcr")["results"][0]["url"] == "/id/org/unhcr"
    assert results(client, q="cote d")["results"][0]["url"] == "/id/country/civ"


def test_issue6_search_type_filters(client):
    data = results(client, q="thai", type="statement", limit=100)
    assert data["total"] > 0 and {r["kind"] for r in data["results"]} == {"statement"}
    data = results(client, q="migra", type=["actor", "instrument"], limit=100)
    assert {r["kind"] for r in data["results"]} <= {"actor", "process", "instrument"}
    assert data["counts"]["statement"] > 0  # counts per filter, whatever is chosen
    assert results(client, q="thai", type="country")["results"][0]["url"] == "/id/country/tha"


def test_issue6_search_json_api_shape_and_paging(client):
    data = results(client, q="migration", limit=5, offset=5)
    assert set(data) >= {"query", "type", "total", "offset", "limit", "counts", "results"}
    assert len(data["results"]) == 5 and data["offset"] == 5
    first = results(client, q="migration", limit=10)["results"]
    assert [r["iri"] for r in first[5:]] == [r["iri"] for r in data["results"]]
    for r in data["results"]:
        assert {"iri", "label", "kind", "kindName", "url", "match", "field"} <= set(r)
    assert results(client, q="")["total"] == 0
    assert results(client, q="zzzzqqq")["total"] == 0


def test_issue6_results_page_works_without_javascript(client):
    resp = client.get("/search?q=detention&type=gcm", headers=BROWSER)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert 'href="/id/objective/13"' in body
    assert 'name="type" value="gcm" checked' in body
    assert 'role="search"' in body and 'action="/search"' in body
    empty = client.get("/search", headers=BROWSER)
    assert empty.status_code == 200 and "results for" not in empty.get_data(as_text=True)


def test_issue6_search_is_fast_enough_to_type_into(client):
    results(client, q="warm")  # builds the index once per build and worker
    started = time.perf_counter()
    for q in ("m", "mi", "mig", "migr", "migra", "migran", "migrant", "migrant w", "migrant wo", "migrant workers"):
        results(client, q=q, limit=8)
    per_query = (time.perf_counter() - started) / 10
    assert per_query < 0.05, f"{per_query * 1000:.1f} ms per keystroke"
