"""/dumps/: the build's dump files served under one URL, found from the Service Description, reloadable."""
from __future__ import annotations

import hashlib

import pyoxigraph as ox

from queries.store import current_build, open_read_only

VOID_DUMP = "http://rdfs.org/ns/void#dataDump"


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_list_gives_every_file_with_a_checksum_that_matches_what_is_served(client):
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    files = {f["file"]: f for f in listing["files"]}
    assert {"gcmkg.nq", "gcmkg.trig", "void.ttl", "SHA256SUMS", "alignments.ttl"} <= set(files)
    assert any(name.startswith("graphs/") and name.endswith(".jsonld") for name in files)
    for name in ("gcmkg.trig", "void.ttl", "VERSION"):
        resp = client.get(_path(files[name]["url"]))
        assert resp.status_code == 200
        assert resp.mimetype == files[name]["mediaType"]
        assert hashlib.sha256(resp.data).hexdigest() == files[name]["sha256"]
        assert len(resp.data) == files[name]["bytes"]


def test_the_nquads_dump_served_over_http_reloads_into_the_build(client, built_config):
    resp = client.get("/dumps/gcmkg.nq")
    assert resp.mimetype == "application/n-quads"
    reloaded = set(ox.parse(resp.data, format=ox.RdfFormat.N_QUADS))
    store = open_read_only(current_build(built_config.instance_dir))
    built = {q for g in store.named_graphs() for q in store.quads_for_pattern(None, None, None, g)}
    assert reloaded == built


def test_downloads_are_conditional_and_resumable(client):
    first = client.get("/dumps/gcmkg.trig")
    etag = first.headers["ETag"]
    assert etag.strip('"') == hashlib.sha256(first.data).hexdigest()
    assert client.get("/dumps/gcmkg.trig", headers={"If-None-Match": etag}).status_code == 304
    part = client.get("/dumps/gcmkg.trig", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == first.data[10:20]


def test_only_listed_files_are_served(client):
    for path in ("/dumps/../build.json", "/dumps/%2e%2e/build.json", "/dumps/store/CURRENT",
                 "/dumps/graphs/../../build.json", "/dumps/nothing.ttl"):
        assert client.get(path).status_code == 404, path


def test_a_browser_gets_a_page_linking_every_file(client):
    resp = client.get("/dumps/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert 'href="http://localhost/dumps/gcmkg.nq"' in page and "sha256sum -c SHA256SUMS" in page


def test_the_service_description_points_to_the_dumps_and_they_resolve(client, built_config):
    sd = client.get("/sparql", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(sd.data, format=ox.RdfFormat.N_TRIPLES))
    dumps = {t.object.value for t in triples if t.predicate.value == VOID_DUMP}
    assert "http://localhost/dumps/gcmkg.nq" in dumps and "http://localhost/dumps/gcmkg.trig" in dumps
    # per-graph dumps hang on their named graph
    meta = current_build(built_config.instance_dir).meta
    source = next(s for s in meta["sources"] if s["name"] == "ontology")
    on_graph = {t.object.value for t in triples if t.predicate.value == VOID_DUMP and t.subject.value == source["graph"]}
    assert on_graph == {"http://localhost/dumps/graphs/ontology.ttl", "http://localhost/dumps/graphs/ontology.jsonld"}
    for url in dumps:
        assert client.get(_path(url)).status_code == 200, url
