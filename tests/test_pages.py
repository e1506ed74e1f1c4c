"""Entity pages and dereferencing (issue 6), on the real build: conneg, suffixes, Link headers, the 200 policy,
404s, each kind of page against what the documents and reference tables state, escaping, charts."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from ontology.iris import Minter
from ontology.vocab import DCT, GCM, NIF, RDF, RDFS, sparql_prefixes

ROOT = Path(__file__).resolve().parent.parent
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "Accept-Language": "en-GB,en;q=0.9"}
M = Minter()


class Page(HTMLParser):
    """What a test needs from a page: ids, links, <link rel=alternate>, JSON-LD blocks, visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.alternates: dict[str, str] = {}
        self.scripts: list[dict] = []
        self.jsonld: list[str] = []
        self.text_parts: list[str] = []
        self._in_script = None
        self.headings: list[tuple[int, str]] = []
        self._heading = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[a.get("type")] = a.get("href")
        if tag == "script":
            self.scripts.append(a)
            self._in_script = a.get("type", "")
            if self._in_script == "application/ld+json":
                self.jsonld.append("")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append(self._heading)
            self._heading = None

    def handle_data(self, data):
        if self._in_script == "application/ld+json":
            self.jsonld[-1] += data
        elif self._in_script is None:
            self.text_parts.append(data)
            if self._heading:
                self._heading = (self._heading[0], self._heading[1] + data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text_parts))


def get_page(client, path: str, **headers) -> tuple[object, Page]:
    resp = client.get(path, headers={**BROWSER, **headers})
    assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "text/html"
    return resp, Page(resp.get_data(as_text=True))


@pytest.fixture(scope="module")
def objectives_json():
    return {o["number"]: o for o in json.loads((ROOT / "data/reference/gcm/gcm_objectives.json").read_text())}


def select(store, query: str) -> list:
    return list(store.query(sparql_prefixes() + query))


# --- dereferencing --------------------------------------------------------------------------------------------
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
             "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML}


@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_issue6_an_iri_answers_rdf_by_content_negotiation(client, media_type, objectives_json):
    resp = client.get("/id/objective/13", headers={"Accept": media_type})
    assert resp.status_code == 200  # the 200 policy: no 303 (docs/decisions/0003-303-or-200.md)
    assert resp.mimetype == media_type
    assert "Accept" in resp.headers["Vary"]
    suffix = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt",
              "application/rdf+xml": "rdf"}[media_type]
    assert resp.headers["Content-Location"] == f"/id/objective/13.{suffix}"
    triples = [q.triple for q in ox.parse(resp.data, format=RDF_TYPES[media_type])]
    subject = M.objective(13)
    labels = {t.object.value for t in triples if t.subject == subject and t.predicate == RDFS.label}
    assert objectives_json[13]["title"] in labels
    # the description: outgoing triples, incoming links, labels of linked things
    assert any(t.subject == subject and t.predicate == GCM.hasAction for t in triples)
    assert any(t.object == subject and t.predicate == GCM.addressesObjective for t in triples)
    event = M.event("stakeholder-consultation-2020-11-19")
    assert any(t.subject == event and t.predicate == RDFS.label for t in triples)


@pytest.mark.parametrize("suffix,media_type", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                               ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"),
                                               ("html", "text/html")])
