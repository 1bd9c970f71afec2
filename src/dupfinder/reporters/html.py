"""Self-contained HTML report for a platform PM: ranked opportunities, heatmap, adoption, evidence, trend.

One file, no network: CSS, JavaScript and charts are inline, and a
Content-Security-Policy (``default-src 'none'``, the one script allowed by
its SHA-256) forbids every request and every script but ours, as a second
line of defence.

Untrusted input
    Code, paths, names and team names come from the scanned repositories.
    Server-side parts (summary, adoption, trend charts) go through Jinja2 with
    autoescaping on. Everything else travels as JSON inside
    ``<script type="application/json">`` with ``<``, ``>``, ``&`` and the
    line separators written as ``\\uXXXX`` escapes, so no string can close the
    block; the script reads it with ``JSON.parse`` and builds the page with
    ``textContent`` and ``setAttribute`` only (never ``innerHTML``), and
    follows a link only when its scheme is http, https or file.

Scale
    The data holds every opportunity and cluster (locations only), and code
    for the first ``max_evidence`` clusters in report order, each copy cut at
    ``max_code_lines``; the script shows one page of opportunities at a time
    and renders a cluster's evidence only when it is opened, so the page stays
    responsive with thousands of clusters and the file grows by a few hundred
    bytes per copy beyond the evidence budget.

Evidence
    Each copy is compared with the cluster's representative by
    :class:`difflib.SequenceMatcher` on lines (leading and trailing whitespace
    ignored), and lines paired inside a changed block are compared by
    characters to mark what differs. Cost: O(lines^2) per pair at worst, for
    at most ``max_evidence`` clusters.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TextIO

import jinja2
from markupsafe import Markup

from dupfinder import __version__
from dupfinder.model import Cluster, Opportunity, ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.opportunities.graph import team_label
from dupfinder.reporters.common import (
    category_name,
    cluster_label,
    grouped,
    instance_link,
    opportunity_label,
    summary,
)
from dupfinder.reporters.markdown import score_breakdown

if TYPE_CHECKING:
    from dupfinder.model import TrendPoint

_MAX_INTRALINE_CHARS = 400  #: longer changed lines are marked whole
_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
_TREND_TEAMS = 6


# ---------------------------------------------------------------- evidence


# Lines are aligned by their *shape* (identifiers -> $, literals -> #, keywords and punctuation kept), as the
# scanner compares code, so a renamed copy lines up with its original; words that differ are then marked.
_SHAPE_TOKEN = re.compile(r"\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?|`[^`]*`?|\w+|\S")
_WORD = re.compile(r"\w+|\s+|[^\w\s]")
# one string reads better than seventy list items
_KEYWORDS = frozenset(
    """
    and as assert async await break case catch class const continue def default defer del do elif else enum except
    export extends false False final finally for from func function go if implements import in instanceof interface
    is let new nil None not null of or package pass private protected public raise return select static struct super
    switch this throw throws true True try type typeof var void while with yield
    """.split()  # noqa: SIM905
)


def line_shape(line: str) -> str:
    """``line`` with identifiers as ``$`` and literals as ``#`` (keywords and punctuation kept)."""
    out: list[str] = []
    for tok in _SHAPE_TOKEN.findall(line):
        if tok[0] in "\"'`" or tok[0].isdigit():
            out.append("#")
        elif tok[0].isalpha() or tok[0] == "_":
            out.append(tok if tok in _KEYWORDS else "$")
        else:
            out.append(tok)
    return " ".join(out)


def word_spans(a: str, b: str) -> tuple[list[list[int]], list[list[int]]]:
    """Character spans of the words of ``a`` and of ``b`` that differ between them (whole words, merged)."""
    if len(a) > _MAX_INTRALINE_CHARS or len(b) > _MAX_INTRALINE_CHARS:
        return [[0, len(a)]] if a else [], [[0, len(b)]] if b else []
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    offsets_a = [0]
    for w in wa:
        offsets_a.append(offsets_a[-1] + len(w))
    offsets_b = [0]
    for w in wb:
        offsets_b.append(offsets_b[-1] + len(w))
    spans_a: list[list[int]] = []
    spans_b: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for spans, offsets, lo, hi in ((spans_a, offsets_a, i1, i2), (spans_b, offsets_b, j1, j2)):
            if hi > lo:
                start, end = offsets[lo], offsets[hi]
                if spans and spans[-1][1] == start:
                    spans[-1][1] = end
                else:
                    spans.append([start, end])
    return spans_a, spans_b


