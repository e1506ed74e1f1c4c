"""The SERVICE allow-list and the other checks read from the query text (server.guard, server.lexer).

The oracle is pyoxigraph itself: a loopback HTTP listener records every SERVICE call the engine makes, and for
every nasty query the guard must refuse whatever the engine would call. Hypothesis then mixes the tricks.
"""
from __future__ import annotations

import http.server
import threading

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ontology.vocab import PREFIXES
from server.guard import Refusal, check_service, check_update, query_kind, resolve_iri, rewrite_update_dataset
from server.lexer import tokenize


class _Listener(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []

    def _answer(self):
        type(self).calls.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def engine_calls(query: str) -> list[str] | None:
    """The SERVICE calls pyoxigraph makes for *query* (None: it does not parse)."""
    before = len(_Listener.calls)
    try:
        results = ox.Store().query(query, prefixes=PREFIXES)
        if isinstance(results, (ox.QuerySolutions, ox.QueryTriples)):
            list(results)
    except SyntaxError:
        return None
    except (OSError, RuntimeError):
        pass
    return _Listener.calls[before:]


def guard_refuses(query: str, allow=()) -> bool:
    try:
        check_service(query, allow, PREFIXES, None)
    except Refusal:
        return True
    return False


def nasty(e: str) -> dict[str, str]:
    """Queries that make the engine call *e*: each hides the SERVICE keyword or its target differently."""
    port_base = e.rsplit(":", 1)[0] + ":" + e.rsplit(":", 1)[1].split("/")[0]
    return {
        "plain": f"SELECT * {{ SERVICE <{e}a> {{}} }}",
        "lower case": f"select * {{ service <{e}b> {{}} }}",
        "no space before prefixed name": f"PREFIX : <{e}> SELECT * {{ SERVICE:c{{}} }}",
        "SILENT glued to the name": f"PREFIX : <{e}> SELECT * {{ SERVICE SILENT:d {{}} }}",
        "SERVICESILENT as one word": f"SELECT * {{ SERVICESILENT <{e}i> {{}} }}",
        "less-than in FILTER then a comment": f"PREFIX : <{e}> SELECT * {{ BIND(1 AS ?x) BIND(2 AS ?y) "
                                              f"FILTER(?x<?y)SERVICE:e#>\n{{}} }}",
        "\\u escape in the IRI": f"SELECT * {{ SERVICE <{port_base}/\\u0066> {{}} }}",
        "relative IRI with BASE": f"BASE <{e}> SELECT * {{ SERVICE <g> {{}} }}",
        "BASE relative to BASE": f"BASE <{e}v/w/> BASE <../> SELECT * {{ SERVICE <z> {{}} }}",
        "prefix redefined": f"PREFIX x: <http://ok.example/> PREFIX x: <{e}> SELECT * {{ SERVICE x:h {{}} }}",
        "prefix named SERVICE": f"PREFIX SERVICE: <http://ok.example/> PREFIX : <{e}> SELECT * {{ SERVICE:o {{}} }}",
        "escaped local name": f"PREFIX x: <{e}> SELECT * {{ SERVICE x:k\\/l {{}} }}",
        "\\u escape in a PREFIX": f"PREFIX x: <{port_base}/\\u0074/> SELECT * {{ SERVICE x:u {{}} }}",
        "inside FILTER EXISTS": f"SELECT * {{ FILTER EXISTS {{ SERVICE <{e}p> {{}} }} }}",
        "in a subquery": f"SELECT * {{ {{ SELECT * WHERE {{ SERVICE <{e}sub> {{}} }} }} }}",
        "after a long string with quotes": f'SELECT * {{ BIND("""a " "" \\""" SERVICE <{e}x> {{}}""" AS ?z) '
                                           f"SERVICE <{e}ls> {{}} }}",
        "comment between keyword and target": f"SELECT * {{ SERVICE #x\n <{e}s> {{}} }}",
        "no spaces at all": f"SELECT*{{SERVICE<{e}r>{{}}}}",
        "glued to true": f"SELECT * {{ ?s ?p trueSERVICE <{e}tg> {{}} }}",
        "after VALUES rows": f"SELECT * {{ VALUES (?a) {{ (<{e}v>) }} SERVICE <{e}vp> {{}} }}",
        "in MINUS": f"SELECT * {{ MINUS {{ SERVICE <{e}mi> {{}} }} }}",
        "ASK": f"ASK {{ SERVICE <{e}ask> {{}} }}",
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{e}co> {{ ?s ?p ?o }} }}",
        "DESCRIBE": f"DESCRIBE ?s WHERE {{ SERVICE <{e}de> {{ ?s ?p ?o }} }}",
    }


