"""Reporters: one registry for every output, each a pure function of a result value and its options.

A reporter is ``write(value, out, options)``: ``value`` is what it reports (a
:class:`~dupfinder.model.ScanResult`, a :class:`~dupfinder.model.GateReport` or
a :class:`~dupfinder.model.TrendSeries`, as :data:`KINDS` says), ``out`` a text
stream, ``options`` the :class:`~dupfinder.model.ReportOptions`.  It never sees
the scanner or the command line.  Third parties add one under the entry-point
group ``dupfinder.reporters`` (a ``module:function`` of the same signature,
reporting a scan result).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any, TextIO

from dupfinder.model import DEFAULT_OPTIONS, ReportOptions

Reporter = Callable[[Any, TextIO, ReportOptions], None]

#: name -> "module:function" of the built-in reporters
BUILTINS: dict[str, str] = {
    # a scan result (scan, opportunities, report)
    "text": "dupfinder.reporters.text:write",
    "json": "dupfinder.reporters.json:write",
    "ranking": "dupfinder.reporters.ranking:write",
    "markdown": "dupfinder.reporters.markdown:write",
    "csv": "dupfinder.reporters.csv:write",
    "html": "dupfinder.reporters.html:write",
    # the CI gate's report (ci)
    "gate-text": "dupfinder.reporters.gate_text:write",
    "sarif": "dupfinder.reporters.sarif:write",
    "github": "dupfinder.reporters.github:write",
    "pr-markdown": "dupfinder.reporters.pr_markdown:write",
    # a trend over revisions (trend)
    "trend-table": "dupfinder.reporters.trend:write_table",
    "trend-json": "dupfinder.reporters.trend:write_json",
    # each cluster's history from git (history)
    "history-text": "dupfinder.reporters.history:write_text",
    "history-json": "dupfinder.reporters.history:write_json",
    "history-markdown": "dupfinder.reporters.history:write_markdown",
}

#: name -> the kind of value the reporter takes ("scan" for every one not listed)
KINDS: dict[str, str] = {
    "gate-text": "gate",
    "sarif": "gate",
    "github": "gate",
    "pr-markdown": "gate",
    "trend-table": "trend",
    "trend-json": "trend",
    "history-text": "history",
    "history-json": "history",
    "history-markdown": "history",
}

ENTRY_POINT_GROUP = "dupfinder.reporters"


@cache
def registry() -> dict[str, str]:
    table = dict(BUILTINS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        table.setdefault(ep.name, ep.value)
    return table


def get(name: str) -> Reporter:
    target = registry()[name]
    module_name, _, attr = target.partition(":")
    reporter: Reporter = getattr(importlib.import_module(module_name), attr)
    return reporter


def write(name: str, value: object, out: TextIO, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    """Write ``value`` to ``out`` with the reporter called ``name``."""
    get(name)(value, out, options)


def names(kind: str = "scan") -> list[str]:
    """The reporters of values of ``kind`` ("scan", "gate" or "trend"), sorted."""
    return sorted(n for n in registry() if KINDS.get(n, "scan") == kind)


__all__ = ["BUILTINS", "ENTRY_POINT_GROUP", "KINDS", "Reporter", "get", "names", "registry", "write"]