def test_issue6_suffixes_name_one_format_whatever_the_accept_header(client, suffix, media_type):
    resp = client.get(f"/id/country/tha.{suffix}", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert resp.mimetype == media_type
    assert "Content-Location" not in resp.headers
    if media_type in RDF_TYPES:
        triples = [q.triple for q in ox.parse(resp.data, format=RDF_TYPES[media_type])]
        assert ox.Triple(M.country("THA"), GCM.iso3, ox.Literal("THA")) in triples


def test_issue6_link_headers_and_alternate_elements_name_every_format(client):
    resp, page = get_page(client, "/id/objective/13")
    assert resp.headers["Content-Location"] == "/id/objective/13.html"
    link = resp.headers["Link"]
    for suffix, media_type in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                               ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")):
        assert f'</id/objective/13.{suffix}>; rel="alternate"; type="{media_type}"' in link
        assert page.alternates[media_type] == f"/id/objective/13.{suffix}"
    assert f'<{M.objective(13).value}>; rel="canonical"' in link


def test_issue6_browsers_get_html_with_200_not_a_redirect(client):
    resp = client.get("/id/objective/13", headers=BROWSER)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    curl = client.get("/id/objective/13", headers={"Accept": "*/*"})
    assert curl.status_code == 200 and curl.mimetype == "text/html"


def test_issue6_an_unacceptable_format_is_406_with_the_offers(client):
    resp = client.get("/id/objective/13", headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert "text/turtle" in resp.get_data(as_text=True)


def test_issue6_unknown_iris_are_real_404s_html_for_browsers_text_otherwise(client):
    resp = client.get("/id/objective/99", headers=BROWSER)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "Not found" in resp.get_data(as_text=True)
    resp = client.get("/id/objective/99", headers={"Accept": "text/turtle"})
    assert resp.status_code == 404 and resp.mimetype == "text/plain"
    assert client.get("/id/no-such-kind/x", headers=BROWSER).status_code == 404
    assert client.get("/sdg/99.99", headers=BROWSER).status_code == 404
    assert client.get("/graph/nothing", headers=BROWSER).status_code == 404


@pytest.mark.parametrize("path", [
    "/id/../../etc/passwd", "/id/objective/%2e%2e/%2e%2e/etc/passwd", "/id/objective/..%2F..%2Fsecret",
    "/id/objective/13%0Aevil", "/id/%3Cscript%3E", "/id/objective/13/../../../ontology",
    "/sdg/%3Cscript%3E", "/graph/..%2Fid", "/incoming/id/country/tha?property=http://example.org/x",
    "/id/http:%2F%2Fexample.org%2F", "/id/objective//13",
])
def test_issue6_paths_never_traverse_or_name_arbitrary_iris(client, path):
    resp = client.get(path, headers={"Accept": "text/turtle"})
    assert resp.status_code == 404, (path, resp.status_code)


def test_issue6_keys_with_dots_are_not_mistaken_for_suffixes(client):
    assert client.get("/id/mapping/objective-13/sdg-16.3", headers=BROWSER).status_code == 200
    resp = client.get("/id/mapping/objective-13/sdg-16.3.ttl")
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    assert client.get("/sdg/16.3.nt").mimetype == "application/n-triples"


def test_issue6_base_relative_paths_also_answer_under_the_base_iris_own_path(client):
    """A proxy that forwards https://w3id.org/gcmkg/id/... with its full path reaches the same route."""
    resp = client.get("/gcmkg/id/objective/13", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"


def test_issue6_graphs_ontology_and_sdg_iris_dereference_too(client):
    assert client.get("/graph/sdg", headers={"Accept": "text/turtle"}).mimetype == "text/turtle"
    onto = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert onto.status_code == 200 and onto.mimetype == "text/turtle"
    assert b"ObjectiveCluster" in onto.data
    _resp, page = get_page(client, "/ontology")
    assert "Objective" in page.ids and "addressesObjective" in page.ids
    assert client.get("/sdg/10.7", headers={"Accept": "application/ld+json"}).status_code == 200


def test_issue6_etags_make_conditional_requests_cheap(client):
    first = client.get("/id/objective/13", headers=BROWSER)
    again = client.get("/id/objective/13", headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# --- pages by kind ------------------------------------------------------------------------------------------
def test_issue6_objective_page(client, built_store, objectives_json):
    o13 = objectives_json[13]
    resp, page = get_page(client, "/id/objective/13")
    assert o13["title"] in page.text
    assert o13["commitment_text"][:120] in page.text
    for action in o13["actions"]:
        assert action["text"][:80] in page.text
    assert "cluster" in page.text.lower()
    # the consultation held on 19 November 2020 (ESCAP/GCM/2021/L.1, para 18) addressed objectives 4 ... 13 ... 21
    assert "/id/event/stakeholder-consultation-2020-11-19" in page.links
    assert "2020-11-19" in page.text
    # SDG target 16.3 with the mapping's justification and confidence (gcm_sdg_target_mapping.csv)
    assert "/sdg/16.3" in page.links and "curated thematic link" in page.text and "0.3" in page.text
    assert "Challenges" in page.text and "Recommendations" in page.text
    # every statement that addresses the objective is listed
    statements = select(built_store, f"SELECT DISTINCT ?s WHERE {{ ?s gcm:addressesObjective <{M.objective(13).value}> ;"
                                     " a/rdfs:subClassOf gcm:Statement }")
    assert statements
    for row in statements:
        assert row["s"].value.replace(M.base, "/") in page.links
    # the layered objective -> target -> indicator graph, drawn on the server
    assert '<svg class="layers"' in resp.get_data(as_text=True)
    assert "/sdg/C160302" in page.links  # indicator 16.3.2 (unsentenced detainees), the mapping's evidence
    # headings in order: one h1, no level skipped
    levels = [lvl for lvl, _ in page.headings]
    assert levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_issue6_objective_page_lists_treaties_bearing_on_it(client, built_store):
    rows = select(built_store, "SELECT ?i ?o WHERE { ?i gcm:bearsOnObjective ?o } LIMIT 1")
    number = int(rows[0]["o"].value.rsplit("/", 1)[1])
    _resp, page = get_page(client, f"/id/objective/{number}")
    assert rows[0]["i"].value.replace(M.base, "/") in page.links


def test_issue6_country_page(client, built_store):
    _resp, page = get_page(client, "/id/country/tha")
    assert "Thailand" in page.text and "South-East Asia" in page.text
    # treaty status with date and source: CRC since 1992 (wpdl snapshot); not listed for the ICRMW
    assert "party since 1992" in page.text and "2022-08-25" in page.text
    assert "not listed as party" in page.text
    icmw = {r["iso2"]: r for r in csv.DictReader((ROOT / "data/reference/treaties/wpdl_hr_status_icmw.csv").open())}
    assert icmw["TH"]["state party"] == "0"
    # memberships
    assert "/id/org/asean" in page.links and "/id/process/colombo-process" in page.links
    # every statement that mentions it, grouped by objective
    statements = select(built_store, f"SELECT DISTINCT ?s WHERE {{ ?s gcm:mentions <{M.country('THA').value}> ;"
                                     " a/rdfs:subClassOf gcm:Statement }")
    for row in statements:
        assert row["s"].value.replace(M.base, "/") in page.links
    assert "Objective 13" in page.text


def test_issue6_country_labels_in_the_readers_language(client):
    _resp, page = get_page(client, "/id/country/tha", **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert "Thaïlande" in [h for _lvl, h in page.headings][0]
    resp, page = get_page(client, "/sdg/10?lang=es")
    assert "Reducir la desigualdad en los países y entre ellos" in page.text
    assert 'lang="es"' in resp.get_data(as_text=True)


def test_issue6_actor_page(client):
    _resp, page = get_page(client, "/id/org/icrc")
    assert "International Committee of the Red Cross" in page.text
    assert "co-organiser" in page.text
    assert "/id/event/stakeholder-consultation-2021-02-03" in page.links
    assert "Red Cross or Red Crescent organisation" in page.text


def test_issue6_process_page_lists_members(client):
    _resp, page = get_page(client, "/id/process/colombo-process")
    for member in ("/id/country/lka", "/id/country/bgd", "/id/country/phl"):
        assert member in page.links


def test_issue6_treaty_page(client):
    _resp, page = get_page(client, "/id/instrument/icrmw")
    parties = [r for r in csv.DictReader((ROOT / "data/reference/treaties/wpdl_hr_status_icmw.csv").open())
               if r["state party"] == "1"]
    assert f"States parties {len(parties)}" in page.text
    assert "/id/country/lka" in page.links
    assert "1990-12-18" in page.text and "IV-13" in page.text


def test_issue6_sdg_pages(client):
    _resp, page = get_page(client, "/sdg/10")
    for code in ("10.1", "10.7", "10.c"):
        assert f"/sdg/{code}" in page.links
    _resp, page = get_page(client, "/sdg/10.7")
    assert "/sdg/C100701" in page.links and "Goal" in page.text
    _resp, page = get_page(client, "/sdg/C100701")
    assert "World Bank" in page.text and "/sdg/10.7" in page.links


def test_issue6_event_page(client):
    _resp, page = get_page(client, "/id/event/stakeholder-consultation-2020-11-19")
    assert "Co-organisers" in page.text and "Supporters" in page.text
    for actor in ("/id/org/ohchr", "/id/org/unicef", "/id/org/unodc", "/id/org/international-detention-coalition"):
        assert actor in page.links
    assert "/id/objective/13" in page.links
    # planned vs held: the regional review was announced for November 2020 and held in March 2021
    _resp, page = get_page(client, "/id/event/asia-pacific-regional-review-of-implementation-of-the-global-compact-for-migration")
    assert "2021-03-10" in page.text and "2020-11-18" in page.text and "moved" in page.text


def test_issue6_statement_page_links_its_exact_paragraph(client):
    _resp, page = get_page(client, "/id/doc/ap-grr-2021-stakeholder-summary/statement/20-b")
    assert "Current legal frameworks did not include provisions on migrants" in page.text
    assert "/id/doc/ap-grr-2021-stakeholder-summary#para-20" in page.links
    assert "/id/doc/ap-grr-2021-stakeholder-summary#para-20-b" in page.links
    assert "/id/event/stakeholder-consultation-2020-11-19" in page.links


def test_a_statement_page_says_how_its_objectives_were_found(client):
    # 22(m), under a heading naming objectives 4, 8, 9, 10, 11, 13 and 21, speaks of detention: objective 13
    _resp, page = get_page(client, "/id/doc/ap-grr-2021-stakeholder-summary/statement/22-m")
    assert "The detention of migrants" in page.text
    assert "/id/objective/13" in page.links and "/id/objective/4" not in page.links
    assert "matched to the objective's text" in page.text


def test_issue6_statement_text_has_its_mentions_linked(client):
    resp, page = get_page(client, "/id/doc/ap-grr-2021-stakeholder-summary/statement/18")
    body = resp.get_data(as_text=True)
    assert re.search(r'<a class="mention" href="/id/country/tha" title="Thailand">Thailand</a>', body)
    assert '<a class="mention" href="/id/org/unicef"' in body


def test_issue6_every_statement_anchor_exists_in_its_document(client, built_store):
    docs: dict[str, Page] = {}
    rows = select(built_store, "SELECT ?s ?d WHERE { ?s a/rdfs:subClassOf gcm:Statement ; gcm:inDocument ?d }")
    assert len(rows) > 100
    for row in rows[:: max(1, len(rows) // 40)]:  # a sample across the five documents
        _resp, page = get_page(client, row["s"].value.replace(M.base, "/"))
        doc_path = row["d"].value.replace(M.base, "/")
        anchors = [link.split("#", 1)[1] for link in page.links if link.startswith(doc_path + "#")]
        assert anchors, row["s"]
        if doc_path not in docs:
            docs[doc_path] = get_page(client, doc_path)[1]
        for anchor in anchors:
            assert anchor in docs[doc_path].ids, (row["s"], anchor)


def test_issue6_document_page_is_readable_text_with_anchors(client):
    resp, page = get_page(client, "/id/doc/ap-grr-2021-stakeholder-summary")
    for anchor in ("para-1", "para-18", "para-20", "para-20-b", "para-b12", "fn-1"):
        assert anchor in page.ids
    assert "The second stakeholder consultation was held on 19 November 2020" in page.text
    body = resp.get_data(as_text=True)
    assert '<a class="mention" href="/id/country/tha"' in body
    assert "### **" not in page.text and "<sup>" not in page.text  # conversion marks are not shown


def test_issue6_segment_and_generic_pages(client):
    _resp, page = get_page(client, "/id/doc/ap-grr-2021-stakeholder-summary/para/20")
    assert "/id/doc/ap-grr-2021-stakeholder-summary#para-20" in page.links
    _resp, page = get_page(client, "/id/party/instrument-crc/country-tha")  # a generic page
    assert "Properties" in page.text and "/id/country/tha" in page.links and "1992" in page.text


def test_issue6_incoming_links_with_counts_and_pagination(client, built_store):
    _resp, page = get_page(client, "/id/country/tha")
    assert "Links to this" in page.text
    more = [link for link in page.links if link.startswith("/incoming/id/country/tha?")]
    assert more
    n = len(select(built_store, f"SELECT DISTINCT ?s WHERE {{ ?s gcm:mentions <{M.country('THA').value}> }}"))
    _resp, listing = get_page(client, "/incoming/id/country/tha?property=gcm:mentions")
    assert f"{n} resources link to it" in listing.text
    _resp, page = get_page(client, "/incoming/id/instrument/crc?property=gcm:treaty&page=2")
    assert "Page 2 of" in page.text


def test_issue6_home_shows_what_the_graph_holds(client, objectives_json):
    _resp, page = get_page(client, "/")
    for n in range(1, 24):
        assert f"/id/objective/{n}" in page.links
    assert objectives_json[13]["title"] in page.text
    assert "Latest build" in page.text and "/browse/gcm:Country" in page.links
    assert {"/query", "/charts", "/sparql"} <= set(page.links)


def test_issue6_browse_a_class_paginated_and_sorted(client):
    _resp, page = get_page(client, "/browse/gcm:Country")
    countries = [link for link in page.links if link.startswith("/id/country/")]
    assert len(countries) == 100 and "Page 1 of 3" in page.text
    assert countries[0] == "/id/country/afg"
    _resp, page = get_page(client, "/browse")
    assert "/browse/gcm:Objective" in page.links
    assert client.get("/browse/nope:Thing", headers=BROWSER).status_code == 404


# --- charts -----------------------------------------------------------------------------------------------------
def test_issue6_heatmap_cells_link_to_the_statements_they_count(client, built_store):
    resp, page = get_page(client, "/charts/evidence")
    body = resp.get_data(as_text=True)
    assert '<svg class="heatmap"' in body and "<title id=\"heatmap-title\">" in body
    cell = "/evidence?objective=13&country=THA"
    assert cell in page.links
    rows = select(built_store, f"""SELECT DISTINCT ?s WHERE {{ ?s gcm:addressesObjective <{M.objective(13).value}> ;
        gcm:mentions <{M.country('THA').value}> ; a/rdfs:subClassOf gcm:Statement }}""")
    label = re.search(r'aria-label="Objective 13, Thailand: (\d+) statements"', body)
    assert label and int(label.group(1)) == len(rows)
    _resp, listing = get_page(client, cell)
    statement_links = {link for link in listing.links if "/statement/" in link and "#" not in link}
    assert statement_links == {r["s"].value.replace(M.base, "/") for r in rows}
    # the table fallback has the same numbers
    assert 'class="data matrix"' in body


def test_issue6_charts_page_draws_timeline_figures_and_targets(client):
    resp, page = get_page(client, "/charts")
    body = resp.get_data(as_text=True)
    for cls in ("heatmap", "timeline", "layers", "bars"):
        assert f'<svg class="{cls}"' in body
    assert "/id/event/stakeholder-consultation-2020-11-19" in page.links
    assert "Remittances (USD)" in page.text
    assert body.count("<desc id=") >= 4


def test_issue6_evidence_filters_are_checked(client):
    assert client.get("/evidence?objective=99", headers=BROWSER).status_code == 404
    assert client.get("/evidence?country=XXX", headers=BROWSER).status_code == 404
    _resp, page = get_page(client, "/evidence?document=ap-grr-2021-stakeholder-summary&type=recommendation")
    assert "Recommendations" in page.text


# --- safety ----------------------------------------------------------------------------------------------------
EVIL = '<script>alert(1)</script> and " onmouseover="alert(2)'
EVIL_LABEL = "Evil </script><script>alert(3)</script> <!-- label"


@pytest.fixture()
def evil_client(tmp_path):
    """An app serving a tiny store whose document and statement text try to inject markup."""
    from ontology import settings
    from server import create_app

    doc = M.document("evil-doc")
    para = M.in_document("evil-doc", "para", "1")
    stmt = M.in_document("evil-doc", "statement", "1")
    mention = M.in_document("evil-doc", "para", "1", "mention", "0-8")
    country = M.country("THA")
    text = "Thailand " + EVIL
    T, L = ox.Triple, ox.Literal
    integer = lambda n: L(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    triples = [
        T(doc, RDF.type, GCM.Document), T(doc, RDFS.label, L("Evil document")), T(doc, NIF.isString, L(text)),
        T(doc, DCT.identifier, L("evil-doc")),
        T(para, RDF.type, GCM.Paragraph), T(para, GCM.inDocument, doc), T(para, GCM.key, L("1")),
        T(para, NIF.beginIndex, integer(0)), T(para, NIF.endIndex, integer(len(text))), T(para, GCM.text, L(text)),
        T(stmt, RDF.type, GCM.Challenge), T(stmt, RDFS.label, L(EVIL_LABEL)), T(stmt, GCM.text, L(text)),
        T(stmt, GCM.inDocument, doc), T(stmt, GCM.fromSource, para), T(stmt, GCM.mentions, country),
        T(stmt, NIF.beginIndex, integer(0)), T(stmt, NIF.endIndex, integer(len(text))),
        T(mention, RDF.type, GCM.Mention), T(mention, GCM.inDocument, doc), T(mention, GCM.denotes, country),
        T(mention, NIF.beginIndex, integer(0)), T(mention, NIF.endIndex, integer(8)),
        T(country, RDF.type, GCM.Country), T(country, RDFS.label, L('Thai"land<b>')), T(country, GCM.iso3, L("THA")),
        T(GCM.Challenge, RDFS.subClassOf, GCM.Statement), T(GCM.Statement, RDFS.label, L("statement")),
    ]
    store = ox.Store()
    store.extend([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples])
    app = create_app(settings.load({"instance_dir": str(tmp_path)}))
    app.extensions["gcmkg_store"].use(store, {"id": "evil"})
    app.testing = True
    return app.test_client()


@pytest.mark.parametrize("path", ["/id/doc/evil-doc/statement/1", "/id/doc/evil-doc", "/id/doc/evil-doc/para/1",
                                  "/search?q=alert", "/evidence?country=THA"])
def test_issue6_document_text_is_escaped_everywhere(evil_client, path):
    resp = evil_client.get(path, headers=BROWSER)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "alert(3)</script>" not in body.replace("\\u003c/script\\u003e", "")
    assert '" onmouseover="' not in body
    assert "&lt;script&gt;alert(" in body  # shown as text
    if "search" not in path:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&#34; onmouseover=&#34;alert(2)" in body
    assert "<b>" not in body


def test_issue6_json_ld_block_cannot_be_broken_out_of(evil_client):
    resp = evil_client.get("/id/doc/evil-doc/statement/1", headers=BROWSER)
    body = resp.get_data(as_text=True)
    page = Page(body)
    assert len(page.jsonld) == 1
    data = json.loads(page.jsonld[0])  # the whole block up to the real </script> is valid JSON
    assert data["name"] == EVIL_LABEL and data["text"].endswith(EVIL)
    scripts = [s for s in page.scripts if s.get("type") != "application/ld+json"]
    assert all(s.get("src", "").startswith("/static/") for s in scripts)  # no inline script appeared


def test_issue6_mention_highlighting_escapes_the_pieces(evil_client):
    body = evil_client.get("/id/doc/evil-doc/statement/1", headers=BROWSER).get_data(as_text=True)
    assert '<a class="mention" href="/id/country/tha" title="Thai&#34;land&lt;b&gt;">Thailand</a>' in body


def test_issue6_security_headers_on_pages(client):
    resp = client.get("/id/objective/13", headers=BROWSER)
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp.split(
        "script-src")[1].split(";")[0]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]
    body = resp.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/(ld\+)?json\"))", body)  # no inline script


def test_issue6_no_cdn_anywhere():
    offenders = []
    for path in [*(ROOT / "server/templates").rglob("*.html"), *(ROOT / "server/static").rglob("*.js"),
                 *(ROOT / "server/static").rglob("*.css")]:
        if "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"""(?:src|href)\s*=\s*["'](https?:)?//""", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
        if re.search(r"cdn\.|unpkg|jsdelivr|googleapis", text):
            offenders.append(f"{path.relative_to(ROOT)}: names a CDN")
    assert not offenders


# --- the query editor without JavaScript ----------------------------------------------------------------------
def test_issue6_query_editor_works_without_javascript(client):
    resp, page = get_page(client, "/query")
    body = resp.get_data(as_text=True)
    assert '<form id="plain-query" class="plain-query" method="post" action="/sparql">' in body
    assert "/static/vendor/yasgui/yasgui.min.js" in body
    config = json.loads(re.search(r'<script type="application/json" id="gcmkg-query-config">(.*?)</script>',
                                  body, re.S).group(1))
    assert config["endpoint"] == "/sparql" and config["prefixes"]["gcm"] == GCM_NS()
    assert any(e["name"] == "consultation-organisers" for e in config["examples"])
    assert "https://w3id.org/gcmkg/ontology#addressesObjective" in config["terms"]["properties"]
    _resp, example = get_page(client, "/query?example=consultation-organisers")
    assert "gcm:roleIn" in example.text
    # the plain form's post answers CSV
    query = "SELECT ?n WHERE { ?o a gcm:Objective ; gcm:number ?n } ORDER BY ?n"
    result = client.post("/sparql", data={"query": query, "format": "csv"})
    assert result.status_code == 200 and result.mimetype == "text/csv"
    assert result.get_data(as_text=True).split() == ["n"] + [str(n) for n in range(1, 24)]
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200
    assert client.get("/static/vendor/yasgui/yasgui.min.css").status_code == 200


def GCM_NS() -> str:
    from ontology.vocab import GCM_NS as ns

    return ns


def test_issue6_vendored_yasgui_matches_the_lock_file():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/@zazuko/yasgui"]["version"]
    assert (ROOT / "server/static/vendor/yasgui/VERSION").read_text().strip() == version
    js = (ROOT / "server/static/vendor/yasgui/yasgui.min.js").read_text(encoding="utf-8")
    assert "lov.linkeddata.es" in js  # the default completers exist; query.js replaces them (no network)
    query_js = (ROOT / "server/static/js/query.js").read_text()
    assert 'Yasqe.defaults.autocompleters = ["gcmPrefixes", "gcmProperties", "gcmClasses", "variables"]' in query_js


# --- the main pages (their speed is measured by bench/pages.py, not here) ---------------------------------------
MAIN_PAGES = ["/", "/id/objective/13", "/id/country/tha", "/id/org/icrc", "/id/instrument/icrmw", "/sdg/10.7",
              "/id/event/stakeholder-consultation-2020-11-19", "/id/doc/ap-grr-2021-stakeholder-summary/statement/20-b",
              "/id/doc/ap-grr-2021-stakeholder-summary", "/search?q=migrant", "/browse/gcm:Country", "/charts",
              "/query"]


def test_issue6_pages_have_landmarks_and_headings_in_order(client):
    for path in MAIN_PAGES:
        body = client.get(path, headers=BROWSER).get_data(as_text=True)
        page = Page(body)
        assert body.count("<main") == 1 and 'href="#main"' in body and "<header" in body and "<footer" in body
        assert '<nav aria-label="Main">' in body and 'role="search"' in body
        levels = [lvl for lvl, _ in page.headings]
        assert levels and levels[0] == 1 and levels.count(1) == 1, (path, levels)
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)


def test_issue6_every_page_route_is_documented(client):
    from server.pages import BLUEPRINTS

    doc = (ROOT / "docs/pages.md").read_text(encoding="utf-8")
    names = {bp.name for bp in BLUEPRINTS}
    routes = [r.rule for r in client.application.url_map.iter_rules()
              if r.endpoint.split(".")[0] in names or r.endpoint == "entities_base_path"]
    assert len(routes) >= 15
    missing = []
    for rule in routes:
        stem = rule.split("<", 1)[0].replace("/gcmkg/", "/{base path}")
        if f"`{stem}" not in doc:
            missing.append(rule)
    assert not missing, f"routes missing from docs/pages.md: {missing}"
    assert (ROOT / "docs/decisions/0003-303-or-200.md").is_file()


def test_an_iri_typed_in_upper_case_redirects_to_the_entity(client):
    """Country codes are printed upper case (THA) and minted lower case: a typed /id/country/THA finds Thailand."""
    resp = client.get("/id/country/THA", headers={"Accept": "text/html"})
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/id/country/tha")
    rdf = client.get("/id/country/THA.ttl")
    assert rdf.status_code == 301 and rdf.headers["Location"].endswith("/id/country/tha.ttl")
    assert client.get("/id/country/XYZ", headers={"Accept": "text/html"}).status_code == 404