def test_every_nasty_query_is_one_the_engine_really_calls_out_for(listener):
    silent = [name for name, q in nasty(listener).items() if not engine_calls(q)]
    assert silent == [], "these no longer reach the listener, so they test nothing"


@pytest.mark.parametrize("name", sorted(nasty("http://127.0.0.1:1/")))
def test_the_guard_refuses(name, listener):
    assert guard_refuses(nasty(listener)[name])


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE ?x { } }",
    "SELECT * { SERVICE SILENT $svc { ?s ?p ?o } }",
])
def test_a_variable_target_is_refused(query):
    with pytest.raises(Refusal, match="variable"):
        check_service(query, ["http://example.org/sparql"], PREFIXES, None)


def test_the_refusal_names_the_target_and_the_setting():
    with pytest.raises(Refusal) as exc:
        check_service("PREFIX x: <http://127.0.0.1:9/> SELECT * { SERVICE x:sparql {} }", [], PREFIXES, None)
    assert exc.value.status == 403
    assert "<http://127.0.0.1:9/sparql>" in exc.value.message and "service_allowlist" in exc.value.message


def test_an_allow_listed_target_passes_in_every_spelling():
    allow = ["http://example.org/sparql"]
    for q in ["SELECT * { SERVICE <http://example.org/sparql> {} }",
              "PREFIX e: <http://example.org/> SELECT * { SERVICE e:sparql {} }",
              "BASE <http://example.org/x/> SELECT * { SERVICE SILENT <../sparql> {} }",
              "SELECT * { SERVICE <http://example.org/\\u0073parql> {} }"]:
        check_service(q, allow, PREFIXES, None)
    assert guard_refuses("SELECT * { SERVICE <http://example.org/sparql2> {} }", allow)


@pytest.mark.parametrize("query", [
    "SELECT * { ?s <http://example.org/service#a> ?o FILTER(?o < 3) }",
    "PREFIX service: <http://example.org/service/> SELECT ?x { ?x service:name ?n }",
    "SELECT * { GRAPH <urn:service:x> { ?s ?p ?o } }",
    'SELECT ("SERVICE <http://evil.example/> {}" AS ?x) {}',
    "SELECT * { # SERVICE <http://evil.example/> {}\n ?s ?p ?o }",
    "SELECT ?service { ?service a <http://example.org/Service> }",
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'service')) }",
])
def test_ordinary_queries_mentioning_service_pass(query):
    check_service(query, [], PREFIXES, None)


def test_the_endpoint_prefixes_are_used_to_resolve_targets():
    with pytest.raises(Refusal, match="ontology#zz"):
        check_service("SELECT * { SERVICE gcm:zz {} }", [], PREFIXES, None)


def test_a_relative_target_resolves_against_the_endpoint_url():
    with pytest.raises(Refusal, match="http://localhost/other"):
        check_service("SELECT * { SERVICE <other> {} }", [], PREFIXES, "http://localhost/sparql")


def test_iri_resolution_is_the_engines():
    assert resolve_iri("../c", "http://a/b/x/") == "http://a/b/c"
    assert resolve_iri("http://x/y", None) == "http://x/y"
    with pytest.raises(ValueError):
        resolve_iri("relative", None)


def test_from_is_a_graph_name_and_fetches_nothing(listener):
    """pyoxigraph reads FROM / FROM NAMED as names of graphs in the store: nothing is fetched, so they are allowed."""
    for q in [f"SELECT * FROM <{listener}from> WHERE {{ ?s ?p ?o }}",
              f"SELECT * FROM NAMED <{listener}named> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"]:
        assert engine_calls(q) == []
        assert not guard_refuses(q)


# -- the three readings of '<' ------------------------------------------------------------------------------------
def test_less_than_inside_an_expression_is_an_operator():
    toks = tokenize("SELECT * { FILTER(?x<?y)SERVICE:e#>\n{} }")
    assert [t.text for t in toks][5:10] == ["?x", "<", "?y", ")", "SERVICE:e"]


def test_an_iri_in_a_triple_pattern_is_an_iri():
    toks = tokenize("SELECT * { ?s <http://a/b#c> ?o . ?s ?p (<x> <y>) }")
    assert [t.kind for t in toks if t.text.startswith("<")] == ["iri", "iri", "iri"]


