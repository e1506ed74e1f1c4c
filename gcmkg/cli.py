"""gcmkg: build, check, query, export and serve the GCM Knowledge Graph.

Every subcommand answers --help without a built graph; heavy imports happen inside the handlers.
"""
from __future__ import annotations

import argparse
import sys

from ontology import settings


def _config(args) -> settings.Config:
    overrides = {k: v for k, v in vars(args).items() if k in {s.name for s in settings.SETTINGS} and v is not None}
    return settings.load(overrides)


def cmd_build(args) -> int:
    from ingest.build import BuildError, build, is_up_to_date

    config = _config(args)
    if args.if_needed and is_up_to_date(config):
        print(f"graph is up to date in {config.current_store}")
        return 0
    try:
        build(config)
    except BuildError as exc:
        print(f"gcmkg build: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args) -> int:
    from queries.store import StoreCorrupt, StoreNotBuilt, current_build
    from server.serve import serve

    config = _config(args)
    if args.store:
        import dataclasses

        config = dataclasses.replace(config, store_url=args.store)
    try:
        if not config.store_url:
            current_build(config.instance_dir)
    except (StoreNotBuilt, StoreCorrupt) as exc:
        print(f"gcmkg serve: {exc}", file=sys.stderr)
        return 1
    return serve(config, reload_on_rebuild=not args.no_watch)


def cmd_query(args) -> int:
    from queries.cli import run_query_command

    return run_query_command(_config(args), args)


def cmd_check(args) -> int:
    from ingest.check import run_checks

    return run_checks(_config(args), reason=args.reason, out=sys.stdout)


def cmd_export(args) -> int:
    from ingest.export import export

    export(_config(args), args.out)
    return 0


def cmd_publish(args) -> int:
    from ingest.publish import PublishError, publish
    from queries.store import StoreCorrupt, StoreNotBuilt

    try:
        return publish(_config(args), args.to, gsp=args.gsp, update=args.update, user=args.user,
                       default_graph=args.default_graph, keep_stale=args.keep_stale, verify_only=args.verify_only,
                       chunk=args.chunk, timeout=args.timeout)
    except (StoreNotBuilt, StoreCorrupt, PublishError) as exc:
        print(f"gcmkg publish: {exc}", file=sys.stderr)
        return 1


def cmd_ingest(args) -> int:
    from ingest.add import add_document

    return add_document(_config(args), args.path, doc_id=args.id, title=args.title, doc_type=args.type,
                        date=args.date, dry_run=args.dry_run)


def parser() -> argparse.ArgumentParser:
    from gcmkg import __version__

    p = argparse.ArgumentParser(prog="gcmkg", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"gcmkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp):
        sp.add_argument("--instance-dir", dest="instance_dir", help="instance folder (builds, current store)")
        sp.add_argument("--data-dir", dest="data_dir", help="data folder (corpus manifest, reference data)")
        sp.add_argument("--base-iri", dest="base_iri", help="base of minted IRIs")
        return sp

    b = common(sub.add_parser("build", help="build the knowledge graph into a new store and make it current"))
    b.add_argument("--if-needed", action="store_true", help="do nothing when the current build is up to date")
    b.set_defaults(func=cmd_build)

    s = common(sub.add_parser("serve", help="serve the current build (SPARQL endpoint, pages) with gunicorn"))
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int)
    s.add_argument("--store", metavar="URL", help="serve the build `gcmkg publish --to URL --default-graph named` "
                   "loaded into this SPARQL endpoint instead of the embedded store (setting store_url)")
    s.add_argument("--no-watch", action="store_true", help="do not reload workers when a new build appears")
    s.set_defaults(func=cmd_serve)

    q = common(sub.add_parser("query", help="run a named query (or --sparql TEXT) and print a table"))
    q.add_argument("name", nargs="?", help="name of a query in queries/ (omit to list them)")
    q.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE", help="query parameter")
    q.add_argument("--sparql", help="run this SPARQL text instead of a named query")
    q.add_argument("--format", "-f", default="table", choices=["table", "csv", "tsv", "json"], help="output")
    q.set_defaults(func=cmd_query)

    c = common(sub.add_parser("check", help="validate the current build: SHACL shapes and SPARQL checks"))
    c.add_argument("--reason", action="store_true", help="also run an OWL reasoner (HermiT) for consistency")
    c.set_defaults(func=cmd_check)

    e = common(sub.add_parser("export", help="write dumps of the current build (TriG, N-Quads, per graph)"))
    e.add_argument("--out", help="output folder (default: the build's dumps/ folder)")
    e.set_defaults(func=cmd_export)

    pb = common(sub.add_parser("publish", help="load the current build into a SPARQL 1.1 server, graph by graph, "
                                               "and verify the triple counts there"))
    pb.add_argument("--to", required=True, metavar="URL", help="the target's SPARQL query endpoint (verification)")
    pb.add_argument("--gsp", metavar="URL", help="its Graph Store Protocol endpoint (preferred: PUT ?graph=G)")
    pb.add_argument("--update", metavar="URL", help="its SPARQL Update endpoint (fallback; used alone if no --gsp)")
    pb.add_argument("--user", metavar="NAME[:PASSWORD]",
                    help="HTTP Basic/Digest credentials (password also from GCMKG_PUBLISH_PASSWORD)")
    pb.add_argument("--default-graph", choices=["union", "copy", "named"], default="union",
                    help="union: the target serves the union of the graphs as its default graph (configure it so); "
                         "copy: also write the merge into the target's default graph; named: leave the target's "
                         "default graph alone (a gcmkg server over the target reads the merge graph by name)")
    pb.add_argument("--keep-stale", action="store_true", help="keep graphs of ours that the build no longer has")
    pb.add_argument("--verify-only", action="store_true", help="load nothing: compare the target's counts only")
    pb.add_argument("--chunk", type=int, default=10000, help="triples per request when the server wants chunks")
    pb.add_argument("--timeout", type=float, default=300.0, help="seconds one HTTP request may take")
    pb.set_defaults(func=cmd_publish)

    i = common(sub.add_parser("ingest", help="add a document to the corpus manifest and report what it yields"))
    i.add_argument("path", help="a .txt, .md or .pdf file")
    i.add_argument("--id", help="stable document id (default: from the file name)")
    i.add_argument("--title")
    i.add_argument("--type", default="report", help="document type key (concept-note, summary, ...)")
    i.add_argument("--date", help="ISO date of the document")
    i.add_argument("--dry-run", action="store_true", help="report what would be extracted; change nothing")
    i.set_defaults(func=cmd_ingest)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
