"""Reporters: pure functions of a ScanResult, registered by name.

A reporter is ``write(result, out)``: it sees only the result, never the
scanner or the command line.  Third parties add one under the entry-point
group ``dupfinder.reporters``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import TextIO

from dupfinder.model import ScanResult

Reporter = Callable[[ScanResult, TextIO], None]

BUILTINS: dict[str, str] = {
    "text": "dupfinder.reporters.text:write",
    "json": "dupfinder.reporters.json:write",
    "ranking": "dupfinder.reporters.ranking:write",
    "markdown": "dupfinder.reporters.markdown:write",
    "csv": "dupfinder.reporters.csv:write",
    "html": "dupfinder.reporters.html:write",
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


def names() -> list[str]:
    return sorted(registry())
