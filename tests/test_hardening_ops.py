"""Operations (issue 8): structured request logs, /-/health, /-/ready, counters at /-/metrics, and the OpenAPI
description of the HTTP API (served, complete, and checked by schemathesis against the app in-process)."""
from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml

from ontology import settings
from ontology.settings import PROJECT_ROOT

JSON = {"Accept": "application/sparql-results+json"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def make_app(instance_dir, **overrides):
    from server import create_app

    values = {"instance_dir": str(instance_dir), "access_log": True}
    values.update(overrides)
    return create_app(settings.load(values))


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture()
def access_log():
    handler = Lines()
    logger = logging.getLogger("gcmkg.access")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


# -- request logs ------------------------------------------------------------------------------------------------
def test_one_json_line_per_request_with_timings(built_config, access_log, capsys):
    app = make_app(built_config.instance_dir, query_timeout=1.5, cache=True)
    c = app.test_client()
    c.get("/sparql", query_string={"query": "SELECT ?o { ?o a gcm:Objective } LIMIT 2"}, headers=JSON)
    c.get("/sparql", query_string={"query": "SELECT ?o { ?o a gcm:Objective } LIMIT 2"}, headers=JSON)
    c.get("/sparql", query_string={"query": RUNAWAY}, headers=JSON)
    c.get("/sparql", query_string={"query": "SELEKT"}, headers=JSON)
    c.get("/id/objective/13", headers={"Accept": "text/html", "User-Agent": "probe/1.0"})
    c.get("/no/such/page")
    assert [e["status"] for e in access_log] == [200, 200, 503, 400, 200, 404]
    first, cached, runaway, bad, page, missing = access_log
    for e in access_log:
        assert {"ts", "method", "path", "route", "status", "ms", "client", "build", "pid"} <= set(e), e
        assert e["client"] == "127.0.0.1" and e["ms"] >= 0
    assert first["outcome"] == "ok" and first["query_ms"] > 0 and first["cache"] == "miss"
    assert first["build"] == built_config.instance_dir.joinpath("current").resolve().name
    assert cached["outcome"] == "cached" and "query_ms" not in cached
    assert runaway["outcome"] == "timeout" and 1400 < runaway["query_ms"] < 6000
    assert bad["outcome"] in ("refused", "error") and bad["status"] == 400
    assert page["route"] == "/id/<path:rest>" and page["ua"] == "probe/1.0" and page["bytes"] > 1000
    assert missing["route"] == "(unmatched)"
    # the lines are what standard output gets
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [e["path"] for e in out][-6:] == [e["path"] for e in access_log]


def test_the_access_log_can_be_switched_off(built_config, access_log):
    app = make_app(built_config.instance_dir, access_log=False)
    app.test_client().get("/-/health")
    assert access_log == []


def test_secret_looking_parameters_are_redacted(built_config, access_log):
    app = make_app(built_config.instance_dir)
    app.test_client().get("/-/health?api_key=AAA&token=BBB&password=CCC&q=visible",
                          headers={"Authorization": "Bearer DDD", "Cookie": "session=EEE"})
    (line,) = access_log
    text = json.dumps(line)
    assert "visible" in text
    for secret in ("AAA", "BBB", "CCC", "DDD", "EEE"):
        assert secret not in text


# -- health and readiness ---------------------------------------------------------------------------------------
def test_health_and_ready(built_config, tmp_path):
    c = make_app(built_config.instance_dir).test_client()
    assert c.get("/-/health").json == {"status": "ok"}
    ready = c.get("/-/ready")
    assert ready.status_code == 200 and ready.json["status"] == "ready" and ready.json["triples"] > 1000
    assert c.get("/-/build").json["id"] == ready.json["build"]
    # no build: alive, not ready
    empty = make_app(tmp_path / "empty").test_client()
    assert empty.get("/-/health").status_code == 200
    r = empty.get("/-/ready")
    assert r.status_code == 503 and "gcmkg build" in r.json["reason"] and r.headers["Retry-After"]
    assert empty.get("/-/build").status_code == 503
    assert empty.get("/-/metrics").status_code == 200


def test_ready_is_503_for_a_damaged_store(built_config, tmp_path):
    src = (built_config.instance_dir / "current").resolve()
    instance = tmp_path / "instance"
    shutil.copytree(src, instance / "builds" / src.name)
    (instance / "current").symlink_to(Path("builds") / src.name)
    for sst in sorted((instance / "builds" / src.name / "store").glob("*.sst")):
        if sst.stat().st_size > 100000:
            with open(sst, "r+b") as f:  # same size, garbled blocks: found only when read
                f.seek(20000)
                f.write(b"\xa5" * 4000)
    c = make_app(instance).test_client()
    assert c.get("/-/health").status_code == 200
    r = c.get("/-/ready")
    assert r.status_code == 503 and "damaged" in r.json["reason"] and "gcmkg build" in r.json["reason"], r.json


# -- metrics ---------------------------------------------------------------------------------------------------------
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                    r'(-?[0-9.e+]+|\+Inf|-Inf|NaN)$')


