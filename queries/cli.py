"""`gcmkg query`: list the named queries, run one on the current build, or run ad-hoc SPARQL.

Exit codes: 0 success; 2 the request cannot be run (no build, unknown query, bad parameter, SPARQL syntax
error); 1 the query failed while it was evaluated or its results could not be written.
"""
from __future__ import annotations

import json
import shutil
import sys
import time

import pyoxigraph as ox

from ontology.vocab import PREFIXES
from queries.catalog import Catalog, CatalogError, NamedQuery, ParamError, UnknownQuery, parse_param_args
from queries.store import StoreCorrupt, StoreNotBuilt, current_build, has_default_graph, open_read_only

_RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                   "json": ox.QueryResultsFormat.JSON}
MAX_CELL = 60  # widest a table cell gets before it is cut with '…' (csv, tsv and json are never cut)
MIN_CELL = 12


class UsageError(Exception):
    """The request cannot be run as given (exit 2)."""


def run_query_command(config, args, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    fmt = getattr(args, "format", None) or "table"
    name = getattr(args, "name", None)
    sparql = getattr(args, "sparql", None)
    try:
        catalog = Catalog.load()
        if name and sparql:
            raise UsageError("give a query name or --sparql TEXT, not both")
        if not name and not sparql:
            if getattr(args, "param", None):
                raise UsageError("parameters (-p) need a query name")
            list_catalog(catalog, fmt, out)
            return 0
        params = parse_param_args(getattr(args, "param", None) or [])
        build = current_build(config.instance_dir)
        base = build.meta.get("base_iri") or config.base_iri
        prepared = None
        if name:
            prepared = catalog.get(name).prepare(params, base=base)  # a paginated query: one page (LIMIT/OFFSET)
            text, substitutions = prepared.text, prepared.substitutions
        else:
            if params:
                raise UsageError("parameters (-p) apply to named queries; write the values into --sparql TEXT")
            text, substitutions = sparql, {}
        store = open_read_only(build)
        started = time.perf_counter()
        try:
            # builds store the merge of their named graphs as the default graph; older ones are read as the union
            results = store.query(text, prefixes=PREFIXES, substitutions=substitutions or None,
                                  use_default_graph_as_union=not has_default_graph(store))
        except SyntaxError as exc:
            raise UsageError(f"SPARQL syntax error{' in ' + name + '.rq' if name else ''}: {exc}") from exc
        if prepared is not None and prepared.limit is not None and fmt != "table" \
                and isinstance(results, ox.QuerySolutions):
            data = results.serialize(format=_RESULT_FORMATS[fmt])
            rows = _count_rows(data, fmt)  # to announce the page
            _write_bytes(data, out)
        else:
            rows = write_results(results, fmt, out, base)
        elapsed = (time.perf_counter() - started) * 1000
        if fmt == "table" and rows is not None:
            note = f"{rows} row{'s' if rows != 1 else ''} ({elapsed:.0f} ms)"
            print(f"{note}; <…> IRIs are relative to {base}", file=err)
        if prepared is not None and prepared.limit is not None:  # never a silent truncation, in any format
            print(f"{name}: {prepared.describe(rows or 0)}", file=err)
        return 0
    except (StoreNotBuilt, StoreCorrupt) as exc:
        print(f"gcmkg query: {exc}", file=err)
        return 2
    except UnknownQuery as exc:
        print(f"gcmkg query: {exc}", file=err)
        return 2
    except (ParamError, UsageError, CatalogError) as exc:
        print(f"gcmkg query: {exc}", file=err)
        if isinstance(exc, ParamError) and name and name in catalog:
            print(usage(catalog.get(name)), file=err)
        return 2
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"gcmkg query: the query failed: {exc}", file=err)
        return 1


# --- listing --------------------------------------------------------------------------------------------------
def describe(query: NamedQuery) -> dict:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "params": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required, "help": p.help}
                   for p in query.all_params],
        "page_size": query.page_size,
    }


