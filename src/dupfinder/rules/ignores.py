"""Ignore rules: code left out of the analysis (generated files, migrations, tests...), by path or header marker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import pathspec

from dupfinder.model import IgnoreRule, RuleSet

#: Lines at the top of a file that ignore-rule markers are searched in.
HEADER_LINES = 10


@lru_cache(maxsize=256)
def _ignore_matchers(rule: IgnoreRule) -> tuple[pathspec.GitIgnoreSpec, tuple[re.Pattern[str], ...]]:
    return pathspec.GitIgnoreSpec.from_lines(rule.paths), tuple(re.compile(m) for m in rule.markers)


def is_ignored(path: str, first_lines: Sequence[str] | str, rules: RuleSet) -> str | None:
    """Why ``path`` is left out (``"<rule id>: ..."``), or None. Pass the file's first HEADER_LINES lines."""
    lines = first_lines.splitlines() if isinstance(first_lines, str) else list(first_lines)
    header = lines[:HEADER_LINES]
    for rule in rules.ignores:
        if not rule.enabled:
            continue
        spec, markers = _ignore_matchers(rule)
        if rule.paths and spec.match_file(path):
            glob = next(
                (
                    g
                    for g in reversed(rule.paths)
                    if not g.startswith("!") and pathspec.GitIgnoreSpec.from_lines([g]).match_file(path)
                ),
                rule.paths[0],
            )
            return f"{rule.id}: path matches {glob!r}"
        for marker, rx in zip(rule.markers, markers, strict=True):
            if any(rx.search(line) for line in header):
                return f"{rule.id}: header matches {marker!r}"
    return None