def parse_metrics(text: str) -> dict[str, float]:
    """name{labels} -> value, checking every line against the text format."""
    samples = {}
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, f"not in the Prometheus text format: {line!r}"
        key, value = line.rsplit(" ", 1)
        samples[key] = float(value)
    for key in samples:
        base = re.sub(r"(_bucket|_sum|_count)?(\{.*)?$", "", key)
        assert base in types or re.sub(r"\{.*$", "", key) in types, f"no TYPE for {key}"
    return samples


def test_metrics_count_requests_queries_timeouts_and_429s(built_config):
    app = make_app(built_config.instance_dir, query_timeout=1.0, client_concurrency=1, cache=False,
                   access_log=False)
    c = app.test_client()
    before = parse_metrics(c.get("/-/metrics").get_data(as_text=True))
    c.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
    c.get("/id/objective/13", headers={"Accept": "text/html"})
    # a runaway query holds this client's only slot: a second query meanwhile gets 429
    slow = threading.Thread(target=lambda: c.get("/sparql", query_string={"query": RUNAWAY}, headers=JSON))
    slow.start()
    time.sleep(0.3)
    assert c.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON).status_code == 429
    slow.join(10)
    r = c.get("/-/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain" and "version=0.0.4" in r.headers["Content-Type"]
    m = parse_metrics(r.get_data(as_text=True))

    def delta(key):
        return m.get(key, 0.0) - before.get(key, 0.0)

    assert delta('gcmkg_http_requests_total{method="GET",route="/sparql",status="200"}') == 1
    assert delta('gcmkg_http_requests_total{method="GET",route="/sparql",status="503"}') == 1
    assert delta('gcmkg_http_requests_total{method="GET",route="/sparql",status="429"}') == 1
    assert delta('gcmkg_http_requests_total{method="GET",route="/id/<path:rest>",status="200"}') == 1
    assert delta("gcmkg_sparql_timeouts_total") == 1
    assert delta("gcmkg_http_rate_limited_total") == 1
    assert delta('gcmkg_sparql_queries_total{outcome="ok"}') == 1
    assert delta('gcmkg_sparql_queries_total{outcome="timeout"}') == 1
    assert delta('gcmkg_sparql_queries_total{outcome="rate_limited"}') == 1
    assert delta("gcmkg_evaluator_restarts_total") >= 1  # the runaway's evaluator was killed
    assert delta("gcmkg_sparql_query_duration_seconds_count") == 2
    assert delta('gcmkg_sparql_query_duration_seconds_bucket{le="+Inf"}') == 2
    assert m['gcmkg_sparql_query_duration_seconds_bucket{le="5"}'] >= 1  # the quick one (its evaluator started cold)
    build = built_config.instance_dir.joinpath("current").resolve().name
    assert m[f'gcmkg_build_info{{build="{build}"}}'] == 1
    assert 0 <= m["gcmkg_build_age_seconds"] < 30 * 24 * 3600
    assert m["gcmkg_build_triples"] > 1000
    assert m["gcmkg_resident_memory_bytes"] > 10 * 1024 * 1024
    # histogram buckets are cumulative
    les = sorted((float(k.split('le="')[1].rstrip('"}')), v) for k, v in m.items()
                 if k.startswith('gcmkg_http_request_duration_seconds_bucket{le=') is False
                 and k.startswith("gcmkg_http_request_duration_seconds_bucket") and 'route="/sparql"' in k
                 and "+Inf" not in k)
    assert [v for _, v in les] == sorted(v for _, v in les)


@pytest.mark.slow
def test_metrics_add_up_every_worker_of_the_real_server(built_config):
    """Under gunicorn a scrape reaches one worker; the counters are those of all of them."""
    from conformance.harness import http, serve

    with serve(built_config.instance_dir, workers=2, threads=2, env={"GCMKG_CACHE": "0"}) as base:
        n = 40
        for _ in range(n):
            status, _, _ = http(base, "GET", "/sparql?query=ASK%7B%7D", headers=JSON)
            assert status == 200
        time.sleep(FLUSH_WAIT)
        totals = set()
        for _ in range(6):  # several scrapes land on both workers: each sees the sum
            status, headers, body = http(base, "GET", "/-/metrics")
            m = parse_metrics(body.decode())
            totals.add(m['gcmkg_http_requests_total{method="GET",route="/sparql",status="200"}'])
            assert m["gcmkg_worker_processes"] == 2
        assert totals == {float(n)}, totals


FLUSH_WAIT = 0.8  # > server.observability.FLUSH_EVERY


# -- OpenAPI -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load((PROJECT_ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))


def test_the_description_is_served(built_config, spec):
    c = make_app(built_config.instance_dir, access_log=False).test_client()
    for path in ("/openapi.yaml", "/-/openapi"):
        r = c.get(path)
        assert r.status_code == 200 and r.mimetype == "application/yaml"
        assert yaml.safe_load(r.data) == spec
    assert spec["openapi"].startswith("3.1")


def test_the_description_covers_the_api(built_config, spec):
    """Every documented path exists in the app, and the API the issue names is documented."""
    app = make_app(built_config.instance_dir, access_log=False)
    rules = {re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule): r.methods for r in app.url_map.iter_rules()}
    aliases = {"/id/{path}": "/id/{rest}"}
    for path, ops in spec["paths"].items():
        rule = aliases.get(path, path)
        assert rule in rules, f"{path} is documented but not served"
        for method in ops:
            assert method.upper() in rules[rule], (path, method)
    for needed in ("/sparql", "/queries", "/queries/{name}", "/-/health", "/-/ready", "/-/build", "/-/metrics",
                   "/id/{path}", "/search.json", "/openapi.yaml"):
        assert needed in spec["paths"], needed
    assert {"get", "post"} <= set(spec["paths"]["/sparql"])
    statuses = set(spec["paths"]["/sparql"]["post"]["responses"])
    assert {"200", "400", "401", "403", "406", "413", "415", "422", "429", "503"} <= statuses


def test_schemathesis_against_the_app(built_config):
    """Property-based requests generated from the description, run in-process (WSGI): no 5xx but the documented
    503, statuses, media types and JSON bodies as documented."""
    import schemathesis
    from hypothesis import HealthCheck, settings as hsettings
    from schemathesis import checks

    app = make_app(built_config.instance_dir, query_timeout=3, access_log=False, client_concurrency=0)
    schema = schemathesis.openapi.from_wsgi("/openapi.yaml", app)
    failures = []
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                   derandomize=True)
        def run(case):
            case.call_and_validate(checks=[checks.not_a_server_error, checks.status_code_conformance,
                                           checks.content_type_conformance, checks.response_schema_conformance])

        try:
            operation.as_strategy  # noqa: B018  (exists on every operation)
            from hypothesis import given

            given(case=operation.as_strategy())(run)()
            ran += 1
        except Exception as exc:  # noqa: BLE001  collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert ran >= 10
    assert failures == [], "\n\n".join(failures)
