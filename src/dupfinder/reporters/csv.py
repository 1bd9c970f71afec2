"""CSV report for spreadsheets: one row per copy (instance).

Columns (:data:`COLUMNS`, always all of them, in this order):
``opportunity_rank`` (empty for a cluster in no opportunity), ``category``,
``cluster_id``, ``team`` (empty when unowned), ``path``, ``start_line``,
``end_line``, ``lines``, ``language``, ``similarity`` (to the cluster's
representative), ``name``, ``url`` (from ``--link-template``, else empty),
``label`` (the opportunity's), ``evidence`` (``clone`` for a copy in an opportunity,
``implementation`` for a unit that is its team's own code for the capability; empty
outside opportunities) and ``confidence`` (of implementation evidence). An opportunity's
implementation evidence follows its clusters' copies, one row per unit, with no cluster id.
Rows follow the opportunities' rank, then the clusters' order inside one, then
the copies' order inside a cluster (representative first), so the file is
deterministic and sorting by rank in a spreadsheet keeps related copies
together.

RFC 4180 quoting through the :mod:`csv` module. A text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``:
paths and team names come from the scanned code, and a spreadsheet would
otherwise run them as formulas (CSV injection).
"""

from __future__ import annotations

import csv
from typing import TextIO

from dupfinder.model import ReportOptions, ScanResult
from dupfinder.model.report import DEFAULT_OPTIONS
from dupfinder.reporters.common import grouped, instance_link

COLUMNS = (
    "opportunity_rank",
    "category",
    "cluster_id",
    "team",
    "path",
    "start_line",
    "end_line",
    "lines",
    "language",
    "similarity",
    "name",
    "url",
    "label",
    "evidence",
    "confidence",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str | None) -> str:
    """A text cell a spreadsheet shows as text (never evaluates)."""
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write(result: ScanResult, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for opp, clusters in grouped(result):
        for c in clusters:
            for i in c.instances:
                w.writerow(
                    [
                        "" if opp is None else opp.rank,
                        cell(c.category),
                        cell(str(c.id)),
                        cell(i.team),
                        cell(i.path),
                        i.start_line,
                        i.end_line,
                        i.lines,
                        cell(i.language),
                        f"{i.similarity:.4f}",
                        cell(i.name),
                        cell(instance_link(options, i)),
                        "" if opp is None else cell(opp.label),
                        "" if opp is None else "clone",
                        "",
                    ]
                )
        if opp is None:
            continue
        written = {(i.path, i.start_line, i.end_line) for c in clusters for i in c.instances}
        for e in opp.evidence:
            if (e.path, e.start_line, e.end_line) in written:
                continue
            w.writerow([opp.rank, cell(opp.category), "", cell(e.team), cell(e.path), e.start_line, e.end_line,
                        e.end_line - e.start_line + 1, "", "", cell(e.name), "", cell(opp.label), e.kind,
                        f"{e.confidence:.4f}"])  # fmt: skip
