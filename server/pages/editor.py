"""The query editor at /query: YASGUI served by the app itself, on our endpoint, prefixes and examples.

Without JavaScript the page is a plain form that posts to /sparql (with the catalog's examples as links that
fill it in). With JavaScript, static/js/query.js mounts YASGUI (vendored from npm, static/vendor/yasgui/) and
configures it from a JSON data block of this page: the endpoint, the graph's prefixes (ontology.vocab.PREFIXES),
the named queries of the catalog as examples, and the classes and properties of the graph for autocompletion.
Nothing is fetched from another host: no prefix.cc, no LOV, no CDN.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from ontology.vocab import PREFIXES, SDG, sparql_prefixes
from server.pages import site

bp = Blueprint("editor", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

DEFAULT_QUERY = """PREFIX gcm: <https://w3id.org/gcmkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# The 23 objectives of the Global Compact, with the number of statements that address each
SELECT ?objective ?number ?title (COUNT(?statement) AS ?statements) WHERE {
  ?objective a gcm:Objective ; gcm:number ?number ; rdfs:label ?title .
  OPTIONAL { ?statement gcm:addressesObjective ?objective ; gcm:text ?text }
}
GROUP BY ?objective ?number ?title
ORDER BY ?number
"""


def examples() -> list[dict]:
    """The named queries of queries/*.rq, as the editor's examples."""
    try:
        from queries.catalog import Catalog

        return [{"name": q.name, "title": q.title, "query": q.text, "tags": list(q.tags)}
                for q in Catalog.load()]
    except Exception:  # a malformed .rq file must not take the editor down; the catalog's tests name it
        current_app.logger.exception("cannot load the query catalog")
        return []


def terms(index) -> dict:
    found = index.cache.get("editor-terms")
    if found is None:
        properties, classes = set(), set()
        for props in index.out.values():
            properties.update(props)
            for t in props.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []):
                classes.add(t.value)
        found = index.cache["editor-terms"] = {"properties": sorted(properties), "classes": sorted(classes)}
    return found


@bp.get("/query")
def query_page():
    index = site.index()
    catalog = examples()
    chosen = request.args.get("example", "")
    text = request.args.get("query")
    selected = next((q for q in catalog if q["name"] == chosen), None)
    if text is None:
        text = selected["query"] if selected else DEFAULT_QUERY
    base = current_app.config["GCMKG"].base_iri
    config = {
        "endpoint": "/sparql",
        "prefixes": PREFIXES,
        "examples": catalog,
        "defaultQuery": text,
        "terms": terms(index),
        # results link to our entity pages, not to the IRIs' hosts (w3id.org may not be reachable):
        # {base}{root}/... is served at /{root}/..., and the SDG KOS IRIs at /sdg/{code} (server/pages/links.py)
        "base": base, "localRoots": ["id", "graph"], "sdg": str(SDG),
    }
    # YASGUI's table plugin (its column resizer) injects a <style> element: this page alone allows inline
    # styles; scripts stay 'self' only, as everywhere
    g.csp = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return site.render("query.html", title="SPARQL query editor", query_text=text, examples=catalog,
                       selected=chosen, config=config, prefixes_text=sparql_prefixes())