def line_diff(left: Sequence[str], right: Sequence[str]) -> dict[str, Any]:
    """Opcodes aligning ``left`` with ``right`` by line shape, and the differing words of each paired line.

    ``ops`` are :meth:`difflib.SequenceMatcher.get_opcodes` with the tag cut to
    its first letter (e, r, d, i); ``marks`` are ``[left line, right line, left
    spans, right spans]`` for paired lines whose text differs.
    """
    sm = difflib.SequenceMatcher(None, [line_shape(s) for s in left], [line_shape(s) for s in right], autojunk=False)
    ops = sm.get_opcodes()
    marks: list[list[Any]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag not in ("equal", "replace"):
            continue
        for k in range(min(i2 - i1, j2 - j1)):
            a, b = left[i1 + k], right[j1 + k]
            if a.strip() != b.strip():
                sa, sb = word_spans(a, b)
                marks.append([i1 + k, j1 + k, sa, sb])
    return {"ops": [[tag[0], i1, i2, j1, j2] for tag, i1, i2, j1, j2 in ops], "marks": marks}


def _code_lines(code: str, limit: int) -> tuple[list[str], bool]:
    lines = code.split("\n") if code else []
    return lines[:limit], len(lines) > limit


@dataclass(frozen=True, slots=True)
class _Tables:
    """Strings shared by many copies, written once (copies refer to them by index)."""

    teams: dict[str, int]
    languages: dict[str, int]
    url_base: str  #: the prefix every link shares


def _common_prefix(urls: Sequence[str]) -> str:
    if not urls:
        return ""
    lo, hi = min(urls), max(urls)
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    return lo[:n]


def _cluster_data(c: Cluster, options: ReportOptions, tables: _Tables, with_code: bool) -> dict[str, Any]:
    copies: list[list[Any]] = []
    for i in c.instances:
        url = instance_link(options, i)
        copies.append(
            [
                i.path,
                i.start_line,
                i.end_line,
                i.name,
                tables.languages[i.language],
                tables.teams[team_label(i.team)],
                round(i.similarity, 4),
                None if url is None else url[len(tables.url_base) :],
            ]
        )
    data: dict[str, Any] = {
        "id": str(c.id),
        "category": c.category,
        "sim": round(c.similarity, 4),
        "lines": c.lines,
        "copies": copies,
    }
    if c.instances[0].name is None:
        data["label"] = cluster_label(c)
    if c.category is not None:
        data["confidence"] = round(c.category_confidence, 2)
        data["because"] = list(c.evidence)
    if with_code:
        code = [_code_lines(i.code, options.max_code_lines) for i in c.instances]
        data["code"] = [lines for lines, _ in code]
        data["cut"] = [cut for _, cut in code]
        data["diffs"] = [None] + [line_diff(code[0][0], lines) for lines, _ in code[1:]]
    return data


def _opportunity_data(o: Opportunity | None, members: Sequence[Cluster], first: int) -> dict[str, Any]:
    cells: dict[str, list[int]] = {}
    for c in members:
        for i in c.instances:
            cell = cells.setdefault(team_label(i.team), [0, 0])
            cell[0] += 1
            cell[1] += i.lines
    if o is None:
        label = f"{category_name(members[0].category)}: {cluster_label(members[0])}"
        return {
            "rank": None,
            "label": label,
            "category": members[0].category,
            "pioneers": [],
            "instances": sum(len(c.instances) for c in members),
            "lines": sum(c.lines for c in members),
            "score": None,
            "parts": [],
            "clusters": list(range(first, first + len(members))),
            "cells": {t: cells[t] for t in sorted(cells)},
        }
    return {
        "rank": o.rank,
        "label": opportunity_label(o, members),
        "category": o.category,
        "pioneers": list(o.pioneers),
        "instances": o.instances,
        "lines": o.lines,
        "score": round(o.score, 3),
        "parts": [[label, round(v, 2)] for label, v in score_breakdown(o)],
        "clusters": list(range(first, first + len(members))),
        "cells": {t: cells[t] for t in sorted(cells)},
    }


def view_data(result: ScanResult, options: ReportOptions) -> dict[str, Any]:
    """Everything the page's script shows, as plain JSON-able data (see the module docstring).

    Compact on purpose (it is most of the file): a copy is ``[path, start,
    end, name, language index, team index, similarity, link after urlBase]``;
    the script derives each cluster's and opportunity's teams and languages.
    """
    teams = sorted({team_label(i.team) for c in result.clusters for i in c.instances})
    languages = sorted({i.language for c in result.clusters for i in c.instances})
    urls = [u for c in result.clusters for i in c.instances if (u := instance_link(options, i)) is not None]
    tables = _Tables({t: n for n, t in enumerate(teams)}, {x: n for n, x in enumerate(languages)}, _common_prefix(urls))
    opportunities: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    for o, members in grouped(result):
        opportunities.append(_opportunity_data(o, members, len(clusters)))
        for c in members:
            clusters.append(_cluster_data(c, options, tables, with_code=len(clusters) < options.max_evidence))
    return {
        "opportunities": opportunities,
        "clusters": clusters,
        "teams": teams,
        "categories": sorted({category_name(c.category) for c in result.clusters}),
        "languages": languages,
        "urlBase": tables.url_base,
        "evidence": min(options.max_evidence, len(clusters)),
        "maxCodeLines": options.max_code_lines,
    }


def script_json(data: object) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left to end it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


# ---------------------------------------------------------------- charts (geometry only; text escaped by Jinja)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _segments(xy: Sequence[tuple[float, float] | None]) -> list[str]:
    """SVG ``points`` of the unbroken runs of a series (a missing value breaks the line)."""
    runs: list[list[str]] = [[]]
    for p in xy:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(f"{p[0]:.1f},{p[1]:.1f}")
    return [" ".join(r) for r in runs if r]


def _line_chart(
    points: Sequence[TrendPoint], series: Sequence[tuple[str, list[float | None]]], y_max: float, percent: bool
) -> dict[str, Any]:
    width, height, left, right, top, bottom = 780, 270, 64, 190, 16, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)

    def x(k: int) -> float:
        return round(left + (plot_w * k / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v / y_max), 1)

    def show(v: float) -> str:
        return f"{v:.0%}" if percent else f"{v:,.0f}"

    ticks = [y_max * k / 4 for k in range(5)]
    label_every = max(1, math.ceil(n / 6))
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_w": plot_w,
        "bottom_y": top + plot_h,
        "y_ticks": [{"y": y(t), "label": show(t)} for t in ticks],
        "x_labels": [
            {"x": x(k), "label": p.date[:10], "rev": p.rev[:7]}
            for k, p in enumerate(points)
            # every few points, and the last one, never two labels closer than 80 px
            if k == n - 1 or (k % label_every == 0 and x(n - 1) - x(k) >= 80)
        ],
        "series": [
            {
                "name": name,
                "color": _PALETTE[s % len(_PALETTE)],
                "segments": _segments([None if v is None else (x(k), y(v)) for k, v in enumerate(values)]),
                "dots": [
                    {"x": x(k), "y": y(v), "title": f"{points[k].date[:10]} {points[k].rev[:10]}: {name} {show(v)}"}
                    for k, v in enumerate(values)
                    if v is not None
                ],
                "legend_y": top + 14 + 18 * s,
            }
            for s, (name, values) in enumerate(series)
        ],
        "legend_x": width - right + 12,
    }