def usage(query: NamedQuery) -> str:
    lines = [f"usage: gcmkg query {query.name}" + "".join(
        f" {'' if p.required else '['}-p {p.name}=…{'' if p.required else ']'}" for p in query.all_params)]
    for p in query.all_params:
        lines.append(f"  {p.describe()}: {p.help}")
    if query.paginated:
        lines.append(f"  answered {query.page_size} rows at a time, in a fixed order")
    return "\n".join(lines)


def list_catalog(catalog: Catalog, fmt: str, out) -> None:
    if fmt == "json":
        json.dump([describe(q) for q in catalog], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        import csv

        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        writer.writerow(["name", "title", "tags", "params"])
        for q in catalog:
            writer.writerow([q.name, q.title, " ".join(q.tags), " ".join(p.describe() for p in q.all_params)])
        return
    rows = [[q.name, q.title, ", ".join([p.describe() for p in q.params]
                                        + ([f"pages of {q.page_size} (limit, offset)"] if q.paginated else []))]
            for q in catalog]
    _table(["query", "summary", "parameters"], rows, out, wide_last=True)
    out.write(f"\n{len(rows)} named queries; run one with `gcmkg query NAME -p name=value`\n")


# --- results --------------------------------------------------------------------------------------------------
def write_results(results, fmt: str, out, base: str) -> int | None:
    """Write SELECT/ASK/CONSTRUCT results; returns the number of rows for a table, else None."""
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            out.write(("true" if bool(results) else "false") + "\n")
            return None
        _write_bytes(results.serialize(format=_RESULT_FORMATS[fmt]), out)
        return None
    if isinstance(results, ox.QueryTriples):
        if fmt == "json":
            _write_bytes(results.serialize(format=ox.RdfFormat.JSON_LD), out)
            return None
        if fmt != "table":
            raise UsageError("CONSTRUCT and DESCRIBE results print as a table or as json (JSON-LD)")
        rows = [[compact(t.subject, base), compact(t.predicate, base), compact(t.object, base)] for t in results]
        _table(["subject", "predicate", "object"], rows, out)
        return len(rows)
    if fmt != "table":
        _write_bytes(results.serialize(format=_RESULT_FORMATS[fmt]), out)
        return None
    names = [v.value for v in results.variables]
    rows = [[compact(solution[name], base) for name in names] for solution in results]
    _table(names, rows, out)
    return len(rows)


def _count_rows(data: bytes, fmt: str) -> int:
    if fmt == "csv":  # pyoxigraph does not read CSV results back (lossy); fields may hold quoted line breaks
        import csv
        import io

        return max(0, sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1)
    return sum(1 for _ in ox.parse_query_results(data, format=_RESULT_FORMATS[fmt]))


def _write_bytes(data: bytes, out) -> None:
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8"))


def compact(term, base: str = "") -> str:
    """A term as a person reads it: prefixed names, data IRIs relative to the base, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        best = None
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
                local = iri[len(ns):]
                if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                    best = prefix
        if best is not None:
            return f"{best}:{iri[len(PREFIXES[best]):]}"
        if base and iri.startswith(base) and len(iri) > len(base):
            return f"<{iri[len(base):]}>"
        return f"<{iri}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split())
    return str(term)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(header: list[str], rows: list[list[str]], out, wide_last: bool = False) -> None:
    ncols = len(header)
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(ncols)]
    widths = [min(w, MAX_CELL) if not (wide_last and i == ncols - 1) else w for i, w in enumerate(widths)]
    isatty = getattr(out, "isatty", lambda: False)()
    total = shutil.get_terminal_size((160, 24)).columns if isatty else 10**6
    # on a terminal, shrink the widest columns until the table fits (never below MIN_CELL); a pipe gets it all
    while sum(widths) + 2 * (ncols - 1) > total:
        i = max(range(ncols), key=lambda k: widths[k])
        floor = max(MIN_CELL, len(header[i]))
        if widths[i] <= floor:
            break
        widths[i] -= 1
    line = "  ".join(_cut(h, widths[i]).ljust(widths[i]) for i, h in enumerate(header)).rstrip()
    out.write(line + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(_cut(c, widths[i]).ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n")
