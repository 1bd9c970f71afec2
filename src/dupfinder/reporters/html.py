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
import hashlib
import json
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
from dupfinder.reporters.html_charts import trend_charts
from dupfinder.reporters.html_diff import line_diff
from dupfinder.reporters.html_history import history_view
from dupfinder.reporters.markdown import score_breakdown

if TYPE_CHECKING:
    pass


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


#: one colour per part of the score (the labels of :func:`~dupfinder.reporters.markdown.score_breakdown`),
#: the same in every row's bar and in the legend
PART_COLOURS: dict[str, str] = {
    "teams": "#1f5fbf",
    "copies": "#2ca02c",
    "duplicated lines": "#ff7f0e",
    "repositories": "#9467bd",
    "languages": "#8c564b",
    "churn": "#17becf",
}
OTHER_PART_COLOUR = "#7f7f7f"  #: a part this table does not know (a later version's)


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
        "teams": list(o.teams),  # the teams with copies of their own (a platform's own code is none)
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
    # every bar on one scale: the widest is the best score's positive parts
    scale = max((sum(max(0.0, v) for _, v in o["parts"]) for o in opportunities), default=0.0)
    return {
        "opportunities": opportunities,
        "clusters": clusters,
        "scoreScale": round(scale, 2) or 1,
        "partColours": PART_COLOURS,
        "otherPartColour": OTHER_PART_COLOUR,
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


#: what the adoption section shows when no platform is declared: the declaration of fixtures/acme-monorepo
#: (tests/test_report_html.py checks it against the fixture's .dupfinder/rules/platforms.yaml)
PLATFORM_EXAMPLE = """platforms:
  - id: acme-auth
    title: Acme auth (login and sessions)
    description: Login, password hashing and session tokens, for Python services and TypeScript apps.
    category: auth
    packages:
      python: [acme_auth]
      npm: ["@acme/auth"]
    paths: [platform/acme_auth/, platform/acme-auth-js/]
"""


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
            part_colours=PART_COLOURS,
            platform_example=PLATFORM_EXAMPLE,
            trend=trend_charts(options.trend),
            history=history_view(result, options),
            data=Markup(script_json(view_data(result, options))),
            style=Markup(_asset("report.css")),
            script=Markup(script),
            script_hash=csp_hash(script),
        )
    )
    out.write(page)