def _team_lines(p: TrendPoint, team: str) -> int:
    return next((x.copy_lines for x in p.teams if x.team == team), 0)


def _rate(p: TrendPoint, platform: str) -> float | None:
    """Adoption rate of ``platform`` at ``p``; None when no team has code in its category (nothing to adopt yet)."""
    a = next((a for a in p.adoption if a.platform == platform), None)
    if a is None or not (a.adopters or a.rolling_their_own):
        return None
    return a.rate


def trend_charts(points: Sequence[TrendPoint]) -> dict[str, Any] | None:
    """Geometry of the duplication and adoption charts (None without points)."""
    if not points:
        return None
    from dupfinder.reporters.trend import top_teams

    teams = top_teams(points, _TREND_TEAMS)
    dup: list[tuple[str, list[float | None]]] = [("duplicated lines", [float(p.duplicated_lines) for p in points])]
    dup.extend((t, [float(_team_lines(p, t)) for p in points]) for t in teams)
    dup_max = _nice_max(max(v for _, values in dup for v in values if v is not None))
    platforms = sorted({a.platform for p in points for a in p.adoption})
    adoption = [(pl, [_rate(p, pl) for p in points]) for pl in platforms]

    def rate_text(p: TrendPoint, pl: str) -> str:
        r = _rate(p, pl)
        return "–" if r is None else f"{r:.0%}"

    return {
        "duplication": _line_chart(points, dup, dup_max, percent=False),
        "adoption": _line_chart(points, adoption, 1.0, percent=True) if adoption else None,
        "rows": [
            {
                "rev": p.rev[:10],
                "date": p.date[:10],
                "files": p.files,
                "clusters": p.clusters,
                "dup": p.duplicated_lines,
                "teams": [_team_lines(p, t) for t in teams],
                "rates": [rate_text(p, pl) for pl in platforms],
            }
            for p in points
        ],
        "teams": teams,
        "platforms": platforms,
    }


def adoption_rows(result: ScanResult) -> list[dict[str, Any]]:
    rows = []
    for a in result.adoption:
        own = [t for t in a.rolling_their_own if t not in a.adopters]
        rows.append(
            {
                "platform": a.platform,
                "category": a.category,
                "rate": a.rate,
                "percent": f"{a.rate:.0%}",
                "bar": round(300 * a.rate, 1),
                "adopters": list(a.adopters),
                "own": own,
                "both": [t for t in a.rolling_their_own if t in a.adopters],
                "with_code": len(set(a.adopters) | set(a.rolling_their_own)),
                "copies": len(a.copies),
            }
        )
    return rows


# ---------------------------------------------------------------- page


def _asset(name: str) -> str:
    return resources.files("dupfinder.reporters").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dupfinder.reporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    script = _asset("report.js")
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=options.title,
            version=__version__,
            summary=summary(result, options.trend),
            stats=result.stats,
            clusters=len(result.clusters),
            opportunities=len(result.opportunities),
            adoption=adoption_rows(result),
            trend=trend_charts(options.trend),
            data=Markup(script_json(view_data(result, options))),
            style=Markup(_asset("report.css")),
            script=Markup(script),
            script_hash=csp_hash(script),
        )
    )
    out.write(page)
