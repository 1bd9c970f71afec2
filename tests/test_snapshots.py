"""Snapshots of every reporter's output, exactly as users see it, from frozen inputs (tests/frozen.py).

Every reporter in the registry has one: the scan's (text, JSON, ranking, Markdown, CSV, and the
HTML report's data block), the CI gate's (text, SARIF, GitHub annotations, PR Markdown) and the
trend's (table, JSON).  After an intended change, regenerate them all with one command and
review the diff::

    DUPFINDER_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dupfinder import reporters
from dupfinder.reporters import html
from frozen import ACME_LINKS, frozen_history, frozen_inconsistent, frozen_report, frozen_result, frozen_trend

SNAPSHOTS = Path(__file__).parent / "snapshots"

#: reporter -> snapshot file (the HTML page itself is checked in a browser; its data block is snapshotted below)
FILES = {
    "text": "scan.txt",
    "json": "scan.json",
    "ranking": "ranking.txt",
    "markdown": "pm-report.md",
    "csv": "pm-report.csv",
    "gate-text": "ci.txt",
    "sarif": "ci.sarif",
    "github": "ci-github.txt",
    "pr-markdown": "ci.md",
    "trend-table": "trend.txt",
    "trend-json": "trend.json",
    "history-text": "history.txt",
    "history-json": "history.json",
    "history-markdown": "history.md",
}

#: the gate's reporters on a change that reached one copy of three -> snapshot file
INCONSISTENT_FILES = {"gate-text": "ci-inconsistent.txt", "sarif": "ci-inconsistent.sarif",
                      "github": "ci-inconsistent-github.txt", "pr-markdown": "ci-inconsistent.md"}  # fmt: skip


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("DUPFINDER_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no snapshot {path}; run with DUPFINDER_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from its snapshot"


def value_for(kind: str) -> object:
    return {"scan": frozen_result, "gate": frozen_report, "trend": frozen_trend, "history": frozen_history}[kind]()


def test_every_builtin_reporter_has_a_snapshot() -> None:
    assert set(FILES) | {"html"} == set(reporters.BUILTINS)


@pytest.mark.parametrize("name", sorted(FILES))
def test_reporter_snapshot(name: str) -> None:
    buf = io.StringIO()
    reporters.write(name, value_for(reporters.KINDS.get(name, "scan")), buf, ACME_LINKS)
    check_snapshot(FILES[name], buf.getvalue())


@pytest.mark.parametrize("name", sorted(INCONSISTENT_FILES))
def test_inconsistent_change_snapshot(name: str) -> None:
    buf = io.StringIO()
    reporters.write(name, frozen_inconsistent(), buf, ACME_LINKS)
    check_snapshot(INCONSISTENT_FILES[name], buf.getvalue())


def test_html_data_block_snapshot() -> None:
    check_snapshot("html-data.json", html.script_json(html.view_data(frozen_result(), ACME_LINKS)) + "\n")
