"""The 'plain Flask + pyoxigraph' anchor: the smallest endpoint that answers the bench queries (no limits, no
negotiation, no separate evaluator). gunicorn -w 2 plain_flask:app, with BENCH_NT=path/to/kg.nt."""
import os

import pyoxigraph as ox
from flask import Flask, Response, request

store = ox.Store()
store.bulk_load(path=os.environ["BENCH_NT"], format=ox.RdfFormat.N_TRIPLES)
app = Flask(__name__)


@app.get("/sparql")
def sparql():
    try:
        results = store.query(request.args["query"])
    except SyntaxError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    body = results.serialize(format=ox.QueryResultsFormat.JSON)
    return Response(body, mimetype="application/sparql-results+json")
