"""Charts drawn on the server as inline SVG (no script needed to see them), each with a data table beside it.

The functions here compute geometry only (numbers, labels, links); the templates in server/templates/charts/
write the SVG elements with Jinja autoescaping, so a label from the graph cannot inject markup. Each chart has a
<title> and <desc>, and a table of the same numbers for screen readers and for copying.

- evidence matrix: statements per objective (rows) and country (columns); each cell links to the statements;
- objective -> SDG target -> indicator: a layered graph for one objective (on its page) or for all;
- timeline of the review's meetings, held and planned dates;
- figures stated in the documents (remittances, migrant stock...) by measure and year, with their sources.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, request

from ontology.vocab import DCT, GCM, SDGO
from server.pages import site, views
from server.pages.graph import GraphIndex

bp = Blueprint("charts", __name__)

PALETTE = ("#f1f5fb", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")


def _number(index: GraphIndex, iri: str) -> int:
    v = index.value(iri, GCM.number.value)
    try:
        return int(v.value) if v is not None else 0
    except ValueError:
        return 0


def objectives(index: GraphIndex) -> list[str]:
    return sorted(index.instances(GCM.Objective.value), key=lambda o: _number(index, o))


# --- evidence matrix ----------------------------------------------------------------------------------------
def evidence_counts(index: GraphIndex) -> dict[tuple[str, str], list[str]]:
    """(objective, country) -> statements that address the objective and mention the country."""
    found = index.cache.get("evidence")
    if found is None:
        found = defaultdict(list)
        for s in index.instances(GCM.Statement.value):
            objs = index.iris(s, GCM.addressesObjective.value)
            for c in set(index.iris(s, GCM.mentions.value)):
                if index.is_a(c, GCM.Country.value):
                    for o in objs:
                        found[(o, c)].append(s)
        found = index.cache["evidence"] = dict(found)
    return found


def color(count: int, top: int) -> str:
    if count <= 0:
        return PALETTE[0]
    step = 1 + int((len(PALETTE) - 2) * math.log(count) / math.log(max(top, 2)))
    return PALETTE[min(step, len(PALETTE) - 1)]


def text_color(fill: str) -> str:
    return "#ffffff" if fill in PALETTE[4:] else "#102a43"


def heatmap(index: GraphIndex) -> dict:
    key = ("heatmap", site.langs())
    found = index.cache.get(key)
    if found is None:
        found = index.cache[key] = _heatmap(index)
    return found


def _heatmap(index: GraphIndex) -> dict:
    counts = evidence_counts(index)
    objs = objectives(index)
    per_country = Counter()
    for (o, c), stmts in counts.items():
        per_country[c] += len(stmts)
    countries = sorted(per_country, key=lambda c: index.label(c, site.langs()).casefold())
    top = max((len(v) for v in counts.values()), default=1)
    cell, left, head = 26, 330, 160
    rows = []
    for r, o in enumerate(objs):
        n = _number(index, o)
        cells = []
        for col, c in enumerate(countries):
            k = len(counts.get((o, c), []))
            fill = color(k, top)
            iso = index.text(c, GCM.iso3.value) or ""
            cells.append({"x": left + col * cell, "y": head + r * cell, "count": k, "fill": fill,
                          "ink": text_color(fill), "country": index.label(c, site.langs()),
                          "href": "/evidence?" + urlencode({"objective": n, "country": iso}) if k else None})
        label = index.label(o, site.langs())
        rows.append({"y": head + r * cell, "number": n, "label": label,
                     "short": (f"{n}. {label}" if len(label) < 44 else f"{n}. {label[:42]}…"),
                     "href": site.href(o), "cells": cells, "total": sum(x["count"] for x in cells)})
    cols = [{"x": left + i * cell + cell / 2, "label": index.label(c, site.langs()), "href": site.href(c),
             "iso": index.text(c, GCM.iso3.value) or "", "total": per_country[c]} for i, c in enumerate(countries)]
    return {"rows": rows, "cols": cols, "cell": cell, "left": left, "head": head,
            "width": left + max(1, len(countries)) * cell + 20, "height": head + len(objs) * cell + 10,
            "top": top, "legend": [(PALETTE[i], i) for i in range(len(PALETTE))],
            "total": sum(len(v) for v in counts.values())}


# --- objective -> target -> indicator ----------------------------------------------------------------------
def sdg_layers(index: GraphIndex, objective_iris: list[str], with_indicators: bool = True) -> dict:
    row_h, box_h = 30, 24
    col_x = (10, 300, 590) if with_indicators else (10, 420, 0)
    col_w = (270, 270, 330) if with_indicators else (380, 420, 0)
    nodes, edges = [], []
    y = 10
    target_pos: dict[str, float] = {}
    obj_pos: dict[str, float] = {}
    for o in objective_iris:
        start = y
        targets = sorted(index.iris(o, GCM.contributesToTarget.value),
                         key=lambda t: views._natural(index.text(t, GCM.code.value) or ""))
        for t in targets:
            if t in target_pos and not with_indicators:
                continue
            t_start = y
            inds = sorted(index.iris(t, SDGO.hasIndicator.value),
                          key=lambda i: views._natural(index.text(i, GCM.code.value) or "")) if with_indicators else []
            for i in inds:
                nodes.append(_node(index, i, col_x[2], y, col_w[2], box_h, "indicator"))
                edges.append({"x1": col_x[1] + col_w[1], "y1": None, "x2": col_x[2], "y2": y + box_h / 2,
                              "from": t})
                y += row_h
            if not inds:
                y += row_h
            ty = (t_start + y - row_h) / 2
            target_pos[t] = ty
            nodes.append(_node(index, t, col_x[1], ty, col_w[1], box_h, "target"))
        if not targets:
            y += row_h
        oy = (start + y - row_h) / 2
        obj_pos[o] = oy
        nodes.append(_node(index, o, col_x[0], oy, col_w[0], box_h, "objective"))
        for t in targets:
            conf = None
            for m in index.subjects(GCM.mappingSubject.value, o):
                if t in index.iris(m, GCM.mappingObject.value):
                    v = index.value(m, GCM.confidence.value)
                    conf = float(v.value) if v is not None else None
            edges.append({"x1": col_x[0] + col_w[0], "y1": oy + box_h / 2, "x2": col_x[1],
                          "y2": target_pos[t] + box_h / 2, "width": 1 + 3 * (conf or 0.3),
                          "confidence": conf})
        y += 12
    for e in edges:
        if e.get("from"):
            e["y1"] = target_pos[e.pop("from")] + box_h / 2
            e.setdefault("width", 1)
    headings = [("GCM objective", col_x[0]), ("SDG target", col_x[1])] + (
        [("SDG indicator", col_x[2])] if with_indicators else [])
    width = (col_x[2] + col_w[2] if with_indicators else col_x[1] + col_w[1]) + 10
    return {"nodes": nodes, "edges": edges, "width": width, "height": y + 10, "headings": headings,
            "box_h": box_h}


def _node(index: GraphIndex, iri: str, x: float, y: float, w: float, h: float, role: str) -> dict:
    code = index.text(iri, GCM.code.value) or (str(_number(index, iri)) if role == "objective" else "")
    label = index.label(iri, site.langs())
    chars = int(w / 6.6) - len(code) - 2
    short = label if len(label) <= chars else label[:max(chars - 1, 8)] + "…"
    return {"x": x, "y": y, "w": w, "h": h, "role": role, "code": code, "label": label, "short": short,
            "href": site.href(iri)}


# --- timeline --------------------------------------------------------------------------------------------------
def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def timeline(index: GraphIndex) -> dict:
    events = []
    for e in index.instances(GCM.Meeting.value):
        row = views.event_row(index, e)
        held, planned = _date(row["held"]), _date(row["planned"])
        if held or planned:
            events.append((held or planned, row, held, planned, _date(row["held_end"]), _date(row["planned_end"])))
    events.sort(key=lambda t: (t[0], t[1]["ref"].label))
    if not events:
        return {"events": [], "ticks": [], "width": 0, "height": 0}
    dates = [d for t in events for d in t[2:] if d]
    lo, hi = min(dates), max(dates)
    lo = date(lo.year, 1, 1)
    hi = date(hi.year + 1, 1, 1)
    left, right, row_h, top = 20, 960, 34, 40
    span = (hi - lo).days or 1

    def x(d: date) -> float:
        return left + (right - left) * (d - lo).days / span

    rows = []
    for n, (_first, row, held, planned, held_end, planned_end) in enumerate(events):
        y = top + n * row_h
        hx = x(held) if held else None
        px = x(planned) if planned and planned != held else None
        hex_ = x(held_end) if held_end else hx
        marks = [v for v in (hx, hex_, px) if v is not None]
        on_left = min(marks) < (left + right) / 2
        # the label stands clear of both marks: right of them in the first half, left of them in the second
        rows.append({"y": y, "held_x": hx, "held_end_x": hex_,
                     "planned_x": px, "label": row["ref"].label, "href": row["ref"].href,
                     "held": row["held"], "planned": row["planned"], "moved": row["moved"],
                     "text_x": max(marks) + 12 if on_left else min(marks) - 12,
                     "text_anchor": "start" if on_left else "end"})
    ticks = [{"x": x(date(yr, 1, 1)), "label": str(yr)} for yr in range(lo.year, hi.year + 1)]
    return {"events": rows, "ticks": ticks, "width": right + 30, "height": top + len(rows) * row_h + 30,
            "axis_y": top + len(rows) * row_h + 4}


# --- figures -------------------------------------------------------------------------------------------------
def figure_charts(index: GraphIndex) -> list[dict]:
    groups: dict[tuple, list] = defaultdict(list)
    for f in index.instances(GCM.StatisticalObservation.value):
        if index.is_a(f, GCM.ParticipationFigure.value):
            continue
        year = index.text(f, GCM.refYear.value)
        measure = index.iris(f, GCM.measure.value)
        unit = index.text(f, GCM.unit.value) or ""
        value = index.value(f, GCM.value.value)
        if not (year and measure and value is not None):
            continue
        try:
            v = float(value.value)
        except ValueError:
            continue
        groups[(measure[0], unit)].append((year, v, f))
    charts = []
    for (measure, unit), obs in sorted(groups.items(), key=lambda kv: (index.label(kv[0][0]), kv[0][1])):
        obs.sort(key=lambda t: (t[0], -t[1]))
        top = max(v for _y, v, _f in obs) or 1
        bar_left, bar_right, row_h = 400, 860, 26
        bars = []
        for n, (year, v, f) in enumerate(obs):
            area = index.iris(f, GCM.refArea.value)
            prov = views.provenance(index, f)
            label = f"{year}" + (f", {index.label(area[0], site.langs())}" if area else "")
            if prov:
                label += f" · {prov['doc_short']}" + (f" ¶{prov['paragraph_key']}" if prov["paragraph_key"] else "")
            printed = index.text(f, "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf") or ""
            bars.append({"y": 34 + n * row_h, "w": max(1.0, (bar_right - bar_left) * v / top), "value": v,
                         "display": views.format_number(str(v)), "label": label, "printed": printed,
                         "href": site.href(f), "source_href": prov["href"] if prov else None,
                         "source": (f"{prov['document'].label}, paragraph {prov['paragraph_key']}"
                                    if prov and prov["paragraph_key"] else (prov["document"].label if prov else "")),
                         "doc_id": index.text(prov["document"].iri, DCT.identifier.value) if prov else ""})
        charts.append({"measure": site.ref(measure), "unit": unit, "bars": bars, "left": bar_left,
                       "width": bar_right + 120, "height": 40 + len(bars) * row_h})
    return charts


# --- routes ---------------------------------------------------------------------------------------------------
@bp.get("/charts")
def charts_page():
    index = site.index()
    key = ("charts-page", site.langs())
    data = index.cache.get(key)
    if data is None:
        data = index.cache[key] = {
            "heatmap": heatmap(index), "timeline": timeline(index), "figures": figure_charts(index),
            "sdg": sdg_layers(index, objectives(index), with_indicators=False),
        }
    return site.render("charts/index.html", title="Charts", **data)


@bp.get("/charts/evidence")
def evidence_matrix():
    index = site.index()
    return site.render("charts/evidence.html", title="Evidence matrix: objectives × countries",
                       heatmap=heatmap(index))


@bp.get("/evidence")
def evidence():
    """The statements behind one cell of the evidence matrix (or any mix of objective, country, document, type)."""
    from server.pages.entities import not_found

    index = site.index()
    statements = index.instances(GCM.Statement.value)
    filters = []
    objective = request.args.get("objective", "").strip()
    if objective:
        o = next((x for x in objectives(index) if str(_number(index, x)) == objective), None)
        if o is None:
            return not_found(request.full_path)
        statements = [s for s in statements if o in index.iris(s, GCM.addressesObjective.value)]
        filters.append(("Objective", site.ref(o)))
    country = request.args.get("country", "").strip().upper()
    if country:
        c = next((x for x in index.instances(GCM.Country.value) if index.text(x, GCM.iso3.value) == country), None)
        if c is None:
            return not_found(request.full_path)
        statements = [s for s in statements if c in index.iris(s, GCM.mentions.value)]
        filters.append(("Country", site.ref(c)))
    document = request.args.get("document", "").strip()
    if document:
        d = next((x for x in index.instances(GCM.Document.value)
                  if index.text(x, DCT.identifier.value) == document), None)
        if d is None:
            return not_found(request.full_path)
        statements = [s for s in statements if d in index.iris(s, GCM.inDocument.value)]
        filters.append(("Document", site.ref(d)))
    kind = request.args.get("type", "").strip().lower()
    if kind:
        cls = next((c for c, _n in views.STATEMENT_TYPES if c.rsplit("#", 1)[-1].lower() == kind), None)
        if cls is None:
            return not_found(request.full_path)
        statements = [s for s in statements if index.is_a(s, cls)]
        filters.append(("Type", site.ref(cls)))
    groups = views.group_statements(index, statements)
    title = "Statements" + (": " + " × ".join(r.label for _n, r in filters) if filters else "")
    return site.render("evidence.html", title=title, filters=filters, groups=groups,
                       count=len(set(statements)))