def test_a_function_iri_in_filter_is_an_iri():
    toks = tokenize("SELECT * { FILTER <http://f>(?x < <http://a>) }")
    assert [(t.kind, t.text) for t in toks if "<" in t.text] == [
        ("iri", "<http://f>"), ("punct", "<"), ("iri", "<http://a>")]


# -- Hypothesis: glue the tricks together; whenever the engine calls out, the guard must have refused -------------
_pieces = st.sampled_from([
    " ", "\n", "#c\n", "?x", "?y", "<", "<=", "(", ")", "{}", ".", "FILTER", "BIND(1 AS ?x)", "BIND(2 AS ?y)",
    "SERVICE", "SILENT", "service", ":e", "x:e", "<E>", "<e>", "true", "'s'", '"#"', "#>", "\\u0053", "OPTIONAL",
    "FILTER(?x<?y)", "EXISTS", "{", "}", ";", ",", "a", "VALUES ?x { 1 }", "SERVICE:e", "SERVICESILENT",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(_pieces, min_size=2, max_size=14))
def test_fuzz_whatever_the_engine_calls_the_guard_refuses(body, listener):
    query = (f"PREFIX : <{listener}> PREFIX x: <{listener}x/> BASE <{listener}b/> SELECT * WHERE {{ "
             + "".join(body).replace("<E>", f"<{listener}E>") + " }")
    calls = engine_calls(query)
    if calls:
        assert guard_refuses(query), f"engine called {calls} but the guard let it through: {query!r}"


# -- updates --------------------------------------------------------------------------------------------------
def test_load_is_refused():
    for u in ["LOAD <http://example.org/data.ttl>", "load silent <http://x/> INTO GRAPH <http://g>",
              "LOAD<http://x/>"]:
        with pytest.raises(Refusal, match="LOAD"):
            check_update(u)
    check_update("INSERT DATA { <http://a> <http://download> 'load' }")


def test_using_clauses_are_inserted_before_every_modify_where():
    u = "INSERT { ?s a <x:B> } WHERE { ?s a <x:A> } ; DELETE WHERE { ?s ?p ?o } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    out = rewrite_update_dataset(u, ["http://g1"], ["http://g2"])
    assert out.count("USING <http://g1> USING NAMED <http://g2>") == 2
    assert "DELETE WHERE" in out


def test_protocol_dataset_and_update_dataset_conflict():
    with pytest.raises(Refusal) as exc:
        rewrite_update_dataset("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", [], ["http://n"])
    assert exc.value.status == 400


def test_using_inside_a_string_is_no_conflict():
    out = rewrite_update_dataset("INSERT { <a:a> <a:b> 'USING WITH' } WHERE {}", ["http://g"], [])
    assert "USING <http://g>" in out


def test_query_kind():
    assert query_kind("PREFIX a: <http://a/> SELECT * {}") == "results"
    assert query_kind("# CONSTRUCT\nASK {}") == "results"
    assert query_kind("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }") == "graph"
    assert query_kind("describe <http://x>") == "graph"
    assert query_kind("nonsense") is None


@pytest.mark.parametrize("query,names", [
    ("SELECT * { ?s ?p ?o }", False),
    ("SELECT * { <http://example.org/graph/1> ?p ?graph FILTER(?graph != 'from GRAPH') } # FROM GRAPH", False),
    ("SELECT * { GRAPH ?g { ?s ?p ?o } }", True),
    ("SELECT * { graph ?g { ?s ?p ?o } }", True),
    ("SELECT * {GRAPH?g{?s ?p ?o}}", True),
    ("SELECT * { ?s ?p trueGRAPH<urn:g>{ ?s ?p ?o } }", True),  # keywords need no word boundary
    ("SELECT * FROM <urn:g> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <urn:g> { ?s ?p ?o }", True),
    ("PREFIX graph: <urn:x:> SELECT * { ?s graph:p ?o }", True),  # a prefix that may read as GRAPH: assumed to
    ("PREFIX gcm: <urn:x#> SELECT * { ?s gcm:fromSource ?p . ?p a gcm:Paragraph ; gcm:graphCount ?n }", False),
    ("SELECT * { GRAPH ?g { ?s ?p 'unterminated } }", True),  # cannot be read: assumed to
])
def test_may_name_graphs(query, names):
    from server.guard import may_name_graphs

    assert may_name_graphs(query) is names
